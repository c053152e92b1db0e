/**
 * The renderer's API client: IPC inside Electron, HTTP in a browser, one interface. No DOM: the
 * client reads a scope object, so each test hands it a minimal window.
 */
import { createPinia, setActivePinia } from 'pinia';
import { describe, expect, it, vi } from 'vitest';
import type { ApiResult, FaceOrganizerBridge } from '../../src-main/contract/ipc';
import {
  ApiError,
  HttpApiClient,
  IpcApiClient,
  createApiClient,
  pickTransport,
  takeWebToken,
  type ApiClient,
  type ClientScope,
  type HttpEnvironment,
} from '../../src-renderer/api/client';
import { useAppStore } from '../../src-renderer/stores/app';

const INFO = { version: '0.1.0', platform: 'linux', electron: '39.2.3' };

function fakeBridge(answer: (channel: string, payload: unknown) => Promise<ApiResult<unknown>>): FaceOrganizerBridge {
  return { invoke: vi.fn(answer), on: vi.fn(() => () => undefined) };
}

function jsonResponse(body: unknown, status = 200) {
  return { ok: status < 400, status, json: async () => body };
}

function memoryStorage(): Pick<Storage, 'getItem' | 'setItem'> & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return { items, getItem: (k) => items.get(k) ?? null, setItem: (k, v) => void items.set(k, v) };
}

describe('transport choice', () => {
  it('is IPC when the preload bridge exists, HTTP otherwise', () => {
    expect(pickTransport({ faceOrganizer: fakeBridge(async () => ({ ok: true, value: null })) })).toBe('ipc');
    expect(pickTransport({})).toBe('http');
    expect(pickTransport({ faceOrganizer: {} })).toBe('http');
    expect(pickTransport({ faceOrganizer: 'x' })).toBe('http');
  });

  it('builds the matching client', () => {
    const ipc = createApiClient({ faceOrganizer: fakeBridge(async () => ({ ok: true, value: INFO })) });
    expect(ipc).toBeInstanceOf(IpcApiClient);
    expect(ipc.transport).toBe('ipc');
    const http = createApiClient({ fetch: vi.fn() as unknown as typeof fetch });
    expect(http).toBeInstanceOf(HttpApiClient);
    expect(http.transport).toBe('http');
    expect(() => createApiClient({})).toThrow(/cannot reach the app/);
  });
});

describe('IPC client', () => {
  it('unwraps a success envelope', async () => {
    const bridge = fakeBridge(async () => ({ ok: true, value: INFO }));
    const client = new IpcApiClient(bridge);
    await expect(client.invoke('app:info')).resolves.toEqual(INFO);
    expect(bridge.invoke).toHaveBeenCalledWith('app:info', undefined);
  });

  it('throws ApiError with the code main sent', async () => {
    const client = new IpcApiClient(fakeBridge(async () => ({ ok: false, error: { code: 'INVALID_ARGUMENT', message: 'bad' } })));
    const error = await client.invoke('app:info').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', message: 'bad' });
  });

  it('reports a broken bridge or a nonsense answer as TRANSPORT_FAILED', async () => {
    const broken = new IpcApiClient(fakeBridge(async () => { throw new Error('Error invoking remote method'); }));
    await expect(broken.invoke('app:info')).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
    const nonsense = new IpcApiClient(fakeBridge(async () => 'hello' as never));
    await expect(nonsense.invoke('app:info')).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
  });
});

describe('HTTP client', () => {
  function client(answer: () => Promise<ReturnType<typeof jsonResponse>>, token: string | null = 'tok') {
    const fetch = vi.fn<HttpEnvironment['fetch']>(answer);
    return { fetch, client: new HttpApiClient({ fetch, token }) };
  }

  it('posts to the same origin with the token and unwraps the envelope', async () => {
    const { fetch, client: http } = client(async () => jsonResponse({ ok: true, value: INFO }));
    await expect(http.invoke('app:info')).resolves.toEqual(INFO);
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('/api/invoke/app%3Ainfo');
    expect(init).toMatchObject({ method: 'POST', credentials: 'same-origin', body: '{}' });
    expect((init.headers as Record<string, string>)['Authorization']).toBe('Bearer tok');
  });

  it('sends no Authorization header without a token', async () => {
    const { fetch, client: http } = client(async () => jsonResponse({ ok: true, value: INFO }), null);
    await http.invoke('app:info');
    expect(fetch.mock.calls[0]![1].headers).not.toHaveProperty('Authorization');
  });

  it('maps error envelopes, non-JSON bodies and network failures to ApiError', async () => {
    await expect(client(async () => jsonResponse({ ok: false, error: { code: 'UNTRUSTED_SENDER', message: 'no' } }, 401)).client.invoke('app:info'))
      .rejects.toMatchObject({ code: 'UNTRUSTED_SENDER' });
    const notJson = { ok: false, status: 502, json: async () => { throw new SyntaxError('Unexpected token <'); } };
    await expect(client(async () => notJson).client.invoke('app:info')).rejects.toMatchObject({ code: 'TRANSPORT_FAILED', message: expect.stringContaining('502') });
    await expect(client(async () => { throw new TypeError('Failed to fetch'); }).client.invoke('app:info'))
      .rejects.toMatchObject({ code: 'TRANSPORT_FAILED', message: 'Failed to fetch' });
  });

  it('shares one event stream across subscriptions and closes it after the last', () => {
    const sources: Array<{ url: string; listeners: Map<string, (e: Event) => void>; closed: boolean }> = [];
    const http = new HttpApiClient({
      fetch: vi.fn(),
      token: 'a b',
      createEventSource: (url) => {
        const source = {
          url,
          listeners: new Map<string, (e: Event) => void>(),
          closed: false,
          addEventListener: (name: string, l: (e: Event) => void) => void source.listeners.set(name, l),
          removeEventListener: (name: string) => void source.listeners.delete(name),
          close: () => void (source.closed = true),
        };
        sources.push(source);
        return source as never;
      },
    });
    // No events are in the contract yet; the names below stand in for the engine's.
    const on = http.on.bind(http) as unknown as (event: string, l: (p: unknown) => void) => () => void;
    const got: unknown[] = [];
    const offA = on('task:progress', (p) => got.push(p));
    const offB = on('task:done', () => undefined);
    expect(sources).toHaveLength(1);
    expect(sources[0]!.url).toBe('/api/events?token=a%20b');
    sources[0]!.listeners.get('task:progress')!({ data: '{"done":1}' } as MessageEvent);
    expect(got).toEqual([{ done: 1 }]);
    offA();
    expect(sources[0]!.closed).toBe(false);
    offB();
    expect(sources[0]!.closed).toBe(true);
  });
});

describe('web token', () => {
  it('is taken from the URL fragment, stored for reloads and removed from the address bar', () => {
    const storage = memoryStorage();
    const replaceState = vi.fn();
    const scope: ClientScope = {
      location: { hash: '#token=s3cret', pathname: '/', search: '?x=1' },
      history: { replaceState },
      sessionStorage: storage,
    };
    expect(takeWebToken(scope)).toBe('s3cret');
    expect(replaceState).toHaveBeenCalledWith(null, '', '/?x=1');
    expect(takeWebToken({ location: { hash: '', pathname: '/', search: '' }, sessionStorage: storage })).toBe('s3cret');
    expect(takeWebToken({})).toBeNull();
  });
});

describe('app store', () => {
  function fakeClient(invoke: () => Promise<unknown>): ApiClient {
    return { transport: 'ipc', invoke: invoke as ApiClient['invoke'], on: () => () => undefined, mediaUrl: () => '', setMediaToken: () => undefined };
  }

  it('loads app info through whichever client it is given', async () => {
    setActivePinia(createPinia());
    const store = useAppStore();
    expect(store.status).toBe('idle');
    await store.load(fakeClient(async () => INFO));
    expect(store.status).toBe('ready');
    expect(store.info).toEqual(INFO);
  });

  it('shows the error message when the app cannot be reached', async () => {
    setActivePinia(createPinia());
    const store = useAppStore();
    await store.load(fakeClient(async () => { throw new ApiError({ code: 'TRANSPORT_FAILED', message: 'Failed to fetch' }); }));
    expect(store.status).toBe('error');
    expect(store.error).toBe('Failed to fetch');
  });
});
