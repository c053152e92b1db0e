/**
 * The library's side of a cloud sync: which files to push (the folders the user chose, with the
 * library's content identity), where each one goes in OSS, the local persons the cloud's figure
 * clusters are compared with (by shared media), the name import, and mapping cloud hits back to
 * library files.
 *
 * Object keys are <prefix><folder tag>/<path inside the folder>, where the tag is the folder's name
 * plus a short hash of its full path: two library folders holding "2020/IMG_0001.JPG" each get
 * their own object, and the key of a file is known from the library alone (no upload log needed to
 * map a cloud hit back to a file).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, extname, join, relative, sep } from 'node:path';
import type {
  CloudCluster,
  CloudSearchResult,
  CloudSyncReport,
  CompareResult,
  ImportNamesRequest,
  ImportNamesResult,
  LocalMedia,
  LocalPerson,
  PushResult,
} from '../../contract/cloud';
import { ImportNamesRequestSchema } from '../../contract/cloud';
import { EngineError } from '../errors';
import { quickHash } from '../library/content-hash';
import type { PeopleService } from '../people/people-service';
import type { LibraryStore } from '../store/library-store';
import type { FolderRow } from '../store/rows';
import type { Task, TaskHandle, TaskRegistry } from '../tasks/task-registry';
import { parseRequest } from '../validate';
import type { LibrarySettings, VisionSettings } from '../settings';
import { cropFace } from '../vision/face-crop';
import { digestFile } from './file-digest';
import { formatOssUri } from './oss-client';
import type { CloudService } from './service';
import type { FlowOptions } from './sync';

export type LibrarySyncResult = CloudSyncReport;

const HEX64 = /^[0-9a-f]{64}$/;

/** "<name>-<8 hex of the full path>": readable in the OSS console, unique per library folder. */
export function folderTag(root: string): string {
  const name = basename(root).normalize('NFC').replace(/[^\p{L}\p{N}._ -]+/gu, '_').replace(/^[.\s]+|\s+$/g, '').slice(0, 60) || 'folder';
  return `${name}-${createHash('sha256').update(root).digest('hex').slice(0, 8)}`;
}

export interface LibraryFile extends LocalMedia {
  key: string;
  mediaId: string;
}

async function filesByFolder(store: LibraryStore, folders: readonly FolderRow[]): Promise<{ root: string; media: LibraryFile[] }[]> {
  if (folders.length === 0) return [];
  const media = await store.media.indexed(['id', 'path', 'folder_id', 'content_hash', 'kind']);
  return folders.map((f) => {
    const tag = folderTag(f.path);
    return {
      root: f.path,
      media: media
        .filter((m) => m.folder_id === f.id && HEX64.test(m.content_hash))
        .map((m) => ({
          path: m.path,
          contentHash: m.content_hash,
          mediaType: m.kind,
          key: `${tag}/${relative(f.path, m.path).split(sep).join('/')}`,
          mediaId: m.id,
        })),
    };
  });
}

/** The library folders the cloud settings select; paths no longer in the library are reported, not synced. */
async function chosenFolders(cloud: CloudService, store: LibraryStore): Promise<{ folders: FolderRow[]; missing: string[] }> {
  const wanted = new Set((await cloud.getConfig()).folders);
  const all = await store.folders.list();
  const folders = all.filter((f) => wanted.has(f.path));
  const missing = [...wanted].filter((p) => !all.some((f) => f.path === p));
  return { folders, missing };
}

export async function localPersons(store: LibraryStore): Promise<LocalPerson[]> {
  const persons = await store.persons.find({ hidden: false });
  const faces = await store.faces.assigned(['person_id', 'media_id']);
  const mediaIds = [...new Set(faces.map((f) => f.media_id))];
  const paths = new Map((await store.media.byIds(mediaIds)).map((m) => [m.id, m.path]));
  const byPerson = new Map<string, Set<string>>();
  for (const f of faces) {
    const p = paths.get(f.media_id);
    if (!p || !f.person_id) continue;
    const set = byPerson.get(f.person_id) ?? new Set<string>();
    set.add(p);
    byPerson.set(f.person_id, set);
  }
  return persons.map((p) => ({ id: p.id, ...(p.name ? { name: p.name } : {}), mediaPaths: [...(byPerson.get(p.id) ?? [])] }));
}

/** Every library file with the oss:// URI it has (or would have) under the current prefix. */
async function libraryUris(cloud: CloudService, store: LibraryStore): Promise<{ files: LibraryFile[]; uriOf: (f: LibraryFile) => string | undefined }> {
  const config = await cloud.getConfig();
  const files = (await filesByFolder(store, await store.folders.list())).flatMap((f) => f.media);
  const bucket = config.bucket;
  return { files, uriOf: (f) => (bucket ? formatOssUri(bucket, `${config.prefix}${f.key}`) : undefined) };
}

/** The comparison of the stored clusters with the local persons as they are now. */
async function compareNow(cloud: CloudService, store: LibraryStore, clusters: readonly CloudCluster[]): Promise<{ comparison: CompareResult; persons: LocalPerson[] }> {
  const { files, uriOf } = await libraryUris(cloud, store);
  const persons = await localPersons(store);
  const mapping = files.flatMap((f) => {
    const uri = uriOf(f);
    return uri ? [{ path: f.path, uri, contentHash: f.contentHash, status: 'skipped' as const }] : [];
  });
  const comparison = cloud.compareClusters({ clusters: [...clusters], persons, media: files.map(({ path, contentHash, mediaType }) => ({ path, contentHash, ...(mediaType ? { mediaType } : {}) })), mapping });
  return { comparison, persons };
}

/** The last sync or pull, compared with the local persons as they are now; null before the first. */
export async function lastSyncReport(cloud: CloudService, store: LibraryStore): Promise<CloudSyncReport | null> {
  const last = await cloud.lastSync.read();
  if (!last) return null;
  const { comparison, persons } = await compareNow(cloud, store, last.clusters);
  return {
    kind: last.kind,
    finishedAt: last.finishedAt,
    pushes: last.pushes,
    clusters: last.clusters.length,
    comparison,
    imports: cloud.planNameImports(comparison, persons, { allowRename: true }),
  };
}

function progressOf(task: TaskHandle): NonNullable<FlowOptions['onProgress']> {
  return (p) => task.progress({ phase: p.phase, done: p.done, total: p.total, ...(p.message ? { current: p.message } : {}) });
}

/**
 * Push the chosen library folders to OSS (unchanged objects skipped by content identity), index
 * and cluster in IMM, pull the clusters and compare them with the local persons. A task: progress
 * and cancel. Refuses to start when no folder is chosen: nothing is uploaded by default.
 */
/** `library`: the library's hashing settings, so a file's identity here is the content hash indexing stored. */
export async function syncLibrary(cloud: CloudService, store: LibraryStore, task: TaskHandle, library: Pick<LibrarySettings, 'quickHashSampleBytes'>): Promise<LibrarySyncResult> {
  const { folders: chosen, missing } = await chosenFolders(cloud, store);
  if (chosen.length === 0) {
    throw new EngineError('INVALID_ARGUMENT', 'No folder is chosen for cloud sync. Tick the folders to upload under Settings > Cloud sync.');
  }
  const folders = await filesByFolder(store, chosen);
  const pushes: CloudSyncReport['pushes'] = [];
  const results: PushResult[] = [];
  const onProgress = progressOf(task);
  const identify = async (path: string): Promise<string> => (await quickHash(path, { sampleBytes: library.quickHashSampleBytes })).hash;
  for (const [i, f] of folders.entries()) {
    if (task.signal.aborted) break;
    // Cluster once, after the last folder: every upload belongs to the same dataset.
    const last = i === folders.length - 1;
    const media = f.media.map(({ path, contentHash, mediaType, key }) => ({ path, contentHash, key, ...(mediaType ? { mediaType } : {}) }));
    const r = await cloud.push({ media, skipClustering: !last }, { onProgress, signal: task.signal, identify });
    results.push(r);
    pushes.push({ folder: f.root, uploaded: r.uploaded, skipped: r.skipped, indexed: r.indexed, registered: r.registered, warnings: r.warnings });
  }
  if (missing.length > 0 && pushes[0]) pushes[0].warnings.push(...missing.map((p) => `${p} is no longer a library folder; it was not synced.`));
  const clusters = results.at(-1)?.clusters ?? (await cloud.pullClusters({ onProgress, signal: task.signal }));
  await cloud.lastSync.write({ kind: 'sync', finishedAt: new Date().toISOString(), pushes, clusters });
  return (await lastSyncReport(cloud, store)) as CloudSyncReport;
}

/** Pull the cloud's current clusters (no upload, no clustering run) and compare them with the local persons. */
export async function pullLibrary(cloud: CloudService, store: LibraryStore, task: TaskHandle): Promise<LibrarySyncResult> {
  const clusters = await cloud.pullClusters({ onProgress: progressOf(task), signal: task.signal });
  await cloud.lastSync.write({ kind: 'pull', finishedAt: new Date().toISOString(), pushes: [], clusters });
  return (await lastSyncReport(cloud, store)) as CloudSyncReport;
}

/**
 * Puts the cloud names of the chosen clusters onto the local persons they matched, as ordinary
 * renames (so they are corrections that survive re-clustering). A person the user already named
 * keeps that name unless allowRename is set.
 */
export async function importNames(cloud: CloudService, store: LibraryStore, people: PeopleService, request: ImportNamesRequest): Promise<ImportNamesResult> {
  const r = parseRequest(ImportNamesRequestSchema, request);
  const current = await lastSyncReport(cloud, store);
  if (!current) throw new EngineError('NOT_FOUND', 'Nothing has been pulled from the cloud yet: sync or pull first.');
  const byCluster = new Map(current.imports.map((i) => [i.clusterId, i]));
  const result: ImportNamesResult = { applied: [], skipped: [] };
  for (const clusterId of new Set(r.clusterIds)) {
    const plan = byCluster.get(clusterId);
    if (!plan) {
      const m = current.comparison.matches.find((x) => x.clusterId === clusterId);
      result.skipped.push({
        clusterId,
        reason: !m ? 'not a cluster of the last sync' : !m.personId ? 'matches no local person' : !m.clusterName ? 'the cloud cluster has no name' : m.clusterName.trim() === m.personName?.trim() ? 'already has this name' : 'the match is too weak to import',
      });
      continue;
    }
    if (plan.renames && !r.allowRename) {
      result.skipped.push({ clusterId, reason: 'the person already has a name you gave' });
      continue;
    }
    await people.renamePerson({ personId: plan.personId, name: plan.name });
    result.applied.push(plan);
  }
  return result;
}

/** oss:// URIs to the library files they came from (and their media ids). */
export async function locateUris(cloud: CloudService, store: LibraryStore, uris: readonly string[]): Promise<Map<string, { path: string; mediaId: string }>> {
  const wanted = new Set(uris);
  const out = new Map<string, { path: string; mediaId: string }>();
  if (wanted.size === 0) return out;
  const { files, uriOf } = await libraryUris(cloud, store);
  for (const f of files) {
    const uri = uriOf(f);
    if (uri && wanted.has(uri)) out.set(uri, { path: f.path, mediaId: f.mediaId });
  }
  return out;
}

export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Search the cloud for one face: the face is cut out of the image (so the services see one face,
 * and nothing else of the photo leaves the computer), uploaded under <prefix>search/, searched in
 * IMM and ICE, and the hits mapped back to library files.
 */
export async function cloudFaceSearch(
  cloud: CloudService,
  store: LibraryStore,
  query: { path: string; name: string; box?: FaceBox },
  opts: FlowOptions & { pageSize?: number; maxPixels: number },
): Promise<CloudSearchResult> {
  const { maxPixels, ...flow } = opts;
  const dir = await mkdtemp(join(tmpdir(), 'fo-cloud-query-'));
  try {
    let file = query.path;
    if (query.box) {
      const s = cloud.settings;
      const crop = await cropFace(query.path, query.box, { margin: s.searchCropMargin, side: s.searchCropSide, format: 'jpeg', quality: s.searchCropQuality, maxPixels });
      const stem = basename(query.name, extname(query.name)).replace(/[^\p{L}\p{N}._+-]+/gu, '_') || 'face';
      file = join(dir, `${stem}-face.jpg`);
      await writeFile(file, crop);
    }
    const { sha256Hex } = await digestFile(file);
    return await cloud.search(
      { localImage: { path: file, contentHash: sha256Hex }, ...(flow.pageSize ? { pageSize: flow.pageSize } : {}) },
      { ...flow, locate: (uris) => locateUris(cloud, store, uris) },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** What the cloud does with the open library (`engine.cloud.library`); a structural type so door tests can hand in a fake. */
export interface CloudLibrary {
  /** Push the chosen folders to OSS, cluster in IMM, pull and compare with local persons, as a 'cloud.sync' task. */
  sync(opts?: { started?: (id: string) => void }): Promise<Task>;
  /** Pull the cloud's clusters as they are (no upload) and compare them with local persons, as a 'cloud.pull' task. */
  pull(opts?: { started?: (id: string) => void }): Promise<Task>;
  /** The last sync or pull compared with the local persons as they are now, with the names that could be imported. */
  report(): Promise<CloudSyncReport | null>;
  /** Cloud cluster names onto the matched local persons (as renames). */
  importNames(request: ImportNamesRequest): Promise<ImportNamesResult>;
  /** One face searched in IMM and ICE, hits mapped back to library files. */
  searchFace(query: { path: string; name: string; box?: FaceBox }, opts?: { pageSize?: number }): Promise<CloudSearchResult>;
}

/** The library side of cloud sync as a service over the open library's store, tasks and persons. */
export class CloudLibrarySync implements CloudLibrary {
  constructor(
    private readonly cloud: CloudService,
    private readonly store: LibraryStore,
    private readonly tasks: TaskRegistry,
    private readonly people: PeopleService,
    /** From the engine's settings: the library's quick-hash sample (a file's identity) and the decoder's pixel limit. */
    private readonly local: Pick<LibrarySettings, 'quickHashSampleBytes'> & Pick<VisionSettings, 'maxPixels'>,
  ) {}

  sync(opts: { started?: (id: string) => void } = {}): Promise<Task> {
    return this.tasks.run('cloud.sync', (h): Promise<LibrarySyncResult> => syncLibrary(this.cloud, this.store, h, this.local), opts);
  }

  pull(opts: { started?: (id: string) => void } = {}): Promise<Task> {
    return this.tasks.run('cloud.pull', (h): Promise<LibrarySyncResult> => pullLibrary(this.cloud, this.store, h), opts);
  }

  report(): Promise<CloudSyncReport | null> {
    return lastSyncReport(this.cloud, this.store);
  }

  importNames(request: ImportNamesRequest): Promise<ImportNamesResult> {
    return importNames(this.cloud, this.store, this.people, request);
  }

  searchFace(query: { path: string; name: string; box?: FaceBox }, opts: { pageSize?: number } = {}): Promise<CloudSearchResult> {
    return cloudFaceSearch(this.cloud, this.store, query, { ...opts, maxPixels: this.local.maxPixels });
  }
}
