/**
 * The transport half of the API contract: channel names (the allow-lists), the result envelope,
 * the bridge's shape and the web routes. Kept free of zod so the sandboxed preload and the renderer
 * bundle only these few lines; the schemas for each name live in `ipc.ts`, which re-exports all of
 * this and is what main, the server and tests import.
 */

/** The one global the preload exposes to the renderer (`window.faceOrganizer`). */
export const BRIDGE_KEY = 'faceOrganizer';

/**
 * Request/response channels. Adding one here without its schemas in ipc.ts fails to compile.
 * `app:*` and `dialog:*` are answered by the door itself (Electron main, the web server); every other
 * channel is an engine operation, served by the transport-neutral dispatcher in src-main/transport.
 */
export const INVOKE_CHANNELS = Object.freeze([
  'app:info',
  // Native dialogs: Electron only (web mode answers UNSUPPORTED; the page shows a path field instead).
  'dialog:pickFolders',
  // Vision (no library needed).
  'vision:status',
  'vision:detect',
  'vision:compare',
  'settings:get',
  // Library: folders, indexing runs, status, failed files (IMM CreateBinding / IndexFileMeta).
  'library:status',
  'library:folders',
  'library:addFolders',
  'library:removeFolder',
  'library:index',
  'library:pause',
  'library:resume',
  'library:errors',
  // Media browsing: the photo grid, the viewer, query images uploaded for search by face.
  'media:list',
  'media:get',
  'media:upload',
  // Tasks (IMM GetTask / ListTasks / cancel).
  'tasks:list',
  'tasks:get',
  'tasks:cancel',
  // People (IMM figure clusters): queries, corrections, suggestions, runs, export.
  'people:list',
  'people:get',
  'people:media',
  'people:faces',
  'people:unassigned',
  'people:rename',
  'people:merge',
  'people:moveFaces',
  'people:rejectFace',
  'people:removeFaces',
  'people:setHidden',
  'people:setCover',
  'people:faceSuggestions',
  'people:answerSuggestion',
  'people:mergeSuggestions',
  'people:cluster',
  'people:export',
  'people:batchGet',
  'people:split',
  'people:hideSmall',
  'people:setConfirmed',
  'people:setBirthDate',
  'people:delete',
  'people:dismissMerge',
  'people:writeXmp',
  'people:undo',
  'people:redo',
  'people:history',
  // Alibaba Cloud IMM/ICE sync: settings, credentials, sync and pull as tasks, report, name import, cloud face search.
  'cloud:status',
  'cloud:configure',
  'cloud:saveCredentials',
  'cloud:disconnect',
  'cloud:test',
  'cloud:sync',
  'cloud:pull',
  'cloud:report',
  'cloud:importNames',
  'cloud:searchFace',
  'cloud:clips',
  // Search (IMM face search, ICE SearchMediaByFace / SearchMediaClipByFace).
  'search:faces',
  'search:persons',
  'search:media',
  'search:clips',
] as const);
/**
 * Events pushed to the renderer: every change of a task (progress, end), as the task itself; and
 * commands from the desktop app's native menus (Add Folder…, View ▸ People…).
 */
export const EVENT_NAMES = Object.freeze(['task:progress', 'app:command'] as const);

/** What a native menu item asks the page to do. */
export const APP_COMMANDS = Object.freeze([
  'add-folders',
  'reindex',
  'show-photos',
  'show-people',
  'show-search',
  'show-find',
  'show-tasks',
  'show-settings',
] as const);
export type AppCommand = (typeof APP_COMMANDS)[number];

/** Channels the doors answer themselves; everything else goes to the engine. */
export const SHELL_CHANNELS = Object.freeze(['app:info', 'dialog:pickFolders'] as const);
export type ShellChannel = (typeof SHELL_CHANNELS)[number];

export type InvokeChannel = (typeof INVOKE_CHANNELS)[number];
export type EventName = (typeof EVENT_NAMES)[number];
export type EngineChannel = Exclude<InvokeChannel, ShellChannel>;

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
  UNSUPPORTED: 'this operation is not available here (e.g. a native dialog in web mode)',
  ENGINE_UNAVAILABLE: 'the engine is starting, restarting or has stopped',
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
 * `media:upload` is the one exception: its bytes travel raw (`Content-Type: application/octet-stream`,
 * the file name in the `X-File-Name` header, URI-encoded) instead of inside JSON.
 */
export const WEB_API = {
  invokePath: '/api/invoke/',
  eventsPath: '/api/events',
  /** Sent as `Authorization: Bearer <token>`; EventSource cannot send headers, so events use `?token=`. */
  tokenQueryParam: 'token',
  uploadNameHeader: 'X-File-Name',
  /** Media routes: `{mediaPath}{kind}/{id}?t=<mediaToken>`; the media token (from app:info) can only read media. */
  mediaPath: '/media/',
  mediaTokenQueryParam: 't',
} as const;

/**
 * What the photo grid, the viewer and the person views show, addressed the same way in both doors:
 * `face-media://{kind}/{id}` inside Electron, `/media/{kind}/{id}?t=…` in web mode.
 * - `thumb`: a small WebP of a photo or of a video's poster frame (cached on disk under the library);
 * - `preview`: a large WebP (the viewer's image; always decodable by the page, HEIC included);
 * - `face`: a square crop around one face;
 * - `original`: the file itself (videos play from it, with byte ranges);
 * - `upload`: a preview of an image uploaded for search by face.
 * Only media rows of the library (and files inside its folders) are served; ids are opaque.
 */
/** The custom scheme Electron serves media on (registered privileged, standard and secure). */
export const MEDIA_SCHEME = 'face-media';

export const MEDIA_KINDS = Object.freeze(['thumb', 'preview', 'face', 'original', 'upload'] as const);
export type MediaUrlKind = (typeof MEDIA_KINDS)[number];
export const MEDIA_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export function isMediaUrlKind(value: unknown): value is MediaUrlKind {
  return typeof value === 'string' && (MEDIA_KINDS as readonly string[]).includes(value);
}
