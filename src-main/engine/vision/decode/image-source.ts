/**
 * The input to decode, a path or a buffer: opened and checked (exists, is a file, not empty) before any decoder
 * sees it, with its first bytes read for sniffing.
 */
import { open, readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { EngineError } from '../../errors';
import { boxes } from './heif-properties';

const HEAD_BYTES = 4096;
/** The HEIF meta box (item properties) is read for orientation; bigger than this is not a photo we know. */
const MAX_HEIF_META_BYTES = 16 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------
// Sources: a path or a buffer, checked before any decoder sees it

export interface Source {
  /** For messages: the path, or "image buffer". */
  name: string;
  path: string | undefined;
  buffer: Buffer | undefined;
  stats: Stats | undefined;
  /** The first bytes, for signature sniffing. */
  head: Buffer;
}

export async function openSource(input: string | Buffer): Promise<Source> {
  if (Buffer.isBuffer(input)) {
    const name = 'image buffer';
    if (input.length === 0) throw new EngineError('FILE_EMPTY', `The ${name} is empty (0 bytes)`);
    return { name, path: undefined, buffer: input, stats: undefined, head: input.subarray(0, HEAD_BYTES) };
  }
  if (typeof input !== 'string' || input.length === 0) {
    throw new EngineError('INVALID_ARGUMENT', 'Image input must be a file path or a Buffer');
  }
  const file = input;
  let stats: Stats;
  try {
    stats = await stat(file);
  } catch (e) {
    throw fsError(file, e);
  }
  if (stats.isDirectory()) {
    throw new EngineError('FILE_UNREADABLE', `Cannot read ${file}: it is a directory, not a file`, { path: file });
  }
  // FIFOs and devices would block or never end; a photo is a regular file.
  if (!stats.isFile()) {
    throw new EngineError('FILE_UNREADABLE', `Cannot read ${file}: it is not a regular file`, { path: file });
  }
  if (stats.size === 0) throw new EngineError('FILE_EMPTY', `${file} is empty (0 bytes)`, { path: file });
  let head: Buffer;
  try {
    const fh = await open(file, 'r');
    try {
      const buf = Buffer.alloc(Math.min(HEAD_BYTES, stats.size));
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      head = buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw fsError(file, e);
  }
  return { name: file, path: file, buffer: undefined, stats, head };
}

function fsError(file: string, e: unknown): EngineError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const reason = e instanceof Error ? e.message : String(e);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new EngineError('FILE_NOT_FOUND', `${file} does not exist`, { path: file }, { cause: e });
  }
  if (code === 'EISDIR') {
    return new EngineError('FILE_UNREADABLE', `Cannot read ${file}: it is a directory, not a file`, { path: file }, { cause: e });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new EngineError('FILE_UNREADABLE', `Cannot read ${file}: permission denied`, { path: file }, { cause: e });
  }
  return new EngineError('FILE_UNREADABLE', `Cannot read ${file}: ${reason}`, { path: file, errno: code }, { cause: e });
}

export async function wholeFile(src: Source): Promise<Buffer> {
  if (src.buffer) return src.buffer;
  const file = src.path ?? src.name;
  try {
    return await readFile(file);
  } catch (e) {
    throw fsError(file, e);
  }
}

/** The ftyp + meta boxes of a HEIF file, which hold the item properties (irot, imir, auxC). */
export async function heifHeader(src: Source): Promise<Buffer> {
  if (src.buffer) return src.buffer;
  let end = 0;
  for (const box of boxes(src.head, 0, src.head.length, true)) {
    end = box.end;
    if (box.type === 'meta') break;
  }
  if (end <= src.head.length) return src.head;
  if (end > MAX_HEIF_META_BYTES) return src.head;
  const file = src.path ?? src.name;
  try {
    const fh = await open(file, 'r');
    try {
      const buf = Buffer.alloc(end);
      const { bytesRead } = await fh.read(buf, 0, end, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw fsError(file, e);
  }
}
