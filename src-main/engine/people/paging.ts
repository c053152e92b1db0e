/** Offset paging behind opaque NextTokens (IMM style) or 1-based page numbers. */
import { EngineError } from '../errors';
import type { Paging } from '../../contract/people';

export const DEFAULT_PAGE = 50;

export function pageWindow(p: Paging): { offset: number; size: number } {
  const size = p.maxResults ?? DEFAULT_PAGE;
  if (p.nextToken) {
    let o: unknown;
    try {
      o = (JSON.parse(Buffer.from(p.nextToken, 'base64url').toString('utf8')) as { o?: unknown }).o;
    } catch {
      o = undefined;
    }
    if (typeof o !== 'number' || !Number.isInteger(o) || o < 0) throw new EngineError('INVALID_ARGUMENT', 'nextToken: not a token this app issued');
    return { offset: o, size };
  }
  return { offset: ((p.page ?? 1) - 1) * size, size };
}

export function nextTokenAfter(offset: number, size: number, total: number): string | undefined {
  const next = offset + size;
  return next < total ? Buffer.from(JSON.stringify({ o: next })).toString('base64url') : undefined;
}
