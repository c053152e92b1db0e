/**
 * The engine's utility process and main's handle on it, connected through the stand-in Electron's
 * utility process and MessageChannelMain (structured clone, queued ports), with a fake facade
 * behind the real engine host; and the `face-media:` protocol handler on top.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CredentialStore } from '../../src-main/engine/cloud/credentials';
import { CloudService } from '../../src-main/engine/cloud/service';
import type { EngineOptions } from '../../src-main/engine/engine';
import { EngineError } from '../../src-main/engine/errors';
import { runEngineHost, type HostPort, type OpenEngine, type ParentPortLike } from '../../src-main/electron/engine-host';
import { EngineProcess, type ChildProcessLike, type MainEncryptor, type MainPort } from '../../src-main/electron/engine-process';
import { createMediaProtocolHandler, parseMediaUrl } from '../../src-main/electron/media-protocol';
import { fakeLibrary, type FakeLibrary } from './fakes/engine';
import * as electron from './fakes/electron';

const processes: EngineProcess[] = [];

afterEach(async () => {
  for (const p of processes.splice(0)) await p.stop(200);
  electron.resetFakeElectron();
});

interface Setup {
  lib: FakeLibrary;
  engine: EngineProcess;
  exits: number[];
  /** What the engine host handed the engine, once it opened. */
  opened: EngineOptions[];
  /** Main's log lines. */
  mainLog: string[];
}

interface SetupOptions {
  openEngine?: OpenEngine;
  backoffMs?: number[];
  /** Main's safeStorage, and what main tells the engine about it. */
  encryptor?: MainEncryptor;
  osEncryption?: boolean;
}

async function setup(options: SetupOptions = {}): Promise<Setup> {
  const lib = await fakeLibrary();
  const exits: number[] = [];
  const opened: EngineOptions[] = [];
  const mainLog: string[] = [];
  electron.utilityProcess.onFork = (child) => {
    runEngineHost(child.parentPort as unknown as ParentPortLike, {
      openEngine: options.openEngine ?? (async (engineOptions) => {
        opened.push(engineOptions);
        // The real cloud service over the library's config folder, as Engine.open builds it.
        const cloud = new CloudService({ configDir: join(lib.dirs.library, 'cloud'), ...(engineOptions.cloudEncryptor ? { encryptor: engineOptions.cloudEncryptor } : {}) });
        return Object.assign(lib.engine, { cloud });
      }),
      apiOptions: { progressIntervalMs: 0 },
      exit: (code) => {
        exits.push(code);
        child.exit(code);
      },
      log: () => undefined,
    });
  };
  const engine = new EngineProcess({
    fork: (m, a, o) => electron.utilityProcess.fork(m, a, o) as unknown as ChildProcessLike,
    createChannel: () => new electron.MessageChannelMain() as unknown as { port1: MainPort; port2: MainPort },
    entry: '/app/out/main/index.js',
    init: { fetchModels: false, watch: true, ...(options.osEncryption !== undefined ? { osEncryption: options.osEncryption } : {}) },
    ...(options.encryptor ? { encryptor: options.encryptor } : {}),
    backoffMs: options.backoffMs ?? [0, 0],
    log: (line) => mainLog.push(line),
  });
  processes.push(engine);
  engine.start();
  return { lib, engine, exits, opened, mainLog };
}

async function ready(engine: EngineProcess, state: 'ready' | 'failed' = 'ready'): Promise<void> {
  await vi.waitFor(() => expect(engine.state).toBe(state));
}

describe('engine utility process', () => {
  it('forks the bundled main as a named service and hands it a port', async () => {
    const { engine } = await setup();
    await ready(engine);
    expect(electron.utilityProcess.fork).toHaveBeenCalledWith('/app/out/main/index.js', [], { serviceName: 'Face Organizer Engine', stdio: 'inherit' });
  });

  it('answers requests over the port, validating them again on the engine side', async () => {
    const { engine, lib } = await setup();
    await ready(engine);
    expect(await engine.invoke('library:status', undefined)).toMatchObject({ ok: true, value: { faces: 2 } });
    // Main validates first; if something slipped through, the engine's dispatcher refuses it too.
    expect(await engine.invoke('library:addFolders', { paths: 'x' })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await engine.invoke('fs:readFile', '/etc/passwd')).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(lib.engine.calls).not.toContain('addFolders x');
    // Byte arrays cross the port intact (structured clone).
    const bytes = new Uint8Array(readFileSync(join(lib.dirs.photos, 'two_people.jpg')));
    expect(await engine.invoke('media:upload', { name: 'q.jpg', bytes })).toMatchObject({ ok: true, value: { width: 1126 } });
  });

  it('indexes and watches at start when there are folders, and relays task events', async () => {
    const { engine, lib } = await setup();
    const events: unknown[] = [];
    engine.on('event', (name, payload) => events.push([name, (payload as { status: string }).status]));
    await ready(engine);
    await vi.waitFor(() => expect(lib.engine.calls).toEqual(expect.arrayContaining(['index', 'startWatching'])));
    await vi.waitFor(() => expect(events).toContainEqual(['task:progress', 'succeeded']));
  });

  it('resolves media in the engine process', async () => {
    const { engine, lib } = await setup();
    await ready(engine);
    expect(await engine.media('original', lib.ids.photo)).toMatchObject({ ok: true, contentType: 'image/jpeg', file: join(lib.dirs.photos, 'two_people.jpg') });
    expect(await engine.media('original', lib.ids.symlinked)).toEqual({ ok: false, status: 403, reason: 'outside-library' });
    expect(await engine.media('thumb', 'nope')).toEqual({ ok: false, status: 404, reason: 'unknown-id' });
  });

  it('reports an engine that cannot open, and answers with its reason', async () => {
    const { engine } = await setup({ openEngine: async () => { throw new EngineError('MODEL_MISSING', 'the detector model is missing'); } });
    await ready(engine, 'failed');
    expect(engine.failure).toContain('MODEL_MISSING');
    expect(await engine.invoke('library:status', undefined)).toEqual({ ok: false, error: { code: 'MODEL_MISSING', message: 'the detector model is missing' } });
  });

  it('restarts a crashed engine, answering what was in flight, and gives up after repeated crashes', async () => {
    const { engine } = await setup({ backoffMs: [0] });
    await ready(engine);
    const first = electron.utilityProcess.children[0]!;
    const inflight = engine.invoke('library:status', undefined);
    first.exit(139);
    expect(await inflight).toMatchObject({ ok: false, error: { code: 'ENGINE_UNAVAILABLE' } });
    await vi.waitFor(() => expect(electron.utilityProcess.children).toHaveLength(2));
    await ready(engine);
    expect(await engine.invoke('library:status', undefined)).toMatchObject({ ok: true });
    electron.utilityProcess.children[1]!.exit(139);
    await ready(engine, 'failed');
    expect(engine.failure).toMatch(/stopped unexpectedly/);
    expect(await engine.invoke('library:status', undefined)).toMatchObject({ ok: false, error: { code: 'ENGINE_UNAVAILABLE' } });
  });

  it('stops cleanly: the engine closes the library, then the process exits', async () => {
    const { engine, lib, exits } = await setup();
    await ready(engine);
    await engine.stop(2000);
    expect(lib.engine.calls).toContain('close');
    expect(exits).toEqual([0]);
    await vi.waitFor(() => expect(engine.state).toBe('stopped'));
    expect(electron.utilityProcess.children).toHaveLength(1);
  });

  it('drops malformed messages in both directions', async () => {
    const { engine } = await setup();
    await ready(engine);
    const host = electron.utilityProcess.children[0]!;
    // From "main": garbage on the parent port after start is ignored by the host.
    host.postMessage({ type: 'invoke', id: 'x' });
    // From "the engine": an unknown message is dropped by main.
    const port = (engine as unknown as { port: MainPort }).port as unknown as electron.FakeMessagePortMain;
    port.peer!.postMessage({ type: 'result', id: 999, result: 'not an envelope' } as never);
    expect(await engine.invoke('library:status', undefined)).toMatchObject({ ok: true });
  });
});

describe('cloud credentials through main\'s safeStorage', () => {
  const KEY = { accessKeyId: 'LTAI5tTestKeyId0001', accessKeySecret: 'TestSecret-0123456789abcdefABCDEF' };
  const credentialsFile = (lib: FakeLibrary) => join(lib.dirs.library, 'cloud', 'cloud-credentials.json');
  const keyFile = (lib: FakeLibrary) => join(lib.dirs.library, 'cloud', 'cloud-credentials.key');

  it('stores the AccessKey encrypted by main\'s safeStorage, and reads it back through main', async () => {
    await electron.app.whenReady();
    const { engine, lib, opened } = await setup({ encryptor: electron.safeStorage, osEncryption: true });
    await ready(engine);
    expect(await engine.invoke('cloud:saveCredentials', KEY)).toMatchObject({ ok: true, value: { stored: true, protection: 'os-encryptor' } });
    // Main did the encryption; the engine wrote only its ciphertext, and no key file.
    expect(electron.safeStorage.encryptString).toHaveBeenCalledTimes(1);
    const onDisk = readFileSync(credentialsFile(lib), 'utf8');
    expect(onDisk).not.toContain(KEY.accessKeySecret);
    expect(existsSync(keyFile(lib))).toBe(false);
    expect(await engine.invoke('cloud:status', undefined)).toMatchObject({ ok: true, value: { credentials: { stored: true, protection: 'os-encryptor' } } });
    // A later session (a fresh store) decrypts through main again.
    const fresh = new CredentialStore({ configDir: join(lib.dirs.library, 'cloud'), encryptor: opened[0]!.cloudEncryptor! });
    expect(await fresh.load()).toEqual(KEY);
    expect(electron.safeStorage.decryptString).toHaveBeenCalledTimes(1);
    // The same file opened without the desktop app's keychain (CLI mode) says so.
    await expect(new CredentialStore({ configDir: join(lib.dirs.library, 'cloud') }).load()).rejects.toMatchObject({
      code: 'CLOUD_CREDENTIALS', message: expect.stringMatching(/stored by the desktop app/),
    });
  });

  it('keeps the file fallback when main has no safeStorage to offer', async () => {
    const { engine, lib, opened } = await setup();
    await ready(engine);
    expect(opened[0]!.cloudEncryptor).toBeUndefined();
    expect(await engine.invoke('cloud:saveCredentials', KEY)).toMatchObject({ ok: true, value: { protection: 'file-aes-256-gcm' } });
    expect(existsSync(keyFile(lib))).toBe(true);
    expect(readFileSync(credentialsFile(lib), 'utf8')).not.toContain(KEY.accessKeySecret);
  });

  it('answers a failed keychain request with a clear error, and saves nothing', async () => {
    // Told there is OS encryption, but main has no encryptor: main refuses.
    const refused = await setup({ osEncryption: true });
    await ready(refused.engine);
    const answer = await refused.engine.invoke('cloud:saveCredentials', KEY);
    expect(answer).toMatchObject({ ok: false, error: { code: 'CLOUD_CREDENTIALS', message: expect.stringMatching(/could not encrypt the credentials, so they were not saved: The app has no system keychain/) } });
    expect(existsSync(credentialsFile(refused.lib))).toBe(false);
    expect(existsSync(keyFile(refused.lib))).toBe(false);

    // safeStorage throwing in main (a locked keychain): the reason comes back, never the secret.
    await electron.app.whenReady();
    electron.safeStorage.encryptString.mockImplementationOnce((text: string) => {
      throw new Error(`the keychain is locked (while encrypting ${text})`);
    });
    const failing = await setup({ encryptor: electron.safeStorage, osEncryption: true });
    await ready(failing.engine);
    const failed = await failing.engine.invoke('cloud:saveCredentials', KEY);
    expect(failed).toMatchObject({ ok: false, error: { code: 'CLOUD_CREDENTIALS', message: expect.stringMatching(/safeStorage could not encrypt: the keychain is locked/) } });
    expect(JSON.stringify(failed)).not.toContain(KEY.accessKeySecret);
    expect(failing.mainLog.join('\n')).toContain('safeStorage could not encrypt');
    expect(failing.mainLog.join('\n')).not.toContain(KEY.accessKeySecret);
    expect(existsSync(credentialsFile(failing.lib))).toBe(false);
  });

  it('gives up on main after the time-out instead of hanging', async () => {
    // A main that never answers 'crypto' (an older shell, or a stuck one).
    const opened: EngineOptions[] = [];
    const child = new electron.FakeUtilityProcess('/app/out/main/index.js', [], {});
    runEngineHost(child.parentPort as unknown as ParentPortLike, {
      openEngine: async (o) => {
        opened.push(o);
        return (await fakeLibrary()).engine;
      },
      cryptoTimeoutMs: 100,
      exit: () => undefined,
      log: () => undefined,
    });
    const { port1, port2 } = new electron.MessageChannelMain();
    const asked: unknown[] = [];
    port1.on('message', ({ data }: { data: { type: string } }) => {
      if (data.type === 'crypto') asked.push(data);
    });
    port1.start();
    child.postMessage({ fetchModels: false, watch: false, osEncryption: true }, [port2]);
    await vi.waitFor(() => expect(opened).toHaveLength(1));
    const encryptor = opened[0]!.cloudEncryptor!;
    await expect(encryptor.encryptString('{"accessKeySecret":"x"}')).rejects.toThrow(/did not answer a system keychain request within 0.1 s/);
    expect(asked).toEqual([{ type: 'crypto', id: 1, op: 'encrypt', data: '{"accessKeySecret":"x"}' }]);
    // Oversized texts are refused before they are sent.
    await expect(encryptor.encryptString('x'.repeat(70_000))).rejects.toThrow(/too large/);
    expect(asked).toHaveLength(1);
    port1.close();
  });
});

describe('face-media: protocol', () => {
  async function handler() {
    const s = await setup();
    await ready(s.engine);
    return { ...s, fetch: createMediaProtocolHandler((kind, id) => s.engine.media(kind, id)) };
  }

  it('parses only face-media://kind/id', () => {
    expect(parseMediaUrl('face-media://thumb/abc-123')).toEqual({ kind: 'thumb', id: 'abc-123' });
    for (const url of [
      'face-media://thumb/../../etc/passwd',
      'face-media://original/..%2F..%2Fetc%2Fpasswd',
      'face-media://original/%2e%2e',
      'face-media://original/a/b',
      'face-media://original/',
      'face-media://secrets/abc',
      'face-media://user:pw@thumb/abc',
      'face-media://thumb:8080/abc',
      'file:///etc/passwd',
      'https://example.com/thumb/abc',
      'not a url',
    ]) expect(parseMediaUrl(url), url).toBeNull();
  });

  it('serves library media, with ranges for video', async () => {
    const { fetch, lib } = await handler();
    const photo = await fetch(new Request(`face-media://original/${lib.ids.photo}`));
    expect(photo.status).toBe(200);
    expect(photo.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await photo.arrayBuffer()).equals(readFileSync(join(lib.dirs.photos, 'two_people.jpg')))).toBe(true);
    const thumb = await fetch(new Request(`face-media://thumb/${lib.ids.photo}`));
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    const range = await fetch(new Request(`face-media://original/${lib.ids.video}`, { headers: { Range: 'bytes=10-19' } }));
    expect(range.status).toBe(206);
    expect((await range.arrayBuffer()).byteLength).toBe(10);
  });

  it('refuses traversal, symlinks out of the library, rows outside their folder, unknown ids', async () => {
    const { fetch, lib } = await handler();
    const status = async (url: string, init?: RequestInit) => (await fetch(new Request(url, init))).status;
    expect(await status('face-media://original/../../etc/passwd')).toBe(404);
    expect(await status('face-media://original/..%2F..%2Fetc%2Fpasswd')).toBe(404);
    expect(await status(`face-media://original/${lib.ids.symlinked}`)).toBe(403);
    expect(await status(`face-media://thumb/${lib.ids.symlinked}`)).toBe(403);
    expect(await status(`face-media://original/${lib.ids.tampered}`)).toBe(403);
    expect(await status(`face-media://original/${lib.ids.otherFolderPhoto}`)).toBe(403);
    expect(await status('face-media://original/unknown-id')).toBe(404);
    expect(await status('face-media://face/unknown-face')).toBe(404);
    expect(await status(`face-media://original/${lib.ids.missing}`)).toBe(404);
    expect(await status(`face-media://original/${lib.ids.photo}`, { method: 'POST', body: 'x' })).toBe(405);
    const refused = await fetch(new Request(`face-media://original/${lib.ids.symlinked}`));
    expect(await refused.text()).not.toContain('not for the page');
  });

  it('answers 503 when the engine is not running', async () => {
    const stopped = createMediaProtocolHandler(async () => { throw new Error('gone'); });
    expect((await stopped(new Request('face-media://thumb/abc'))).status).toBe(503);
  });
});

// Keep the HostPort type honest against the stand-in.
const _port: HostPort = new electron.FakeMessagePortMain() as unknown as HostPort;
void _port;
