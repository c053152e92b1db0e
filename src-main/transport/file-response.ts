/**
 * Serving one file: its content type, and byte ranges (a <video> seeks with `Range: bytes=…`, which
 * is how a clip result plays from its start time). Shared by the HTTP server and Electron's
 * `face-media:` protocol. Its only engine import is the import-free media-type table, so Electron main can bundle it.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { Readable } from 'node:stream';
import { mimeOf } from '../engine/library/media-types';

/** The page's own files; media files are named by the one media-type table. */
const WEB_ASSET_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.ico': 'image/x-icon',
  '.woff2': 'font/woff2', '.woff': 'font/woff', '.txt': 'text/plain; charset=utf-8', '.map': 'application/json',
};

export function contentTypeOf(file: string): string {
  return WEB_ASSET_TYPES[extname(file).toLowerCase()] ?? mimeOf(file);
}

export type ByteRange = { start: number; end: number };

/**
 * One `bytes=` range of a file of `size` bytes (RFC 9110 §14.1.2). `null`: no usable Range header,
 * serve the whole file. `'unsatisfiable'`: answer 416. Multi-range requests get the whole file, which
 * RFC 9110 allows and browsers never need for media.
 */
export function parseRange(header: string | null | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return null;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (!Number.isSafeInteger(start) || start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

export interface FileReply {
  status: 200 | 206 | 416;
  headers: Record<string, string>;
  /** Absent for 416. */
  range: ByteRange | null;
  size: number;
}

/** Status and headers for serving `file` (already vetted by the caller) under an optional Range header. */
export async function planFileReply(file: string, rangeHeader: string | null | undefined, contentType: string, cacheControl: string): Promise<FileReply> {
  const { size } = await stat(file);
  const range = parseRange(rangeHeader, size);
  const base: Record<string, string> = {
    'Content-Type': contentType,
    'Accept-Ranges': 'bytes',
    'Cache-Control': cacheControl,
    'X-Content-Type-Options': 'nosniff',
  };
  if (range === 'unsatisfiable') return { status: 416, headers: { ...base, 'Content-Range': `bytes */${size}` }, range: null, size };
  if (!range) return { status: 200, headers: { ...base, 'Content-Length': String(size) }, range: { start: 0, end: size - 1 }, size };
  return {
    status: 206,
    headers: { ...base, 'Content-Length': String(range.end - range.start + 1), 'Content-Range': `bytes ${range.start}-${range.end}/${size}` },
    range,
    size,
  };
}

/** The same as a fetch `Response` (Electron's protocol.handle answers with one). */
export async function fileResponse(file: string, rangeHeader: string | null | undefined, contentType: string, cacheControl: string): Promise<Response> {
  const reply = await planFileReply(file, rangeHeader, contentType, cacheControl);
  if (reply.status === 416 || !reply.range || reply.size === 0) return new Response(null, { status: reply.status, headers: reply.headers });
  const stream = createReadStream(file, { start: reply.range.start, end: reply.range.end });
  return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, { status: reply.status, headers: reply.headers });
}
