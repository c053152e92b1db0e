/**
 * The Electron shell's lifecycle: one instance, hardened sessions and windows, the engine in a
 * utility process, the IPC bridge, the app: and media protocols, menus and taskbar progress. It owns no
 * product logic: everything the page asks beyond `app:*` and `dialog:*` is validated here and
 * forwarded to the engine process.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BrowserWindow, Menu, MessageChannelMain, app, dialog, ipcMain, protocol, safeStorage, session, shell, utilityProcess } from 'electron';
import { EVENT_CONTRACT, MEDIA_SCHEME, type EventName } from '../contract/ipc';
import { isAppUrl, resolveAppLocation } from './app-location';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, createAppProtocolHandler } from './app-protocol';
import { contentSecurityPolicy } from '../transport/csp';
import { EngineProcess, type ChildProcessLike, type MainPort } from './engine-process';
import { createShellHandlers } from './handlers';
import { createInvokeDispatcher, registerInvokeHandlers } from './ipc-router';
import { createMediaProtocolHandler, MEDIA_SCHEME_PRIVILEGES } from './media-protocol';
import { buildMenuTemplate } from './menu';
import { denyPopupsAndWebviews, installSessionSecurity, type OpenExternal } from './security';
import { createTaskbarProgress } from './taskbar-progress';
import { createMainWindow } from './window';
import { WINDOW_STATE_FILE } from './window-state';

export type ShellStart = 'started' | 'second-instance';

/** Built files, relative to the app's root (the checkout, or app.asar once packaged). */
export const BUILD_PATHS = {
  main: join('out', 'main', 'index.js'),
  preload: join('out', 'preload', 'index.cjs'),
  renderer: join('out', 'renderer'),
} as const;

/**
 * Whether main's safeStorage really protects a secret, so that the engine may keep the cloud
 * AccessKey with it. Call after 'ready' (before it, Linux always answers unavailable). On Linux
 * without a recognised keyring (or with --password-store=basic) Electron picks the 'basic_text'
 * backend: isEncryptionAvailable() is still true, but the key is hard-coded in Chromium, so anyone
 * with the file can decrypt it. That is treated as unavailable: the engine then uses its own AES
 * file fallback, which is at least labelled as such ('file-aes-256-gcm') rather than passing for the
 * system keychain.
 */
export function usableOsEncryption(storage: Pick<Electron.SafeStorage, 'isEncryptionAvailable' | 'getSelectedStorageBackend'>, platform: NodeJS.Platform): boolean {
  try {
    if (!storage.isEncryptionAvailable()) return false;
    // getSelectedStorageBackend() exists on Linux only.
    return platform !== 'linux' || storage.getSelectedStorageBackend() !== 'basic_text';
  } catch {
    return false;
  }
}

/** The running shell, for tests and the quit path. */
export let engineProcess: EngineProcess | null = null;

export async function startShell(): Promise<ShellStart> {
  // Must precede 'ready': it applies to every renderer, including ones Electron creates itself.
  app.enableSandbox();
  // One call for both schemes: Electron keeps only the last call's list.
  protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES, MEDIA_SCHEME_PRIVILEGES]);

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

  const root = app.getAppPath();
  const location = resolveAppLocation({
    isPackaged: app.isPackaged,
    rendererUrl: process.env['ELECTRON_RENDERER_URL'],
    rendererRoot: join(root, BUILD_PATHS.renderer),
  });
  installSessionSecurity(session.defaultSession, { location, dev: location.kind === 'dev-server' });
  if (location.kind === 'bundle') {
    session.defaultSession.protocol.handle(APP_SCHEME, createAppProtocolHandler(location.root, contentSecurityPolicy({ delivery: 'header' })));
  }

  // ---- the engine, in its own process ---------------------------------------------------------
  // The utility process has no safeStorage; main encrypts the cloud AccessKey for it over the port.
  const osEncryption = usableOsEncryption(safeStorage, process.platform);
  const engine = new EngineProcess({
    fork: (modulePath, args, options) => utilityProcess.fork(modulePath, args, options) as unknown as ChildProcessLike,
    createChannel: () => new MessageChannelMain() as unknown as { port1: MainPort; port2: MainPort },
    entry: join(root, BUILD_PATHS.main),
    init: {
      // Packaged apps ship their models (extraResources); a checkout fetches them on first use.
      fetchModels: !app.isPackaged,
      watch: true,
      ...(process.env['FACE_ORGANIZER_LIBRARY'] ? { libraryDir: process.env['FACE_ORGANIZER_LIBRARY'] } : {}),
      osEncryption,
    },
    // Only a safeStorage worth using answers the engine's 'crypto' requests (not basic_text).
    ...(osEncryption ? { encryptor: safeStorage } : {}),
    log: (line) => console.log(`[engine] ${line}`),
  });
  engineProcess = engine;
  engine.start();

  const broadcast = <E extends EventName>(event: E, payload: unknown): void => {
    // Events are checked like requests: the page only ever receives what the contract describes.
    const parsed = EVENT_CONTRACT[event].safeParse(payload);
    if (!parsed.success) return;
    for (const w of BrowserWindow.getAllWindows()) {
      if (!w.isDestroyed()) w.webContents.send(event, parsed.data);
    }
  };
  const taskbar = createTaskbarProgress(() => BrowserWindow.getAllWindows());
  let paused = false;
  engine.on('event', (event, payload) => {
    if (event === 'task:progress') {
      const task = EVENT_CONTRACT['task:progress'].safeParse(payload);
      if (task.success) taskbar.onTask(task.data, paused);
    }
    broadcast(event, payload);
  });

  session.defaultSession.protocol.handle(MEDIA_SCHEME, createMediaProtocolHandler((kind, id) => engine.media(kind, id)));

  // ---- the bridge -----------------------------------------------------------------------------
  const handlers = createShellHandlers({
    appVersion: app.getVersion(),
    platform: process.platform,
    electronVersion: process.versions.electron ?? 'unknown',
    async pickFolders(title) {
      const parent = BrowserWindow.getFocusedWindow() ?? mainWindow;
      const options = { title, properties: ['openDirectory', 'multiSelections', 'createDirectory'] as ('openDirectory' | 'multiSelections' | 'createDirectory')[] };
      const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
      return result.canceled ? [] : result.filePaths;
    },
  });
  const dispatch = createInvokeDispatcher(handlers, {
    async forward(channel, payload) {
      const result = await engine.invoke(channel, payload);
      if (result.ok && channel === 'library:pause') paused = true;
      if (result.ok && channel === 'library:resume') paused = false;
      return result;
    },
  });
  registerInvokeHandlers(ipcMain, dispatch, (url) => isAppUrl(location, url));

  Menu.setApplicationMenu(Menu.buildFromTemplate(buildMenuTemplate({
    platform: process.platform,
    appName: app.name,
    dev: !app.isPackaged,
    send: (command) => broadcast('app:command', { command }),
  })));

  // The engine finishes its writes before the app exits (LanceDB commits, the task file).
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting || engine.state === 'stopped') return;
    event.preventDefault();
    quitting = true;
    void engine.stop().finally(() => app.quit());
  });

  // ---- windows --------------------------------------------------------------------------------
  const devIcon = join(root, 'build', 'icon.png');
  const openMainWindow = (): BrowserWindow => {
    const window = createMainWindow({
      location,
      preloadPath: join(root, BUILD_PATHS.preload),
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
