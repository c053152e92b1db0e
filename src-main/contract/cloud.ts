/**
 * Contract of the optional Alibaba Cloud sync (IMM / ICE / OSS): what the doors send and get back
 * for the Settings cloud panel and the cloud side of search. No logic; the engine validates
 * requests with these schemas. Secrets only ever travel renderer -> engine (CredentialsInput),
 * never back: the engine answers with CredentialSummary.
 */
import { z } from 'zod';

/** Region ids like "cn-hangzhou", "ap-southeast-1". */
export const CloudRegionSchema = z.string().regex(/^[a-z]{2,}(-[a-z0-9]+)+$/, 'a region id like "cn-hangzhou"');

export const BucketNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/, '3-63 lower-case letters, digits or hyphens');

/** sha256 of the file content, lower-case hex; also what is stored in x-oss-meta-content-sha256. */
export const ContentHashSchema = z.string().regex(/^[0-9a-f]{64}$/, 'sha256 hex');

export const OssUriSchema = z.string().regex(/^oss:\/\/[a-z0-9][a-z0-9-]{1,61}[a-z0-9]\/.+$/, 'oss://bucket/key');

const cloudConfigShape = {
  /** Off by default: nothing touches the network until the user turns this on and saves credentials. */
  enabled: z.boolean(),
  region: CloudRegionSchema.optional(),
  /** IMM project (created in the IMM console, with a service role that can read the bucket). */
  projectName: z.string().min(1).max(128).optional(),
  /** IMM dataset the library is indexed into. */
  datasetName: z.string().min(1).max(128).optional(),
  bucket: BucketNameSchema.optional(),
  /** Key prefix under which the library is uploaded; ends with "/". */
  prefix: z.string().max(512).regex(/^(|[^/].*\/)$/, 'empty or ending with "/", not starting with "/"'),
  /** ICE media search library and namespace, when the user has one. */
  iceSearchLibName: z.string().min(1).max(128).optional(),
  iceNamespace: z.string().min(1).max(128).optional(),
  /**
   * Library folders (their paths) the sync uploads. Empty by default: the user picks each folder,
   * so turning sync on never sends the whole library by surprise.
   */
  folders: z.array(z.string().min(1).max(4096)).max(1000),
};

export const CloudConfigSchema = z.object({
  ...cloudConfigShape,
  enabled: cloudConfigShape.enabled.default(false),
  prefix: cloudConfigShape.prefix.default('face-organizer/'),
  folders: cloudConfigShape.folders.default([]),
});
export type CloudConfig = z.infer<typeof CloudConfigSchema>;

/**
 * A change to some settings. No defaults here: a key left out must stay as it is, not be reset.
 * null clears an optional setting (an emptied form field).
 */
export const CloudConfigPatchSchema = z
  .object({
    ...cloudConfigShape,
    region: cloudConfigShape.region.unwrap().nullable(),
    projectName: cloudConfigShape.projectName.unwrap().nullable(),
    datasetName: cloudConfigShape.datasetName.unwrap().nullable(),
    bucket: cloudConfigShape.bucket.unwrap().nullable(),
    iceSearchLibName: cloudConfigShape.iceSearchLibName.unwrap().nullable(),
    iceNamespace: cloudConfigShape.iceNamespace.unwrap().nullable(),
  })
  .partial();
export type CloudConfigPatch = z.infer<typeof CloudConfigPatchSchema>;

export const CredentialsInputSchema = z.object({
  accessKeyId: z.string().trim().min(6).max(128),
  accessKeySecret: z.string().trim().min(6).max(256),
  securityToken: z.string().trim().min(8).max(8192).optional(),
});
export type CredentialsInput = z.infer<typeof CredentialsInputSchema>;

export const CredentialSummarySchema = z.object({
  stored: z.boolean(),
  accessKeyIdMasked: z.string().optional(),
  hasSecurityToken: z.boolean().optional(),
  /** os-encryptor: Electron safeStorage (OS keychain); file-aes-256-gcm: 0600 file + 0600 key file. */
  protection: z.enum(['os-encryptor', 'file-aes-256-gcm']).optional(),
  savedAt: z.string().optional(),
});
export type CredentialSummary = z.infer<typeof CredentialSummarySchema>;

export const CloudStatusSchema = z.object({
  enabled: z.boolean(),
  /** Region, project, dataset and bucket are all set. */
  configured: z.boolean(),
  credentials: CredentialSummarySchema,
  /** The service will make calls (enabled, configured, credentials saved). */
  ready: z.boolean(),
  /** Why not ready, for the panel. */
  reason: z.string().optional(),
  config: CloudConfigSchema,
});
export type CloudStatus = z.infer<typeof CloudStatusSchema>;

export const CloudPhaseSchema = z.enum(['list', 'upload', 'index', 'wait-index', 'register', 'cluster', 'poll', 'pull', 'search']);
export type CloudPhase = z.infer<typeof CloudPhaseSchema>;

export const CloudProgressSchema = z.object({
  phase: CloudPhaseSchema,
  done: z.number().int().min(0),
  total: z.number().int().min(0),
  message: z.string().optional(),
});
export type CloudProgress = z.infer<typeof CloudProgressSchema>;

export const LocalMediaSchema = z.object({
  path: z.string().min(1),
  contentHash: ContentHashSchema,
  /** Object key below the configured prefix (posix separators); defaults to the path relative to `root`. */
  key: z.string().min(1).max(900).optional(),
  mediaType: z.enum(['image', 'video']).optional(),
});
export type LocalMedia = z.infer<typeof LocalMediaSchema>;

export const PushRequestSchema = z.object({
  media: z.array(LocalMediaSchema).max(100_000),
  /** Library folder the keys are made relative to, when media carry no explicit key. */
  root: z.string().min(1).optional(),
  /** Upload and index only. */
  skipClustering: z.boolean().optional(),
});
export type PushRequest = z.infer<typeof PushRequestSchema>;

export const UploadOutcomeSchema = z.object({
  path: z.string(),
  uri: z.string(),
  contentHash: ContentHashSchema,
  status: z.enum(['uploaded', 'skipped']),
});
export type UploadOutcome = z.infer<typeof UploadOutcomeSchema>;

export const CloudClusterMediaSchema = z.object({
  uri: z.string(),
  /** Present when the file was indexed by this app (IMM CustomId = content hash). */
  contentHash: ContentHashSchema.optional(),
});

export const CloudClusterSchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  faceCount: z.number().optional(),
  imageCount: z.number().optional(),
  videoCount: z.number().optional(),
  gender: z.string().optional(),
  averageAge: z.number().optional(),
  coverUri: z.string().optional(),
  createTime: z.string().optional(),
  updateTime: z.string().optional(),
  media: z.array(CloudClusterMediaSchema),
});
export type CloudCluster = z.infer<typeof CloudClusterSchema>;

export const CloudTaskSchema = z.object({
  taskId: z.string(),
  taskType: z.string().optional(),
  status: z.string(),
  code: z.string().optional(),
  message: z.string().optional(),
  progress: z.number().optional(),
  startTime: z.string().optional(),
  endTime: z.string().optional(),
});
export type CloudTask = z.infer<typeof CloudTaskSchema>;

export const PushResultSchema = z.object({
  uploaded: z.number().int(),
  skipped: z.number().int(),
  indexed: z.number().int(),
  /** Files put into the ICE search library (only when one is configured). */
  registered: z.number().int(),
  task: CloudTaskSchema.optional(),
  clusters: z.array(CloudClusterSchema),
  /** Where each local file went (path <-> oss:// URI), for mapping cloud results back. */
  mapping: z.array(UploadOutcomeSchema),
  warnings: z.array(z.string()),
});
export type PushResult = z.infer<typeof PushResultSchema>;

export const LocalPersonSchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  mediaPaths: z.array(z.string()),
});
export type LocalPerson = z.infer<typeof LocalPersonSchema>;

export const CompareRequestSchema = z.object({
  clusters: z.array(CloudClusterSchema),
  persons: z.array(LocalPersonSchema),
  /** Local path <-> content hash, so cloud media (identified by hash or URI) map to local paths. */
  media: z.array(LocalMediaSchema).optional(),
  /** Path <-> URI pairs from a push. */
  mapping: z.array(UploadOutcomeSchema).optional(),
  /** Pairs scoring below this are not matched (Jaccard of the media sets, 0..1). */
  minScore: z.number().min(0).max(1).optional(),
});
export type CompareClustersRequest = z.infer<typeof CompareRequestSchema>;

export const ClusterMatchSchema = z.object({
  clusterId: z.string(),
  clusterName: z.string().optional(),
  personId: z.string().optional(),
  personName: z.string().optional(),
  /** Jaccard index of the two media sets. */
  score: z.number(),
  shared: z.number().int(),
  clusterMedia: z.number().int(),
  personMedia: z.number().int(),
});
export type ClusterMatch = z.infer<typeof ClusterMatchSchema>;

export const CompareResultSchema = z.object({
  /** One entry per cloud cluster, with its best local person (one-to-one, greedy by score). */
  matches: z.array(ClusterMatchSchema),
  unmatchedPersons: z.array(z.string()),
  /** Cloud media no local file corresponds to (uploaded elsewhere, or renamed). */
  unmappedMedia: z.number().int(),
});
export type CompareResult = z.infer<typeof CompareResultSchema>;

export const NameImportSchema = z.object({
  personId: z.string(),
  clusterId: z.string(),
  name: z.string(),
  score: z.number(),
  /** The local person already has a different name; importing would rename. */
  renames: z.boolean(),
});
export type NameImport = z.infer<typeof NameImportSchema>;

export const CloudSearchRequestSchema = z
  .object({
    /** Face image already in OSS. */
    imageUri: OssUriSchema.optional(),
    /** Local face image; uploaded under "<prefix>search/" first. */
    localImage: LocalMediaSchema.optional(),
    /** IMM CreateFacesSearchingTask: most similar faces to return, 0-100 (IMM default 5). */
    maxResults: z.number().int().min(0).max(100).default(5),
    imm: z.boolean().default(true),
    /** Also run IMM CreateFacesSearchingTask (results by notification only; the task is reported). */
    immTask: z.boolean().default(false),
    ice: z.boolean().default(true),
    mediaType: z.enum(['image', 'video']).optional(),
    pageNo: z.number().int().min(1).default(1),
    pageSize: z.number().int().min(1).max(50).default(10),
    /** ICE capture/create time filter, epoch milliseconds. */
    createdAfterMs: z.number().int().optional(),
    createdBeforeMs: z.number().int().optional(),
  })
  .refine((r) => !!r.imageUri !== !!r.localImage, { message: 'give exactly one of imageUri or localImage' });
export type CloudSearchRequest = z.input<typeof CloudSearchRequestSchema>;

export const CloudMediaHitSchema = z.object({
  /** ICE media asset id (for the clip search); absent for IMM hits, which are files. */
  mediaId: z.string().optional(),
  /** The OSS object (ICE: from the asset's InputURL). */
  uri: z.string().optional(),
  /** The library file it was uploaded from, when it maps to one. */
  localPath: z.string().optional(),
  /** The library's media id for that file, so the page can show it. */
  localMediaId: z.string().optional(),
});
export type CloudMediaHit = z.infer<typeof CloudMediaHitSchema>;

export const CloudSearchResultSchema = z.object({
  queryUri: z.string(),
  imm: z
    .object({
      /** SearchImageFigureCluster: the cloud clusters the query face belongs to, best first, with their files. */
      clusters: z.array(
        z.object({
          clusterId: z.string(),
          name: z.string().optional(),
          similarity: z.number(),
          /** Files of the cluster under the sync prefix (first page). */
          total: z.number().int(),
          items: z.array(CloudMediaHitSchema),
        }),
      ),
      /** CreateFacesSearchingTask, when asked for: its hits arrive only through MNS/RocketMQ notifications. */
      task: CloudTaskSchema.optional(),
    })
    .optional(),
  ice: z
    .object({
      faceSearchToken: z.string(),
      total: z.number().int(),
      pageNo: z.number().int(),
      items: z.array(CloudMediaHitSchema),
    })
    .optional(),
  /** A part that failed while the other succeeded (e.g. no ICE search library configured). */
  errors: z.array(z.object({ part: z.enum(['imm', 'ice']), code: z.string(), message: z.string() })),
});
export type CloudSearchResult = z.infer<typeof CloudSearchResultSchema>;

export const ClipSearchRequestSchema = z.object({
  faceSearchToken: z.string().min(1),
  mediaId: z.string().min(1),
  pageNo: z.number().int().min(1).default(1),
  pageSize: z.number().int().min(1).max(50).default(10),
});
export type ClipSearchRequest = z.input<typeof ClipSearchRequestSchema>;

export const CloudClipSchema = z.object({
  score: z.number(),
  label: z.string().optional(),
  entityId: z.string().optional(),
  startTime: z.number(),
  endTime: z.number(),
  boxes: z.array(z.object({ time: z.number(), x: z.number(), y: z.number(), width: z.number(), height: z.number() })),
});
export type CloudClip = z.infer<typeof CloudClipSchema>;

export const ClipSearchResultSchema = z.object({ mediaId: z.string(), total: z.number().int(), clips: z.array(CloudClipSchema) });
export type ClipSearchResult = z.infer<typeof ClipSearchResultSchema>;

export const ConnectionCheckSchema = z.object({
  ok: z.boolean(),
  checks: z.array(z.object({ service: z.enum(['oss', 'imm', 'ice']), ok: z.boolean(), code: z.string().optional(), message: z.string().optional(), requestId: z.string().optional() })),
});
export type ConnectionCheck = z.infer<typeof ConnectionCheckSchema>;

/** What the last sync or pull brought back, compared with the local persons as they are now. */
export const CloudSyncReportSchema = z.object({
  kind: z.enum(['sync', 'pull']),
  finishedAt: z.string(),
  pushes: z.array(
    z.object({ folder: z.string(), uploaded: z.number().int(), skipped: z.number().int(), indexed: z.number().int(), registered: z.number().int().default(0), warnings: z.array(z.string()) }),
  ),
  clusters: z.number().int(),
  comparison: CompareResultSchema,
  /** Cloud names that could go onto the matched local persons (renames flagged). */
  imports: z.array(NameImportSchema),
});
export type CloudSyncReport = z.infer<typeof CloudSyncReportSchema>;

export const ImportNamesRequestSchema = z.object({
  /** The clusters whose names to import (from CloudSyncReport.imports). */
  clusterIds: z.array(z.string().min(1).max(256)).min(1).max(10_000),
  /** Also replace names the user already gave; off: named persons keep their names. */
  allowRename: z.boolean().default(false),
});
export type ImportNamesRequest = z.input<typeof ImportNamesRequestSchema>;

export const ImportNamesResultSchema = z.object({
  applied: z.array(NameImportSchema),
  skipped: z.array(z.object({ clusterId: z.string(), reason: z.string() })),
});
export type ImportNamesResult = z.infer<typeof ImportNamesResultSchema>;

/** `details` of an EngineError with a CLOUD_* code. */
export const CloudErrorDetailsSchema = z.object({
  service: z.enum(['imm', 'ice', 'oss', 'local']),
  serviceCode: z.string().optional(),
  serviceMessage: z.string().optional(),
  requestId: z.string().optional(),
  httpStatus: z.number().optional(),
  operation: z.string().optional(),
  attempts: z.number().optional(),
});
export type CloudErrorDetails = z.infer<typeof CloudErrorDetailsSchema>;
