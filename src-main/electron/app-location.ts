/**
 * Where the renderer is loaded from, and whether a given URL is the app itself. Navigation checks,
 * the IPC sender check and the network filter all ask this one question, so it is answered once.
 *
 * No electron import: pure, so it is tested directly.
 */
import { APP_HOST, APP_SCHEME } from './app-protocol';

export type AppLocation =
  | { kind: 'dev-server'; url: string; origin: string }
  /** The built renderer, served by the `app:` protocol from `root` (never from file://). */
  | { kind: 'bundle'; root: string; url: string };

export interface AppLocationInput {
  /** `app.isPackaged`: a shipped app never honours a URL from the environment. */
  isPackaged: boolean;
  /** `ELECTRON_RENDERER_URL`, set by `electron-vite dev`. */
  rendererUrl: string | undefined;
  /** Absolute path of the built renderer folder (the one holding `index.html`). */
  rendererRoot: string;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The page's own URL under the app scheme. */
export const APP_PAGE_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

export function resolveAppLocation({ isPackaged, rendererUrl, rendererRoot }: AppLocationInput): AppLocation {
  if (!isPackaged && rendererUrl) {
    const url = new URL(rendererUrl);
    // The preload's bridge is handed to whatever page loads: only a local dev server may be it.
    if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname)) {
      throw new Error(`ELECTRON_RENDERER_URL must be a local http dev server, got ${url.origin}`);
    }
    return { kind: 'dev-server', url: url.href, origin: url.origin };
  }
  return { kind: 'bundle', root: rendererRoot, url: APP_PAGE_URL };
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
  // WHATWG URL gives custom schemes an opaque origin ('null'), so scheme, host and path are
  // compared: the app is exactly its index.html (the router lives in the hash), with no
  // credentials or port that a look-alike URL could carry.
  const app = new URL(location.url);
  return url.protocol === app.protocol && url.host === app.host && !url.username && !url.password && url.pathname === app.pathname;
}

const NETWORK_SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:', 'ftp:']);

/**
 * Requests the app never makes: any network origin but the dev server, and any file:// URL (the
 * page comes from the app: protocol and photos through face-media:, both answered by handlers that
 * vet the path). Other schemes (data:, blob:, devtools:, app:, face-media:) are left to the CSP and
 * their own handlers.
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
  return url.protocol === 'file:';
}
