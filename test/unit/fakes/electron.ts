/**
 * A stand-in for the `electron` module, for `vi.mock('electron', () => import('./fakes/electron'))`.
 * Electron's binary cannot run in CI, so this records what the shell asks of Electron (window
 * options, web contents and session handlers, IPC handlers, app events) and lets tests play the
 * renderer's or the OS's part. Behaviour the shell relies on is copied from Electron 39:
 * - `ipcMain.handle` refuses a second handler per channel; invoking an unhandled channel rejects;
 * - navigation events carry `url` on the event and honour `preventDefault()`;
 * - `app.requestSingleInstanceLock()` is false in the second process, `app.quit()` is asynchronous.
 */
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

export interface FakeEvent {
  url?: string;
  defaultPrevented: boolean;
  preventDefault(): void;
}

export function fakeEvent(fields: { url?: string } = {}): FakeEvent {
  const event: FakeEvent = {
    ...fields,
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
  };
  return event;
}

type WindowOpenHandler = (details: { url: string; frameName: string; features: string; disposition: string }) => { action: 'allow' | 'deny' };

export class FakeWebContents extends EventEmitter {
  windowOpenHandler: WindowOpenHandler | null = null;
  readonly send = vi.fn();

  setWindowOpenHandler(handler: WindowOpenHandler): void {
    this.windowOpenHandler = handler;
  }

  /** Plays a page asking to navigate; true when the shell prevented it. */
  navigate(kind: 'will-navigate' | 'will-redirect', url: string): boolean {
    const event = fakeEvent({ url });
    this.emit(kind, event, url, false, true);
    return event.defaultPrevented;
  }

  /** Plays `window.open(url)`; Electron opens nothing unless the handler answers allow. */
  open(url: string): { action: 'allow' | 'deny' } {
    if (!this.windowOpenHandler) return { action: 'allow' };
    return this.windowOpenHandler({ url, frameName: '', features: '', disposition: 'new-window' });
  }
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];

  static getAllWindows(): FakeBrowserWindow[] {
    return FakeBrowserWindow.instances.filter((w) => !w.destroyed);
  }

  readonly options: Record<string, unknown> & { webPreferences?: Record<string, unknown> };
  readonly webContents = new FakeWebContents();
  loadedUrl: string | null = null;
  loadedFile: string | null = null;
  bounds: Rect;
  visible = false;
  maximized = false;
  minimized = false;
  focused = false;
  destroyed = false;

  constructor(options: Record<string, unknown> = {}) {
    super();
    this.options = options;
    const num = (key: string, fallback: number): number => (typeof options[key] === 'number' ? (options[key] as number) : fallback);
    this.bounds = { x: num('x', 100), y: num('y', 100), width: num('width', 800), height: num('height', 600) };
    FakeBrowserWindow.instances.push(this);
    app.emit('web-contents-created', fakeEvent(), this.webContents);
  }

  loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    return Promise.resolve();
  }

  loadFile(file: string): Promise<void> {
    this.loadedFile = file;
    return Promise.resolve();
  }

  show(): void {
    this.visible = true;
  }

  focus(): void {
    this.focused = true;
  }

  restore(): void {
    this.minimized = false;
  }

  minimize(): void {
    this.minimized = true;
  }

  maximize(): void {
    this.maximized = true;
  }

  isMinimized(): boolean {
    return this.minimized;
  }

  isMaximized(): boolean {
    return this.maximized;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  getNormalBounds(): Rect {
    return { ...this.bounds };
  }

  /** The user closing the window: 'close' (cancellable), then destruction and 'closed'. */
  close(): void {
    const event = fakeEvent();
    this.emit('close', event);
    if (event.defaultPrevented) return;
    this.destroyed = true;
    this.emit('closed');
  }
}

class FakeApp extends EventEmitter {
  isPackaged = false;
  /** What requestSingleInstanceLock() answers: false plays the second instance. */
  holdsLock = true;
  userData = '';
  appPath = '';
  readonly quit = vi.fn();
  readonly exit = vi.fn();
  readonly enableSandbox = vi.fn();
  readonly requestSingleInstanceLock = vi.fn(() => this.holdsLock);

  whenReady(): Promise<void> {
    return Promise.resolve();
  }

  getVersion(): string {
    return '0.1.0-test';
  }

  getPath(name: string): string {
    if (name !== 'userData') throw new Error(`fake app.getPath: ${name} not faked`);
    return this.userData;
  }

  getAppPath(): string {
    return this.appPath;
  }
}

type PermissionRequestHandler = (contents: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void;
type PermissionCheckHandler = (contents: unknown, permission: string, origin: string, details: unknown) => boolean;
type HeadersListener = (
  details: { url: string; resourceType: string; responseHeaders?: Record<string, string[]> },
  callback: (response: { responseHeaders?: Record<string, string[]>; cancel?: boolean }) => void,
) => void;
type RequestListener = (details: { url: string; resourceType: string }, callback: (response: { cancel?: boolean }) => void) => void;

class FakeSession {
  permissionRequestHandler: PermissionRequestHandler | null = null;
  permissionCheckHandler: PermissionCheckHandler | null = null;
  devicePermissionHandler: ((details: unknown) => boolean) | null = null;
  headersReceived: HeadersListener | null = null;
  beforeRequest: RequestListener | null = null;

  readonly webRequest = {
    // Electron keeps one listener per event per session: a second call replaces the first.
    onHeadersReceived: (listener: HeadersListener) => {
      this.headersReceived = listener;
    },
    onBeforeRequest: (listener: RequestListener) => {
      this.beforeRequest = listener;
    },
  };

  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void {
    this.permissionRequestHandler = handler;
  }

  setPermissionCheckHandler(handler: PermissionCheckHandler | null): void {
    this.permissionCheckHandler = handler;
  }

  setDevicePermissionHandler(handler: ((details: unknown) => boolean) | null): void {
    this.devicePermissionHandler = handler;
  }

  /** Plays a permission request; resolves with what the handler granted (Electron's default: true). */
  requestPermission(permission: string): Promise<boolean> {
    const handler = this.permissionRequestHandler;
    if (!handler) return Promise.resolve(true);
    return new Promise((resolve) => handler(null, permission, resolve, { requestingUrl: 'https://example.com' }));
  }

  /** Plays a response arriving; returns the headers the page will see. */
  receiveHeaders(url: string, responseHeaders: Record<string, string[]> = {}): Record<string, string[]> {
    let result: Record<string, string[]> = responseHeaders;
    this.headersReceived?.({ url, resourceType: 'mainFrame', responseHeaders }, (response) => {
      result = response.responseHeaders ?? responseHeaders;
    });
    return result;
  }

  /** Plays a request leaving; true when the shell cancelled it. */
  request(url: string): boolean {
    let cancelled = false;
    this.beforeRequest?.({ url, resourceType: 'image' }, (response) => {
      cancelled = response.cancel === true;
    });
    return cancelled;
  }
}

type InvokeListener = (event: { senderFrame: { url: string } | null; sender: unknown }, ...args: unknown[]) => unknown;

class FakeIpcMain {
  readonly handlers = new Map<string, InvokeListener>();

  handle(channel: string, listener: InvokeListener): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  /** Plays `ipcRenderer.invoke` from a frame showing `senderUrl`. */
  async invoke(channel: string, payload: unknown, senderUrl: string): Promise<unknown> {
    const listener = this.handlers.get(channel);
    if (!listener) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
    // The payload crosses a process boundary: structured clone, as Electron does.
    return structuredClone(await listener({ senderFrame: { url: senderUrl }, sender: {} }, structuredClone(payload)));
  }
}

class FakeIpcRenderer extends EventEmitter {
  readonly invoke = vi.fn(async (_channel: string, ..._args: unknown[]): Promise<unknown> => ({ ok: true, value: null }));
}

class FakeContextBridge {
  readonly exposed = new Map<string, unknown>();

  exposeInMainWorld(key: string, api: unknown): void {
    if (this.exposed.has(key)) throw new Error(`Cannot bind an API on top of an existing property on the window object`);
    this.exposed.set(key, api);
  }
}

export const app = new FakeApp();
export const BrowserWindow = FakeBrowserWindow;
export const ipcMain = new FakeIpcMain();
export const ipcRenderer = new FakeIpcRenderer();
export const contextBridge = new FakeContextBridge();
export const session = { defaultSession: new FakeSession() };
export const shell = { openExternal: vi.fn(async (_url: string) => undefined) };
export const dialog = { showErrorBox: vi.fn() };
export const nativeTheme = { shouldUseDarkColors: false };
export const screen = {
  displays: [{ id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1040 } }],
  getAllDisplays(): Array<{ id: number; workArea: Rect }> {
    return this.displays;
  },
};

/** Back to a fresh Electron: call in beforeEach. */
export function resetFakeElectron({ userData = '', appPath = '' }: { userData?: string; appPath?: string } = {}): void {
  app.removeAllListeners();
  app.isPackaged = false;
  app.holdsLock = true;
  app.userData = userData;
  app.appPath = appPath;
  app.quit.mockClear();
  app.exit.mockClear();
  app.enableSandbox.mockClear();
  app.requestSingleInstanceLock.mockClear();
  FakeBrowserWindow.instances = [];
  ipcMain.handlers.clear();
  ipcRenderer.removeAllListeners();
  ipcRenderer.invoke.mockClear();
  contextBridge.exposed.clear();
  session.defaultSession = new FakeSession();
  shell.openExternal.mockClear();
  dialog.showErrorBox.mockClear();
  nativeTheme.shouldUseDarkColors = false;
  screen.displays = [{ id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1040 } }];
}

export default { app, BrowserWindow, ipcMain, ipcRenderer, contextBridge, session, shell, dialog, nativeTheme, screen };
