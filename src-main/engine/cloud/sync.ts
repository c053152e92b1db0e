/**
 * The sync flows, as cancelable engine functions that report progress:
 *
 *   push:   local files -> OSS (skipping objects whose stored content hash matches) -> index into the
 *           IMM dataset -> wait until indexed -> CreateFigureClusteringTask -> poll GetTask -> pull
 *   pull:   QueryFigureClusters (paged) + the member files of each cluster (SimpleQuery)
 *   search: CreateFacesSearchingTask and/or ICE SearchMediaByFace for one face image
 *
 * Every network step takes the AbortSignal; a cancelled flow throws CLOUD_CANCELLED and leaves
 * whatever finished in place (uploaded objects stay; the next push skips them by hash).
 */
import { randomUUID } from 'node:crypto';
import { basename, isAbsolute, relative, sep } from 'node:path';
import type {
  CloudCluster,
  CloudProgress,
  CloudSearchResult,
  CloudTask,
  ClipSearchResult,
  LocalMedia,
  PushResult,
  UploadOutcome,
} from '../../contract/cloud';
import { CloudError, isCloudError, throwIfAborted } from './cloud-error';
import type { CloudSettings } from '../settings';
import { kindOf, mimeOf } from '../library/media-types';
import { digestFile } from './file-digest';
import { sleep } from './http';
import type { IceClient } from './ice-client';
import { IMM_TASK_TYPES } from './imm-client';
import type { ImmClient, ImmFigureCluster, ImmInputFile, ImmTaskInfo } from './imm-client';
import type { IceRegistry } from './ice-registry';
import type { OssClient } from './oss-client';
import { formatOssUri, ossUriFromUrl, parseOssUri } from './oss-client';

/**
 * The object metadata key holding the file's content identity, a SHA-256 hex (sent as
 * x-oss-meta-content-sha256): the caller's LocalMedia.contentHash (the library's quick hash in the
 * app, see PushOptions.identify), or the full-file SHA-256 when no identify function is given.
 */
export const CONTENT_HASH_META = 'content-sha256';

/** Reserved FigureClusterId values that are not clusters (IMM Figure model). */
const NOT_A_CLUSTER = new Set(['figure-cluster-id-independent', 'figure-cluster-id-unavailable', '']);

export interface SyncTarget {
  region: string;
  projectName: string;
  datasetName: string;
  bucket: string;
  /** "" or ending in "/". */
  prefix: string;
  iceSearchLibName?: string;
  iceNamespace?: string;
}

export interface SyncContext {
  target: SyncTarget;
  imm: ImmClient;
  ice: IceClient;
  oss: OssClient;
  settings: CloudSettings;
  /** What this app put into ICE search libraries (absent: nothing is registered, hits resolved by GetMediaInfo). */
  iceRegistry?: IceRegistry;
}

export interface FlowOptions {
  onProgress?: (p: CloudProgress) => void;
  signal?: AbortSignal;
}

function mediaTypeOf(m: LocalMedia): 'image' | 'video' {
  return m.mediaType ?? (kindOf(m.path) === 'video' ? 'video' : 'image');
}

/**
 * The object key for a local file: prefix + explicit key, or + the path relative to `root`, or
 * (no root) + "<first 16 hex of the hash>-<file name>" so two files called IMG_0001.JPG in
 * different folders cannot overwrite each other.
 */
export function objectKeyFor(m: LocalMedia, prefix: string, root?: string): string {
  let rel: string;
  if (m.key) rel = m.key;
  else if (root) {
    const r = relative(root, m.path);
    if (!r || r.startsWith('..') || isAbsolute(r)) throw new CloudError('CLOUD_SERVICE', `${m.path} is not inside ${root}.`, { service: 'local' });
    rel = r.split(sep).join('/');
  } else rel = `${m.contentHash.slice(0, 16)}-${basename(m.path)}`;
  rel = rel.replace(/\\/g, '/').replace(/^\/+/, '');
  if (rel.split('/').some((s) => s === '..' || s === '.')) throw new CloudError('CLOUD_SERVICE', `Object key "${rel}" may not contain "." or ".." segments.`, { service: 'local' });
  return `${prefix}${rel}`;
}

function report(opts: FlowOptions, p: CloudProgress): void {
  try {
    opts.onProgress?.(p);
  } catch {
    // A throwing progress listener must not break the sync.
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; stops scheduling once one fails or the signal aborts. */
async function pool<T>(items: readonly T[], limit: number, signal: AbortSignal | undefined, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < items.length) {
      if (signal?.aborted) return;
      const i = next++;
      try {
        await fn(items[i] as T, i);
      } catch (e) {
        if (failed === undefined) failed = e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  // A read stream or fetch aborted by the signal fails with a plain AbortError; report it as cancel.
  throwIfAborted(signal);
  if (failed !== undefined) throw failed;
}

export function toCloudTask(t: ImmTaskInfo & { TaskId?: string }, fallbackId = ''): CloudTask {
  return {
    taskId: t.TaskId ?? fallbackId,
    ...(t.TaskType ? { taskType: t.TaskType } : {}),
    status: t.Status ?? 'Unknown',
    ...(t.Code ? { code: t.Code } : {}),
    ...(t.Message ? { message: t.Message } : {}),
    ...(typeof t.Progress === 'number' ? { progress: t.Progress } : {}),
    ...(t.StartTime ? { startTime: t.StartTime } : {}),
    ...(t.EndTime ? { endTime: t.EndTime } : {}),
  };
}

/**
 * Polls GetTask with growing waits until the task leaves Running. A Failed task becomes a
 * CLOUD_TASK_FAILED error carrying the task's Code and Message; running past taskTimeoutMs becomes
 * CLOUD_TIMEOUT (the task itself goes on in the cloud).
 */
export async function waitForTask(ctx: SyncContext, taskType: string, taskId: string, opts: FlowOptions & { phase?: CloudProgress['phase'] } = {}): Promise<CloudTask> {
  const { settings, target } = ctx;
  const started = Date.now();
  let wait = settings.pollInitialMs;
  for (let polls = 1; ; polls++) {
    throwIfAborted(opts.signal, 'GetTask');
    const t = await ctx.imm.getTask({ ProjectName: target.projectName, TaskType: taskType, TaskId: taskId }, opts.signal ? { signal: opts.signal } : {});
    const task = toCloudTask(t, taskId);
    report(opts, { phase: opts.phase ?? 'poll', done: task.status === 'Running' ? 0 : 1, total: 1, message: `${taskType} ${task.status}` });
    if (task.status === 'Succeeded') return task;
    if (task.status === 'Failed') {
      throw new CloudError('CLOUD_TASK_FAILED', `The cloud ${taskType} task failed: ${task.code ?? 'unknown error'}${task.message ? `: ${task.message.replace(/\.+$/, '')}` : ''}.`, {
        service: 'imm',
        operation: 'GetTask',
        ...(task.code ? { serviceCode: task.code } : {}),
        ...(task.message ? { serviceMessage: task.message } : {}),
        ...(t.RequestId ? { requestId: t.RequestId } : {}),
      });
    }
    if (Date.now() - started + wait > settings.taskTimeoutMs) {
      throw new CloudError('CLOUD_TIMEOUT', `The cloud ${taskType} task ${taskId} is still running after ${Math.round((Date.now() - started) / 1000)} s; check it later under tasks.`, { service: 'imm', operation: 'GetTask', attempts: polls });
    }
    await sleep(wait, opts.signal, 'GetTask');
    wait = Math.min(settings.pollMaxMs, Math.round(wait * settings.pollFactor));
  }
}

interface IndexedFile {
  uri: string;
  customId?: string;
  clusterIds: string[];
}

/** Every indexed file under the sync prefix, with its CustomId and the clusters its faces are in. */
export async function scanIndexedFiles(ctx: SyncContext, opts: FlowOptions = {}): Promise<IndexedFile[]> {
  const { target, settings } = ctx;
  const out: IndexedFile[] = [];
  let token: string | undefined;
  do {
    throwIfAborted(opts.signal, 'SimpleQuery');
    const page = await ctx.imm.simpleQuery(
      {
        ProjectName: target.projectName,
        DatasetName: target.datasetName,
        Query: { Field: 'URI', Operation: 'prefix', Value: formatOssUri(target.bucket, target.prefix) },
        MaxResults: settings.pageSize,
        WithFields: ['URI', 'CustomId', 'Figures'],
        WithoutTotalHits: true,
        ...(token ? { NextToken: token } : {}),
      },
      opts.signal ? { signal: opts.signal } : {},
    );
    for (const f of page.Files ?? []) {
      if (!f.URI) continue;
      const clusterIds = [...new Set((f.Figures ?? []).map((g) => g.FigureClusterId ?? '').filter((id) => !NOT_A_CLUSTER.has(id)))];
      out.push({ uri: f.URI, ...(f.CustomId ? { customId: f.CustomId } : {}), clusterIds });
    }
    token = page.NextToken || undefined;
  } while (token);
  return out;
}

function toCloudCluster(c: ImmFigureCluster, members: IndexedFile[]): CloudCluster {
  const hashRe = /^[0-9a-f]{64}$/;
  return {
    id: c.ObjectId ?? '',
    ...(c.Name ? { name: c.Name } : {}),
    ...(typeof c.FaceCount === 'number' ? { faceCount: c.FaceCount } : {}),
    ...(typeof c.ImageCount === 'number' ? { imageCount: c.ImageCount } : {}),
    ...(typeof c.VideoCount === 'number' ? { videoCount: c.VideoCount } : {}),
    ...(c.Gender ? { gender: c.Gender } : {}),
    ...(typeof c.AverageAge === 'number' ? { averageAge: c.AverageAge } : {}),
    ...(c.Cover?.URI ? { coverUri: c.Cover.URI } : {}),
    ...(c.CreateTime ? { createTime: c.CreateTime } : {}),
    ...(c.UpdateTime ? { updateTime: c.UpdateTime } : {}),
    media: members.map((m) => ({ uri: m.uri, ...(m.customId && hashRe.test(m.customId) ? { contentHash: m.customId } : {}) })),
  };
}

/** All figure clusters of the dataset (QueryFigureClusters, paged) with their member files under the prefix. */
export async function pullClusters(ctx: SyncContext, opts: FlowOptions = {}): Promise<CloudCluster[]> {
  const { target, settings } = ctx;
  const raw: ImmFigureCluster[] = [];
  let token: string | undefined;
  do {
    throwIfAborted(opts.signal, 'QueryFigureClusters');
    const page = await ctx.imm.queryFigureClusters(
      { ProjectName: target.projectName, DatasetName: target.datasetName, MaxResults: settings.pageSize, Sort: 'ImageCount', Order: 'desc', ...(token ? { NextToken: token } : {}) },
      opts.signal ? { signal: opts.signal } : {},
    );
    raw.push(...(page.FigureClusters ?? []));
    report(opts, { phase: 'pull', done: raw.length, total: page.TotalCount ?? raw.length, message: 'clusters' });
    token = page.NextToken || undefined;
  } while (token);

  const files = await scanIndexedFiles(ctx, opts);
  const byCluster = new Map<string, IndexedFile[]>();
  for (const f of files) for (const id of f.clusterIds) byCluster.set(id, [...(byCluster.get(id) ?? []), f]);
  return raw.filter((c) => c.ObjectId).map((c) => toCloudCluster(c, byCluster.get(c.ObjectId ?? '') ?? []));
}

/** How many files under the prefix the index shows now: one SimpleQuery with TotalHits, not a scan. */
async function countIndexed(ctx: SyncContext, opts: FlowOptions): Promise<number> {
  const { target } = ctx;
  const r = await ctx.imm.simpleQuery(
    {
      ProjectName: target.projectName,
      DatasetName: target.datasetName,
      Query: { Field: 'URI', Operation: 'prefix', Value: formatOssUri(target.bucket, target.prefix) },
      MaxResults: 1,
      WithFields: ['URI'],
      WithoutTotalHits: false,
    },
    opts.signal ? { signal: opts.signal } : {},
  );
  return r.TotalHits ?? r.Files?.length ?? 0;
}

export interface PushOptions extends FlowOptions {
  root?: string;
  skipClustering?: boolean;
  /**
   * How the caller computes contentHash, to tell at upload time whether a file changed since it
   * was listed. Absent: contentHash is the full-file SHA-256.
   */
  identify?: (path: string) => Promise<string>;
}

export async function push(ctx: SyncContext, media: readonly LocalMedia[], opts: PushOptions = {}): Promise<PushResult> {
  const warnings: string[] = [];
  const planned = planObjectKeys(ctx.target, media, opts.root);
  const existing = await listExisting(ctx, opts);
  const { mapping, uploaded, skipped } = await uploadChanged(ctx, planned, existing, opts, warnings);
  const mediaByPath = new Map(planned.map((p) => [p.m.path, p.m]));
  const { indexedBefore, toIndex } = await indexMissing(ctx, mapping, mediaByPath, opts);
  await waitUntilIndexed(ctx, indexedBefore, toIndex, opts, warnings);
  const registered = await registerInIce(ctx, mapping, mediaByPath, opts);
  const indexed = toIndex.length;
  if (opts.skipClustering) return { uploaded, skipped, indexed, registered, clusters: [], mapping, warnings };
  const { task, clusters } = await clusterAndPull(ctx, opts);
  return { uploaded, skipped, indexed, registered, task, clusters, mapping, warnings };
}

interface PlannedObject {
  m: LocalMedia;
  key: string;
}

/** Each file's object key; two different files on one key would overwrite each other, so that fails the push. */
function planObjectKeys(target: SyncTarget, media: readonly LocalMedia[], root: string | undefined): PlannedObject[] {
  const planned = media.map((m) => ({ m, key: objectKeyFor(m, target.prefix, root) }));
  const byKey = new Map<string, string>();
  for (const { m, key } of planned) {
    const other = byKey.get(key);
    if (other && other !== m.contentHash) throw new CloudError('CLOUD_SERVICE', `Two different files map to the same object key "${key}".`, { service: 'local' });
    byKey.set(key, m.contentHash);
  }
  return planned;
}

/** Step 1: what is already there (one listing instead of a HEAD per file for keys that do not exist). */
async function listExisting(ctx: SyncContext, opts: FlowOptions): Promise<Set<string>> {
  const { target } = ctx;
  const { signal } = opts;
  report(opts, { phase: 'list', done: 0, total: 1, message: formatOssUri(target.bucket, target.prefix) });
  const existing = new Set((await ctx.oss.listAll({ bucket: target.bucket, prefix: target.prefix }, signal ? { signal } : {})).map((o) => o.key));
  report(opts, { phase: 'list', done: 1, total: 1, message: `${existing.size} objects` });
  return existing;
}

/** Step 2: upload what changed; files whose stored content hash matches are skipped. */
async function uploadChanged(
  ctx: SyncContext,
  planned: readonly PlannedObject[],
  existing: ReadonlySet<string>,
  opts: PushOptions,
  warnings: string[],
): Promise<{ mapping: UploadOutcome[]; uploaded: number; skipped: number }> {
  const outcomes: Array<UploadOutcome | undefined> = new Array(planned.length);
  let done = 0;
  let uploaded = 0;
  let skipped = 0;
  report(opts, { phase: 'upload', done: 0, total: planned.length });
  await pool(planned, ctx.settings.uploadConcurrency, opts.signal, async ({ m, key }, i) => {
    const outcome = await uploadOne(ctx, m, key, existing.has(key), opts, warnings);
    if (outcome) {
      if (outcome.status === 'uploaded') uploaded++;
      else skipped++;
      outcomes[i] = outcome;
    }
    report(opts, { phase: 'upload', done: ++done, total: planned.length, message: basename(m.path) });
  });
  return { mapping: outcomes.filter((u): u is UploadOutcome => !!u), uploaded, skipped };
}

/** One file: skipped when the object holds its content, else uploaded; undefined when it can no longer be read. */
async function uploadOne(ctx: SyncContext, m: LocalMedia, key: string, exists: boolean, opts: PushOptions, warnings: string[]): Promise<UploadOutcome | undefined> {
  const { target } = ctx;
  const { signal } = opts;
  const uri = formatOssUri(target.bucket, key);
  if (exists) {
    const head = await ctx.oss.headObject({ bucket: target.bucket, key }, signal ? { signal } : {});
    if (head.exists && head.meta[CONTENT_HASH_META] === m.contentHash) return { path: m.path, uri, contentHash: m.contentHash, status: 'skipped' };
  }
  let hash = m.contentHash;
  let d: Awaited<ReturnType<typeof digestFile>>;
  try {
    d = await digestFile(m.path, signal);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EACCES' && code !== 'EISDIR') throw e;
    // Deleted or unreadable since the library scanned it: leave it out, do not fail the push.
    warnings.push(`${m.path} could not be read (${code}); not uploaded.`);
    return undefined;
  }
  const current = opts.identify ? await opts.identify(m.path) : d.sha256Hex;
  if (current !== m.contentHash) {
    // The library's record is older than the file; upload what is on disk and say so.
    warnings.push(`${m.path} changed since it was indexed locally; uploaded its current content.`);
    hash = current;
  }
  await ctx.oss.putObject(
    {
      bucket: target.bucket,
      key,
      body: { path: m.path, size: d.size },
      contentMd5: d.md5Base64,
      contentType: mimeOf(m.path),
      meta: { [CONTENT_HASH_META]: hash },
    },
    signal ? { signal } : {},
  );
  return { path: m.path, uri, contentHash: hash, status: 'uploaded' };
}

/** Step 3: index what the dataset does not hold yet (resumable: a cancelled push left some unindexed). */
async function indexMissing(
  ctx: SyncContext,
  mapping: readonly UploadOutcome[],
  mediaByPath: ReadonlyMap<string, LocalMedia>,
  opts: FlowOptions,
): Promise<{ indexedBefore: Map<string, string | undefined>; toIndex: UploadOutcome[] }> {
  const { target, settings } = ctx;
  const { signal } = opts;
  throwIfAborted(signal);
  report(opts, { phase: 'index', done: 0, total: mapping.length, message: 'checking the dataset' });
  const indexedBefore = new Map((await scanIndexedFiles(ctx, opts)).map((f) => [f.uri, f.customId]));
  const toIndex = mapping.filter((u) => indexedBefore.get(u.uri) !== u.contentHash);
  let indexed = 0;
  for (let i = 0; i < toIndex.length; i += settings.indexBatchSize) {
    throwIfAborted(signal, 'BatchIndexFileMeta');
    const batch = toIndex.slice(i, i + settings.indexBatchSize);
    const files: ImmInputFile[] = batch.map((u) => {
      const m = mediaByPath.get(u.path);
      return { URI: u.uri, CustomId: u.contentHash, MediaType: m ? mediaTypeOf(m) : 'image' };
    });
    await ctx.imm.batchIndexFileMeta({ ProjectName: target.projectName, DatasetName: target.datasetName, Files: files }, signal ? { signal } : {});
    indexed += batch.length;
    report(opts, { phase: 'index', done: indexed, total: toIndex.length });
  }
  return { indexedBefore, toIndex };
}

/**
 * Step 4: wait until the index shows them, so the clustering task covers this push. Counting is one
 * call per poll; a re-indexed file whose URI was already there does not change the count, so only new
 * URIs are waited for. A timeout is a warning: clustering then covers what is there.
 */
async function waitUntilIndexed(
  ctx: SyncContext,
  indexedBefore: ReadonlyMap<string, unknown>,
  toIndex: readonly UploadOutcome[],
  opts: FlowOptions,
  warnings: string[],
): Promise<void> {
  const { settings } = ctx;
  const expected = new Set([...indexedBefore.keys(), ...toIndex.map((u) => u.uri)]).size;
  const newUris = expected - indexedBefore.size;
  if (newUris <= 0) return;
  const started = Date.now();
  let wait = settings.pollInitialMs;
  for (;;) {
    const n = await countIndexed(ctx, opts);
    const seen = Math.max(0, Math.min(newUris, n - indexedBefore.size));
    report(opts, { phase: 'wait-index', done: seen, total: newUris });
    if (n >= expected) return;
    if (Date.now() - started + wait > settings.indexWaitTimeoutMs) {
      warnings.push(`Only ${seen} of ${newUris} new files were indexed after ${Math.round((Date.now() - started) / 1000)} s; clustering what is there.`);
      return;
    }
    await sleep(wait, opts.signal, 'SimpleQuery');
    wait = Math.min(settings.pollMaxMs, Math.round(wait * settings.pollFactor));
  }
}

/** Step 5: cluster, wait for the task, pull the clusters. */
async function clusterAndPull(ctx: SyncContext, opts: FlowOptions): Promise<{ task: CloudTask; clusters: CloudCluster[] }> {
  const { target } = ctx;
  const { signal } = opts;
  throwIfAborted(signal);
  report(opts, { phase: 'cluster', done: 0, total: 1 });
  const created = await ctx.imm.createFigureClusteringTask({ ProjectName: target.projectName, DatasetName: target.datasetName }, signal ? { signal } : {});
  if (!created.TaskId) throw new CloudError('CLOUD_SERVICE', 'CreateFigureClusteringTask returned no TaskId.', { service: 'imm', operation: 'CreateFigureClusteringTask', ...(created.RequestId ? { requestId: created.RequestId } : {}) });
  report(opts, { phase: 'cluster', done: 1, total: 1, message: created.TaskId });
  const task = await waitForTask(ctx, IMM_TASK_TYPES.figureClustering, created.TaskId, { ...opts, phase: 'poll' });
  const clusters = await pullClusters(ctx, opts);
  return { task, clusters };
}

/**
 * With an ICE search library configured, puts every pushed file into it (InsertMediaToSearchLib)
 * unless it is already there with the same content, so ICE's face search covers the library.
 * Progress is saved after each file: a cancelled push leaves no file registered twice.
 */
async function registerInIce(ctx: SyncContext, mapping: readonly UploadOutcome[], mediaByPath: ReadonlyMap<string, LocalMedia>, opts: FlowOptions): Promise<number> {
  const lib = ctx.target.iceSearchLibName;
  if (!lib || !ctx.iceRegistry) return 0;
  const registry = ctx.iceRegistry;
  const known = await registry.library(lib);
  const todo = mapping.filter((u) => known.get(u.uri)?.contentHash !== u.contentHash);
  let done = 0;
  report(opts, { phase: 'register', done: 0, total: todo.length, message: lib });
  try {
    await pool(todo, ctx.settings.uploadConcurrency, opts.signal, async (u) => {
      const m = mediaByPath.get(u.path);
      const r = await ctx.ice.insertMediaToSearchLib({ Input: u.uri, SearchLibName: lib, MediaType: m ? mediaTypeOf(m) : 'image' }, opts.signal ? { signal: opts.signal } : {});
      if (!r.MediaId) throw new CloudError('CLOUD_SERVICE', 'InsertMediaToSearchLib returned no MediaId.', { service: 'ice', operation: 'InsertMediaToSearchLib', ...(r.RequestId ? { requestId: r.RequestId } : {}) });
      known.set(u.uri, { mediaId: r.MediaId, contentHash: u.contentHash });
      report(opts, { phase: 'register', done: ++done, total: todo.length, message: basename(u.path) });
    });
  } finally {
    await registry.saveLibrary(lib, known);
  }
  return done;
}

export interface SearchInput {
  imageUri?: string;
  localImage?: LocalMedia;
  maxResults: number;
  imm: boolean;
  immTask: boolean;
  ice: boolean;
  mediaType?: 'image' | 'video';
  pageNo: number;
  pageSize: number;
  createdAfterMs?: number;
  createdBeforeMs?: number;
}

/** Maps oss:// URIs to the library files they were uploaded from (the doors' side knows the library). */
export type LocateUris = (uris: readonly string[]) => Promise<Map<string, { path: string; mediaId?: string }>>;

export interface SearchOptions extends FlowOptions {
  locate?: LocateUris;
}

/** Errors that say the whole cloud side is unusable; the other search part would fail the same way. */
function isFatal(e: unknown): boolean {
  return isCloudError(e) && ['CLOUD_CANCELLED', 'CLOUD_AUTH', 'CLOUD_TOKEN_EXPIRED', 'CLOUD_NETWORK', 'CLOUD_DISABLED'].includes(e.code);
}

/** How many of the clusters SearchImageFigureCluster names are opened (a crop holds one face; a photo a few). */
const SEARCH_CLUSTERS = 3;

async function uploadQueryImage(ctx: SyncContext, li: LocalMedia, opts: FlowOptions): Promise<string> {
  const { target } = ctx;
  const { signal } = opts;
  const key = `${target.prefix}search/${li.contentHash.slice(0, 16)}-${basename(li.path)}`;
  report(opts, { phase: 'upload', done: 0, total: 1, message: basename(li.path) });
  const head = await ctx.oss.headObject({ bucket: target.bucket, key }, signal ? { signal } : {});
  if (!(head.exists && head.meta[CONTENT_HASH_META] === li.contentHash)) {
    const d = await digestFile(li.path, signal);
    await ctx.oss.putObject(
      { bucket: target.bucket, key, body: { path: li.path, size: d.size }, contentMd5: d.md5Base64, contentType: mimeOf(li.path), meta: { [CONTENT_HASH_META]: d.sha256Hex } },
      signal ? { signal } : {},
    );
  }
  report(opts, { phase: 'upload', done: 1, total: 1 });
  return formatOssUri(target.bucket, key);
}

/** IMM: the clusters the query face belongs to (SearchImageFigureCluster), with their files under the prefix. */
async function immClusterSearch(ctx: SyncContext, queryUri: string, opts: FlowOptions): Promise<NonNullable<CloudSearchResult['imm']>['clusters']> {
  const { target, settings } = ctx;
  const sig = opts.signal ? { signal: opts.signal } : {};
  const found = await ctx.imm.searchImageFigureCluster({ ProjectName: target.projectName, DatasetName: target.datasetName, SourceURI: queryUri }, sig);
  const best = new Map<string, number>();
  for (const c of found.Clusters ?? []) {
    if (!c.ClusterId || NOT_A_CLUSTER.has(c.ClusterId)) continue;
    best.set(c.ClusterId, Math.max(best.get(c.ClusterId) ?? 0, c.Similarity ?? 0));
  }
  const ids = [...best.entries()].sort((a, b) => b[1] - a[1]).slice(0, SEARCH_CLUSTERS).map(([id]) => id);
  if (ids.length === 0) return [];
  const names = new Map<string, string>();
  const info = await ctx.imm.batchGetFigureCluster({ ProjectName: target.projectName, DatasetName: target.datasetName, ObjectIds: ids }, sig);
  for (const c of info.FigureClusters ?? []) if (c.ObjectId && c.Name) names.set(c.ObjectId, c.Name);
  const prefix = formatOssUri(target.bucket, target.prefix);
  const searchPrefix = formatOssUri(target.bucket, `${target.prefix}search/`);
  const out: NonNullable<CloudSearchResult['imm']>['clusters'] = [];
  for (const id of ids) {
    throwIfAborted(opts.signal, 'SimpleQuery');
    const page = await ctx.imm.simpleQuery(
      {
        ProjectName: target.projectName,
        DatasetName: target.datasetName,
        Query: { Field: 'Figures.FigureClusterId', Operation: 'eq', Value: id },
        MaxResults: settings.pageSize,
        WithFields: ['URI', 'CustomId'],
        WithoutTotalHits: false,
      },
      sig,
    );
    const uris = (page.Files ?? []).map((f) => f.URI ?? '').filter((u) => u.startsWith(prefix) && !u.startsWith(searchPrefix));
    out.push({
      clusterId: id,
      ...(names.has(id) ? { name: names.get(id) } : {}),
      similarity: Math.round((best.get(id) ?? 0) * 1e4) / 1e4,
      total: page.TotalHits ?? uris.length,
      items: uris.map((uri) => ({ uri })),
    });
  }
  return out;
}

/** ICE names media by id only: GetMediaInfo says which object each one is (its InputURL). */
async function iceMediaUris(ctx: SyncContext, mediaIds: readonly string[], opts: FlowOptions): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const lib = ctx.target.iceSearchLibName;
  if (lib && ctx.iceRegistry) for (const [uri, e] of await ctx.iceRegistry.library(lib)) if (mediaIds.includes(e.mediaId)) out.set(e.mediaId, uri);
  await pool(mediaIds.filter((id) => !out.has(id)), ctx.settings.uploadConcurrency, opts.signal, async (mediaId) => {
    try {
      const r = await ctx.ice.getMediaInfo({ MediaId: mediaId }, opts.signal ? { signal: opts.signal } : {});
      const uri = ossUriFromUrl(r.MediaInfo?.MediaBasicInfo?.InputURL ?? '');
      if (uri) out.set(mediaId, uri);
    } catch (e) {
      // One asset that cannot be described still leaves its hit in the list, unmapped.
      if (isFatal(e)) throw e;
    }
  });
  return out;
}

/**
 * Cloud face search for one image, for display beside the local results. IMM: the clusters the
 * face belongs to (SearchImageFigureCluster, synchronous) and their files; optionally also
 * CreateFacesSearchingTask, whose hits IMM sends only by MNS/RocketMQ notification (so only the
 * task is reported). ICE: SearchMediaByFace over the search library, each media id resolved to its
 * OSS object. Hits are mapped back to library files through `locate`.
 */
export async function searchByFace(ctx: SyncContext, input: SearchInput, opts: SearchOptions = {}): Promise<CloudSearchResult> {
  const { target, settings } = ctx;
  const { signal } = opts;
  const errors: CloudSearchResult['errors'] = [];
  const queryUri = input.imageUri ?? (input.localImage ? await uploadQueryImage(ctx, input.localImage, opts) : undefined);
  if (!queryUri) throw new CloudError('CLOUD_SERVICE', 'No query image.', { service: 'local' });
  const result: CloudSearchResult = { queryUri, errors };

  if (input.imm) {
    try {
      report(opts, { phase: 'search', done: 0, total: 1, message: 'IMM SearchImageFigureCluster' });
      result.imm = { clusters: await immClusterSearch(ctx, queryUri, opts) };
      if (input.immTask) {
        report(opts, { phase: 'search', done: 0, total: 1, message: 'IMM CreateFacesSearchingTask' });
        const created = await ctx.imm.createFacesSearchingTask(
          { ProjectName: target.projectName, DatasetName: target.datasetName, Sources: [{ URI: queryUri }], MaxResult: input.maxResults },
          signal ? { signal } : {},
        );
        if (!created.TaskId) throw new CloudError('CLOUD_SERVICE', 'CreateFacesSearchingTask returned no TaskId.', { service: 'imm', operation: 'CreateFacesSearchingTask' });
        result.imm.task = await waitForTask(ctx, IMM_TASK_TYPES.facesSearching, created.TaskId, { ...opts, phase: 'search' });
      }
    } catch (e) {
      if (isFatal(e)) throw e;
      errors.push({ part: 'imm', code: isCloudError(e) ? e.code : 'INTERNAL', message: (e as Error).message });
    }
  }

  if (input.ice) {
    try {
      throwIfAborted(signal);
      const { bucket, key } = parseOssUri(queryUri);
      const url = await ctx.oss.presignGetUrl({ bucket, key, expiresSeconds: settings.presignSeconds });
      const token = randomUUID();
      const utc =
        input.createdAfterMs !== undefined || input.createdBeforeMs !== undefined
          ? JSON.stringify({ ...(input.createdAfterMs !== undefined ? { gte: input.createdAfterMs } : {}), ...(input.createdBeforeMs !== undefined ? { lte: input.createdBeforeMs } : {}) })
          : undefined;
      const r = await ctx.ice.searchMediaByFace(
        {
          PersonImageUrl: url,
          FaceSearchToken: token,
          PageNo: input.pageNo,
          PageSize: input.pageSize,
          ...(input.mediaType ? { MediaType: input.mediaType } : {}),
          ...(target.iceSearchLibName ? { SearchLibName: target.iceSearchLibName } : {}),
          ...(target.iceNamespace ? { Namespace: target.iceNamespace } : {}),
          ...(utc ? { UtcCreate: utc } : {}),
        },
        signal ? { signal } : {},
      );
      const ids = (r.MediaInfoList ?? []).map((x) => x.MediaId).filter((id): id is string => !!id);
      const uris = await iceMediaUris(ctx, ids, opts);
      result.ice = {
        faceSearchToken: token,
        total: r.Total ?? 0,
        pageNo: input.pageNo,
        items: ids.map((mediaId) => ({ mediaId, ...(uris.has(mediaId) ? { uri: uris.get(mediaId) } : {}) })),
      };
    } catch (e) {
      if (isFatal(e)) throw e;
      errors.push({ part: 'ice', code: isCloudError(e) ? e.code : 'INTERNAL', message: (e as Error).message });
    }
  }

  if (opts.locate) {
    const hits = [...(result.imm?.clusters.flatMap((c) => c.items) ?? []), ...(result.ice?.items ?? [])];
    const found = await opts.locate([...new Set(hits.map((h) => h.uri).filter((u): u is string => !!u))]);
    for (const h of hits) {
      const local = h.uri ? found.get(h.uri) : undefined;
      if (local) Object.assign(h, { localPath: local.path, ...(local.mediaId ? { localMediaId: local.mediaId } : {}) });
    }
  }
  report(opts, { phase: 'search', done: 1, total: 1 });
  return result;
}

/** Where inside one media the searched person appears (ICE SearchMediaClipByFace). */
export async function searchClips(ctx: SyncContext, input: { faceSearchToken: string; mediaId: string; pageNo: number; pageSize: number }, opts: FlowOptions = {}): Promise<ClipSearchResult> {
  const r = await ctx.ice.searchMediaClipByFace(
    {
      FaceSearchToken: input.faceSearchToken,
      MediaId: input.mediaId,
      PageNo: input.pageNo,
      PageSize: input.pageSize,
      ...(ctx.target.iceSearchLibName ? { SearchLibName: ctx.target.iceSearchLibName } : {}),
    },
    opts.signal ? { signal: opts.signal } : {},
  );
  const clips = (r.MediaClipList ?? []).flatMap((c) =>
    (c.OccurrencesInfos ?? []).map((o) => ({
      score: c.Score ?? 0,
      ...(c.LabelName ? { label: c.LabelName } : {}),
      ...(c.EntityId ? { entityId: c.EntityId } : {}),
      startTime: o.StartTime ?? 0,
      endTime: o.EndTime ?? o.StartTime ?? 0,
      boxes: (o.TrackData ?? []).map((t) => ({ time: t.Timestamp ?? 0, x: t.BoxPosition?.X ?? 0, y: t.BoxPosition?.Y ?? 0, width: t.BoxPosition?.W ?? 0, height: t.BoxPosition?.H ?? 0 })),
    })),
  );
  return { mediaId: input.mediaId, total: r.Total ?? clips.length, clips };
}
