/**
 * The initial walk of a library folder: every supported photo and video under it with size and mtime,
 * the input of the indexer's reconciliation (size + mtime first, content hash only where they differ).
 *
 * Fast on large trees: directory entries come with their types (one getdents per folder, no stat per
 * entry), and only files with a supported extension are stat-ed, a few at a time so network shares do not
 * serialize on latency. One unreadable folder is reported and skipped; the walk goes on.
 */
import { opendir, realpath, stat, lstat } from 'node:fs/promises';
import type { Dirent, Stats } from 'node:fs';
import path from 'node:path';
import type { EngineError } from '../errors';
import { DEFAULT_LIBRARY_SETTINGS } from '../settings';
import { mediaKindOf } from './media-types';
import type { MediaKind } from './media-types';
import { cancelled, errnoOf, libraryFsError } from './fs-errors';

export interface FileInfo {
  /** Absolute path as reached from the root (through a followed symlink, the link's path, not the target's). */
  path: string;
  size: number;
  mtimeMs: number;
  kind: MediaKind;
}

export interface ScanOptions {
  /**
   * A folder or file that could not be read. Files known under such a folder must not be taken as deleted:
   * the folder is still there, just unreadable now.
   */
  onError?: (path: string, error: EngineError) => void;
  signal?: AbortSignal;
  /** Default LibrarySettings.scanStatConcurrency. */
  statConcurrency?: number;
  /** Follow symbolic links to folders (each real folder is still walked once). Default true. */
  followSymlinks?: boolean;
}

/**
 * Folder names skipped anywhere below a root, compared case-insensitively (Windows and macOS volumes are
 * case-insensitive). Every name starting with a dot is skipped too: .git, .thumbnails, .Trashes,
 * .Spotlight-V100, .fseventsd, .DS_Store, macOS "._photo.jpg" resource forks (which carry a .jpg extension
 * but no image), Synology/QNAP ".@__thumb", and Picasa's ".picasaoriginals" — the pre-edit originals of
 * photos whose edited versions sit beside the folder; indexing both would list every face of an edited
 * photo twice, under two different content hashes.
 */
export const IGNORED_NAMES: ReadonlySet<string> = new Set([
  'node_modules',
  '@eadir', // Synology thumbnails (SYNOPHOTO_THUMB_*.jpg)
  '#recycle', // Synology recycle bin
  '#snapshot', // Synology snapshots: a second copy of the whole share
  '@recycle', // QNAP recycle bin
  '@recently-snapshot', // QNAP snapshots
  '$recycle.bin', // Windows recycle bin
  'system volume information',
  'lost+found',
  '__macosx', // zip archives made on macOS: resource forks named like the photos
]);

/**
 * Folder name endings skipped: Lightroom Classic's catalog side folders ("<catalog> Previews.lrdata",
 * "<catalog> Smart Previews.lrdata", "Helper.lrdata": rendered previews of photos that are elsewhere), the
 * Lightroom (cloud) and Aperture libraries, and Apple Photos libraries. The last two are private packages
 * whose "derivatives" hold several re-rendered JPEGs per photo, all with different content hashes, so each face
 * would be indexed several times. These rules apply below a root only: a user who wants a Photos library's
 * originals adds ".../Photos Library.photoslibrary/originals" itself as a folder.
 */
export const IGNORED_SUFFIXES: readonly string[] = ['.lrdata', '.lrlibrary', '.aplibrary', '.photoslibrary'];

export function isIgnoredName(name: string): boolean {
  if (name.startsWith('.')) return true;
  const lower = name.toLowerCase();
  return IGNORED_NAMES.has(lower) || IGNORED_SUFFIXES.some((s) => lower.endsWith(s));
}

/**
 * Whether a path lies in a hidden or system folder, or is a hidden file, below the root containing it (the
 * longest of `roots` that does). The root's own path is never judged: a library may live inside a dot-folder.
 * A path under none of the roots is judged by its last name only. Shared by the scanner and the watcher.
 */
export function isIgnoredPath(p: string, roots: Iterable<string>): boolean {
  const abs = path.resolve(p);
  let best: string | null = null;
  for (const r of roots) {
    const root = path.resolve(r);
    if ((abs === root || abs.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) && (best === null || root.length > best.length)) {
      best = root;
    }
  }
  if (best === null) return isIgnoredName(path.basename(abs));
  const rel = path.relative(best, abs);
  if (rel === '') return false;
  return rel.split(path.sep).some((seg) => seg !== '' && isIgnoredName(seg));
}

interface DirToWalk {
  path: string;
  /** Its real path, for loop detection; null for a symlink not resolved yet. */
  real: string | null;
}

/**
 * Every supported file below `root`, depth first, entries of a folder in name order, files of a folder
 * before its subfolders. Throws (FILE_NOT_FOUND / FILE_UNREADABLE) only when the root itself cannot be
 * walked — a missing root (an unplugged drive) must never look like an empty folder whose photos were all
 * deleted. Symlinked folders are walked after all real ones, and a real folder is walked once only, so a
 * link into the tree itself adds nothing and a link loop ends.
 */
export async function* scanFolder(root: string, opts: ScanOptions = {}): AsyncGenerator<FileInfo> {
  const rootAbs = path.resolve(root);
  const concurrency = Math.max(1, opts.statConcurrency ?? DEFAULT_LIBRARY_SETTINGS.scanStatConcurrency);
  const follow = opts.followSymlinks ?? true;
  const report = (p: string, e: unknown, what: 'file' | 'folder') => opts.onError?.(p, libraryFsError(p, e, what, true));

  let rootReal: string;
  try {
    const st = await stat(rootAbs);
    if (!st.isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    rootReal = await realpath(rootAbs);
  } catch (e) {
    throw libraryFsError(rootAbs, e, 'folder', false);
  }

  const visited = new Set<string>([rootReal]);
  const stack: DirToWalk[] = [{ path: rootAbs, real: rootReal }];
  const links: DirToWalk[] = [];
  let first = true;

  for (;;) {
    if (opts.signal?.aborted) throw cancelled(`Scanning ${rootAbs}`);
    let dir = stack.pop();
    if (!dir) {
      dir = links.shift();
      if (!dir) return;
    }
    if (dir.real === null) {
      try {
        // Links to files without a media extension land here too; only folders are walked.
        if (!(await stat(dir.path)).isDirectory()) continue;
        dir.real = await realpath(dir.path);
      } catch (e) {
        // A broken link (ENOENT) or a link cycle (ELOOP) is nothing to report.
        const errno = errnoOf(e);
        if (errno !== 'ENOENT' && errno !== 'ELOOP') report(dir.path, e, 'folder');
        continue;
      }
      if (visited.has(dir.real)) continue;
      visited.add(dir.real);
    }

    let entries: Dirent[];
    try {
      entries = await listDir(dir.path);
    } catch (e) {
      if (first) throw libraryFsError(dir.path, e, 'folder', false);
      report(dir.path, e, 'folder');
      continue;
    } finally {
      first = false;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

    const files: { path: string; kind: MediaKind }[] = [];
    const subdirs: DirToWalk[] = [];
    for (const ent of entries) {
      if (isIgnoredName(ent.name)) continue;
      const full = path.join(dir.path, ent.name);
      let type: 'file' | 'dir' | 'link' | 'other' = ent.isFile() ? 'file' : ent.isDirectory() ? 'dir' : ent.isSymbolicLink() ? 'link' : 'other';
      if (type === 'other' && !ent.isFIFO() && !ent.isSocket() && !ent.isBlockDevice() && !ent.isCharacterDevice()) {
        // Some file systems (certain network and FUSE mounts) do not report types in the listing.
        try {
          const st = await lstat(full);
          type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : 'other';
        } catch (e) {
          if (errnoOf(e) !== 'ENOENT') report(full, e, 'file');
          continue;
        }
      }
      if (type === 'dir') {
        // Below a real folder the real path is known without a syscall; only links change it.
        const real = path.join(dir.real, ent.name);
        if (visited.has(real)) continue;
        visited.add(real);
        subdirs.push({ path: full, real });
      } else if (type === 'file' || type === 'link') {
        const kind = mediaKindOf(ent.name);
        if (kind) files.push({ path: full, kind });
        else if (type === 'link' && follow) links.push({ path: full, real: null }); // maybe a folder; checked when walked
      }
    }

    for (let i = 0; i < files.length; i += concurrency) {
      const chunk = files.slice(i, i + concurrency);
      const stats = await Promise.all(chunk.map((f) => statOrError(f.path)));
      for (let k = 0; k < chunk.length; k++) {
        const f = chunk[k]!;
        const { st, error } = stats[k]!;
        if (!st) {
          // ENOENT: deleted since the listing, or a broken link; ELOOP: a link cycle. Neither is worth a report.
          const errno = errnoOf(error);
          if (errno !== 'ENOENT' && errno !== 'ELOOP') report(f.path, error, 'file');
          continue;
        }
        if (!st.isFile()) continue; // a folder or device named like a photo
        yield { path: f.path, size: st.size, mtimeMs: st.mtimeMs, kind: f.kind };
      }
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
  }
}

async function statOrError(p: string): Promise<{ st?: Stats; error?: unknown }> {
  try {
    return { st: await stat(p) };
  } catch (error) {
    return { error };
  }
}

async function listDir(dir: string): Promise<Dirent[]> {
  const out: Dirent[] = [];
  const handle = await opendir(dir, { bufferSize: 256 });
  for await (const ent of handle) out.push(ent);
  return out;
}
