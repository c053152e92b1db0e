/**
 * Everything that keeps the renderer a web page with one narrow door (the preload's bridge):
 * no permissions, no remote content, no navigation away from the app, no new windows, a strict CSP.
 * Follows Electron's security checklist (https://www.electronjs.org/docs/latest/tutorial/security).
 */
import type { Session, WebContents } from 'electron';
import { isAppUrl, isBlockedRequest, type AppLocation } from './app-location';
import { contentSecurityPolicy } from '../transport/csp';

export type OpenExternal = (url: string) => unknown;

/** Only web links go to the user's browser: other schemes (file:, smb:, custom handlers) can run things. */
export function isExternalWebLink(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

function openIfWebLink(url: string, openExternal: OpenExternal): void {
  if (!isExternalWebLink(url)) return;
  const warn = (error: unknown): void => console.warn(`could not open ${url} in the browser:`, error);
  // A failed hand-off (no browser registered) must not throw into Electron's event dispatch nor
  // become an unhandled rejection in main.
  try {
    Promise.resolve(openExternal(url)).catch(warn);
  } catch (error) {
    warn(error);
  }
}

export interface SessionSecurityOptions {
  location: AppLocation;
  dev: boolean;
}

export function installSessionSecurity(session: Session, { location, dev }: SessionSecurityOptions): void {
  // The app needs no camera, microphone, geolocation, notifications, HID, serial or USB.
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);

  const policy = contentSecurityPolicy({ dev, delivery: 'header' });
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy] } });
  });

  // A second wall behind the CSP, which a page cannot loosen: nothing remote is fetched, no stray
  // local file is read. The engine's own network clients (cloud sync) do not go through sessions.
  session.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: isBlockedRequest(location, details.url) });
  });
}

/** Applied to every web contents Electron creates, including ones the app did not ask for. */
export function denyPopupsAndWebviews(contents: WebContents, openExternal: OpenExternal): void {
  contents.setWindowOpenHandler(({ url }) => {
    openIfWebLink(url, openExternal);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

/** Applied to the app's own windows: the page may reload itself but never leave. */
export function lockNavigation(contents: WebContents, location: AppLocation, openExternal: OpenExternal): void {
  contents.on('will-navigate', (event) => {
    if (isAppUrl(location, event.url)) return;
    event.preventDefault();
    openIfWebLink(event.url, openExternal);
  });
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(location, event.url)) event.preventDefault();
  });
}
