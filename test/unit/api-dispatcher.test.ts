/**
 * The transport-neutral API: channel names to engine methods, every request parsed against the
 * contract first, every answer an envelope. Runs the real handlers over a fake facade.
 */
import { describe, expect, it, vi } from 'vitest';
import { EVENT_CONTRACT, INVOKE_CHANNELS, INVOKE_CONTRACT, SHELL_CHANNELS } from '../../src-main/contract/ipc';
import { createDispatcher, mergeHandlers } from '../../src-main/transport/dispatcher';
import { createEngineApi } from '../../src-main/transport/engine-api';
import { EngineError } from '../../src-main/engine/errors';
import { fakeLibrary } from './fakes/engine';

async function api() {
  const lib = await fakeLibrary();
  const engineApi = createEngineApi(lib.engine, { validateResponses: true, logError: () => undefined, progressIntervalMs: 0 });
  return { lib, engineApi, dispatch: engineApi.dispatch };
}

describe('contract', () => {
  it('has schemas for every channel and event, and the engine handles every non-shell channel', async () => {
    for (const c of INVOKE_CHANNELS) expect(INVOKE_CONTRACT[c]).toBeDefined();
    expect(Object.keys(EVENT_CONTRACT).sort()).toEqual(['app:command', 'task:progress']);
    const { engineApi } = await api();
    const engineChannels = INVOKE_CHANNELS.filter((c) => !(SHELL_CHANNELS as readonly string[]).includes(c));
    expect(Object.keys(engineApi.handlers).sort()).toEqual([...engineChannels].sort());
  });
});

describe('dispatch', () => {
  it('refuses names off the allow-list, prototype names included', async () => {
    const { dispatch } = await api();
    for (const channel of ['fs:readFile', '__proto__', 'constructor', 'hasOwnProperty', 'toString', '', 42, null, undefined]) {
      expect(await dispatch(channel, undefined)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    }
  });

  it('answers UNSUPPORTED for contract channels this door does not serve', async () => {
    const { dispatch } = await api();
    expect(await dispatch('dialog:pickFolders', undefined)).toMatchObject({ ok: false, error: { code: 'UNSUPPORTED' } });
    expect(await dispatch('app:info', undefined)).toMatchObject({ ok: false, error: { code: 'UNSUPPORTED' } });
  });

  it('rejects malformed payloads before the engine sees them', async () => {
    const { dispatch, lib } = await api();
    const bad: [string, unknown][] = [
      ['library:status', { extra: 1 }],
      ['library:addFolders', { paths: [] }],
      ['library:addFolders', { paths: ['/x'], recursive: true }],
      ['library:addFolders', { paths: 'not-an-array' }],
      ['library:removeFolder', { id: '../../etc' }],
      ['library:removeFolder', { id: 'x'.repeat(200) }],
      ['media:get', { id: 'a b' }],
      ['media:list', { limit: 100_000 }],
      ['media:list', { kind: 'audio' }],
      ['vision:detect', { path: '/etc/passwd' }],
      ['vision:detect', { image: { path: '/etc/passwd' } }],
      ['vision:detect', { image: { uploadId: 'u', mediaId: 'm' } }],
      ['media:upload', { name: 'x.jpg', bytes: [1, 2, 3] }],
      ['media:upload', { name: 'x.jpg', bytes: new Uint8Array(0) }],
      ['tasks:get', {}],
      ['tasks:cancel', null],
    ];
    for (const [channel, payload] of bad) {
      const result = await dispatch(channel, payload);
      expect(result, `${channel} ${JSON.stringify(payload)}`).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    }
    expect(lib.engine.calls).toEqual([]);
  });

  it('maps channels to the facade and answers contract-shaped values', async () => {
    const { dispatch, lib } = await api();
    expect(await dispatch('vision:status', undefined)).toMatchObject({ ok: true, value: { provider: { active: 'cpu' } } });
    expect(await dispatch('settings:get', undefined)).toMatchObject({ ok: true, value: { sameFaceThreshold: 0.32 } });
    const folders = await dispatch('library:folders', undefined);
    expect((folders as { value: unknown[] }).value[0]).toEqual({ id: 'folder-1', path: lib.dirs.photos, addedAt: 1, lastScanAt: 2 });
    expect(await dispatch('library:addFolders', { paths: ['/a', '/b'] })).toMatchObject({ ok: true, value: [{ path: '/a' }, { path: '/b' }] });
    expect(lib.engine.calls).toContain('addFolders /a,/b');
    expect(await dispatch('library:removeFolder', { id: 'nope' })).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'No library folder nope' } });
    expect(await dispatch('library:pause', undefined)).toEqual({ ok: true, value: null });
    expect(await dispatch('library:status', undefined)).toMatchObject({ ok: true, value: { paused: true } });
    expect(await dispatch('library:errors', { limit: 10 })).toMatchObject({ ok: true, value: { total: 1 } });
  });

  it('serves the cloud panel: off by default, secrets never echoed, flows refused until enabled', async () => {
    const { dispatch } = await api();
    expect(await dispatch('cloud:status', undefined)).toMatchObject({ ok: true, value: { enabled: false, ready: false } });
    expect(await dispatch('cloud:test', undefined)).toMatchObject({ ok: false, error: { code: 'CLOUD_DISABLED' } });
    const saved = await dispatch('cloud:saveCredentials', { accessKeyId: 'LTAI5tTestKeyId12345', accessKeySecret: 'a-very-secret-value-123' });
    expect(saved).toMatchObject({ ok: true });
    expect(JSON.stringify(saved)).not.toContain('a-very-secret-value-123');
    expect(await dispatch('cloud:configure', { enabled: true, region: 'cn-hangzhou' })).toMatchObject({ ok: true, value: { enabled: true } });
    expect(await dispatch('cloud:disconnect', undefined)).toMatchObject({ ok: true, value: { enabled: false } });
  });

  it('lists media newest first with paging, and a media item with its faces', async () => {
    const { dispatch, lib } = await api();
    const page = await dispatch('media:list', { limit: 2 });
    expect(page).toMatchObject({ ok: true, value: { total: 6, offset: 0 } });
    const items = (page as { value: { items: { id: string; name: string }[] } }).value.items;
    expect(items.map((m) => m.id)).toEqual([lib.ids.video, lib.ids.photo]);
    expect(await dispatch('media:list', { kind: 'video' })).toMatchObject({ ok: true, value: { total: 1 } });
    const detail = await dispatch('media:get', { id: lib.ids.video });
    expect(detail).toMatchObject({ ok: true, value: { media: { kind: 'video', name: 'clip.mp4', duration: 10 }, faces: [{ id: 'face-video', frameTime: 4, ranges: [[3.5, 8]], personId: null }] } });
    // Vectors never leave the engine.
    expect(JSON.stringify(detail)).not.toContain('vector');
    expect(await dispatch('media:get', { id: 'unknown' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('detects faces on an uploaded image or a library photo, never on a path the page names', async () => {
    const { dispatch, lib } = await api();
    const { readFileSync } = await import('node:fs');
    const bytes = new Uint8Array(readFileSync(`${lib.dirs.photos}/two_people.jpg`));
    const up = await dispatch('media:upload', { name: 'query.jpg', bytes });
    expect(up).toMatchObject({ ok: true, value: { name: 'query.jpg', width: 1126, height: 661 } });
    const uploadId = (up as { value: { uploadId: string } }).value.uploadId;
    const detected = await dispatch('vision:detect', { image: { uploadId } });
    expect(detected).toMatchObject({ ok: true, value: { path: 'query.jpg', faces: [{ score: 0.99 }] } });
    expect(lib.engine.calls.at(-1)).toMatch(/^detect .*face-organizer-uploads-.*\.img$/);
    expect(await dispatch('vision:detect', { image: { mediaId: lib.ids.photo } })).toMatchObject({ ok: true });
    expect(lib.engine.calls.at(-1)).toBe(`detect ${lib.dirs.photos}/two_people.jpg`);
    // A row whose file escapes the library is not read, even for detection.
    expect(await dispatch('vision:detect', { image: { mediaId: lib.ids.symlinked } })).toMatchObject({ ok: false, error: { code: 'FILE_NOT_FOUND' } });
    expect(await dispatch('vision:detect', { image: { mediaId: lib.ids.video } })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await dispatch('vision:detect', { image: { uploadId: 'forgotten' } })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await dispatch('media:upload', { name: 'notes.txt', bytes: new TextEncoder().encode('hello, not an image') })).toMatchObject({ ok: false, error: { code: 'NOT_AN_IMAGE' } });
  });

  it('runs tasks and reports their progress as events, throttled but never dropping the end', async () => {
    const { dispatch, engineApi } = await api();
    const events: { status: string; done: number }[] = [];
    const off = engineApi.onEvent((event, payload) => {
      expect(event).toBe('task:progress');
      expect(EVENT_CONTRACT['task:progress'].safeParse(payload).success).toBe(true);
      const t = payload as { status: string; progress: { done: number } };
      events.push({ status: t.status, done: t.progress.done });
    });
    const started = await dispatch('library:index', undefined);
    expect(started).toMatchObject({ ok: true, value: { taskId: expect.any(String) } });
    const taskId = (started as { value: { taskId: string } }).value.taskId;
    await vi.waitFor(() => expect(events.at(-1)?.status).toBe('succeeded'));
    expect(events[0]!.status).toBe('running');
    expect(await dispatch('tasks:get', { id: taskId })).toMatchObject({ ok: true, value: { status: 'succeeded', result: { files: 2 } } });
    expect(await dispatch('tasks:list', undefined)).toMatchObject({ ok: true, value: [{ id: taskId }] });
    expect(await dispatch('tasks:get', { id: 'nope' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    off();
    engineApi.close();
  });
});

describe('people and search channels', () => {
  it('map to the people service, which sees already-valid requests', async () => {
    const { dispatch, lib } = await api();
    expect(await dispatch('people:list', { named: true, maxResults: 10 })).toMatchObject({ ok: true, value: { persons: [{ id: 'person-b', name: 'Barack' }], totalCount: 1 } });
    expect(await dispatch('people:rename', { personId: 'person-a', name: 'Alex' })).toMatchObject({ ok: true, value: { persons: [{ id: 'person-a', name: 'Alex' }] } });
    expect(await dispatch('people:merge', { targetId: 'person-a', sourceIds: ['person-b'] })).toMatchObject({ ok: true, value: { deletedPersons: ['person-b'] } });
    expect(await dispatch('people:rename', { personId: 'nobody', name: 'X' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await dispatch('people:merge', { targetId: 'person-a', sourceIds: [] })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await dispatch('people:rename', { personId: 'person-a', name: 'Alex', extra: true })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await dispatch('people:cluster', undefined)).toEqual({ ok: true, value: { taskId: 'cluster-task' } });
    expect(lib.engine.calls).toEqual(['listPersons {"maxResults":10,"named":true}', 'renamePerson person-a Alex', 'mergePersons person-a person-b', 'renamePerson nobody X', 'cluster']);
  });

  it('search with an uploaded image or a library face, never a path or bytes the page sends', async () => {
    const { dispatch, lib } = await api();
    const { readFileSync } = await import('node:fs');
    const up = await dispatch('media:upload', { name: 'q.jpg', bytes: new Uint8Array(readFileSync(`${lib.dirs.photos}/two_people.jpg`)) });
    const uploadId = (up as { value: { uploadId: string } }).value.uploadId;
    expect(await dispatch('search:faces', { image: { uploadId }, faceIndex: 1, threshold: 0.4 })).toMatchObject({ ok: true, value: { queries: [{ results: [{ score: 0.81 }] }] } });
    expect(lib.engine.calls.at(-1)).toMatch(/^searchFaces .*face-organizer-uploads-.*\.img 1$/);
    expect(await dispatch('search:faces', { faceId: 'face-1' })).toMatchObject({ ok: true });
    expect(lib.engine.calls.at(-1)).toBe('searchFaces face-1 0');
    for (const bad of [{ image: '/etc/passwd' }, { image: { path: '/etc/passwd' } }, { image: { uploadId }, faceId: 'face-1' }, {}, { faceId: 'face-1', threshold: 2 }]) {
      expect(await dispatch('search:faces', bad), JSON.stringify(bad)).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    }
    expect(await dispatch('search:persons', { image: { uploadId }, groupIds: ['folder-1'], maxFaces: 2 })).toMatchObject({ ok: true, value: { personNum: 0 } });
    expect(lib.engine.calls.at(-1)).toMatch(/^searchPersons .*face-organizer-uploads-.*\.img folder-1$/);
    expect(await dispatch('search:persons', { image: '/etc/passwd' })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await dispatch('search:persons', { image: { uploadId }, maxFaces: 11 })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await dispatch('search:media', { personId: 'person-a', mediaType: 'video', pageSize: 10 })).toMatchObject({ ok: true, value: { faceSearchToken: 'tok' } });
    expect(await dispatch('search:media', { personImage: { uploadId }, personId: 'person-a' })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(await dispatch('search:clips', { faceSearchToken: 'tok', mediaIds: [lib.ids.video] })).toMatchObject({ ok: true });
    expect(await dispatch('search:clips', { personImage: { mediaId: lib.ids.photo } })).toMatchObject({ ok: true });
    expect(lib.engine.calls.at(-1)).toBe(`searchClips ${lib.dirs.photos}/two_people.jpg`);
  });
});

describe('dispatcher options', () => {
  it('catches answers outside the contract when validating responses', async () => {
    const log = vi.fn();
    const dispatch = createDispatcher({ 'library:pause': () => ({ surprise: true }) as never }, { validateResponses: true, logError: log });
    expect(await dispatch('library:pause', undefined)).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(log).toHaveBeenCalled();
  });

  it('keeps engine error codes and hides stacks', async () => {
    const dispatch = createDispatcher({
      'library:pause': () => { throw new EngineError('LIBRARY_CORRUPT', 'cannot read'); },
      'library:resume': () => { throw new TypeError('boom'); },
    }, { logError: () => undefined });
    expect(await dispatch('library:pause', undefined)).toEqual({ ok: false, error: { code: 'LIBRARY_CORRUPT', message: 'cannot read' } });
    const internal = await dispatch('library:resume', undefined);
    expect(internal).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'boom' } });
    expect(JSON.stringify(internal)).not.toContain(' at ');
  });

  it('forwards validated payloads of channels it does not handle', async () => {
    const forward = vi.fn(async () => ({ ok: true as const, value: { taskId: 't' } }));
    const dispatch = createDispatcher({}, { forward });
    expect(await dispatch('library:index', undefined)).toEqual({ ok: true, value: { taskId: 't' } });
    expect(await dispatch('library:index', { sneaky: true })).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(forward).toHaveBeenCalledTimes(1);
  });

  it('refuses two handlers for one channel', () => {
    expect(() => mergeHandlers({ 'app:info': () => ({ version: '1', platform: 'linux', electron: null }) }, { 'app:info': () => ({ version: '2', platform: 'linux', electron: null }) })).toThrow(/two handlers/);
  });
});
