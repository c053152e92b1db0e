/**
 * The renderer's one way to reach the app. Inside Electron it goes through the preload's bridge
 * (IPC); in a browser (web mode) it calls the server on the page's own origin. Both implement
 * `ApiClient`, so stores and views never know which one they hold.
 *
 * No DOM or Vite types here: the choice of transport is a pure function of a global scope, so it
 * is unit-tested in Node.
 */
// Values from the zod-free half of the contract only: importing ipc.ts's values would bundle zod.
import {
  BRIDGE_KEY,
  MEDIA_SCHEME,
  WEB_API,
  type ApiErrorData,
  type ApiResult,
  type FaceOrganizerBridge,
  type MediaUrlKind,
} from '../../src-main/contract/channels';
import type { EventName, EventPayload, InvokeChannel, InvokeRequest, InvokeResponse } from '../../src-main/contract/ipc';

/** Channels whose request is `undefined` may be called without a payload argument. */
export type PayloadArgs<C extends InvokeChannel> = undefined extends InvokeRequest<C>
  ? [payload?: InvokeRequest<C>]
  : [payload: InvokeRequest<C>];

export interface ApiClient {
  readonly transport: 'ipc' | 'http';
  /** Resolves with the channel's response, or rejects with an `ApiError`. */
  invoke<C extends InvokeChannel>(channel: C, ...args: PayloadArgs<C>): Promise<InvokeResponse<C>>;
  /** Subscribes to an event main pushes; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /**
   * Where an <img>/<video> loads library media from: `face-media://…` inside Electron, the server's
   * `/media/…` routes in web mode. Synchronous, so templates can bind it directly.
   */
  mediaUrl(kind: MediaUrlKind, id: string): string;
  /** Web mode: the read-only media token from `app:info`; ignored inside Electron. */
  setMediaToken(token: string | null | undefined): void;
}


export class ApiError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor({ code, message, details }: ApiErrorData) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.details = details;
  }
}

function unwrap<T>(result: unknown): T {
  if (typeof result === 'object' && result !== null && 'ok' in result) {
    const envelope = result as ApiResult<T>;
    if (envelope.ok) return envelope.value;
    if (typeof envelope.error?.code === 'string') throw new ApiError(envelope.error);
  }
  throw new ApiError({ code: 'TRANSPORT_FAILED', message: 'the app sent an answer this page does not understand' });
}

function transportFailure(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError({ code: 'TRANSPORT_FAILED', message });
}

export class IpcApiClient implements ApiClient {
  readonly transport = 'ipc';

  constructor(private readonly bridge: FaceOrganizerBridge) {}

  async invoke<C extends InvokeChannel>(channel: C, ...[payload]: PayloadArgs<C>): Promise<InvokeResponse<C>> {
    let result: unknown;
    try {
      result = await this.bridge.invoke(channel, payload);
    } catch (error) {
      throw transportFailure(error);
    }
    return unwrap<InvokeResponse<C>>(result);
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    return this.bridge.on(event, listener as (payload: unknown) => void);
  }

  mediaUrl(kind: MediaUrlKind, id: string): string {
    return `${MEDIA_SCHEME}://${kind}/${encodeURIComponent(id)}`;
  }

  setMediaToken(): void {
    // Electron's protocol is reachable only from the app's own pages: no token.
  }
}

/** The slice of `fetch`/`EventSource` the HTTP client uses, so tests pass fakes. */
export interface HttpEnvironment {
  fetch: (input: string, init: RequestInit) => Promise<Pick<Response, 'ok' | 'status' | 'json'>>;
  createEventSource?: (url: string) => Pick<EventSource, 'addEventListener' | 'removeEventListener' | 'close'>;
  /** Proves to the server that this page was opened from the URL it printed; null when none. */
  token: string | null;
}

export class HttpApiClient implements ApiClient {
  readonly transport = 'http';
  private events: ReturnType<NonNullable<HttpEnvironment['createEventSource']>> | null = null;
  private listeners = 0;
  private mediaToken: string | null = null;

  constructor(private readonly env: HttpEnvironment) {}

  mediaUrl(kind: MediaUrlKind, id: string): string {
    const query = this.mediaToken ? `?${WEB_API.mediaTokenQueryParam}=${encodeURIComponent(this.mediaToken)}` : '';
    return `${WEB_API.mediaPath}${kind}/${encodeURIComponent(id)}${query}`;
  }

  setMediaToken(token: string | null | undefined): void {
    this.mediaToken = token ?? null;
  }

  async invoke<C extends InvokeChannel>(channel: C, ...[payload]: PayloadArgs<C>): Promise<InvokeResponse<C>> {
    const headers: Record<string, string> = {};
    if (this.env.token) headers['Authorization'] = `Bearer ${this.env.token}`;
    let body: BodyInit;
    if (channel === 'media:upload') {
      // Image bytes travel raw, not as a JSON array of numbers (see WEB_API).
      const upload = payload as InvokeRequest<'media:upload'>;
      headers['Content-Type'] = 'application/octet-stream';
      headers[WEB_API.uploadNameHeader] = encodeURIComponent(upload.name);
      body = upload.bytes as Uint8Array<ArrayBuffer>;
    } else {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify({ payload });
    }
    let result: unknown;
    try {
      const response = await this.env.fetch(`${WEB_API.invokePath}${encodeURIComponent(channel)}`, {
        method: 'POST',
        headers,
        body,
        credentials: 'same-origin',
      });
      result = await response.json().catch(() => {
        throw new ApiError({ code: 'TRANSPORT_FAILED', message: `the server answered HTTP ${response.status}` });
      });
    } catch (error) {
      throw transportFailure(error);
    }
    return unwrap<InvokeResponse<C>>(result);
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    const create = this.env.createEventSource;
    if (!create) throw new ApiError({ code: 'TRANSPORT_FAILED', message: 'this browser cannot receive server events' });
    const query = this.env.token ? `?${WEB_API.tokenQueryParam}=${encodeURIComponent(this.env.token)}` : '';
    // One stream for all subscriptions: browsers cap open connections per origin.
    const source = (this.events ??= create(`${WEB_API.eventsPath}${query}`));
    const forward = (message: Event): void => {
      const data = (message as MessageEvent<string>).data;
      try {
        listener(JSON.parse(data) as EventPayload<E>);
      } catch (error) {
        console.error(`bad ${String(event)} event:`, error);
      }
    };
    source.addEventListener(event, forward);
    this.listeners += 1;
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      source.removeEventListener(event, forward);
      this.listeners -= 1;
      if (this.listeners === 0 && this.events === source) {
        source.close();
        this.events = null;
      }
    };
  }
}

/** The parts of a window (or globalThis) the client looks at. */
export interface ClientScope {
  [BRIDGE_KEY]?: unknown;
  fetch?: typeof fetch;
  EventSource?: typeof EventSource;
  location?: { hash: string; pathname: string; search: string };
  history?: Pick<History, 'replaceState'>;
  sessionStorage?: Pick<Storage, 'getItem' | 'setItem'>;
}

function isBridge(value: unknown): value is FaceOrganizerBridge {
  return typeof value === 'object' && value !== null
    && typeof (value as FaceOrganizerBridge).invoke === 'function'
    && typeof (value as FaceOrganizerBridge).on === 'function';
}

export function pickTransport(scope: ClientScope): 'ipc' | 'http' {
  return isBridge(scope[BRIDGE_KEY]) ? 'ipc' : 'http';
}

const TOKEN_STORAGE_KEY = 'face-organizer.token';

/**
 * The server prints a URL ending in `#token=…`: a fragment never reaches server logs or Referer
 * headers. It is moved to session storage (survives reloads, not the tab) and off the address bar.
 */
export function takeWebToken(scope: ClientScope): string | null {
  const hash = new URLSearchParams(scope.location?.hash.replace(/^#/, '') ?? '');
  const fromUrl = hash.get(WEB_API.tokenQueryParam);
  if (fromUrl) {
    try {
      scope.sessionStorage?.setItem(TOKEN_STORAGE_KEY, fromUrl);
    } catch {
      // Storage can be disabled; the token then lasts until reload, which is still usable.
    }
    if (scope.location && scope.history) {
      scope.history.replaceState(null, '', `${scope.location.pathname}${scope.location.search}`);
    }
    return fromUrl;
  }
  try {
    return scope.sessionStorage?.getItem(TOKEN_STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
}

export function createApiClient(scope: ClientScope = globalThis as ClientScope): ApiClient {
  const bridge = scope[BRIDGE_KEY];
  if (isBridge(bridge)) return new IpcApiClient(bridge);
  const fetchFn = scope.fetch;
  if (!fetchFn) throw new Error('no bridge and no fetch: cannot reach the app');
  const EventSourceCtor = scope.EventSource;
  return new HttpApiClient({
    fetch: (input, init) => fetchFn(input, init),
    ...(EventSourceCtor ? { createEventSource: (url: string) => new EventSourceCtor(url) } : {}),
    token: takeWebToken(scope),
  });
}

let shared: ApiClient | null = null;

/** The app-wide client, created on first use so tests and web mode can set the scope up first. */
export function apiClient(): ApiClient {
  return (shared ??= createApiClient());
}

/** Puts `client` in place of the app-wide one (unit tests of the stores hand in an in-memory client); null forgets it. */
export function setApiClient(client: ApiClient | null): void {
  shared = client;
}
