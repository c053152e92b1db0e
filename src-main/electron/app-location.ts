/**
 * Where the renderer is loaded from, and whether a given URL is the app itself. Navigation checks,
 * the IPC sender check and the network filter all ask this one question, so it is answered once.
 *
 * No electron import: pure, so it is tested directly.
 */
import { dirname, isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type AppLocation =
  | { kind: 'dev-server'; url: string; origin: string }
  | { kind: 'file'; file: string; url: string };

export interface AppLocationInput {
  /** `app.isPackaged`: a shipped app never honours a URL from the environment. */
  isPackaged: boolean;
  /** `ELECTRON_RENDERER_URL`, set by `electron-vite dev`. */
  rendererUrl: string | undefined;
  /** Absolute path of the built `index.html`. */
  rendererFile: string;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function resolveAppLocation({ isPackaged, rendererUrl, rendererFile }: AppLocationInput): AppLocation {
  if (!isPackaged && rendererUrl) {
    const url = new URL(rendererUrl);
    // The preload's bridge is handed to whatever page loads: only a local dev server may be it.
    if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname)) {
      throw new Error(`ELECTRON_RENDERER_URL must be a local http dev server, got ${url.origin}`);
    }
    return { kind: 'dev-server', url: url.href, origin: url.origin };
  }
  return { kind: 'file', file: rendererFile, url: pathToFileURL(rendererFile).href };
}

export function isAppUrl(location: AppLocation, candidate: string | undefined | null): boolean {
  if (!candidate) return false;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return false;
  }
  if (location.kind === 'dev-server') return url.origin === location.origin;
  // file:// has an opaque origin, so the page is matched by path: the app is exactly its index.html.
  const app = new URL(location.url);
  return url.protocol === 'file:' && url.host === app.host && url.pathname === app.pathname;
}

const NETWORK_SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:', 'ftp:']);

function isInside(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * Requests the app never makes: any network origin but the dev server, and any local file outside
 * the built renderer (CSP's 'self' on a file:// page would admit every file on the disk; photos are
 * meant to reach the page through the face-media: protocol instead). Other schemes (data:, blob:,
 * devtools:, the media protocol) are left to the CSP and their own handlers.
 */
export function isBlockedRequest(location: AppLocation, candidate: string): boolean {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return true;
  }
  if (NETWORK_SCHEMES.has(url.protocol)) {
    if (location.kind !== 'dev-server') return true;
    const dev = new URL(location.origin);
    // Vite's hot-reload socket lives on the dev server's host and port under ws://.
    return url.hostname !== dev.hostname || url.port !== dev.port;
  }
  if (url.protocol === 'file:') {
    if (location.kind !== 'file') return true;
    let file: string;
    try {
      file = fileURLToPath(url);
    } catch {
      return true;
    }
    const fold = (p: string): string => (process.platform === 'win32' || process.platform === 'darwin' ? p.toLowerCase() : p);
    return !isInside(fold(dirname(location.file)), fold(file));
  }
  return false;
}
