/**
 * Content identity of library files, so a moved or renamed photo keeps its faces and duplicates are found.
 *
 * The indexer uses the quick hash: SHA-256 over the size and three samples (start, middle, end) of
 * `sampleBytes` each; files up to three samples long are hashed whole. Reading 192 KiB instead of a whole
 * 8 MB photo or 2 GB video makes reconciliation of a large library I/O-cheap.
 *
 * The trade-off: two files get the same quick hash only when they have the same size AND the same bytes in
 * all three samples. Genuinely different photos and videos always differ there (compressed data differs
 * everywhere once anything in the picture differs, and headers carry dimensions and timestamps). What it
 * cannot see is an edit between the samples that keeps the size: a few bytes patched in place in the
 * unsampled stretches (for example a metadata tool rewriting a fixed-width EXIF field that lies beyond the
 * first 64 KiB, or bit rot). Such an edit is still found by mtime, which the reconciliation compares first;
 * only the identity then stays the same, which is what we want for a metadata touch-up. `fullHash` reads
 * every byte, for callers who need certainty (verifying duplicates before deleting one).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { EngineError } from '../errors';
import { DEFAULT_LIBRARY_SETTINGS } from '../settings';
import { cancelled, libraryFsError } from './fs-errors';

/** Changing the sampling must change every hash, so old and new ones never match by accident. */
const QUICK_HASH_VERSION = 'fo-quick-v1';

export interface QuickHash {
  /** Hex SHA-256. */
  hash: string;
  /** Size and mtime of the file when it was hashed (from the open handle, so they belong to the bytes read). */
  size: number;
  mtimeMs: number;
}

export async function quickHash(path: string, opts: { sampleBytes?: number } = {}): Promise<QuickHash> {
  const sample = Math.max(1, Math.floor(opts.sampleBytes ?? DEFAULT_LIBRARY_SETTINGS.quickHashSampleBytes));
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw libraryFsError(path, e, 'file', true);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new EngineError('FILE_UNREADABLE', `Cannot hash ${path}: it is not a regular file`, { path });
    const size = st.size;
    const h = createHash('sha256');
    h.update(`${QUICK_HASH_VERSION}\0${size}\0`);
    const whole = size <= 3 * sample;
    const ranges: [number, number][] = whole
      ? [[0, size]]
      : [[0, sample], [Math.floor((size - sample) / 2), sample], [size - sample, sample]];
    const buf = Buffer.allocUnsafe(whole ? size : sample);
    for (const [start, length] of ranges) {
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, start + done);
        if (bytesRead === 0) {
          // Truncated while we read: the file is being rewritten; its hash would describe neither version.
          throw new EngineError('FILE_UNREADABLE', `${path} changed while it was being read`, { path, size, at: start + done });
        }
        done += bytesRead;
      }
      h.update(buf.subarray(0, length));
    }
    return { hash: h.digest('hex'), size, mtimeMs: st.mtimeMs };
  } catch (e) {
    throw libraryFsError(path, e, 'file', true);
  } finally {
    await fh.close();
  }
}

/** SHA-256 of every byte, streamed (constant memory). */
export async function fullHash(path: string, opts: { signal?: AbortSignal } = {}): Promise<string> {
  const h = createHash('sha256');
  try {
    const stream = createReadStream(path, { highWaterMark: 1024 * 1024, ...(opts.signal ? { signal: opts.signal } : {}) });
    for await (const chunk of stream) h.update(chunk as Buffer);
  } catch (e) {
    if (opts.signal?.aborted) throw cancelled(`Hashing ${path}`);
    throw libraryFsError(path, e, 'file', true);
  }
  return h.digest('hex');
}
