/**
 * File placement for exports: safe folder names, "never overwrite a user's file" naming, identity checks
 * that make a repeated export skip what is already there, and hard links with a copy fallback.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, link, stat, utimes } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { extname, join } from 'node:path';

const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

/** A folder or file name every desktop file system accepts. */
export function safeName(name: string, fallback: string): string {
  // Control characters by code (a regex with them is hard to read), then the characters Windows forbids.
  let s = [...name].map((c) => (c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127 ? '_' : c)).join('');
  s = s.replace(/[<>:"/\\|?*]/g, '_').replace(/\s+/g, ' ').trim().replace(/[. ]+$/, '');
  if (s.length > 100) s = s.slice(0, 100).trim();
  if (!s || s === '.' || s === '..') s = fallback;
  return RESERVED.test(s) ? `${s}_` : s;
}

/** "name (n).ext" for n >= 1, "name.ext" for n = 0. */
export function numbered(fileName: string, n: number): string {
  if (n === 0) return fileName;
  const ext = extname(fileName);
  return `${fileName.slice(0, fileName.length - ext.length)} (${n})${ext}`;
}

async function statOrNull(p: string): Promise<Stats | null> {
  try {
    return await stat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

async function sha1(p: string): Promise<string> {
  const h = createHash('sha1');
  for await (const chunk of createReadStream(p)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Same file (a hard link), or same size and modification time (our copies keep it), or same bytes. */
export async function sameContent(src: Stats, srcPath: string, dst: Stats, dstPath: string): Promise<boolean> {
  if (src.dev === dst.dev && src.ino === dst.ino) return true;
  if (src.size !== dst.size) return false;
  if (Math.abs(src.mtimeMs - dst.mtimeMs) < 1) return true;
  return (await sha1(srcPath)) === (await sha1(dstPath));
}

export type Placement = { kind: 'linked' | 'copied' | 'skipped'; path: string; renamed: boolean };

/**
 * Puts `src` into `dir` under its own name, or "name (n).ext" when a different file holds the name;
 * an identical file already there (an earlier export) is reused.
 */
export async function place(src: string, dir: string, fileName: string, mode: 'link' | 'copy'): Promise<Placement> {
  const s = await stat(src);
  for (let n = 0; ; n++) {
    const dest = join(dir, numbered(fileName, n));
    const d = await statOrNull(dest);
    if (d) {
      if (d.isFile() && (await sameContent(s, src, d, dest))) return { kind: 'skipped', path: dest, renamed: n > 0 };
      continue;
    }
    if (mode === 'link') {
      try {
        await link(src, dest);
        return { kind: 'linked', path: dest, renamed: n > 0 };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') continue;
        // Other volume, FAT/exFAT, a share without links: copy instead.
        if (!['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'EACCES', 'ENOSYS'].includes(code ?? '')) throw e;
      }
    }
    try {
      // COPYFILE_EXCL: a file appearing meanwhile is never overwritten.
      await copyFile(src, dest, 1);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw e;
    }
    // Seconds with a fraction: a Date would round the time to the millisecond.
    await utimes(dest, s.atimeMs / 1000, s.mtimeMs / 1000);
    return { kind: 'copied', path: dest, renamed: n > 0 };
  }
}
