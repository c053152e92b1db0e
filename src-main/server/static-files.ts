/**
 * The built renderer (out/renderer) as files: only regular files inside that folder, by their URL
 * path; nothing else on the disk is reachable. Hashed assets are cached for good, the page never.
 */
import { realpath, stat } from 'node:fs/promises';
import { join, normalize, sep } from 'node:path';
import { isInsideDir } from '../engine/media/media-files';

export async function resolveStaticFile(rootReal: string, urlPath: string): Promise<{ file: string; cacheControl: string } | null> {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  if (path === '/' || path === '') path = '/index.html';
  const rel = normalize(path).replace(/^[/\\]+/, '');
  if (rel.split(sep).includes('..')) return null;
  let real: string;
  try {
    real = await realpath(join(rootReal, rel));
  } catch {
    return null;
  }
  if (!isInsideDir(rootReal, real)) return null;
  const st = await stat(real).catch(() => null);
  if (!st?.isFile()) return null;
  const hashed = rel.startsWith(`assets${sep}`);
  return { file: real, cacheControl: hashed ? 'public, max-age=31536000, immutable' : 'no-store' };
}
