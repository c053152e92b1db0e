/**
 * `app://face-organizer/…`: how the desktop app serves its own built page (out/renderer, inside
 * app.asar once packaged). A custom scheme instead of file:// gives the page a real origin for
 * 'self' in the CSP, lets the session refuse every file:// request, and allows the
 * GrantFileProtocolExtraPrivileges fuse to be off (see docs/packaging.md). Only files inside the
 * renderer folder are answered; anything else (traversal, encoded dot segments, other hosts) is 404.
 *
 * No electron import: the handler takes a fetch Request and answers a Response, as
 * `protocol.handle` does, so it is tested directly and against the Electron stand-in.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { contentTypeOf, fileResponse } from '../transport/file-response';

export const APP_SCHEME = 'app';
/** One fixed host: `standard` schemes need one, and a single value keeps the origin single. */
export const APP_HOST = 'face-organizer';

/**
 * Registered before the app is ready, in the same call as face-media: (Electron honours only the
 * last registerSchemesAsPrivileged call). `standard` gives relative URLs and an origin, `secure`
 * makes the page a secure context, `supportFetchAPI` lets module scripts and fetch load from it,
 * `codeCache` keeps V8's compiled scripts between launches. No `bypassCSP`, no `corsEnabled` (no
 * other origin reads the bundle), no service workers.
 */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
} as const;

function refuse(status: number, reason: string): Response {
  return new Response(reason, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' } });
}

/**
 * The file under `root` that `url` names, or null when it names none: another scheme or host,
 * credentials or a port, a NUL or backslash, or a dot segment that survived URL parsing because it
 * was percent-encoded (`%2e%2e`, `..%2f`). `/` is index.html.
 */
export function resolveAppFile(root: string, url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.hostname !== APP_HOST || u.username || u.password || u.port) return null;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  const segments = path.split('/').slice(1);
  if (segments.some((s) => s === '..' || s === '.')) return null;
  const rel = path === '/' ? 'index.html' : segments.join('/');
  if (rel === '' || rel.endsWith('/')) return null;
  const base = resolve(root);
  const file = resolve(base, rel);
  const inside = relative(base, file);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) return null;
  return file;
}

/** `csp` is sent with every answer: the response header is the policy, the page's <meta> a copy. */
export function createAppProtocolHandler(root: string, csp: string): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'method not allowed');
    const file = resolveAppFile(root, request.url);
    if (!file) return refuse(404, 'not found');
    try {
      if (!(await stat(file)).isFile()) return refuse(404, 'not found');
      // The bundle changes only with an update, but a stale cached script after one would break
      // the page: revalidate each time (it is a local read).
      const response = await fileResponse(file, request.headers.get('range'), contentTypeOf(file), 'no-cache');
      response.headers.set('Content-Security-Policy', csp);
      if (request.method !== 'HEAD') return response;
      await response.body?.cancel();
      return new Response(null, { status: response.status, headers: response.headers });
    } catch {
      return refuse(404, 'not found');
    }
  };
}
