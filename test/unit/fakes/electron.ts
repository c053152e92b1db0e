/**
 * A stand-in for the `electron` module, for `vi.mock('electron', () => import('./fakes/electron'))`.
 * Electron's binary cannot run in CI, so this records what the shell asks of Electron (window
 * options, web contents and session handlers, IPC handlers, app events) and lets tests play the
 * renderer's or the OS's part. Behaviour the shell relies on is copied from Electron 45:
 * - `ipcMain.handle` refuses a second handler per channel; invoking an unhandled channel rejects;
 * - navigation events carry `url` on the event and honour `preventDefault()`;
 * - `app.requestSingleInstanceLock()` is false in the second process, `app.quit()` is asynchronous;
 * - `protocol.registerSchemesAsPrivileged` throws once the app is ready, and each call replaces the
 *   schemes of the one before (Electron documents it as callable once; later calls win);
 * - `session.protocol.handle` refuses a second handler per scheme; a handler gets a fetch `Request`
 *   and answers a `Response`;
 * - `utilityProcess.fork` starts a child whose `postMessage(message, [port])` arrives on the child's
 *   `process.parentPort` as `{ data, ports }` (structured clone); `child.on('exit', code)`;
 * - `MessageChannelMain` ports queue messages until `start()`, deliver `{ data, ports }` events
 *   asynchronously (structured clone), and emit 'close' on both ends when one closes;
 * - `safeStorage` is unavailable before 'ready' on Linux and Windows (and its Linux backend is
 *   'unknown' then), `encryptString` answers a Buffer that never contains the plain text (here a
 *   'v11' prefix and AES-256-GCM under a key the "OS" keeps in memory), and both directions throw
 *   Electron's errors when encryption is unavailable or a ciphertext is not one of its own.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
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

  static getFocusedWindow(): FakeBrowserWindow | null {
    return FakeBrowserWindow.getAllWindows().find((w) => w.focused) ?? null;
  }

  /** Every setProgressBar call, in order. */
  readonly progress: Array<{ value: number; mode: string | undefined }> = [];

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

  /** The status the page's own URL answered with, when a custom protocol handler served it. */
  loadedStatus: number | null = null;

  /**
   * Like Electron, a custom scheme loads only through a handler registered on the session (else
   * the load fails with ERR_UNKNOWN_URL_SCHEME); an error status still loads (as an error page).
   */
  async loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
    const scheme = new URL(url).protocol.replace(/:$/, '');
    if (['http', 'https', 'file', 'data', 'about'].includes(scheme)) return;
    const response = await session.defaultSession.protocol.fetch(url);
    this.loadedStatus = response.status;
    await response.body?.cancel();
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

  setProgressBar(value: number, options?: { mode?: string }): void {
    this.progress.push({ value, mode: options?.mode });
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
  readonly name = 'Face Organizer';
  isPackaged = false;
  /** Set once whenReady() has resolved: APIs that must run before 'ready' then throw. */
  ready = false;
  /** What requestSingleInstanceLock() answers: false plays the second instance. */
  holdsLock = true;
  userData = '';
  appPath = '';
  readonly quit = vi.fn();
  readonly exit = vi.fn();
  readonly enableSandbox = vi.fn();
  readonly requestSingleInstanceLock = vi.fn(() => this.holdsLock);

  whenReady(): Promise<void> {
    return Promise.resolve().then(() => {
      this.ready = true;
    });
  }

  /** Plays the user quitting: 'before-quit' (cancellable); true when the app may exit. */
  requestQuit(): boolean {
    const event = fakeEvent();
    this.emit('before-quit', event);
    return !event.defaultPrevented;
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

type ProtocolHandler = (request: Request) => Response | Promise<Response>;

class FakeSessionProtocol {
  readonly handlers = new Map<string, ProtocolHandler>();

  handle(scheme: string, handler: ProtocolHandler): void {
    if (this.handlers.has(scheme)) throw new Error(`The scheme ${scheme} is already handled`);
    this.handlers.set(scheme, handler);
  }

  unhandle(scheme: string): void {
    this.handlers.delete(scheme);
  }

  /** Plays the page loading `url` (an <img>, a <video> range request). */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const scheme = new URL(url).protocol.replace(/:$/, '');
    const handler = this.handlers.get(scheme);
    if (!handler) throw new Error(`net::ERR_UNKNOWN_URL_SCHEME ${url}`);
    return handler(new Request(url, init));
  }
}

class FakeSession {
  readonly protocol = new FakeSessionProtocol();
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

// ---- utility processes and message ports --------------------------------------------------------

export class FakeMessagePortMain extends EventEmitter {
  peer: FakeMessagePortMain | null = null;
  started = false;
  closed = false;
  private queue: Array<{ data: unknown; ports: FakeMessagePortMain[] }> = [];

  postMessage(message: unknown, transfer: FakeMessagePortMain[] = []): void {
    if (this.closed) return;
    const peer = this.peer;
    if (!peer || peer.closed) return;
    // Serialized now (as Electron does), delivered later.
    peer.enqueue({ data: structuredClone(message), ports: transfer });
  }

  private enqueue(event: { data: unknown; ports: FakeMessagePortMain[] }): void {
    this.queue.push(event);
    if (this.started) this.flushSoon();
  }

  private flushSoon(): void {
    setImmediate(() => {
      while (this.started && !this.closed && this.queue.length) this.emit('message', this.queue.shift()!);
    });
  }

  start(): void {
    this.started = true;
    this.flushSoon();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
    const peer = this.peer;
    if (peer && !peer.closed) {
      peer.closed = true;
      peer.emit('close');
    }
  }
}

export class MessageChannelMain {
  readonly port1 = new FakeMessagePortMain();
  readonly port2 = new FakeMessagePortMain();

  constructor() {
    this.port1.peer = this.port2;
    this.port2.peer = this.port1;
  }
}

/**
 * The child's `process.parentPort`. Like Electron's, it holds messages until the child adds its first
 * 'message' listener (Electron starts the port on 'newListener'), so a child that sets up
 * asynchronously does not lose the parent's first message.
 */
export class FakeParentPort extends EventEmitter {
  private held: unknown[] = [];

  constructor(private readonly child: FakeUtilityProcess) {
    super();
    this.on('newListener', (name: string) => {
      if (name !== 'message' || this.held.length === 0) return;
      const held = this.held;
      this.held = [];
      setImmediate(() => held.forEach((e) => this.emit('message', e)));
    });
  }

  /** Delivers now if someone listens, else holds. */
  deliver(event: unknown): void {
    if (this.listenerCount('message') > 0) this.emit('message', event);
    else this.held.push(event);
  }

  postMessage(message: unknown): void {
    const data = structuredClone(message);
    setImmediate(() => this.child.emit('message', data));
  }
}

export class FakeUtilityProcess extends EventEmitter {
  readonly parentPort = new FakeParentPort(this);
  pid: number | undefined = 4242;
  killed = false;
  exited = false;

  constructor(readonly modulePath: string, readonly args: string[], readonly options: Record<string, unknown>) {
    super();
  }

  postMessage(message: unknown, transfer: FakeMessagePortMain[] = []): void {
    if (this.exited) throw new Error('the utility process has exited');
    const data = structuredClone(message);
    setImmediate(() => this.parentPort.deliver({ data, ports: transfer }));
  }

  kill(): boolean {
    if (this.exited) return false;
    this.killed = true;
    this.exit(-1);
    return true;
  }

  /** Plays the child exiting (a crash when code is not 0). */
  exit(code: number): void {
    if (this.exited) return;
    this.exited = true;
    this.pid = undefined;
    setImmediate(() => this.emit('exit', code));
  }
}

type ForkHook = (child: FakeUtilityProcess) => void;

export const utilityProcess = {
  children: [] as FakeUtilityProcess[],
  /** What runs "inside" a forked child; tests set it to start the engine host on child.parentPort. */
  onFork: null as ForkHook | null,
  fork: vi.fn((modulePath: string, args: string[] = [], options: Record<string, unknown> = {}) => {
    const child = new FakeUtilityProcess(modulePath, args, options);
    utilityProcess.children.push(child);
    setImmediate(() => {
      child.emit('spawn');
      utilityProcess.onFork?.(child);
    });
    return child;
  }),
};

export const protocol = {
  privileged: [] as Array<{ scheme: string; privileges: Record<string, boolean> }>,
  registerSchemesAsPrivileged: vi.fn((schemes: Array<{ scheme: string; privileges: Record<string, boolean> }>) => {
    if (app.ready) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
    protocol.privileged = [...schemes];
  }),
};

export const Menu = {
  application: null as { template: unknown[] } | null,
  buildFromTemplate: vi.fn((template: unknown[]) => ({ template })),
  setApplicationMenu: vi.fn((menu: { template: unknown[] } | null) => {
    Menu.application = menu;
  }),
};

// ---- safeStorage ------------------------------------------------------------------------------

type StorageBackend = 'basic_text' | 'gnome_libsecret' | 'kwallet' | 'kwallet5' | 'kwallet6' | 'unknown';

class FakeSafeStorage {
  /** Whether the OS offers encryption once ready (false plays a session without a keychain). */
  osAvailable = true;
  /** The Linux backend Electron would pick once ready. */
  backend: StorageBackend = 'gnome_libsecret';
  /** The key the OS keeps for this user: a new one plays another machine or a reset keychain. */
  key = randomBytes(32);
  /** Plain texts encrypted, so tests can check main did the work. */
  readonly encrypted: string[] = [];

  isEncryptionAvailable = vi.fn((): boolean => {
    // macOS answers from the Keychain at any time; Linux and Windows only after 'ready'.
    if (process.platform !== 'darwin' && !app.ready) return false;
    return this.osAvailable;
  });

  getSelectedStorageBackend = vi.fn((): StorageBackend => (app.ready ? this.backend : 'unknown'));

  encryptString = vi.fn((plainText: string): Buffer => {
    if (typeof plainText !== 'string') throw new TypeError('Expected the first argument of encryptString() to be a string');
    if (!this.isEncryptionAvailable()) throw new Error('Error while encrypting the text provided to safeStorage.encryptString. Encryption is not available.');
    this.encrypted.push(plainText);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plainText, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from('v11'), iv, cipher.getAuthTag(), body]);
  });

  decryptString = vi.fn((encrypted: Buffer): string => {
    if (!Buffer.isBuffer(encrypted)) throw new TypeError('Expected the first argument of decryptString() to be a buffer');
    if (!this.isEncryptionAvailable()) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString. Decryption is not available.');
    try {
      if (encrypted.subarray(0, 3).toString() !== 'v11') throw new Error('not ours');
      const decipher = createDecipheriv('aes-256-gcm', this.key, encrypted.subarray(3, 15));
      decipher.setAuthTag(encrypted.subarray(15, 31));
      return Buffer.concat([decipher.update(encrypted.subarray(31)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    }
  });

  setUsePlainTextEncryption = vi.fn((_usePlainText: boolean): void => undefined);

  reset(): void {
    this.osAvailable = true;
    this.backend = 'gnome_libsecret';
    this.key = randomBytes(32);
    this.encrypted.length = 0;
    for (const fn of [this.isEncryptionAvailable, this.getSelectedStorageBackend, this.encryptString, this.decryptString, this.setUsePlainTextEncryption]) fn.mockReset();
  }
}

export const safeStorage = new FakeSafeStorage();

export const app = new FakeApp();
export const BrowserWindow = FakeBrowserWindow;
export const ipcMain = new FakeIpcMain();
export const ipcRenderer = new FakeIpcRenderer();
export const contextBridge = new FakeContextBridge();
export const session = { defaultSession: new FakeSession() };
export const shell = { openExternal: vi.fn(async (_url: string) => undefined) };
export const dialog = {
  showErrorBox: vi.fn(),
  /** Answers what the user "picked"; tests set `picked` (null plays Cancel). */
  picked: null as string[] | null,
  showOpenDialog: vi.fn(async (..._args: unknown[]) => ({ canceled: dialog.picked === null, filePaths: dialog.picked ?? [] })),
};
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
  app.ready = false;
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
  dialog.showOpenDialog.mockClear();
  dialog.picked = null;
  utilityProcess.children = [];
  utilityProcess.onFork = null;
  utilityProcess.fork.mockClear();
  protocol.privileged = [];
  protocol.registerSchemesAsPrivileged.mockClear();
  Menu.application = null;
  Menu.buildFromTemplate.mockClear();
  Menu.setApplicationMenu.mockClear();
  nativeTheme.shouldUseDarkColors = false;
  screen.displays = [{ id: 1, workArea: { x: 0, y: 0, width: 1920, height: 1040 } }];
  safeStorage.reset();
}

export default {
  app, BrowserWindow, ipcMain, ipcRenderer, contextBridge, session, shell, dialog, nativeTheme, screen,
  utilityProcess, MessageChannelMain, protocol, Menu, safeStorage,
};
