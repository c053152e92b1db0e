/**
 * The indexing spine: folders → scan → reconcile with the database → analyze what is new or changed
 * → write media and faces. Every run is a task. It is crash-safe by ordering, not by transactions:
 *   1. new files get a `pending` media row first (one batched write);
 *   2. their faces are written (new rows, or updates of matched old rows keeping ids and persons);
 *   3. the media row turns `ok` (or `error` with a code).
 * A kill at any point leaves `pending` rows (indexed again at the next start) and possibly faces of a
 * not-ok media row (deleted by LibraryStore.repair) — never a duplicate, never a gap.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EngineError } from '../errors';
import type { LibraryStore } from '../store/library-store';
import type { FaceRow, MediaKind, MediaRow } from '../store/rows';
import type { IndexingSettings } from '../settings';
import type { TaskHandle } from '../tasks/task-registry';
import type { Face } from '../vision/face-analyzer';
import type { AnalyzeItem } from '../vision/pipeline';
import { matchByOverlap } from './face-matching';

export interface FileInfo {
  path: string;
  size: number;
  mtimeMs: number;
  kind: MediaKind;
}

export interface FileMetadata {
  capturedAt: number | null;
  capturedAtSource: string | null;
  camera: string | null;
  rating: number | null;
  tags: string[] | null;
  gpsLat: number | null;
  gpsLon: number | null;
}

export interface VideoTrack {
  face: Face;
  timeSec: number;
  ranges: [number, number][];
}

export interface VideoAnalysis {
  durationSec: number;
  width: number;
  height: number;
  tracks: VideoTrack[];
  /** A representative frame, stored as the video's poster. */
  posterJpeg: Buffer | null;
}

/** What the indexer needs from the rest of the engine; injected so each piece is tested alone. */
export interface IndexerDeps {
  store: LibraryStore;
  /** Batched writes (the indexing slice of the settings: writeBatchFiles, writeFlushMs). */
  write: Pick<IndexingSettings, 'writeBatchFiles' | 'writeFlushMs'>;
  scan(root: string, onError: (path: string, error: unknown) => void): AsyncIterable<FileInfo>;
  hash(path: string): Promise<string>;
  metadata(path: string, kind: MediaKind): Promise<FileMetadata>;
  analyzeImages(paths: AsyncIterable<string>): AsyncIterable<AnalyzeItem>;
  analyzeVideo(path: string, signal: AbortSignal): Promise<VideoAnalysis>;
  embedderId: string;
}

export interface IndexSummary {
  folders: number;
  files: number;
  unchanged: number;
  indexed: number;
  moved: number;
  duplicates: number;
  removed: number;
  errors: number;
  faces: number;
  seconds: number;
}

export interface ReconcilePlan {
  /** Files whose content must be analyzed (new, or changed content). */
  toIndex: { file: FileInfo; hash: string; existing: MediaRow | null }[];
  /** Same content at a new path: the row moves, faces and persons stay. */
  moved: { row: MediaRow; file: FileInfo }[];
  /** Same content as another file still present (indexed, or analyzed in this run): faces are copied, no models run. */
  duplicates: { file: FileInfo; hash: string; ofPath: string }[];
  /** Only the file time changed (content hash equal): metadata refreshed, nothing re-analyzed. */
  touched: { row: MediaRow; file: FileInfo }[];
  removed: MediaRow[];
  unchanged: number;
}

type Pause = { paused: boolean; resume: Promise<void>; release: () => void };

export class Indexer {
  private readonly pause: Pause = makePause();

  constructor(private readonly deps: IndexerDeps) {}

  setPaused(paused: boolean): void {
    if (paused && !this.pause.paused) {
      this.pause.paused = true;
      this.pause.resume = new Promise((r) => (this.pause.release = r));
    } else if (!paused && this.pause.paused) {
      this.pause.paused = false;
      this.pause.release();
    }
  }

  get paused(): boolean {
    return this.pause.paused;
  }

  /**
   * Compares what is on disk under `folderIds` with the database. Unchanged files cost one stat (size +
   * mtime); a content hash is computed only for new or changed files, which is what makes a no-change
   * restart fast.
   */
  async reconcile(folders: { id: string; path: string }[], onError: (path: string, error: unknown) => void, only?: Set<string>): Promise<ReconcilePlan & { seen: Map<string, FileInfo & { folderId: string }> }> {
    const { store } = this.deps;
    const seen = new Map<string, FileInfo & { folderId: string }>();
    // Folders (or whole roots: an unplugged drive) that could not be read: their files are not deleted.
    const unreadable: string[] = [];
    for (const folder of folders) {
      try {
        for await (const f of this.deps.scan(folder.path, (path, error) => {
          unreadable.push(path);
          onError(path, error);
        })) {
          if (only && !only.has(f.path)) continue;
          seen.set(f.path, { ...f, folderId: folder.id });
        }
      } catch (e) {
        unreadable.push(folder.path);
        onError(folder.path, e);
      }
    }
    const underUnreadable = (p: string) => unreadable.some((u) => p === u || p.startsWith(u.endsWith('/') ? u : `${u}/`));
    const columns = ['id', 'path', 'folder_id', 'content_hash', 'bytes', 'mtime', 'status', 'kind'] as const;
    const known = folders.length ? await store.media.inFolders(folders.map((f) => f.id), columns) : await store.media.all(columns);
    const byPath = new Map(known.map((m) => [m.path, m]));
    const plan: ReconcilePlan = { toIndex: [], moved: [], duplicates: [], touched: [], removed: [], unchanged: 0 };
    const candidates: FileInfo[] = [];
    for (const f of seen.values()) {
      const row = byPath.get(f.path);
      if (row && row.bytes === f.size && row.mtime === f.mtimeMs && row.status !== 'pending') plan.unchanged++;
      else candidates.push(f);
    }
    const gone = known.filter((m) => !seen.has(m.path) && (!only || only.has(m.path)) && !underUnreadable(m.path));
    const goneByHash = new Map<string, MediaRow[]>();
    for (const g of gone) goneByHash.set(g.content_hash, [...(goneByHash.get(g.content_hash) ?? []), g]);
    const movedRows = new Set<string>();
    const newByHash = new Map<string, string>();
    for (const f of candidates) {
      let hash: string;
      try {
        hash = await this.deps.hash(f.path);
      } catch (e) {
        onError(f.path, e);
        continue;
      }
      const row = byPath.get(f.path);
      if (row) {
        if (row.content_hash === hash && row.status === 'ok') plan.touched.push({ row, file: f });
        else plan.toIndex.push({ file: f, hash, existing: row });
        continue;
      }
      const wasMoved = goneByHash.get(hash)?.find((g) => !movedRows.has(g.id) && g.status === 'ok');
      if (wasMoved) {
        movedRows.add(wasMoved.id);
        plan.moved.push({ row: wasMoved, file: f });
        continue;
      }
      const twin = (await store.media.byHashes([hash])).find((m) => m.status === 'ok' && m.path !== f.path && (seen.has(m.path) || (only !== undefined && existsSync(m.path))));
      const sibling = newByHash.get(hash);
      if (twin) plan.duplicates.push({ file: f, hash, ofPath: twin.path });
      else if (sibling) plan.duplicates.push({ file: f, hash, ofPath: sibling });
      else {
        newByHash.set(hash, f.path);
        plan.toIndex.push({ file: f, hash, existing: null });
      }
    }
    plan.removed = gone.filter((g) => !movedRows.has(g.id));
    // Images before videos: a photo takes ~0.1 s, a video many seconds.
    plan.toIndex.sort((a, b) => (a.file.kind === b.file.kind ? 0 : a.file.kind === 'image' ? -1 : 1));
    return { ...plan, seen };
  }

  /** One indexing run over the given folders (all files, or only `only` paths: watcher batches). */
  async run(folders: { id: string; path: string }[], task: TaskHandle, only?: Set<string>): Promise<IndexSummary> {
    const { store } = this.deps;
    const t0 = Date.now();
    const summary: IndexSummary = { folders: folders.length, files: 0, unchanged: 0, indexed: 0, moved: 0, duplicates: 0, removed: 0, errors: 0, faces: 0, seconds: 0 };
    task.progress({ phase: 'scanning', done: 0, total: 0 });
    const scanErrors: { path: string; error: unknown }[] = [];
    const plan = await this.reconcile(folders, (path, error) => scanErrors.push({ path, error }), only);
    summary.files = plan.seen.size;
    summary.unchanged = plan.unchanged;

    // Removals first: a moved file must not be indexed twice, and counts stay right.
    if (plan.removed.length) {
      await store.deleteMedia(plan.removed.map((r) => r.id));
      for (const r of plan.removed) if (r.kind === 'video') await rm(posterPath(store.dir, r.id), { force: true });
    }
    summary.removed = plan.removed.length;
    if (plan.moved.length) {
      await store.media.patch(plan.moved.map(({ row, file }) => ({ id: row.id, path: file.path, folder_id: plan.seen.get(file.path)!.folderId, mtime: file.mtimeMs, bytes: file.size })));
      for (const { row, file } of plan.moved) {
        const faces = await store.faces.ofMedia([row.id], ['id']);
        await store.faces.patch(faces.map((f) => ({ id: f.id, folder_id: plan.seen.get(file.path)!.folderId })));
      }
    }
    summary.moved = plan.moved.length;
    if (plan.touched.length) await store.media.patch(plan.touched.map(({ row, file }) => ({ id: row.id, mtime: file.mtimeMs, bytes: file.size })));

    const total = plan.toIndex.length;
    task.progress({ phase: 'indexing', done: 0, total, counters: { faces: 0, errors: 0 } });
    // Step 1 of the crash-safe order: every file to analyze gets a pending row (new rows get new ids).
    const pendingRows = new Map<string, MediaRow>();
    for (const { file, hash, existing } of plan.toIndex) {
      const folderId = plan.seen.get(file.path)!.folderId;
      pendingRows.set(file.path, {
        ...(existing ?? emptyMedia(file, folderId)),
        id: existing?.id ?? randomUUID(),
        path: file.path,
        folder_id: folderId,
        content_hash: hash,
        kind: file.kind,
        bytes: file.size,
        mtime: file.mtimeMs,
        status: 'pending',
      } as MediaRow);
    }
    for (const batch of chunk([...pendingRows.values()], 500)) await store.media.upsert(batch);

    const started = Date.now();
    let done = 0;
    const writer = new BatchWriter(store, this.deps.write);
    const report = (current: string) => {
      const elapsed = (Date.now() - started) / 1000;
      const rate = elapsed > 0 ? done / elapsed : 0;
      task.progress({ done, total, current, rate: round(rate), etaSeconds: rate > 0 ? Math.round((total - done) / rate) : undefined, counters: { faces: summary.faces, errors: summary.errors } } as Parameters<TaskHandle['progress']>[0]);
    };
    const fail = async (path: string, e: unknown) => {
      const row = pendingRows.get(path)!;
      const err = e instanceof EngineError ? e : new EngineError('INTERNAL', e instanceof Error ? e.message : String(e));
      summary.errors++;
      await writer.media({ ...row, status: 'error', error_code: err.code, error_text: err.message, indexed_at: Date.now(), face_count: 0 });
    };

    const images = plan.toIndex.filter((x) => x.file.kind === 'image').map((x) => x.file.path);
    const videos = plan.toIndex.filter((x) => x.file.kind === 'video').map((x) => x.file.path);
    for await (const item of this.deps.analyzeImages(feed(images, task.signal, this.pause))) {
      const row = pendingRows.get(item.input)!;
      if (item.error || !item.result) await fail(item.input, item.error);
      else {
        const meta = await this.deps.metadata(item.input, 'image').catch(() => null);
        const media = withMetadata({ ...row, width: item.result.image.width, height: item.result.image.height }, meta);
        const n = await this.writeFaces(writer, media, item.result.faces.map((f) => ({ face: f, timeSec: null, ranges: null })));
        summary.faces += n;
        summary.indexed++;
      }
      done++;
      report(item.input);
      await writer.maybeFlush();
    }
    for (const path of videos) {
      if (task.signal.aborted) break;
      await waitIfPaused(this.pause);
      const row = pendingRows.get(path)!;
      try {
        const v = await this.deps.analyzeVideo(path, task.signal);
        const meta = await this.deps.metadata(path, 'video').catch(() => null);
        const media = withMetadata({ ...row, width: v.width, height: v.height, duration: v.durationSec }, meta);
        if (v.posterJpeg) await writePoster(store.dir, media.id, v.posterJpeg);
        summary.faces += await this.writeFaces(writer, media, v.tracks.map((t) => ({ face: t.face, timeSec: t.timeSec, ranges: t.ranges })));
        summary.indexed++;
      } catch (e) {
        if (task.signal.aborted) break;
        await fail(path, e);
      }
      done++;
      report(path);
      await writer.maybeFlush();
    }
    await writer.flush();
    // Duplicates last: their originals may have been analyzed just now.
    for (const d of plan.duplicates) {
      if (task.signal.aborted) break;
      const [of] = await store.media.byPaths([d.ofPath]);
      if (of?.status !== 'ok') continue;
      await this.copyDuplicate(d.file, d.hash, of, plan.seen.get(d.file.path)!.folderId);
      summary.duplicates++;
    }
    for (const f of folders) await store.folders.update(f.id, { last_scan_at: Date.now() });
    summary.errors += scanErrors.length;
    summary.seconds = round((Date.now() - t0) / 1000);
    task.progress({ phase: task.signal.aborted ? 'cancelled' : 'done', done, total });
    return summary;
  }

  /** Steps 2 and 3 for one file: faces (ids kept by overlap with the previous analysis), then media ok. */
  private async writeFaces(writer: BatchWriter, media: MediaRow, found: { face: Face; timeSec: number | null; ranges: [number, number][] | null }[]): Promise<number> {
    const old = await this.deps.store.faces.ofMedia([media.id]);
    const match = matchByOverlap(old, found.map((f) => ({ x: f.face.box.x, y: f.face.box.y, w: f.face.box.width, h: f.face.box.height })));
    const keep = new Set<string>();
    found.forEach((f, i) => {
      const oi = match.get(i);
      const prev = oi === undefined ? null : old[oi]!;
      if (prev) keep.add(prev.id);
      writer.face(
        {
          id: prev?.id ?? randomUUID(),
          media_id: media.id,
          folder_id: media.folder_id,
          kind: media.kind,
          captured_at: media.captured_at,
          frame_time: f.timeSec,
          ranges: f.ranges ? JSON.stringify(f.ranges) : null,
          x: f.face.box.x,
          y: f.face.box.y,
          w: f.face.box.width,
          h: f.face.box.height,
          landmarks: JSON.stringify(f.face.landmarks.map(([x, y]) => [round(x), round(y)])),
          score: f.face.score,
          quality: f.face.quality,
          // The person, the user's assignment and rejections belong to the face, not to one analysis.
          person_id: prev?.person_id ?? null,
          assignment: prev?.assignment ?? 'none',
          rejected: prev?.rejected ?? null,
          clustered: prev ? prev.clustered && prev.model_id === this.deps.embedderId : false,
          model_id: f.face.modelId,
          created_at: prev?.created_at ?? Date.now(),
          vector: f.face.embedding,
        },
        prev !== null,
      );
    });
    writer.dropFaces(old.filter((o) => !keep.has(o.id)).map((o) => o.id));
    await writer.media({ ...media, status: 'ok', error_code: null, error_text: null, face_count: found.length, indexed_at: Date.now(), model_id: this.deps.embedderId });
    return found.length;
  }

  private async copyDuplicate(file: FileInfo, hash: string, of: MediaRow, folderId: string): Promise<void> {
    const { store } = this.deps;
    const original = (await store.media.byIds([of.id]))[0]!;
    const id = randomUUID();
    const row: MediaRow = { ...original, id, path: file.path, folder_id: folderId, content_hash: hash, bytes: file.size, mtime: file.mtimeMs, status: 'pending' };
    await store.media.upsert([row]);
    const faces = await store.faces.ofMedia([of.id]);
    await store.faces.add(faces.map((f) => ({ ...f, id: randomUUID(), media_id: id, folder_id: folderId })));
    await store.media.patch([{ id, status: 'ok', indexed_at: Date.now() }]);
  }
}

/** Batches face and media writes: one commit per table every few files instead of one per file. */
class BatchWriter {
  private newFaces: FaceRow[] = [];
  private changedFaces: FaceRow[] = [];
  private droppedFaces: string[] = [];
  private mediaRows: MediaRow[] = [];
  private lastFlush = Date.now();

  constructor(private readonly store: LibraryStore, private readonly settings: Pick<IndexingSettings, 'writeBatchFiles' | 'writeFlushMs'>) {}

  face(row: FaceRow, existed: boolean): void {
    (existed ? this.changedFaces : this.newFaces).push(row);
  }

  dropFaces(ids: string[]): void {
    this.droppedFaces.push(...ids);
  }

  async media(row: MediaRow): Promise<void> {
    this.mediaRows.push(row);
  }

  async maybeFlush(): Promise<void> {
    if (this.mediaRows.length >= this.settings.writeBatchFiles || Date.now() - this.lastFlush > this.settings.writeFlushMs) await this.flush();
  }

  /** Faces before media: a media row turns ok only once its faces are on disk. */
  async flush(): Promise<void> {
    const { newFaces, changedFaces, droppedFaces, mediaRows } = this;
    this.newFaces = [];
    this.changedFaces = [];
    this.droppedFaces = [];
    this.mediaRows = [];
    this.lastFlush = Date.now();
    await this.store.faces.delete(droppedFaces);
    await this.store.faces.patch(changedFaces);
    await this.store.faces.add(newFaces);
    await this.store.media.upsert(mediaRows);
  }
}

/** Video posters live beside the database: `<library>/posters/<media id>.jpg`. */
export function posterPath(libraryDir: string, mediaId: string): string {
  return join(libraryDir, 'posters', `${mediaId}.jpg`);
}

async function writePoster(libraryDir: string, mediaId: string, jpeg: Buffer): Promise<void> {
  const p = posterPath(libraryDir, mediaId);
  await mkdir(dirname(p), { recursive: true });
  await writeFile(`${p}.tmp`, jpeg);
  await rename(`${p}.tmp`, p);
}

function emptyMedia(file: FileInfo, folderId: string): MediaRow {
  return {
    id: '', path: file.path, folder_id: folderId, content_hash: '', kind: file.kind, bytes: file.size, mtime: file.mtimeMs,
    captured_at: null, captured_at_source: null, width: null, height: null, duration: null, camera: null, rating: null, tags: null,
    gps_lat: null, gps_lon: null, status: 'pending', error_code: null, error_text: null, face_count: null, indexed_at: null, model_id: null,
  };
}

function withMetadata(row: MediaRow, meta: FileMetadata | null): MediaRow {
  return {
    ...row,
    captured_at: meta?.capturedAt ?? row.mtime,
    captured_at_source: meta?.capturedAtSource ?? 'file-time',
    camera: meta?.camera ?? null,
    rating: meta?.rating ?? null,
    tags: meta?.tags?.length ? JSON.stringify(meta.tags) : null,
    gps_lat: meta?.gpsLat ?? null,
    gps_lon: meta?.gpsLon ?? null,
  };
}

function makePause(): Pause {
  return { paused: false, resume: Promise.resolve(), release: () => undefined };
}

async function waitIfPaused(p: Pause): Promise<void> {
  while (p.paused) await p.resume;
}

/** Hands paths to the analyzers lazily so pause and cancel take effect within a couple of files. */
async function* feed(paths: string[], signal: AbortSignal, pause: Pause): AsyncGenerator<string> {
  for (const p of paths) {
    await waitIfPaused(pause);
    if (signal.aborted) return;
    yield p;
  }
}

function chunk<T>(items: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
  return out;
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
