/**
 * The main window: locked-down web preferences, remembered bounds, navigation lock, and the page
 * (dev server, or the built bundle on app://) it shows.
 */
import { BrowserWindow, nativeTheme, screen, type WebPreferences } from 'electron';
import type { AppLocation } from './app-location';
import { lockNavigation, type OpenExternal } from './security';
import { MIN_WINDOW_SIZE, loadWindowState, saveWindowState } from './window-state';

export interface MainWindowOptions {
  location: AppLocation;
  preloadPath: string;
  stateFile: string;
  /** Window icon for unpackaged runs on Linux/Windows; packaged apps take it from the executable. */
  iconPath: string | undefined;
  /** DevTools are for developers; a shipped app has no reason to open a console into its renderer. */
  devTools: boolean;
  openExternal: OpenExternal;
}

/** Every flag is spelled out, defaults included, so a change of Electron defaults cannot loosen them. */
export function secureWebPreferences(preloadPath: string, devTools: boolean): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    experimentalFeatures: false,
    safeDialogs: true,
    // The spellchecker downloads dictionaries from Google's CDN; the app sends nothing anywhere.
    spellcheck: false,
    devTools,
  };
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const { maximized, ...bounds } = loadWindowState(
    options.stateFile,
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const window = new BrowserWindow({
    ...bounds,
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    title: 'Face Organizer',
    // Shown once painted, on a background matching the theme, so launch does not flash white.
    show: false,
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#15171a' : '#f7f7f8',
    ...(options.iconPath ? { icon: options.iconPath } : {}),
    webPreferences: secureWebPreferences(options.preloadPath, options.devTools),
  });

  lockNavigation(window.webContents, options.location, options.openExternal);

  window.once('ready-to-show', () => {
    if (maximized) window.maximize();
    window.show();
  });
  // 'close' rather than 'closed': the bounds are gone once the window is destroyed.
  window.on('close', () => {
    saveWindowState(options.stateFile, window.getNormalBounds(), window.isMaximized());
  });

  // The built page is loaded from app:// (see app-protocol.ts), never with loadFile.
  window.loadURL(options.location.url).catch((error: unknown) => console.error('the app page failed to load:', error));
  return window;
}
