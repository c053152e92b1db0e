/**
 * The transport half of the API contract: channel names (the allow-lists), the result envelope,
 * the bridge's shape and the web routes. Kept free of zod so the sandboxed preload and the renderer
 * bundle only these few lines; the schemas for each name live in `ipc.ts`, which re-exports all of
 * this and is what main, the server and tests import.
 */

/** The one global the preload exposes to the renderer (`window.faceOrganizer`). */
export const BRIDGE_KEY = 'faceOrganizer';

/** Request/response channels. Adding one here without its schemas in ipc.ts fails to compile. */
export const INVOKE_CHANNELS = Object.freeze(['app:info'] as const);
/** Events main pushes to the renderer. None yet: the engine's progress events come with the engine. */
export const EVENT_NAMES = Object.freeze([] as const);

export type InvokeChannel = (typeof INVOKE_CHANNELS)[number];
export type EventName = (typeof EVENT_NAMES)[number];

export function isInvokeChannel(name: unknown): name is InvokeChannel {
  return typeof name === 'string' && (INVOKE_CHANNELS as readonly string[]).includes(name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (EVENT_NAMES as readonly string[]).includes(name);
}

/**
 * Transport-level failures. Engine failures reuse the engine's own codes (`EngineError.code`), so
 * `code` stays an open string for the renderer to switch on.
 */
export const TRANSPORT_ERROR_CODES = {
  UNKNOWN_CHANNEL: 'the channel is not part of the API',
  UNTRUSTED_SENDER: 'the request did not come from the app itself',
  INVALID_ARGUMENT: 'an argument is out of range or malformed',
  TRANSPORT_FAILED: 'the request could not reach the app',
  INTERNAL: 'an unexpected internal error',
} as const;
export type TransportErrorCode = keyof typeof TRANSPORT_ERROR_CODES;

export interface ApiErrorData {
  code: string;
  message: string;
  details?: Record<string, unknown> | undefined;
}

/**
 * Every answer is an envelope rather than a thrown error: Electron turns a rejected `invoke` into a
 * bare message ("Error invoking remote method …") and drops `code`, which the UI needs.
 */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiErrorData };

export function apiFailure(code: TransportErrorCode, message: string = TRANSPORT_ERROR_CODES[code]): ApiResult<never> {
  return { ok: false, error: { code, message } };
}

/**
 * What the preload exposes. Deliberately untyped strings at this boundary: it is the raw transport
 * that must refuse anything off the allow-list at runtime; the renderer's client adds the types.
 */
export interface FaceOrganizerBridge {
  invoke(channel: string, payload?: unknown): Promise<ApiResult<unknown>>;
  /** Subscribes to a pushed event; returns the unsubscribe function. */
  on(event: string, listener: (payload: unknown) => void): () => void;
}

/**
 * Web mode carries the same channels over HTTP on the server's own origin: `POST {invokePath}{channel}`
 * with body `{ "payload": … }` answers an `ApiResult` as JSON; events stream as server-sent events
 * named after the event. The token proves the page was opened from the URL the server printed.
 */
export const WEB_API = {
  invokePath: '/api/invoke/',
  eventsPath: '/api/events',
  /** Sent as `Authorization: Bearer <token>`; EventSource cannot send headers, so events use `?token=`. */
  tokenQueryParam: 'token',
} as const;
