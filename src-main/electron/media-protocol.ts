/**
 * `face-media://{kind}/{id}`: how the page loads thumbnails, previews, face crops and originals
 * inside the desktop app. The page (on app://) may not read files (the session filter blocks every
 * file:// request), so media comes only through here, and only for what the engine vouches for: the id must be one of the
 * library's, the file inside a library folder (see engine/media/media-files.ts, which resolves it in the
 * engine process). Anything else is refused before the engine is asked.
 */
import { isAbsolute } from 'node:path';
import { MEDIA_ID_PATTERN, MEDIA_SCHEME, isMediaUrlKind, type MediaUrlKind } from '../contract/channels';
import { fileResponse } from '../transport/file-response';
import type { MediaReply } from './engine-protocol';

/**
 * Registered before the app is ready: `standard` gives the URLs a host and path (parsed like http),
 * `secure` lets an https-like page use them, `stream` lets <video> read ranges, and `supportFetchAPI`
 * lets net.fetch-style Requests reach the handler. No `bypassCSP` (the page's CSP names the scheme),
 * no `corsEnabled` (nothing cross-origin may read it).
 */
export const MEDIA_SCHEME_PRIVILEGES = {
  scheme: MEDIA_SCHEME,
  privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true },
} as const;

export type MediaResolver = (kind: MediaUrlKind, id: string) => Promise<MediaReply>;

function refuse(status: number, reason: string): Response {
  return new Response(reason, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' } });
}

/** Parses `face-media://kind/id`; null for anything else (other schemes, extra segments, odd ids). */
export function parseMediaUrl(url: string): { kind: MediaUrlKind; id: string } | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${MEDIA_SCHEME}:` || u.username || u.password || u.port) return null;
  const kind = u.hostname;
  const parts = u.pathname.split('/');
  // "/<id>": exactly one segment. Dot segments were already resolved by URL parsing, so a traversal
  // such as /../../etc/passwd arrives as /etc/passwd and fails the id pattern or the segment count.
  if (parts.length !== 2 || parts[0] !== '') return null;
  let id: string;
  try {
    id = decodeURIComponent(parts[1]!);
  } catch {
    return null;
  }
  if (!isMediaUrlKind(kind) || !MEDIA_ID_PATTERN.test(id)) return null;
  return { kind, id };
}

export function createMediaProtocolHandler(resolve: MediaResolver): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'method not allowed');
    const target = parseMediaUrl(request.url);
    if (!target) return refuse(404, 'not found');
    let reply: MediaReply;
    try {
      reply = await resolve(target.kind, target.id);
    } catch {
      return refuse(503, 'the engine is not available');
    }
    if (!reply.ok) return refuse(reply.status, reply.reason);
    // The engine vetted the file; main only refuses a reply that is not a plain absolute path.
    if (!isAbsolute(reply.file) || reply.file.includes('\0')) return refuse(500, 'bad file');
    try {
      const response = await fileResponse(reply.file, request.headers.get('range'), reply.contentType, reply.cacheControl);
      if (request.method !== 'HEAD') return response;
      await response.body?.cancel();
      return new Response(null, { status: response.status, headers: response.headers });
    } catch {
      return refuse(404, 'not found');
    }
  };
}
