/**
 * Keeps the index current while the app runs: chokidar watches the library roots and this turns its
 * events into debounced, normalized batches `{ added, changed, removed }`.
 *
 * - Write-finish: a new or changed file is held until its size and mtime have not moved for writeFinishMs
 *   (a copy in progress is never indexed half-written). This is done here rather than with chokidar's
 *   awaitWriteFinish because the batcher must know which files are still being written: a moved folder
 *   shows as removals (at once) plus additions (after write-finish), and both must land in one batch for the
 *   indexer to pair them by content hash instead of deleting faces and analyzing the photos again. So
 *   removals are held while any file is still settling, up to watchMaxBatchWaitMs.
 * - Normalization, against the set of known paths (seeded by the caller from the index, kept up to date by
 *   each batch): a settled path that was known is `changed`, an unknown one `added`; a vanished known path is
 *   `removed`; a file that appeared and vanished between two batches is not reported at all. Paths nobody
 *   seeded are judged as unknown: their changes come as `added`, their deletions as `removed` (both harmless
 *   for an index that has, or lacks, them). A rename or move is `removed` + `added`.
 * - Folder deletes: chokidar's unlinkDir is expanded to every known or pending path below the folder.
 *   A root that disappears (deleted, or its drive unplugged) is reported in `missingRoots` and its files are
 *   NOT listed as removed: an unplugged drive must not empty the library. chokidar stops watching it; the
 *   caller re-adds the root (removeRoot + addRoot) when it is back, after a reconciliation scan.
 * - Ignored: what the scanner ignores (isIgnoredPath), files that are not photos or videos, and, as in the
 *   scanner, symlinked folders that loop or lead back into the root's own tree.
 */
import { EventEmitter } from 'node:events';
import { existsSync, realpathSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import chokidar from 'chokidar';
import type { FSWatcher } from 'chokidar';
import { EngineError } from '../errors';
import { librarySettings } from '../settings';
import type { LibrarySettings } from '../settings';
import { libraryFsError, errnoOf } from './fs-errors';
import { mediaKindOf } from './media-types';
import { isNetworkFileSystem } from './network-fs';
import type { MediaKind } from './media-types';
import { isIgnoredPath } from './scanner';
import type { FileInfo } from './scanner';

export interface WatchBatch {
  added: FileInfo[];
  changed: FileInfo[];
  removed: string[];
  /** Roots that vanished themselves; their files are not in `removed`. */
  missingRoots: string[];
}

export interface LibraryWatcherOptions {
  /** Roots to watch from the start (more with addRoot). */
  roots?: Iterable<string>;
  /** Paths the index already has, under any root: their changes are `changed`, their deletions `removed`. */
  known?: Iterable<string>;
  settings?: Partial<LibrarySettings>;
  /** Called with each batch, one at a time: the next batch waits for a returned promise. */
  onBatch?: (batch: WatchBatch) => void | Promise<void>;
  onError?: (error: EngineError) => void;
}

interface Settling {
  kind: MediaKind;
  size: number;
  mtimeMs: number;
  /** When size or mtime last moved (or an event came). */
  since: number;
}

/**
 * Events: 'batch' (WatchBatch) and 'error' (EngineError; only emitted when someone listens).
 */
export class LibraryWatcher extends EventEmitter {
  private readonly s: LibrarySettings;
  private readonly watchers = new Map<string, { fsw: FSWatcher; ready: Promise<void>; polled: boolean }>();
  private readonly known = new Set<string>();
  /** Paths that appeared during this session and were not reported yet. */
  private readonly fresh = new Set<string>();
  private readonly settling = new Map<string, Settling>();
  private readonly settled = new Map<string, FileInfo>();
  private readonly gone = new Set<string>();
  private readonly missingRoots = new Set<string>();
  private firstEventAt = 0;
  private lastEventAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private tick: Promise<void> | null = null;
  private readonly adding = new Set<Promise<void>>();
  private delivering: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly opts: LibraryWatcherOptions = {}) {
    super();
    this.s = librarySettings(opts.settings);
    for (const p of opts.known ?? []) this.known.add(path.resolve(p));
    // Failures surface as 'error' (and onError); ready() still resolves for the roots that work.
    for (const r of opts.roots ?? []) this.addRoot(r).catch((e: unknown) => this.report(toEngine(e, r)));
  }

  get roots(): string[] {
    return [...this.watchers.keys()];
  }

  /** Resolves once every root added so far has been walked by chokidar (events before that are not seen). */
  async ready(): Promise<void> {
    await Promise.allSettled([...this.adding]);
    await Promise.all([...this.watchers.values()].map((w) => w.ready));
  }

  /** Whether a root is watched by polling (a network share, or watchPolling 'always') rather than by events. */
  isPolled(root: string): boolean {
    return this.watchers.get(path.resolve(root))?.polled ?? false;
  }

  /** Adds paths the index has (for example after the caller's reconciliation scan). */
  seedKnown(paths: Iterable<string>): void {
    for (const p of paths) this.known.add(path.resolve(p));
  }

  /** Starts watching a folder (FILE_NOT_FOUND / FILE_UNREADABLE when it is not one); resolves when chokidar is ready. */
  addRoot(root: string, known: Iterable<string> = []): Promise<void> {
    const p = this.addRootNow(root, known);
    this.adding.add(p);
    const done = () => this.adding.delete(p);
    p.then(done, done);
    return p;
  }

  private async addRootNow(root: string, known: Iterable<string>): Promise<void> {
    const abs = path.resolve(root);
    this.seedKnown(known);
    if (this.watchers.has(abs) || this.closed) return this.watchers.get(abs)?.ready;
    try {
      if (!(await stat(abs)).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    } catch (e) {
      throw libraryFsError(abs, e, 'folder', false);
    }
    const polled = this.s.watchPolling === 'always' || (this.s.watchPolling === 'auto' && (await isNetworkFileSystem(abs)));
    const fsw = chokidar.watch(abs, {
      ignoreInitial: true,
      usePolling: polled,
      interval: this.s.watchPollIntervalMs,
      binaryInterval: this.s.watchPollIntervalMs,
      persistent: true,
      followSymlinks: true,
      alwaysStat: true,
      ignorePermissionErrors: true,
      awaitWriteFinish: false,
      // chokidar 4 has no globs: one function decides. Without stats chokidar only asks about the name
      // (a folder could be called "x.txt"); with stats, plain files that are not media are left out.
      ignored: (p: string, stats?: Stats) =>
        isIgnoredPath(p, [abs]) ||
        (stats !== undefined && stats.isFile() && mediaKindOf(p) === null) ||
        (stats !== undefined && stats.isDirectory() && this.isLinkLoopOrDuplicate(abs, p)),
    });
    const ready = new Promise<void>((resolve) => fsw.once('ready', () => resolve()));
    this.watchers.set(abs, { fsw, ready, polled });
    fsw.on('add', (p: string, st?: Stats) => this.onWrite(abs, p, st));
    fsw.on('change', (p: string, st?: Stats) => this.onWrite(abs, p, st));
    fsw.on('unlink', (p: string) => this.onGone(p));
    fsw.on('unlinkDir', (p: string) => this.onGoneDir(abs, p));
    fsw.on('error', (e: unknown) => this.report(toEngine(e, abs)));
    await ready;
  }

  private readonly realpaths = new Map<string, string | null>();

  private real(p: string): string | null {
    let r = this.realpaths.get(p);
    if (r === undefined) {
      try {
        r = realpathSync(p);
      } catch {
        r = null;
      }
      this.realpaths.set(p, r);
    }
    return r;
  }

  /**
   * chokidar follows symlinked folders but not loops: a link to an ancestor is walked again and again until
   * the OS refuses (ELOOP, ~40 levels), each level reporting the same photos. As in the scanner, a linked
   * folder is skipped when it leads back to an ancestor (a loop) or into the root's own tree (its real folder
   * is watched already); links to folders elsewhere are followed.
   */
  private isLinkLoopOrDuplicate(root: string, p: string): boolean {
    const abs = path.resolve(p);
    if (abs === root) return false;
    const real = this.real(abs);
    const parentReal = this.real(path.dirname(abs));
    const rootReal = this.real(root);
    if (real === null || parentReal === null || rootReal === null) return false;
    if (real === path.join(parentReal, path.basename(abs))) return false; // not a link
    const within = (a: string, b: string) => a === b || a.startsWith(b.endsWith(path.sep) ? b : b + path.sep);
    return within(parentReal, real) || within(real, rootReal);
  }

  /** Stops watching a root; nothing more is reported under it, pending changes under it are dropped. */
  async removeRoot(root: string): Promise<void> {
    const abs = path.resolve(root);
    const w = this.watchers.get(abs);
    if (!w) return;
    this.watchers.delete(abs);
    await w.fsw.close();
    const under = (p: string) => p === abs || p.startsWith(abs + path.sep);
    for (const set of [this.known, this.fresh, this.gone]) for (const p of [...set]) if (under(p)) set.delete(p);
    for (const map of [this.settling, this.settled]) for (const p of [...map.keys()]) if (under(p)) map.delete(p);
    this.missingRoots.delete(abs);
  }

  /** Hands over what has settled now, without waiting for the debounce (files still being written stay). */
  async flush(): Promise<void> {
    while (this.tick) await this.tick;
    await this.check(true);
    await this.delivering;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const all = [...this.watchers.values()];
    this.watchers.clear();
    await Promise.all(all.map((w) => w.fsw.close()));
    await this.delivering;
  }

  // ---- events ---------------------------------------------------------------------------------

  private touch(): void {
    const now = Date.now();
    if (this.firstEventAt === 0) this.firstEventAt = now;
    this.lastEventAt = now;
    if (!this.timer && !this.closed) this.timer = setInterval(() => void this.check(false), this.s.writeFinishPollMs);
  }

  private onWrite(root: string, p: string, st: Stats | undefined): void {
    const kind = mediaKindOf(p);
    if (!kind || isIgnoredPath(p, [root])) return;
    const abs = path.resolve(p);
    this.gone.delete(abs);
    this.settled.delete(abs);
    if (!this.known.has(abs)) this.fresh.add(abs);
    this.settling.set(abs, { kind, size: st?.size ?? -1, mtimeMs: st?.mtimeMs ?? -1, since: Date.now() });
    this.touch();
  }

  private onGone(p: string): void {
    const abs = path.resolve(p);
    if (!mediaKindOf(abs)) return;
    this.markGone(abs);
    this.touch();
  }

  private onGoneDir(root: string, p: string): void {
    const abs = path.resolve(p);
    if (abs === root) {
      this.missingRoots.add(root);
      this.touch();
      return;
    }
    // chokidar reports the files it tracked below the folder too, but not those the index knows and
    // chokidar never saw (seeded paths of a folder that was unreadable to it, for example).
    const prefix = abs + path.sep;
    for (const q of [...this.realpaths.keys()]) if (q === abs || q.startsWith(prefix)) this.realpaths.delete(q);
    const below = [...this.known, ...this.fresh, ...this.settling.keys(), ...this.settled.keys()].filter((q) => q.startsWith(prefix));
    for (const q of below) this.markGone(q);
    this.touch();
  }

  private markGone(abs: string): void {
    this.settling.delete(abs);
    this.settled.delete(abs);
    this.gone.add(abs);
  }

  // ---- settling and batching --------------------------------------------------------------------

  private check(force: boolean): Promise<void> {
    if (this.tick) return this.tick;
    this.tick = this.checkNow(force).finally(() => (this.tick = null));
    return this.tick;
  }

  private async checkNow(force: boolean): Promise<void> {
    await this.settle();
    const now = Date.now();
    const size = this.settled.size + this.gone.size + this.missingRoots.size;
    if (size === 0) {
      if (this.settling.size === 0) this.idle();
      return;
    }
    const quiet = this.settling.size === 0 && now - this.lastEventAt >= this.s.watchDebounceMs;
    const overdue = now - this.firstEventAt >= this.s.watchMaxBatchWaitMs || size >= this.s.watchMaxBatchFiles;
    if (force || quiet || overdue) this.deliver(this.takeBatch());
  }

  /** Moves files whose size and mtime held still for writeFinishMs to `settled`. */
  private async settle(): Promise<void> {
    const now = Date.now();
    const due = [...this.settling.entries()].filter(([, s]) => now - s.since >= this.s.writeFinishMs);
    const results = await Promise.all(
      due.map(async ([p, s]) => {
        try {
          return { p, s, st: await stat(p) };
        } catch (e) {
          return { p, s, error: e };
        }
      }),
    );
    for (const { p, s, st, error } of results) {
      // An event may have replaced the entry while we were stat-ing.
      if (this.settling.get(p) !== s) continue;
      if (!st) {
        if (errnoOf(error) === 'ENOENT' || errnoOf(error) === 'ENOTDIR') this.markGone(p);
        else {
          this.settling.delete(p);
          this.report(libraryFsError(p, error, 'file', true));
        }
        continue;
      }
      if (!st.isFile()) {
        this.settling.delete(p);
        continue;
      }
      if (st.size === s.size && st.mtimeMs === s.mtimeMs) {
        this.settling.delete(p);
        this.settled.set(p, { path: p, size: st.size, mtimeMs: st.mtimeMs, kind: s.kind });
      } else {
        // Still being written (or written without events, e.g. on some network mounts): wait again.
        this.settling.set(p, { ...s, size: st.size, mtimeMs: st.mtimeMs, since: now });
      }
    }
  }

  private takeBatch(): WatchBatch {
    const batch: WatchBatch = { added: [], changed: [], removed: [], missingRoots: [...this.missingRoots] };
    for (const info of this.settled.values()) {
      if (this.known.has(info.path)) batch.changed.push(info);
      else batch.added.push(info);
      this.known.add(info.path);
      this.fresh.delete(info.path);
    }
    // chokidar reports the files of a vanished root as unlinked, one by one, before the root itself (if at
    // all). Whatever the order, removals under a root that is not there now are held back: an unplugged
    // drive looks exactly like a deleted folder, and only the caller (or the user) can tell them apart.
    const missing = new Map<string, boolean>();
    const rootMissing = (p: string): string | null => {
      for (const r of this.watchers.keys()) {
        if (p !== r && !p.startsWith(r + path.sep)) continue;
        if (!missing.has(r)) missing.set(r, this.missingRoots.has(r) || !existsSync(r));
        return missing.get(r) ? r : null;
      }
      return null;
    };
    for (const p of this.gone) {
      // Appeared and vanished between two batches: nobody was told about it, nobody needs to be.
      if (!this.known.has(p) && this.fresh.has(p)) {
        this.fresh.delete(p);
        continue;
      }
      const root = rootMissing(p);
      if (root) {
        if (!batch.missingRoots.includes(root)) batch.missingRoots.push(root);
        continue;
      }
      batch.removed.push(p);
      this.known.delete(p);
    }
    this.settled.clear();
    this.gone.clear();
    this.missingRoots.clear();
    this.firstEventAt = this.settling.size > 0 ? Date.now() : 0;
    batch.added.sort((a, b) => (a.path < b.path ? -1 : 1));
    batch.changed.sort((a, b) => (a.path < b.path ? -1 : 1));
    batch.removed.sort();
    return batch;
  }

  private deliver(batch: WatchBatch): void {
    if (batch.added.length + batch.changed.length + batch.removed.length + batch.missingRoots.length === 0) return;
    this.delivering = this.delivering.then(async () => {
      try {
        this.emit('batch', batch);
        await this.opts.onBatch?.(batch);
      } catch (e) {
        this.report(toEngine(e));
      }
    });
  }

  private idle(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.firstEventAt = 0;
  }

  private report(e: EngineError): void {
    this.opts.onError?.(e);
    if (this.listenerCount('error') > 0) this.emit('error', e);
  }
}

function toEngine(e: unknown, p?: string): EngineError {
  if (e instanceof EngineError) return e;
  if (p && errnoOf(e)) return libraryFsError(p, e, 'folder', true);
  return new EngineError('INTERNAL', `Watcher: ${e instanceof Error ? e.message : String(e)}`, p ? { path: p } : undefined);
}
