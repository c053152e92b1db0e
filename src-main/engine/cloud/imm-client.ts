/**
 * Intelligent Media Management (IMM) API 2020-09-30, the operations the sync flows use. Request
 * parameters and response shapes follow the IMM API reference (and the field names of Alibaba's
 * generated SDK models); responses are returned as the service sends them (PascalCase), the sync
 * layer turns them into the contract's types.
 */
import { callRpc } from './openapi-rpc';
import type { OpenApiContext } from './openapi-rpc';

export const IMM_VERSION = '2020-09-30';

/** IMM TaskType values (IMM "Task type list"). */
export const IMM_TASK_TYPES = { figureClustering: 'FaceClustering', facesSearching: 'FacesSearching' } as const;

export type ImmTaskStatus = 'Running' | 'Succeeded' | 'Failed' | (string & {});

export interface ImmTimeRange {
  Start?: string;
  End?: string;
}

export interface ImmNotification {
  MNS?: { TopicName?: string; Endpoint?: string };
  RocketMQ?: { Endpoint?: string; InstanceId?: string; TopicName?: string };
}

export interface ImmInputFile {
  /** oss://bucket/object — the object must be in a bucket of the project's region. */
  URI: string;
  CustomId?: string;
  CustomLabels?: Record<string, string>;
  MediaType?: 'image' | 'video' | 'audio' | 'document' | 'other';
  ContentType?: string;
  FileHash?: string;
  ProduceTime?: string;
  Title?: string;
}

export interface ImmBoundary {
  Width?: number;
  Height?: number;
  Left?: number;
  Top?: number;
}

export interface ImmFigure {
  FigureId?: string;
  FigureClusterId?: string;
  FigureClusterConfidence?: number;
  FigureConfidence?: number;
  FigureType?: string;
  FaceQuality?: number;
  Boundary?: ImmBoundary;
  Age?: number;
  Gender?: string;
}

export interface ImmFile {
  URI?: string;
  CustomId?: string;
  MediaType?: string;
  Filename?: string;
  Figures?: ImmFigure[];
  ProduceTime?: string;
  [k: string]: unknown;
}

export interface ImmFigureCluster {
  ObjectId?: string;
  ObjectType?: string;
  Name?: string;
  CustomId?: string;
  CustomLabels?: Record<string, unknown>;
  DatasetName?: string;
  ProjectName?: string;
  FaceCount?: number;
  ImageCount?: number;
  VideoCount?: number;
  Gender?: string;
  AverageAge?: number;
  MinAge?: number;
  MaxAge?: number;
  Cover?: ImmFile;
  CreateTime?: string;
  UpdateTime?: string;
  MetaLockVersion?: number;
}

/** One face of the searched image and the cluster it belongs to (SearchImageFigureCluster). */
export interface ImmImageFigureCluster {
  ClusterId?: string;
  Similarity?: number;
  Boundary?: ImmBoundary;
}

export interface ImmTaskInfo {
  TaskId?: string;
  TaskType?: string;
  Status?: ImmTaskStatus;
  Code?: string;
  Message?: string;
  Progress?: number;
  StartTime?: string;
  EndTime?: string;
  Tags?: Record<string, unknown>;
  UserData?: string;
  TaskRequestDefinition?: string;
}

export interface ImmBinding {
  ProjectName?: string;
  DatasetName?: string;
  URI?: string;
  State?: string;
  Phase?: string;
  Reason?: string;
  CreateTime?: string;
  UpdateTime?: string;
}

export interface ImmSimpleQuery {
  Field?: string;
  Operation: 'eq' | 'gt' | 'gte' | 'lt' | 'lte' | 'match' | 'prefix' | 'and' | 'or' | 'not' | 'exist' | 'nested' | 'match-phrase';
  Value?: string;
  SubQueries?: ImmSimpleQuery[];
}

interface WithRequestId {
  RequestId?: string;
}

export interface ImmTaskCreated extends WithRequestId {
  TaskId?: string;
  EventId?: string;
}

export interface ImmRequestOptions {
  signal?: AbortSignal;
}

interface ProjectDataset {
  ProjectName: string;
  DatasetName: string;
}

export class ImmClient {
  constructor(private readonly ctx: OpenApiContext) {}

  private async call<T extends object>(action: string, params: Record<string, unknown>, idempotent: boolean, opts: ImmRequestOptions = {}): Promise<T & WithRequestId> {
    const r = await callRpc<T & WithRequestId>(this.ctx, { api: 'imm', version: IMM_VERSION, action, params, idempotent, ...(opts.signal ? { signal: opts.signal } : {}) });
    return r.body;
  }

  /** Binds an OSS bucket to a dataset so IMM indexes its objects as they change. */
  createBinding(req: ProjectDataset & { URI: string }, opts?: ImmRequestOptions): Promise<WithRequestId & { Binding?: ImmBinding }> {
    return this.call('CreateBinding', { ...req }, false, opts);
  }

  /** Indexes one file's metadata (asynchronously: the answer comes before the index is updated). */
  indexFileMeta(req: ProjectDataset & { File: ImmInputFile; UserData?: string; Notification?: ImmNotification }, opts?: ImmRequestOptions): Promise<WithRequestId & { EventId?: string }> {
    return this.call('IndexFileMeta', { ...req }, false, opts);
  }

  /** Indexes up to 100 files per call (asynchronously, like IndexFileMeta). */
  batchIndexFileMeta(req: ProjectDataset & { Files: ImmInputFile[]; UserData?: string; Notification?: ImmNotification }, opts?: ImmRequestOptions): Promise<WithRequestId & { EventId?: string }> {
    if (req.Files.length < 1 || req.Files.length > 100) throw new RangeError('BatchIndexFileMeta takes 1 to 100 files');
    return this.call('BatchIndexFileMeta', { ...req }, false, opts);
  }

  /** Starts (incremental) figure clustering over the dataset; returns the TaskId to poll. */
  createFigureClusteringTask(req: ProjectDataset & { UserData?: string; Tags?: Record<string, string>; Notification?: ImmNotification }, opts?: ImmRequestOptions): Promise<ImmTaskCreated> {
    return this.call('CreateFigureClusteringTask', { ...req }, false, opts);
  }

  /**
   * Searches the dataset for the faces most like the largest face of each source image. The task
   * result is delivered only through the Notification (MNS / RocketMQ); GetTask reports its status.
   */
  createFacesSearchingTask(
    req: ProjectDataset & { Sources: Array<{ URI: string }>; MaxResult?: number; UserData?: string; Notification?: ImmNotification },
    opts?: ImmRequestOptions,
  ): Promise<ImmTaskCreated> {
    if (req.MaxResult !== undefined && (req.MaxResult < 0 || req.MaxResult > 100)) throw new RangeError('MaxResult must be 0-100');
    return this.call('CreateFacesSearchingTask', { ...req }, false, opts);
  }

  getTask(req: { ProjectName: string; TaskType: string; TaskId: string; RequestDefinition?: boolean }, opts?: ImmRequestOptions): Promise<WithRequestId & ImmTaskInfo & { ProjectName?: string; EventId?: string }> {
    return this.call('GetTask', { ...req }, true, opts);
  }

  listTasks(
    req: {
      ProjectName: string;
      TaskTypes?: string[];
      Status?: ImmTaskStatus;
      MaxResults?: number;
      NextToken?: string;
      Order?: 'asc' | 'desc';
      Sort?: 'TaskId' | 'StartTime' | 'EndTime';
      StartTimeRange?: ImmTimeRange;
      EndTimeRange?: ImmTimeRange;
      TagSelector?: string;
      RequestDefinition?: boolean;
    },
    opts?: ImmRequestOptions,
  ): Promise<WithRequestId & { ProjectName?: string; NextToken?: string; MaxResults?: string | number; Tasks?: ImmTaskInfo[] }> {
    return this.call('ListTasks', { ...req }, true, opts);
  }

  queryFigureClusters(
    req: ProjectDataset & {
      MaxResults?: number;
      NextToken?: string;
      Order?: 'asc' | 'desc';
      Sort?: 'ImageCount' | 'VideoCount' | 'ProjectName' | 'DatasetName' | 'CreateTime' | 'UpdateTime' | 'Gender' | 'FaceCount' | 'GroupName';
      CreateTimeRange?: ImmTimeRange;
      UpdateTimeRange?: ImmTimeRange;
      CustomLabels?: string;
      WithTotalCount?: boolean;
    },
    opts?: ImmRequestOptions,
  ): Promise<WithRequestId & { FigureClusters?: ImmFigureCluster[]; NextToken?: string; TotalCount?: number }> {
    return this.call('QueryFigureClusters', { ...req }, true, opts);
  }

  getFigureCluster(req: ProjectDataset & { ObjectId: string }, opts?: ImmRequestOptions): Promise<WithRequestId & { FigureCluster?: ImmFigureCluster }> {
    return this.call('GetFigureCluster', { ...req }, true, opts);
  }

  batchGetFigureCluster(req: ProjectDataset & { ObjectIds: string[] }, opts?: ImmRequestOptions): Promise<WithRequestId & { FigureClusters?: ImmFigureCluster[] }> {
    if (req.ObjectIds.length < 1 || req.ObjectIds.length > 100) throw new RangeError('BatchGetFigureCluster takes 1 to 100 ids');
    return this.call('BatchGetFigureCluster', { ...req }, true, opts);
  }

  /**
   * Which figure clusters the faces of one image belong to, answered at once (unlike
   * CreateFacesSearchingTask, whose hits arrive only by notification). Needs a finished
   * CreateFigureClusteringTask over the dataset.
   */
  searchImageFigureCluster(req: ProjectDataset & { SourceURI: string }, opts?: ImmRequestOptions): Promise<WithRequestId & { Clusters?: ImmImageFigureCluster[] }> {
    return this.call('SearchImageFigureCluster', { ...req }, true, opts);
  }

  /**
   * Metadata query. The flows use it to learn which files a cluster holds (Figures.FigureClusterId)
   * and whether indexing has caught up; QueryFigureClusters alone does not list cluster members.
   */
  simpleQuery(
    req: ProjectDataset & { Query?: ImmSimpleQuery; MaxResults?: number; NextToken?: string; Sort?: string; Order?: string; WithFields?: string[]; WithoutTotalHits?: boolean },
    opts?: ImmRequestOptions,
  ): Promise<WithRequestId & { Files?: ImmFile[]; NextToken?: string; TotalHits?: number }> {
    return this.call('SimpleQuery', { ...req }, true, opts);
  }
}
