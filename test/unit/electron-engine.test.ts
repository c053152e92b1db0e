/**
 * The engine's utility process and main's handle on it, connected through the stand-in Electron's
 * utility process and MessageChannelMain (structured clone, queued ports), with a fake facade
 * behind the real engine host; and the `face-media:` protocol handler on top.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EngineError } from '../../src-main/engine/errors';
import { runEngineHost, type HostPort, type OpenEngine, type ParentPortLike } from '../../src-main/electron/engine-host';
import { EngineProcess, type ChildProcessLike, type MainPort } from '../../src-main/electron/engine-process';
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
}

async function setup(options: { openEngine?: OpenEngine; backoffMs?: number[] } = {}): Promise<Setup> {
  const lib = await fakeLibrary();
  const exits: number[] = [];
  electron.utilityProcess.onFork = (child) => {
    runEngineHost(child.parentPort as unknown as ParentPortLike, {
      openEngine: options.openEngine ?? (async () => lib.engine),
      apiOptions: { catalog: () => lib.catalog, progressIntervalMs: 0 },
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
    init: { fetchModels: false, watch: true },
    backoffMs: options.backoffMs ?? [0, 0],
  });
  processes.push(engine);
  engine.start();
  return { lib, engine, exits };
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
