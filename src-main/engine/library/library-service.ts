/**
 * The library as the doors see it: folders to watch, indexing runs as tasks, a live watcher, status
 * and the list of files that failed. Owns the store and the task registry of one library folder.
 */
import { existsSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EngineError } from '../errors';
import type { FolderWatchDto } from '../../contract/ipc';
import type { IndexingSettings } from '../settings';
import { LibraryStore } from '../store/library-store';
import type { FolderRow, MediaRow } from '../store/rows';
import { TaskRegistry } from '../tasks/task-registry';
import type { Task } from '../tasks/task-registry';
import { Indexer } from './indexer';
import type { IndexerDeps, IndexSummary } from './indexer';

export interface LibraryStatus {
  dir: string;
  folders: { id: string; path: string; lastScanAt: number | null; media: number; watch: FolderWatchDto }[];
  media: { total: number; ok: number; pending: number; error: number; images: number; videos: number };
  faces: number;
  persons: number;
  bytesOnDisk: number;
  indexing: Task | null;
  paused: boolean;
  watching: boolean;
}

export interface MediaError {
  mediaId: string;
  path: string;
  code: string;
  message: string;
  indexedAt: number | null;
}

export type IndexDeps = Omit<IndexerDeps, 'store' | 'write'>;

/** A watcher the service can drive: batches of changed paths. */
export interface FolderWatcher {
  close(): Promise<void>;
  /** Whether the root is polled (network share) rather than watched through change events. */
  isPolled?(root: string): boolean;
}
export interface WatcherEvents {
  /** Paths added, changed or removed under the roots. */
  onBatch: (changed: Set<string>) => void;
  /** Roots that vanished (deleted, unplugged): their files are not reported as removed. */
  onMissingRoots: (roots: string[]) => void;
  /** A root the watcher could not watch or that failed later. */
  onRootError: (root: string, message: string) => void;
}
export type WatcherFactory = (roots: string[], known: string[], events: WatcherEvents) => Promise<FolderWatcher>;

export class LibraryService {
  readonly indexer: Indexer;
  private running: Promise<Task> | null = null;
  private runningId: string | null = null;
  private queued: Set<string> | 'all' | null = null;
  private watcher: FolderWatcher | null = null;
  /** Keep-current mode: every library folder is watched, whenever it is added or comes back. */
  private keepingCurrent = false;
  private readonly folderWatch = new Map<string, FolderWatchDto>();
  private missingPoll: NodeJS.Timeout | null = null;
  private optimizeTimer: NodeJS.Timeout | null = null;
  private readonly settledListeners = new Set<(summary: IndexSummary) => void>();

  private constructor(
    readonly store: LibraryStore,
    readonly tasks: TaskRegistry,
    private readonly settings: IndexingSettings,
    deps: IndexDeps,
    private readonly makeWatcher: WatcherFactory | null,
  ) {
    this.indexer = new Indexer({ ...deps, store, write: settings });
  }

  static async open(dir: string, settings: IndexingSettings, deps: IndexDeps, makeWatcher: WatcherFactory | null = null): Promise<LibraryService> {
    const store = await LibraryStore.open(dir);
    const tasks = await TaskRegistry.open(join(dir, 'tasks.json'), settings.taskRetentionDays * 86_400_000);
    // Whatever a killed process left half-done is made whole before anything else reads the library.
    await store.repair();
    return new LibraryService(store, tasks, settings, deps, makeWatcher);
  }

  /** Called after every indexing run that changed something (clustering hooks in here). */
  onSettled(listener: (summary: IndexSummary) => void): () => void {
    this.settledListeners.add(listener);
    return () => this.settledListeners.delete(listener);
  }

  // ---- folders -------------------------------------------------------------------------------

  listFolders(): Promise<FolderRow[]> {
    return this.store.folders.list();
  }

  async addFolders(paths: string[]): Promise<FolderRow[]> {
    const out: FolderRow[] = [];
    const existing = await this.store.folders.list();
    for (const p of paths) {
      const abs = resolve(p);
      const st = await stat(abs).catch(() => null);
      if (!st) throw new EngineError('FILE_NOT_FOUND', `Folder not found: ${abs}`, { path: abs });
      if (!st.isDirectory()) throw new EngineError('INVALID_ARGUMENT', `Not a folder: ${abs}`, { path: abs });
      const real = await realpath(abs);
      const overlap = existing.find((f) => real === f.path || real.startsWith(f.path + '/') || f.path.startsWith(real + '/'));
      if (overlap && overlap.path !== real) {
        throw new EngineError('INVALID_ARGUMENT', `${real} overlaps the library folder ${overlap.path}; add either the parent or the subfolder, not both`);
      }
      out.push(await this.store.folders.add(real));
    }
    if (this.watcher || this.keepingCurrent) await this.startWatching();
    return out;
  }

  async removeFolder(idOrPath: string): Promise<void> {
    const folders = await this.store.folders.list();
    const f = folders.find((x) => x.id === idOrPath || x.path === idOrPath || x.path === resolve(idOrPath));
    if (!f) throw new EngineError('NOT_FOUND', `No library folder ${idOrPath}`);
    await this.store.removeFolder(f.id);
    this.folderWatch.delete(f.path);
    if (this.watcher || this.keepingCurrent) await this.startWatching();
  }

  // ---- indexing ------------------------------------------------------------------------------

  /**
   * Starts an indexing run over every folder (or waits behind the running one: runs never overlap, a
   * request during a run is merged into one follow-up run). Returns the task id at once.
   */
  index(only?: Set<string>): Promise<{ taskId: string; done: Promise<Task> }> {
    if (this.running) {
      this.queued = this.queued === 'all' || !only ? 'all' : new Set([...(this.queued ?? []), ...only]);
      return Promise.resolve({ taskId: this.runningId!, done: this.running });
    }
    let taskId = '';
    const done = this.tasks.run(
      'index',
      async (h) => {
        const folders = await this.store.folders.list();
        return this.indexer.run(folders, h, only);
      },
      { started: (id) => (taskId = id) },
    );
    this.running = done;
    this.runningId = taskId;
    void done.then((task) => this.afterRun(task));
    return Promise.resolve({ taskId, done });
  }

  private async afterRun(task: Task): Promise<void> {
    this.running = null;
    this.runningId = null;
    const summary = task.result as IndexSummary | undefined;
    if (summary && summary.indexed + summary.removed + summary.moved + summary.duplicates > 0) {
      for (const l of this.settledListeners) l(summary);
      this.scheduleOptimize();
    }
    const next = this.queued;
    this.queued = null;
    if (next) await this.index(next === 'all' ? undefined : next);
  }

  pause(): void {
    this.indexer.setPaused(true);
  }

  resume(): void {
    this.indexer.setPaused(false);
  }

  /** Old LanceDB versions are dropped a while after writes settle, off the hot path. */
  private scheduleOptimize(): void {
    if (this.optimizeTimer) clearTimeout(this.optimizeTimer);
    this.optimizeTimer = setTimeout(() => {
      this.optimizeTimer = null;
      if (!this.running) void this.store.optimize(this.settings.keepVersionsMs).catch(() => undefined);
    }, this.settings.optimizeDelayMs);
    this.optimizeTimer.unref();
  }

  // ---- watching ------------------------------------------------------------------------------

  get watching(): boolean {
    return this.watcher !== null;
  }

  /**
   * The mode the app (desktop or `serve`) runs in: catch up with what changed while nothing ran, then watch
   * every library folder — those there now, those added later (addFolders re-arms the watcher) and those
   * that come back after being missing (polled every missingFolderPollMs, rescanned, watched again).
   */
  async keepCurrent(): Promise<{ taskId: string; done: Promise<Task> }> {
    this.keepingCurrent = true;
    const run = await this.index();
    await this.startWatching();
    if (!this.missingPoll) {
      this.missingPoll = setInterval(() => void this.pollMissing(), this.settings.missingFolderPollMs);
      this.missingPoll.unref();
    }
    return run;
  }

  private polling = false;

  /** Looks for folders that are missing (or vanished without an event); a returning one is rescanned and watched. */
  private async pollMissing(): Promise<void> {
    if (this.polling || !this.watcher) return;
    this.polling = true;
    try {
      const folders = await this.store.folders.list();
      let back = false;
      for (const f of folders) {
        const state = this.folderWatch.get(f.path)?.state;
        const there = existsSync(f.path);
        if (state === 'missing' && there) back = true;
        else if ((state === 'watching' || state === 'polling') && !there) this.folderWatch.set(f.path, { state: 'missing', reason: 'The folder is not there (deleted, renamed, or its drive is not connected)' });
      }
      if (back) {
        await this.startWatching();
        await this.index();
      }
    } finally {
      this.polling = false;
    }
  }

  /** Keeps the index current while running: changed paths are indexed in debounced batches. */
  async startWatching(): Promise<void> {
    if (!this.makeWatcher) throw new EngineError('INTERNAL', 'Watching is not available in this build');
    await this.watcher?.close();
    this.watcher = null;
    const folders = await this.store.folders.list();
    this.folderWatch.clear();
    const roots: string[] = [];
    for (const f of folders) {
      if (existsSync(f.path)) {
        roots.push(f.path);
        this.folderWatch.set(f.path, { state: 'watching' });
      } else {
        this.folderWatch.set(f.path, { state: 'missing', reason: 'The folder is not there (deleted, renamed, or its drive is not connected)' });
      }
    }
    const known = (await this.store.media.all(['path'])).map((m) => m.path);
    this.watcher = await this.makeWatcher(roots, known, {
      onBatch: (changed) => this.onWatchBatch(changed),
      onMissingRoots: (gone) => {
        for (const r of gone) this.folderWatch.set(r, { state: 'missing', reason: 'The folder is not there (deleted, renamed, or its drive is not connected)' });
      },
      onRootError: (root, message) => {
        if (this.folderWatch.get(root)?.state !== 'missing') this.folderWatch.set(root, { state: 'error', reason: message });
      },
    });
    for (const r of roots) {
      if (this.folderWatch.get(r)?.state === 'watching' && this.watcher.isPolled?.(r)) {
        this.folderWatch.set(r, { state: 'polling', reason: 'A network share: checked for changes every few seconds' });
      }
    }
  }

  private pendingRemovals = new Set<string>();
  private removalTimer: NodeJS.Timeout | null = null;

  /**
   * A rename reaches us as a removal now and an addition once the new file is stable (write-finish),
   * often in separate batches. Removals therefore wait a grace period: an addition arriving meanwhile
   * is reconciled together with them, so the move keeps its faces and persons instead of deleting
   * and re-analyzing them.
   */
  private onWatchBatch(changed: Set<string>): void {
    const present = new Set<string>();
    for (const p of changed) {
      if (existsSync(p)) present.add(p);
      else this.pendingRemovals.add(p);
    }
    if (present.size > 0) {
      const batch = new Set([...present, ...this.pendingRemovals]);
      this.pendingRemovals.clear();
      void this.index(batch);
      return;
    }
    if (this.removalTimer) clearTimeout(this.removalTimer);
    this.removalTimer = setTimeout(() => {
      this.removalTimer = null;
      const batch = new Set(this.pendingRemovals);
      this.pendingRemovals.clear();
      if (batch.size) void this.index(batch);
    }, this.settings.removalGraceMs);
    this.removalTimer.unref();
  }

  async stopWatching(): Promise<void> {
    this.keepingCurrent = false;
    if (this.missingPoll) clearInterval(this.missingPoll);
    this.missingPoll = null;
    if (this.removalTimer) clearTimeout(this.removalTimer);
    await this.watcher?.close();
    this.watcher = null;
    this.folderWatch.clear();
  }

  // ---- queries -------------------------------------------------------------------------------

  async status(): Promise<LibraryStatus> {
    const media = await this.store.media.all(['folder_id', 'status', 'kind']);
    const folders = await this.store.folders.list();
    const count = (pred: (m: MediaRow) => boolean) => media.filter(pred).length;
    const running = this.runningId ? this.tasks.get(this.runningId) : null;
    return {
      dir: this.store.dir,
      folders: folders.map((f) => ({
        id: f.id,
        path: f.path,
        lastScanAt: f.last_scan_at,
        media: count((m) => m.folder_id === f.id),
        watch: this.folderWatch.get(f.path) ?? { state: 'off' as const },
      })),
      media: {
        total: media.length,
        ok: count((m) => m.status === 'ok'),
        pending: count((m) => m.status === 'pending'),
        error: count((m) => m.status === 'error'),
        images: count((m) => m.kind === 'image'),
        videos: count((m) => m.kind === 'video'),
      },
      faces: await this.store.faces.count(),
      persons: await this.store.persons.count(),
      bytesOnDisk: await this.store.sizeOnDisk(),
      indexing: running,
      paused: this.indexer.paused,
      watching: this.watching,
    };
  }

  async errors(opts: { limit?: number; offset?: number } = {}): Promise<{ total: number; items: MediaError[] }> {
    const rows = await this.store.media.withErrors();
    rows.sort((a, b) => a.path.localeCompare(b.path));
    const offset = opts.offset ?? 0;
    const items = rows.slice(offset, offset + (opts.limit ?? 100)).map((m) => ({
      mediaId: m.id,
      path: m.path,
      code: m.error_code ?? 'INTERNAL',
      message: m.error_text ?? '',
      indexedAt: m.indexed_at,
    }));
    return { total: rows.length, items };
  }

  async close(): Promise<void> {
    await this.stopWatching();
    if (this.optimizeTimer) clearTimeout(this.optimizeTimer);
    if (this.runningId) this.tasks.cancel(this.runningId);
    await this.running?.catch(() => undefined);
    await this.tasks.flush();
    this.store.close();
  }
}
