/**
 * The Electron shell against a stand-in `electron` module (test/unit/fakes/electron.ts): the
 * security posture of the window and session, the IPC bridge on both sides, and the lifecycle.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppInfoSchema, INVOKE_CHANNELS } from '../../src-main/contract/ipc';
import { contentSecurityPolicy } from '../../src-main/transport/csp';
import { createInvokeDispatcher } from '../../src-main/electron/ipc-router';
import { startShell, usableOsEncryption } from '../../src-main/electron/shell';
import { CloudService } from '../../src-main/engine/cloud/service';
import { runEngineHost, type ParentPortLike } from '../../src-main/electron/engine-host';
import { buildMenuTemplate } from '../../src-main/electron/menu';
import { progressFor } from '../../src-main/electron/taskbar-progress';
import { EngineError } from '../../src-main/engine/errors';
import * as electron from './fakes/electron';
import { fakeLibrary, type FakeLibrary } from './fakes/engine';

vi.mock('electron', () => import('./fakes/electron'));

const { app, ipcMain, session, shell, dialog, protocol, Menu, utilityProcess, safeStorage, FakeBrowserWindow, FakeWebContents } = electron;

let userData: string;

beforeEach(() => {
  userData = mkdtempSync(join(tmpdir(), 'fo-shell-'));
  electron.resetFakeElectron({ userData, appPath: userData });
  delete process.env['ELECTRON_RENDERER_URL'];
});

afterEach(() => {
  rmSync(userData, { recursive: true, force: true });
  delete process.env['ELECTRON_RENDERER_URL'];
});

/** A built renderer where the shell looks for it (app path = userData here), and a secret beside it. */
function writeRenderer(): string {
  const root = join(userData, 'out', 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Face Organizer</title>');
  writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log("app")');
  writeFileSync(join(userData, 'out', 'secret.txt'), 'not for the page');
  writeFileSync(join(userData, 'secret.txt'), 'not for the page');
  return root;
}

async function start(): Promise<{ window: InstanceType<typeof FakeBrowserWindow>; appUrl: string }> {
  expect(await startShell()).toBe('started');
  expect(FakeBrowserWindow.instances).toHaveLength(1);
  const window = FakeBrowserWindow.instances[0]!;
  return { window, appUrl: window.loadedUrl! };
}

describe('main window', () => {
  it('runs the renderer sandboxed, context-isolated, without Node and with web security', async () => {
    const { window } = await start();
    expect(app.enableSandbox).toHaveBeenCalled();
    const prefs = window.options.webPreferences!;
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
    });
    expect(String(prefs['preload'])).toMatch(/[\\/]preload[\\/]index\.cjs$/);
  });

  it('loads the built index.html from app://, and ignores ELECTRON_RENDERER_URL once packaged', async () => {
    writeRenderer();
    process.env['ELECTRON_RENDERER_URL'] = 'http://localhost:5173';
    app.isPackaged = true;
    const { window } = await start();
    expect(window.loadedFile).toBeNull();
    expect(window.loadedUrl).toBe('app://face-organizer/index.html');
    await vi.waitFor(() => expect(window.loadedStatus).toBe(200));
    expect(window.options.webPreferences!['devTools']).toBe(false);
  });

  it('loads the dev server in development, and refuses a non-local one', async () => {
    process.env['ELECTRON_RENDERER_URL'] = 'http://localhost:5173/';
    const { window } = await start();
    expect(window.loadedUrl).toBe('http://localhost:5173/');

    electron.resetFakeElectron({ userData });
    process.env['ELECTRON_RENDERER_URL'] = 'https://attacker.example/';
    await expect(startShell()).rejects.toThrow(/local http dev server/);
    expect(FakeBrowserWindow.instances).toHaveLength(0);
  });

  it('shows the window only once painted', async () => {
    const { window } = await start();
    expect(window.options['show']).toBe(false);
    window.emit('ready-to-show');
    expect(window.visible).toBe(true);
  });

  it('remembers its bounds and maximized state across launches', async () => {
    const first = (await start()).window;
    first.bounds = { x: 40, y: 30, width: 1000, height: 700 };
    first.maximized = true;
    first.close();
    const saved = JSON.parse(readFileSync(join(userData, 'window-state.json'), 'utf8'));
    expect(saved).toEqual({ x: 40, y: 30, width: 1000, height: 700, maximized: true });

    electron.resetFakeElectron({ userData });
    const second = (await start()).window;
    expect(second.options).toMatchObject({ x: 40, y: 30, width: 1000, height: 700 });
    second.emit('ready-to-show');
    expect(second.maximized).toBe(true);
  });
});

describe('navigation and new windows', () => {
  it('prevents navigating away from the app, handing web links to the browser', async () => {
    const { window, appUrl } = await start();
    expect(window.webContents.navigate('will-navigate', 'https://evil.example/phish')).toBe(true);
    expect(shell.openExternal).toHaveBeenCalledWith('https://evil.example/phish');
    expect(window.webContents.navigate('will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(window.webContents.navigate('will-redirect', 'https://evil.example/')).toBe(true);
    expect(shell.openExternal).toHaveBeenCalledTimes(1);
    // Reloading the app itself stays allowed.
    expect(window.webContents.navigate('will-navigate', appUrl)).toBe(false);
  });

  it('limits the dev-server window to the dev server origin', async () => {
    process.env['ELECTRON_RENDERER_URL'] = 'http://localhost:5173';
    const { window } = await start();
    expect(window.webContents.navigate('will-navigate', 'http://localhost:5173/#/people')).toBe(false);
    expect(window.webContents.navigate('will-navigate', 'http://localhost:8080/')).toBe(true);
  });

  it('denies window.open, opening only http(s) links externally', async () => {
    const { window } = await start();
    expect(window.webContents.open('https://example.com/help')).toEqual({ action: 'deny' });
    expect(window.webContents.open('file:///C:/Windows/System32/calc.exe')).toEqual({ action: 'deny' });
    expect(window.webContents.open('ms-msdt:/id')).toEqual({ action: 'deny' });
    expect(shell.openExternal).toHaveBeenCalledExactlyOnceWith('https://example.com/help');
  });

  it('survives the browser hand-off failing', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { window } = await start();
    shell.openExternal.mockRejectedValueOnce(new Error('no browser'));
    expect(window.webContents.open('https://example.com/')).toEqual({ action: 'deny' });
    await vi.waitFor(() => expect(warn).toHaveBeenCalled());
    warn.mockRestore();
  });

  it('hardens every web contents Electron creates, not just the main window', async () => {
    await start();
    const other = new FakeWebContents();
    app.emit('web-contents-created', electron.fakeEvent(), other);
    expect(other.open('https://example.com')).toEqual({ action: 'deny' });
    const attach = electron.fakeEvent();
    other.emit('will-attach-webview', attach, {}, {});
    expect(attach.defaultPrevented).toBe(true);
  });
});

describe('session', () => {
  it('denies every permission request and check', async () => {
    await start();
    const ses = session.defaultSession;
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'hid']) {
      expect(await ses.requestPermission(permission)).toBe(false);
      expect(ses.permissionCheckHandler?.(null, permission, 'file://', {})).toBe(false);
    }
    expect(ses.devicePermissionHandler?.({})).toBe(false);
  });

  it('adds the strict Content-Security-Policy header to responses', async () => {
    await start();
    const headers = session.defaultSession.receiveHeaders('http://localhost:5173/', { 'X-Other': ['kept'] });
    expect(headers['X-Other']).toEqual(['kept']);
    const [policy] = headers['Content-Security-Policy'] ?? [];
    expect(policy).toBe(contentSecurityPolicy());
    for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self';", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "connect-src 'self';"]) {
      expect(policy).toContain(directive);
    }
    expect(policy).toMatch(/img-src 'self' data: face-media:/);
    expect(policy).not.toContain('unsafe');
  });

  it('cancels requests for remote content and for any local file', async () => {
    const { window } = await start();
    const ses = session.defaultSession;
    expect(ses.request('https://example.com/tracker.png')).toBe(true);
    expect(ses.request('http://192.168.1.2/')).toBe(true);
    expect(ses.request('wss://example.com/socket')).toBe(true);
    // The page and its assets come from app://: no file:// request is needed, so none is allowed,
    // not even for the renderer's own files.
    expect(ses.request(new URL('assets/index.js', window.loadedUrl!).href)).toBe(false);
    expect(ses.request(pathToFileURL(join(userData, 'out', 'renderer', 'assets', 'index.js')).href)).toBe(true);
    expect(ses.request(pathToFileURL(join(userData, 'photo.jpg')).href)).toBe(true);
    expect(ses.request('file:///etc/passwd')).toBe(true);
    expect(ses.request('devtools://devtools/bundled/inspector.html')).toBe(false);
    expect(ses.request('data:image/png;base64,AAAA')).toBe(false);
  });

  it('lets the dev server (and its hot-reload socket) through in development only', async () => {
    process.env['ELECTRON_RENDERER_URL'] = 'http://localhost:5173';
    await start();
    const ses = session.defaultSession;
    expect(ses.request('http://localhost:5173/src-renderer/main.ts')).toBe(false);
    expect(ses.request('ws://localhost:5173/')).toBe(false);
    expect(ses.request('http://localhost:5174/')).toBe(true);
    expect(ses.request('file:///etc/passwd')).toBe(true);
    const [policy] = ses.receiveHeaders('http://localhost:5173/')['Content-Security-Policy'] ?? [];
    expect(policy).toContain("style-src 'self' 'unsafe-inline'");
    expect(policy).toContain("script-src 'self';");
  });
});

describe('IPC, main side', () => {
  it('registers exactly the allow-listed channels', async () => {
    await start();
    expect([...ipcMain.handlers.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort());
  });

  it('answers a valid app:info', async () => {
    const { appUrl } = await start();
    const result = await ipcMain.invoke('app:info', undefined, appUrl);
    expect(result).toMatchObject({ ok: true, value: { version: '0.1.0-test', platform: process.platform } });
    expect(AppInfoSchema.safeParse((result as { value: unknown }).value).success).toBe(true);
  });

  it('rejects a malformed payload before any handler runs', async () => {
    const { appUrl } = await start();
    for (const payload of [{ extra: 1 }, 'x', 0, null, []]) {
      const result = await ipcMain.invoke('app:info', payload, appUrl);
      expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    }
  });

  it('rejects an unknown channel', async () => {
    const { appUrl } = await start();
    // Electron itself refuses channels nobody handles…
    await expect(ipcMain.invoke('fs:readFile', '/etc/passwd', appUrl)).rejects.toThrow(/No handler registered/);
    // …and the dispatcher refuses names off the contract even if one were wired to it.
    const dispatch = createInvokeDispatcher({ 'app:info': () => ({ version: '1', platform: 'linux', electron: null }) });
    for (const channel of ['fs:readFile', '__proto__', 'constructor', 'toString', 42, undefined]) {
      expect(await dispatch(channel, undefined)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    }
  });

  it('refuses calls from frames that are not the app', async () => {
    await start();
    for (const sender of ['https://evil.example/', 'file:///tmp/other.html', 'app://other-host/index.html', 'app://face-organizer/other.html', 'app://user:pw@face-organizer/index.html', '']) {
      expect(await ipcMain.invoke('app:info', undefined, sender)).toMatchObject({ ok: false, error: { code: 'UNTRUSTED_SENDER' } });
    }
  });

  it('turns handler failures into coded envelopes without stacks', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const failing = (error: unknown) => createInvokeDispatcher({ 'app:info': () => { throw error; } });
    const coded = await failing(new EngineError('MODEL_MISSING', 'the detector model is missing'))('app:info', undefined);
    expect(coded).toEqual({ ok: false, error: { code: 'MODEL_MISSING', message: 'the detector model is missing' } });
    const internal = await failing(new TypeError('boom'))('app:info', undefined);
    expect(internal).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'boom' } });
    expect(JSON.stringify(internal)).not.toContain(' at ');
    expect(errors).toHaveBeenCalled();
    errors.mockRestore();
  });
});

describe('lifecycle', () => {
  it('quits a second instance before it opens anything', async () => {
    app.holdsLock = false;
    expect(await startShell()).toBe('second-instance');
    expect(app.quit).toHaveBeenCalled();
    expect(FakeBrowserWindow.instances).toHaveLength(0);
    expect(ipcMain.handlers.size).toBe(0);
  });

  it('focuses the existing window when a second instance starts', async () => {
    const { window } = await start();
    window.minimize();
    app.emit('second-instance', electron.fakeEvent(), [], '/', {});
    expect(window.minimized).toBe(false);
    expect(window.focused).toBe(true);
    expect(FakeBrowserWindow.instances).toHaveLength(1);
  });

  it('quits when the last window closes (except on macOS) and reopens on activate', async () => {
    const { window } = await start();
    window.close();
    app.emit('window-all-closed');
    if (process.platform === 'darwin') expect(app.quit).not.toHaveBeenCalled();
    else expect(app.quit).toHaveBeenCalled();
    app.emit('activate');
    expect(FakeBrowserWindow.getAllWindows()).toHaveLength(1);
  });
});

describe('Content-Security-Policy <meta>', () => {
  it('in index.html equals the policy main sends, minus header-only directives', () => {
    const html = readFileSync(new URL('../../src-renderer/index.html', import.meta.url), 'utf8');
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(html)?.[1];
    expect(meta).toBe(contentSecurityPolicy({ delivery: 'meta' }));
    expect(meta).not.toContain('frame-ancestors');
  });

  it('relaxes only styles and the hot-reload socket for the dev server', () => {
    const prod = contentSecurityPolicy().split('; ');
    const dev = contentSecurityPolicy({ dev: true }).split('; ');
    const changed = dev.filter((d) => !prod.includes(d));
    expect(changed).toEqual([
      "style-src 'self' 'unsafe-inline'",
      "connect-src 'self' ws://localhost:* ws://127.0.0.1:*",
    ]);
  });
});

describe('window state file', () => {
  it('survives garbage in the file', async () => {
    writeFileSync(join(userData, 'window-state.json'), '{not json');
    const { window } = await start();
    expect(window.options).toMatchObject({ width: 1200, height: 800 });
    expect(window.options['x']).toBeUndefined();
  });
});

// ---- the engine behind the shell --------------------------------------------------------------

/** The start messages main sent to the utility processes it forked. */
let engineInits: Array<Record<string, unknown>> = [];

/** Runs the real engine host (over a fake facade and the real cloud service) inside each utility process the shell forks. */
async function withEngine(): Promise<FakeLibrary> {
  const lib = await fakeLibrary();
  engineInits = [];
  utilityProcess.onFork = (child) => {
    child.parentPort.once('message', ({ data }: { data: Record<string, unknown> }) => engineInits.push(data));
    runEngineHost(child.parentPort as unknown as ParentPortLike, {
      openEngine: async (options) => Object.assign(lib.engine, {
        cloud: new CloudService({ configDir: join(lib.dirs.library, 'cloud'), ...(options.cloudEncryptor ? { encryptor: options.cloudEncryptor } : {}) }),
      }),
      apiOptions: { progressIntervalMs: 0 },
      exit: (code) => child.exit(code),
      log: () => undefined,
    });
  };
  return lib;
}

describe('engine process', () => {
  it('runs the engine in a utility process forked from the bundled main, never in main', async () => {
    await withEngine();
    const { window } = await start();
    expect(utilityProcess.fork).toHaveBeenCalledTimes(1);
    const [modulePath, , options] = utilityProcess.fork.mock.calls[0]!;
    expect(modulePath).toBe(join(userData, 'out', 'main', 'index.js'));
    expect(options).toMatchObject({ serviceName: 'Face Organizer Engine' });
    expect(String(window.options.webPreferences!['preload'])).toBe(join(userData, 'out', 'preload', 'index.cjs'));
  });

  it('forwards engine channels after validating them in main', async () => {
    const lib = await withEngine();
    const { appUrl } = await start();
    expect(await ipcMain.invoke('library:status', undefined, appUrl)).toMatchObject({ ok: true, value: { faces: 2 } });
    expect(await ipcMain.invoke('library:addFolders', { paths: ['/a'], extra: 1 }, appUrl)).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await ipcMain.invoke('library:removeFolder', { id: '../x' }, appUrl)).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(lib.engine.calls.filter((c) => c.startsWith('addFolders') || c.startsWith('removeFolder'))).toEqual([]);
    expect(await ipcMain.invoke('library:addFolders', { paths: ['/a'] }, appUrl)).toMatchObject({ ok: true, value: [{ path: '/a' }] });
    expect(await ipcMain.invoke('library:status', undefined, 'https://evil.example/')).toMatchObject({ ok: false, error: { code: 'UNTRUSTED_SENDER' } });
  });

  it('passes only contract-shaped events to the page, and shows indexing on the taskbar', async () => {
    await withEngine();
    const { window, appUrl } = await start();
    expect(await ipcMain.invoke('library:index', undefined, appUrl)).toMatchObject({ ok: true });
    await vi.waitFor(() => {
      const sent = window.webContents.send.mock.calls.filter(([name]) => name === 'task:progress');
      expect(sent.map(([, t]) => (t as { status: string }).status)).toContain('succeeded');
    });
    for (const [name, payload] of window.webContents.send.mock.calls) {
      if (name === 'task:progress') expect(payload).toMatchObject({ kind: 'index', progress: expect.any(Object) });
    }
    expect(window.progress.some((p) => p.mode === 'normal' && p.value > 0 && p.value <= 1)).toBe(true);
    await vi.waitFor(() => expect(window.progress.at(-1)).toEqual({ value: -1, mode: 'none' }));
  });

  it('finishes the engine before quitting', async () => {
    const lib = await withEngine();
    await start();
    await vi.waitFor(() => expect(lib.engine.calls).toContain('startWatching'));
    expect(app.requestQuit()).toBe(false);
    await vi.waitFor(() => expect(app.quit).toHaveBeenCalled());
    expect(lib.engine.calls).toContain('close');
    expect(utilityProcess.children[0]!.exited).toBe(true);
  });
});

describe('cloud AccessKey and the system keychain', () => {
  const KEY = { accessKeyId: 'LTAI5tTestKeyId0001', accessKeySecret: 'TestSecret-0123456789abcdefABCDEF' };
  const saved = (lib: FakeLibrary) => readFileSync(join(lib.dirs.library, 'cloud', 'cloud-credentials.json'), 'utf8');

  it('is encrypted by main\'s safeStorage when the OS keeps the key', async () => {
    const lib = await withEngine();
    const { appUrl } = await start();
    expect(await ipcMain.invoke('cloud:saveCredentials', KEY, appUrl)).toMatchObject({ ok: true, value: { stored: true, protection: 'os-encryptor' } });
    expect(engineInits[0]).toMatchObject({ osEncryption: true });
    expect(safeStorage.encryptString).toHaveBeenCalledTimes(1);
    expect(saved(lib)).not.toContain(KEY.accessKeySecret);
    expect(existsSync(join(lib.dirs.library, 'cloud', 'cloud-credentials.key'))).toBe(false);
    // What comes back to the page is the masked summary only.
    const status = await ipcMain.invoke('cloud:status', undefined, appUrl);
    expect(status).toMatchObject({ ok: true, value: { credentials: { protection: 'os-encryptor' } } });
    expect(JSON.stringify(status)).not.toContain(KEY.accessKeySecret);
  });

  it.runIf(process.platform === 'linux')('falls back to the AES file on Linux\'s basic_text backend (a hard-coded key)', async () => {
    safeStorage.backend = 'basic_text';
    const lib = await withEngine();
    const { appUrl } = await start();
    expect(await ipcMain.invoke('cloud:saveCredentials', KEY, appUrl)).toMatchObject({ ok: true, value: { protection: 'file-aes-256-gcm' } });
    expect(engineInits[0]).toMatchObject({ osEncryption: false });
    expect(safeStorage.encryptString).not.toHaveBeenCalled();
    expect(saved(lib)).not.toContain(KEY.accessKeySecret);
  });

  it('falls back to the AES file when the OS offers no encryption', async () => {
    safeStorage.osAvailable = false;
    await withEngine();
    const { appUrl } = await start();
    expect(await ipcMain.invoke('cloud:saveCredentials', KEY, appUrl)).toMatchObject({ ok: true, value: { protection: 'file-aes-256-gcm' } });
    expect(engineInits[0]).toMatchObject({ osEncryption: false });
    expect(safeStorage.encryptString).not.toHaveBeenCalled();
  });

  it('counts basic_text as no protection on Linux only', () => {
    const storage = (available: boolean, backend: string) => ({
      isEncryptionAvailable: () => available,
      getSelectedStorageBackend: () => {
        if (backend === 'throws') throw new Error('not on this platform');
        return backend as 'basic_text';
      },
    });
    expect(usableOsEncryption(storage(true, 'gnome_libsecret'), 'linux')).toBe(true);
    expect(usableOsEncryption(storage(true, 'kwallet6'), 'linux')).toBe(true);
    expect(usableOsEncryption(storage(true, 'basic_text'), 'linux')).toBe(false);
    expect(usableOsEncryption(storage(false, 'gnome_libsecret'), 'linux')).toBe(false);
    // macOS and Windows have no backend to ask (Electron's getter is Linux-only).
    expect(usableOsEncryption(storage(true, 'throws'), 'darwin')).toBe(true);
    expect(usableOsEncryption(storage(true, 'throws'), 'win32')).toBe(true);
    expect(usableOsEncryption(storage(false, 'throws'), 'win32')).toBe(false);
  });
});

describe('app: protocol in the shell', () => {
  it('is registered privileged with face-media: in one call: standard, secure, fetch, no CSP bypass or CORS', async () => {
    await start();
    const app = protocol.privileged.find((p) => p.scheme === 'app');
    expect(app?.privileges).toEqual({ standard: true, secure: true, supportFetchAPI: true, codeCache: true });
    expect(protocol.privileged.map((p) => p.scheme).sort()).toEqual(['app', 'face-media']);
    expect(session.defaultSession.protocol.handlers.has('app')).toBe(true);
  });

  it('serves the built page and its assets with the strict CSP as a header', async () => {
    writeRenderer();
    const { window } = await start();
    const fetchApp = (path: string, init?: RequestInit) => session.defaultSession.protocol.fetch(new URL(path, window.loadedUrl!).href, init);
    const page = await fetchApp('/index.html');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(contentSecurityPolicy({ delivery: 'header' }));
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain('<title>Face Organizer</title>');
    expect((await fetchApp('/')).status).toBe(200);
    const script = await fetchApp('assets/index-abc.js');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe('console.log("app")');
    const head = await fetchApp('/index.html', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetchApp('/index.html', { method: 'POST', body: 'x' })).status).toBe(405);
  });

  it('refuses traversal out of the renderer folder, other hosts and folders', async () => {
    writeRenderer();
    await start();
    const get = async (url: string) => {
      const response = await session.defaultSession.protocol.fetch(url);
      return { status: response.status, body: await response.text() };
    };
    for (const url of [
      'app://face-organizer/../secret.txt',
      'app://face-organizer/../../secret.txt',
      'app://face-organizer/..%2fsecret.txt',
      'app://face-organizer/%2e%2e/secret.txt',
      'app://face-organizer/assets/%2E%2E/%2E%2E/secret.txt',
      'app://face-organizer/assets/..%5c..%5csecret.txt',
      `app://face-organizer/${encodeURIComponent(join(userData, 'secret.txt'))}`,
      'app://face-organizer/index.html%00.js',
      'app://face-organizer/assets',
      'app://face-organizer/assets/',
      'app://face-organizer/missing.js',
      'app://other-host/index.html',
    ]) {
      const { status, body } = await get(url);
      expect(status, url).toBe(404);
      expect(body, url).not.toContain('not for the page');
    }
  });

  it('is not registered when the page comes from the dev server', async () => {
    process.env['ELECTRON_RENDERER_URL'] = 'http://localhost:5173';
    await start();
    expect(session.defaultSession.protocol.handlers.has('app')).toBe(false);
  });
});

describe('face-media: protocol in the shell', () => {
  it('is registered privileged before ready: standard, secure, streaming, without bypassing the CSP', async () => {
    await start();
    // One call registers both schemes: Electron keeps only the last call's list.
    expect(protocol.registerSchemesAsPrivileged).toHaveBeenCalledTimes(1);
    expect(protocol.privileged).toContainEqual({ scheme: 'face-media', privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true } });
    expect(session.defaultSession.protocol.handlers.has('face-media')).toBe(true);
    // Registering after ready is an error in Electron, and in the stand-in.
    expect(() => protocol.registerSchemesAsPrivileged([])).toThrow(/before app is ready/);
  });

  it('serves library media and refuses traversal, symlinks out of the library and unknown ids', async () => {
    const lib = await withEngine();
    await start();
    const ses = session.defaultSession;
    const ok = await ses.protocol.fetch(`face-media://thumb/${lib.ids.photo}`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/webp');
    expect((await ses.protocol.fetch(`face-media://original/${lib.ids.video}`, { headers: { Range: 'bytes=0-9' } })).status).toBe(206);
    expect((await ses.protocol.fetch('face-media://original/../../../etc/passwd')).status).toBe(404);
    expect((await ses.protocol.fetch('face-media://original/..%2f..%2fetc%2fpasswd')).status).toBe(404);
    expect((await ses.protocol.fetch(`face-media://original/${lib.ids.symlinked}`)).status).toBe(403);
    expect((await ses.protocol.fetch(`face-media://preview/${lib.ids.tampered}`)).status).toBe(403);
    expect((await ses.protocol.fetch('face-media://original/no-such-id')).status).toBe(404);
    // The session filter leaves the scheme to this handler (it blocks network and stray files).
    expect(ses.request(`face-media://thumb/${lib.ids.photo}`)).toBe(false);
  });
});

describe('native dialogs and menus', () => {
  it('picks folders with the OS dialog; Cancel adds nothing', async () => {
    const { appUrl, window } = await start();
    window.focused = true;
    dialog.picked = ['/home/me/Pictures', '/media/usb/DCIM'];
    expect(await ipcMain.invoke('dialog:pickFolders', { title: 'Add' }, appUrl)).toEqual({ ok: true, value: { paths: ['/home/me/Pictures', '/media/usb/DCIM'] } });
    const [parent, options] = dialog.showOpenDialog.mock.calls[0]!;
    expect(parent).toBe(window);
    expect(options).toMatchObject({ title: 'Add', properties: expect.arrayContaining(['openDirectory', 'multiSelections']) });
    dialog.picked = null;
    expect(await ipcMain.invoke('dialog:pickFolders', undefined, appUrl)).toEqual({ ok: true, value: { paths: [] } });
    expect(await ipcMain.invoke('dialog:pickFolders', { title: 'x', defaultPath: '/etc' }, appUrl)).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });

  it('installs native menus with the standard roles and shortcuts; app commands reach the page', async () => {
    const { window } = await start();
    expect(Menu.setApplicationMenu).toHaveBeenCalledTimes(1);
    const template = Menu.application!.template as Electron.MenuItemConstructorOptions[];
    const flat = (items: Electron.MenuItemConstructorOptions[]): Electron.MenuItemConstructorOptions[] =>
      items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flat(i.submenu) : [])]);
    const all = flat(template);
    expect(all.some((i) => i.role === 'editMenu')).toBe(true);
    expect(all.some((i) => i.role === 'windowMenu')).toBe(true);
    expect(all.some((i) => i.role === 'togglefullscreen')).toBe(true);
    const add = all.find((i) => i.label === 'Add Folder…')!;
    expect(add.accelerator).toBe('CmdOrCtrl+O');
    (add.click as () => void)();
    expect(window.webContents.send).toHaveBeenCalledWith('app:command', { command: 'add-folders' });
    // Developer items only in unpackaged runs.
    expect(all.some((i) => i.role === 'toggleDevTools')).toBe(true);
  });

  it('builds the macOS app menu and leaves developer items out of packaged builds', () => {
    const mac = buildMenuTemplate({ platform: 'darwin', appName: 'Face Organizer', dev: false, send: () => undefined });
    expect(mac[0]!.label).toBe('Face Organizer');
    const roles = JSON.stringify(mac);
    expect(roles).toContain('"role":"quit"');
    expect(roles).toContain('"role":"hideOthers"');
    expect(roles).not.toContain('toggleDevTools');
    const win = buildMenuTemplate({ platform: 'win32', appName: 'Face Organizer', dev: false, send: () => undefined });
    expect(win[0]!.label).toBe('&File');
  });

  it('maps indexing tasks to taskbar progress', () => {
    const task = (status: string, done: number, total: number, phase?: string) => ({
      id: 't', kind: 'index', status, progress: { done, total, ...(phase ? { phase } : {}) }, createdAt: 0, startedAt: 0, finishedAt: null,
    }) as never;
    expect(progressFor(task('running', 0, 0, 'scanning'), false)).toEqual({ value: 2, mode: 'indeterminate' });
    expect(progressFor(task('running', 5, 10), false)).toEqual({ value: 0.5, mode: 'normal' });
    expect(progressFor(task('running', 5, 10), true)).toEqual({ value: 0.5, mode: 'paused' });
    expect(progressFor(task('succeeded', 10, 10), false)).toEqual({ value: -1, mode: 'none' });
    expect(progressFor({ ...(task('running', 1, 2) as object), kind: 'export' } as never, false)).toBeNull();
  });
});

describe('the engine role of the main bundle', () => {
  it('starts the engine host, not the shell, when Electron runs it as a utility process', async () => {
    vi.resetModules();
    const parentPort = new electron.FakeUtilityProcess('x', [], {}).parentPort;
    (process as unknown as { parentPort?: unknown }).parentPort = parentPort;
    try {
      await import('../../src-main/electron/main');
      await vi.waitFor(() => expect(parentPort.listenerCount('message')).toBe(1));
      expect(app.enableSandbox).not.toHaveBeenCalled();
      expect(FakeBrowserWindow.instances).toHaveLength(0);
    } finally {
      delete (process as unknown as { parentPort?: unknown }).parentPort;
    }
  });
});
