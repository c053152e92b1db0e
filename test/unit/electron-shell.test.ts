/**
 * The Electron shell against a stand-in `electron` module (test/unit/fakes/electron.ts): the
 * security posture of the window and session, the IPC bridge on both sides, and the lifecycle.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppInfoSchema, INVOKE_CHANNELS } from '../../src-main/contract/ipc';
import { contentSecurityPolicy } from '../../src-main/electron/csp';
import { createInvokeDispatcher } from '../../src-main/electron/ipc-router';
import { startShell } from '../../src-main/electron/shell';
import { EngineError } from '../../src-main/engine/errors';
import * as electron from './fakes/electron';

vi.mock('electron', () => import('./fakes/electron'));

const { app, ipcMain, session, shell, FakeBrowserWindow, FakeWebContents } = electron;

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

async function start(): Promise<{ window: InstanceType<typeof FakeBrowserWindow>; appUrl: string }> {
  expect(await startShell()).toBe('started');
  expect(FakeBrowserWindow.instances).toHaveLength(1);
  const window = FakeBrowserWindow.instances[0]!;
  const appUrl = window.loadedUrl ?? pathToFileURL(window.loadedFile!).href;
  return { window, appUrl };
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

  it('loads the built index.html, and ignores ELECTRON_RENDERER_URL once packaged', async () => {
    process.env['ELECTRON_RENDERER_URL'] = 'http://localhost:5173';
    app.isPackaged = true;
    const { window } = await start();
    expect(window.loadedUrl).toBeNull();
    expect(window.loadedFile).toMatch(/[\\/]renderer[\\/]index\.html$/);
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

  it('cancels requests for remote content and for local files outside the app', async () => {
    const { window } = await start();
    const ses = session.defaultSession;
    expect(ses.request('https://example.com/tracker.png')).toBe(true);
    expect(ses.request('http://192.168.1.2/')).toBe(true);
    expect(ses.request('wss://example.com/socket')).toBe(true);
    const rendererDir = dirname(window.loadedFile!);
    expect(ses.request(pathToFileURL(join(rendererDir, 'assets', 'index.js')).href)).toBe(false);
    expect(ses.request(pathToFileURL(join(userData, 'photo.jpg')).href)).toBe(true);
    expect(ses.request(`${pathToFileURL(rendererDir).href}/../../../etc/passwd`)).toBe(true);
    expect(ses.request(pathToFileURL(`${rendererDir}-evil/x.js`).href)).toBe(true);
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
    for (const sender of ['https://evil.example/', 'file:///tmp/other.html', '']) {
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
