/**
 * The Electron shell's lifecycle: one instance, hardened sessions and windows, the IPC bridge.
 * It owns no product logic: the engine (a utility process, later) is started here before the
 * handlers are built, and reached only through `createInvokeHandlers`' services.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserWindow, app, ipcMain, session, shell } from 'electron';
import { isAppUrl, resolveAppLocation } from './app-location';
import { createInvokeHandlers } from './handlers';
import { createInvokeDispatcher, registerInvokeHandlers } from './ipc-router';
import { denyPopupsAndWebviews, installSessionSecurity, type OpenExternal } from './security';
import { createMainWindow } from './window';
import { WINDOW_STATE_FILE } from './window-state';

// Resolved from the bundled main (out/main/index.js), matching electron.vite.config.ts's outputs.
const PRELOAD_PATH = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
const RENDERER_INDEX = fileURLToPath(new URL('../renderer/index.html', import.meta.url));

export type ShellStart = 'started' | 'second-instance';

export async function startShell(): Promise<ShellStart> {
  // Must precede 'ready': it applies to every renderer, including ones Electron creates itself.
  app.enableSandbox();

  if (!app.requestSingleInstanceLock()) {
    // Two instances would index into the same library database; the first one is focused instead.
    app.quit();
    return 'second-instance';
  }

  let mainWindow: BrowserWindow | null = null;
  const openExternal: OpenExternal = (url) => shell.openExternal(url);

  app.on('web-contents-created', (_event, contents) => denyPopupsAndWebviews(contents, openExternal));
  app.on('second-instance', () => {
    if (!mainWindow || mainWindow.isDestroyed()) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => {
    // macOS apps stay in the dock with no window; 'activate' reopens one.
    if (process.platform !== 'darwin') app.quit();
  });

  await app.whenReady();

  const location = resolveAppLocation({
    isPackaged: app.isPackaged,
    rendererUrl: process.env['ELECTRON_RENDERER_URL'],
    rendererFile: RENDERER_INDEX,
  });
  installSessionSecurity(session.defaultSession, { location, dev: location.kind === 'dev-server' });

  const handlers = createInvokeHandlers({
    appVersion: app.getVersion(),
    platform: process.platform,
    electronVersion: process.versions.electron ?? 'unknown',
  });
  registerInvokeHandlers(ipcMain, createInvokeDispatcher(handlers), (url) => isAppUrl(location, url));

  const devIcon = join(app.getAppPath(), 'build', 'icon.png');
  const openMainWindow = (): BrowserWindow => {
    const window = createMainWindow({
      location,
      preloadPath: PRELOAD_PATH,
      stateFile: join(app.getPath('userData'), WINDOW_STATE_FILE),
      iconPath: !app.isPackaged && existsSync(devIcon) ? devIcon : undefined,
      devTools: !app.isPackaged,
      openExternal,
    });
    window.on('closed', () => {
      if (mainWindow === window) mainWindow = null;
    });
    return window;
  };

  mainWindow = openMainWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = openMainWindow();
  });
  return 'started';
}
