/**
 * The library's side of a cloud sync: what to push (indexed files with their content hashes, per
 * library folder) and the local persons the cloud's figure clusters are compared with (by shared media).
 */
import type { CompareResult, LocalMedia, LocalPerson, PushResult } from '../../contract/cloud';
import type { LibraryStore } from '../store/library-store';
import type { TaskHandle } from '../tasks/task-registry';
import type { CloudService } from './service';

export interface LibrarySyncResult {
  pushes: { folder: string; uploaded: number; skipped: number; indexed: number; warnings: string[] }[];
  clusters: number;
  comparison: CompareResult;
}

const HEX64 = /^[0-9a-f]{64}$/;

export async function localMediaByFolder(store: LibraryStore): Promise<{ root: string; media: LocalMedia[] }[]> {
  const folders = await store.listFolders();
  const media = await store.queryMedia({ where: `status = 'ok'`, columns: ['path', 'folder_id', 'content_hash', 'kind'] });
  return folders.map((f) => ({
    root: f.path,
    media: media
      .filter((m) => m.folder_id === f.id && HEX64.test(m.content_hash))
      .map((m) => ({ path: m.path, contentHash: m.content_hash, mediaType: m.kind })),
  }));
}

export async function localPersons(store: LibraryStore): Promise<LocalPerson[]> {
  const persons = await store.queryPersons({ where: 'hidden = false' });
  const faces = await store.queryFaces({ where: 'person_id IS NOT NULL', columns: ['person_id', 'media_id'] });
  const mediaIds = [...new Set(faces.map((f) => f.media_id))];
  const paths = new Map((await store.getMedia(mediaIds)).map((m) => [m.id, m.path]));
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

/**
 * Push every library folder to OSS (unchanged objects skipped by content hash), index and cluster in
 * IMM, pull the clusters and compare them with the local persons. Runs as a task: progress and cancel.
 */
export async function syncLibrary(cloud: CloudService, store: LibraryStore, task: TaskHandle): Promise<LibrarySyncResult> {
  const folders = await localMediaByFolder(store);
  const pushes: LibrarySyncResult['pushes'] = [];
  const results: PushResult[] = [];
  const onProgress = (p: { phase: string; done: number; total: number; message?: string }) =>
    task.progress({ phase: p.phase, done: p.done, total: p.total, ...(p.message ? { current: p.message } : {}) });
  for (const [i, f] of folders.entries()) {
    if (task.signal.aborted) break;
    // Cluster once, after the last folder: every upload belongs to the same dataset.
    const last = i === folders.length - 1;
    const r = await cloud.push({ media: f.media, root: f.root, skipClustering: !last }, { onProgress, signal: task.signal });
    results.push(r);
    pushes.push({ folder: f.root, uploaded: r.uploaded, skipped: r.skipped, indexed: r.indexed, warnings: r.warnings });
  }
  const clusters = results.at(-1)?.clusters ?? (await cloud.pullClusters({ onProgress, signal: task.signal }));
  const comparison = cloud.compareClusters({
    clusters,
    persons: await localPersons(store),
    media: folders.flatMap((f) => f.media),
    mapping: results.flatMap((r) => r.mapping),
  });
  return { pushes, clusters: clusters.length, comparison };
}
