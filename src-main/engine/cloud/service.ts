/**
 * CloudService: the one entry point the engine facade and the doors use for the cloud panel.
 *
 * It is also the network gate. Every operation that could reach Alibaba Cloud goes through
 * ready(), which throws CLOUD_DISABLED unless the user switched cloud sync on, filled in region /
 * project / dataset / bucket, and saved credentials. Clients are only constructed behind that
 * gate, so a service that is off cannot open a socket (test/cloud/offline.test.ts watches for one).
 * Settings, credential management and the cluster comparison are local and always available.
 */
import { EngineError } from '../errors';
import { parseRequest } from '../validate';
import { CloudConfigSchema, CloudSearchRequestSchema, ClipSearchRequestSchema, CompareRequestSchema, CredentialsInputSchema, PushRequestSchema } from '../../contract/cloud';
import type {
  ClipSearchResult,
  CloudConfig,
  CloudConfigPatch,
  CloudCluster,
  CloudSearchRequest,
  CloudSearchResult,
  CloudStatus,
  CloudTask,
  CompareClustersRequest,
  CompareResult,
  ConnectionCheck,
  CredentialSummary,
  CredentialsInput,
  LocalPerson,
  NameImport,
  PushRequest,
  PushResult,
  ClipSearchRequest,
} from '../../contract/cloud';
import { CloudError, isCloudError } from './cloud-error';
import { cloudSettings } from '../settings';
import type { CloudSettings, CloudSettingsOverrides } from '../settings';
import { compareClusters, planNameImports } from './compare';
import { CloudConfigStore } from './config-store';
import { IceRegistry } from './ice-registry';
import { LastSyncStore } from './last-sync-store';
import { CredentialStore } from './credentials';
import type { StringEncryptor } from './credentials';
import { CloudHttp } from './http';
import type { CloudHttpOptions, EndpointOverride } from './http';
import { IceClient } from './ice-client';
import { IMM_TASK_TYPES, ImmClient } from './imm-client';
import type { CloudLibrary } from './library-sync';
import type { OpenApiContext } from './openapi-rpc';
import { OssClient } from './oss-client';
import { pullClusters, push, searchByFace, searchClips, toCloudTask } from './sync';
import type { FlowOptions, PushOptions, SearchOptions, SyncContext, SyncTarget } from './sync';

export interface CloudServiceOptions {
  /** Config folder of the library/app: cloud-config.json, cloud-credentials.json (+ .key). */
  configDir: string;
  /** Electron safeStorage adapter; absent in CLI/web mode (AES file fallback). */
  encryptor?: StringEncryptor;
  /** Base URL(s) replacing the region endpoints (tests: the loopback emulator). */
  endpointOverride?: EndpointOverride;
  settings?: CloudSettingsOverrides;
  onAttempt?: CloudHttpOptions['onAttempt'];
  /** The library side (sync, pull, report, name import, face search), when a library is open. */
  library?: (cloud: CloudService) => CloudLibrary;
}


function targetOf(c: CloudConfig): SyncTarget | undefined {
  if (!c.region || !c.projectName || !c.datasetName || !c.bucket) return undefined;
  return {
    region: c.region,
    projectName: c.projectName,
    datasetName: c.datasetName,
    bucket: c.bucket,
    prefix: c.prefix,
    ...(c.iceSearchLibName ? { iceSearchLibName: c.iceSearchLibName } : {}),
    ...(c.iceNamespace ? { iceNamespace: c.iceNamespace } : {}),
  };
}

export class CloudService {
  readonly credentials: CredentialStore;
  /** The clusters of the last sync or pull, for the comparison and name imports between sessions. */
  readonly lastSync: LastSyncStore;
  private readonly iceRegistry: IceRegistry;
  private readonly configStore: CloudConfigStore;
  /** The cloud slice of the engine's settings (the face search crop reads its margin here). */
  readonly settings: CloudSettings;
  private readonly librarySide: CloudLibrary | null;

  constructor(private readonly opts: CloudServiceOptions) {
    this.credentials = new CredentialStore({ configDir: opts.configDir, ...(opts.encryptor ? { encryptor: opts.encryptor } : {}) });
    this.configStore = new CloudConfigStore(opts.configDir);
    this.lastSync = new LastSyncStore(opts.configDir);
    this.iceRegistry = new IceRegistry(opts.configDir);
    this.settings = cloudSettings(opts.settings);
    this.librarySide = opts.library ? opts.library(this) : null;
  }

  /** Sync, pull, report, name import and face search against the open library. */
  get library(): CloudLibrary {
    if (!this.librarySide) throw new EngineError('INVALID_ARGUMENT', 'No library is open');
    return this.librarySide;
  }

  // ---- local: settings and credentials (no network) ----

  getConfig(): Promise<CloudConfig> {
    return this.configStore.read();
  }

  /** Changes region/project/dataset/bucket/prefix and the enabled switch. */
  updateConfig(patch: CloudConfigPatch): Promise<CloudConfig> {
    return this.configStore.update(patch);
  }

  async status(): Promise<CloudStatus> {
    const config = await this.configStore.read();
    const credentials = await this.safeDescribe();
    const configured = !!targetOf(config);
    const reason = !config.enabled
      ? 'Cloud sync is turned off.'
      : !configured
        ? 'Region, project, dataset and bucket must all be set.'
        : !credentials.stored
          ? 'No credentials are saved.'
          : undefined;
    return { enabled: config.enabled, configured, credentials, ready: !reason, ...(reason ? { reason } : {}), config: CloudConfigSchema.parse(config) };
  }

  /** Encrypts and stores the credentials; answers with the summary only (the secret never comes back). */
  saveCredentials(input: CredentialsInput): Promise<CredentialSummary> {
    const c = parseRequest(CredentialsInputSchema, input);
    return this.credentials.save({ accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, ...(c.securityToken ? { securityToken: c.securityToken } : {}) });
  }

  describeCredentials(): Promise<CredentialSummary> {
    return this.safeDescribe();
  }

  eraseCredentials(): Promise<void> {
    return this.credentials.erase();
  }

  /** "Disconnect": switch sync off, erase the stored credentials and key and what the last sync pulled. */
  async disconnect(): Promise<CloudStatus> {
    await this.credentials.erase();
    await this.lastSync.clear();
    await this.configStore.update({ enabled: false });
    return this.status();
  }

  /** Local comparison of pulled clusters with local persons (no network). */
  compareClusters(request: CompareClustersRequest): CompareResult {
    const r = parseRequest(CompareRequestSchema, request);
    return compareClusters({
      clusters: r.clusters,
      persons: r.persons,
      ...(r.media ? { media: r.media } : {}),
      ...(r.mapping ? { mapping: r.mapping } : {}),
      ...(r.minScore !== undefined ? { minScore: r.minScore } : {}),
    });
  }

  planNameImports(result: CompareResult, persons: LocalPerson[], opts: { minScore?: number; allowRename?: boolean } = {}): NameImport[] {
    return planNameImports(result, persons, opts);
  }

  // ---- network: every method below passes through ready() first ----

  async testConnection(opts: FlowOptions = {}): Promise<ConnectionCheck> {
    const ctx = await this.ready();
    const checks: ConnectionCheck['checks'] = [];
    const probe = async (service: 'oss' | 'imm', fn: () => Promise<unknown>): Promise<void> => {
      try {
        await fn();
        checks.push({ service, ok: true });
      } catch (e) {
        if (isCloudError(e) && e.code === 'CLOUD_CANCELLED') throw e;
        const ce = isCloudError(e) ? e : undefined;
        checks.push({
          service,
          ok: false,
          code: ce?.serviceCode ?? ce?.code ?? 'INTERNAL',
          message: (e as Error).message,
          ...(ce?.requestId ? { requestId: ce.requestId } : {}),
        });
      }
    };
    const sig = opts.signal ? { signal: opts.signal } : {};
    await probe('oss', () => ctx.oss.listObjectsV2({ bucket: ctx.target.bucket, prefix: ctx.target.prefix, maxKeys: 1 }, sig));
    await probe('imm', () => ctx.imm.listTasks({ ProjectName: ctx.target.projectName, MaxResults: 1 }, sig));
    return { ok: checks.every((c) => c.ok), checks };
  }

  async push(request: PushRequest, opts: FlowOptions & Pick<PushOptions, 'identify'> = {}): Promise<PushResult> {
    const r = parseRequest(PushRequestSchema, request);
    const ctx = await this.ready();
    return push(ctx, r.media, { ...opts, ...(r.root ? { root: r.root } : {}), ...(r.skipClustering ? { skipClustering: true } : {}) });
  }

  async pullClusters(opts: FlowOptions = {}): Promise<CloudCluster[]> {
    return pullClusters(await this.ready(), opts);
  }

  async search(request: CloudSearchRequest, opts: SearchOptions = {}): Promise<CloudSearchResult> {
    const r = parseRequest(CloudSearchRequestSchema, request);
    const ctx = await this.ready();
    return searchByFace(
      ctx,
      {
        ...(r.imageUri ? { imageUri: r.imageUri } : {}),
        ...(r.localImage ? { localImage: r.localImage } : {}),
        maxResults: r.maxResults,
        imm: r.imm,
        immTask: r.immTask,
        ice: r.ice,
        ...(r.mediaType ? { mediaType: r.mediaType } : {}),
        pageNo: r.pageNo,
        pageSize: r.pageSize,
        ...(r.createdAfterMs !== undefined ? { createdAfterMs: r.createdAfterMs } : {}),
        ...(r.createdBeforeMs !== undefined ? { createdBeforeMs: r.createdBeforeMs } : {}),
      },
      opts,
    );
  }

  async searchClips(request: ClipSearchRequest, opts: FlowOptions = {}): Promise<ClipSearchResult> {
    const r = parseRequest(ClipSearchRequestSchema, request);
    return searchClips(await this.ready(), r, opts);
  }

  async getTask(taskId: string, taskType: string = IMM_TASK_TYPES.figureClustering, opts: FlowOptions = {}): Promise<CloudTask> {
    const ctx = await this.ready();
    const t = await ctx.imm.getTask({ ProjectName: ctx.target.projectName, TaskType: taskType, TaskId: taskId }, opts.signal ? { signal: opts.signal } : {});
    return toCloudTask(t, taskId);
  }

  async listTasks(req: { taskTypes?: string[]; status?: string; maxResults?: number; nextToken?: string } = {}, opts: FlowOptions = {}): Promise<{ tasks: CloudTask[]; nextToken?: string }> {
    const ctx = await this.ready();
    const r = await ctx.imm.listTasks(
      {
        ProjectName: ctx.target.projectName,
        ...(req.taskTypes ? { TaskTypes: req.taskTypes } : {}),
        ...(req.status ? { Status: req.status } : {}),
        MaxResults: req.maxResults ?? 20,
        ...(req.nextToken ? { NextToken: req.nextToken } : {}),
        Order: 'desc',
        Sort: 'StartTime',
      },
      opts.signal ? { signal: opts.signal } : {},
    );
    return { tasks: (r.Tasks ?? []).map((t) => toCloudTask(t)), ...(r.NextToken ? { nextToken: r.NextToken } : {}) };
  }

  /**
   * The gate. Nothing that can open a socket exists before this returns: clients, the HTTP layer
   * and the credentials provider are all created here, per call.
   */
  private async ready(): Promise<SyncContext> {
    const config = await this.configStore.read();
    if (!config.enabled) throw new CloudError('CLOUD_DISABLED', 'Cloud sync is turned off. Turn it on in Settings > Cloud first.', { service: 'local' });
    const target = targetOf(config);
    if (!target) throw new CloudError('CLOUD_DISABLED', 'Cloud sync is not set up: region, project, dataset and bucket are required.', { service: 'local' });
    if (!(await this.credentials.has())) throw new CloudError('CLOUD_DISABLED', 'No cloud credentials are saved.', { service: 'local' });
    const http = new CloudHttp({ policy: this.settings.retry, ...(this.opts.onAttempt ? { onAttempt: this.opts.onAttempt } : {}) });
    const credentials = async (): Promise<{ accessKeyId: string; accessKeySecret: string; securityToken?: string }> => {
      const c = await this.credentials.load();
      if (!c) throw new CloudError('CLOUD_DISABLED', 'No cloud credentials are saved.', { service: 'local' });
      return c;
    };
    const api: OpenApiContext = { http, region: target.region, credentials, ...(this.opts.endpointOverride ? { endpointOverride: this.opts.endpointOverride } : {}) };
    return {
      target,
      imm: new ImmClient(api),
      ice: new IceClient(api),
      oss: new OssClient({ http, region: target.region, credentials, ...(this.opts.endpointOverride ? { endpointOverride: this.opts.endpointOverride } : {}) }),
      settings: this.settings,
      iceRegistry: this.iceRegistry,
    };
  }

  private async safeDescribe(): Promise<CredentialSummary> {
    try {
      return await this.credentials.describe();
    } catch {
      return { stored: false };
    }
  }
}
