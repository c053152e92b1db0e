/**
 * Web mode: the built renderer and the same API as the desktop app, over HTTP on 127.0.0.1.
 *
 *   GET  /, /assets/…              the page (no token: it holds no data; the token arrives in its URL fragment)
 *   POST /api/invoke/{channel}     JSON `{ payload }` → `ApiResult` JSON        (Authorization: Bearer <token>)
 *   POST /api/invoke/media:upload  raw image bytes, X-File-Name → `ApiResult`  (Authorization: Bearer <token>)
 *   GET  /api/events?token=…       server-sent events (`task:progress`)
 *   GET  /media/{kind}/{id}?t=…    thumbnails, previews, face crops, originals (media token; byte ranges)
 *
 * See request-guard.ts for who may call. The engine runs in this process (its models in worker threads).
 */
import { createReadStream } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  MAX_UPLOAD_BYTES,
  WEB_API,
  apiFailure,
  isInvokeChannel,
  isMediaUrlKind,
  type ApiResult,
  type AppInfo,
} from '../contract/ipc';
import { createDispatcher, mergeHandlers, type Dispatcher } from '../transport/dispatcher';
import type { EngineApi } from '../transport/engine-api';
import { contentTypeOf, planFileReply } from '../transport/file-response';
import { MediaAccessError } from '../engine/media/media-files';
import { mediaRefusalStatus, transportStatus } from '../transport/status';
import { PAGE_CSP, baseHeaders, bearerToken, checkRequestSource, newToken, tokensEqual } from './request-guard';
import { resolveStaticFile } from './static-files';

export interface WebServerOptions {
  api: EngineApi;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  version: string;
  /** Fixed tokens for tests; random per run otherwise. */
  token?: string;
  mediaToken?: string;
  /** Check every answer against the contract (tests). */
  validateResponses?: boolean;
  log?: (line: string) => void;
}

export interface WebServer {
  readonly port: number;
  readonly token: string;
  /** The URL to open: the token rides in the fragment, which never reaches a server log or a Referer. */
  readonly url: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const MAX_JSON_BYTES = 1024 * 1024;
const HEARTBEAT_MS = 15_000;

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly code = 'INVALID_ARGUMENT') {
    super(message);
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new HttpError(413, `the request is larger than ${limit} bytes`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        // Answered at once; the connection is closed after the answer (see sendJson's callers).
        reject(new HttpError(413, `the request is larger than ${limit} bytes`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, { ...baseHeaders(), 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(data) });
  res.end(data);
}

function sendText(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...baseHeaders(), 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra });
  res.end(`${text}\n`);
}

async function sendFile(req: IncomingMessage, res: ServerResponse, file: string, contentType: string, cacheControl: string, extra: Record<string, string> = {}): Promise<void> {
  const reply = await planFileReply(file, req.headers.range, contentType, cacheControl);
  res.writeHead(reply.status, { ...baseHeaders(), ...reply.headers, ...extra });
  if (req.method === 'HEAD' || reply.status === 416 || !reply.range || reply.size === 0) {
    res.end();
    return;
  }
  const stream = createReadStream(file, { start: reply.range.start, end: reply.range.end });
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
  stream.pipe(res);
}

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const token = options.token ?? newToken();
  const mediaToken = options.mediaToken ?? newToken();
  const log = options.log ?? (() => undefined);
  const rendererReal = await realpath(options.rendererDir);
  let port = options.port ?? 0;

  const info = (): AppInfo => ({ version: options.version, platform: process.platform, electron: null, mediaToken });
  const dispatch: Dispatcher = createDispatcher(
    mergeHandlers(
      // No 'dialog:pickFolders': web mode has no native dialogs (the dispatcher answers UNSUPPORTED),
      // the page offers a path field instead.
      { 'app:info': info },
      options.api.handlers,
    ),
    { validateResponses: options.validateResponses ?? false, logError: (channel, e) => log(`${channel} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`) },
  );
  const streams = new Set<ServerResponse>();

  async function invoke(req: IncomingMessage, res: ServerResponse, channel: string): Promise<void> {
    if (req.method !== 'POST') throw new HttpError(405, 'use POST');
    if (!tokensEqual(bearerToken(req), token)) {
      sendJson(res, transportStatus('UNTRUSTED_SENDER'), apiFailure('UNTRUSTED_SENDER', 'missing or wrong token: open the URL that `face-organizer serve` printed'));
      req.resume();
      return;
    }
    if (!isInvokeChannel(channel)) {
      sendJson(res, transportStatus('UNKNOWN_CHANNEL'), apiFailure('UNKNOWN_CHANNEL', `unknown channel: ${channel.slice(0, 80)}`));
      req.resume();
      return;
    }
    const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    let payload: unknown;
    if (channel === 'media:upload') {
      if (type !== 'application/octet-stream') throw new HttpError(415, 'send the image as application/octet-stream');
      const bytes = await readBody(req, MAX_UPLOAD_BYTES);
      let name = 'image';
      try {
        name = decodeURIComponent(String(req.headers[WEB_API.uploadNameHeader.toLowerCase()] ?? 'image')) || 'image';
      } catch {
        // keep the default name
      }
      payload = { name, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
    } else {
      // JSON only: an HTML form cannot send it, so no request can be forged from a plain <form>.
      if (type !== 'application/json') throw new HttpError(415, 'send JSON (Content-Type: application/json)');
      const body = await readBody(req, MAX_JSON_BYTES);
      let parsed: unknown;
      try {
        parsed = body.length ? JSON.parse(body.toString('utf8')) : {};
      } catch {
        throw new HttpError(400, 'the body is not JSON');
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new HttpError(400, 'the body must be an object { "payload": … }');
      // JSON has no undefined: a null payload means "no payload", as an absent one does.
      payload = (parsed as { payload?: unknown }).payload ?? undefined;
    }
    const result: ApiResult<unknown> = await dispatch(channel, payload);
    sendJson(res, 200, result);
  }

  function events(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): void {
    if (req.method !== 'GET') throw new HttpError(405, 'use GET');
    if (!tokensEqual(query.get(WEB_API.tokenQueryParam), token)) {
      sendText(res, 401, 'missing or wrong token');
      return;
    }
    res.writeHead(200, {
      ...baseHeaders(),
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    streams.add(res);
    const off = options.api.onEvent((event, payload) => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
    });
    const beat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    beat.unref();
    req.on('close', () => {
      clearInterval(beat);
      off();
      streams.delete(res);
    });
  }

  async function media(req: IncomingMessage, res: ServerResponse, rest: string, query: URLSearchParams): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'use GET');
    const given = query.get(WEB_API.mediaTokenQueryParam);
    if (!tokensEqual(given, mediaToken) && !tokensEqual(bearerToken(req), token)) {
      sendText(res, 401, 'missing or wrong media token');
      return;
    }
    const [kind, id, ...extra] = rest.split('/');
    if (!isMediaUrlKind(kind) || !id || extra.length) {
      sendText(res, 404, 'not found');
      return;
    }
    try {
      const found = await options.api.media.resolve(kind, id);
      await sendFile(req, res, found.file, found.contentType, found.cacheControl);
    } catch (e) {
      if (e instanceof MediaAccessError) sendText(res, mediaRefusalStatus(e.reason), e.message);
      else throw e;
    }
  }

  async function page(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'use GET');
    const found = await resolveStaticFile(rendererReal, pathname);
    if (!found) {
      sendText(res, 404, 'not found');
      return;
    }
    const extra: Record<string, string> = found.file.endsWith('.html') ? { 'Content-Security-Policy': PAGE_CSP } : {};
    await sendFile(req, res, found.file, contentTypeOf(found.file), found.cacheControl, extra);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refusal = checkRequestSource(req, port);
    if (refusal) {
      sendText(res, refusal.status, refusal.reason);
      req.resume();
      return;
    }
    const url = new URL(req.url ?? '/', `http://${HOST}:${port}`);
    const { pathname, searchParams } = url;
    if (pathname.startsWith(WEB_API.invokePath)) return invoke(req, res, decodeURIComponent(pathname.slice(WEB_API.invokePath.length)));
    if (pathname === WEB_API.eventsPath) return events(req, res, searchParams);
    if (pathname.startsWith(WEB_API.mediaPath)) return media(req, res, pathname.slice(WEB_API.mediaPath.length), searchParams);
    if (pathname.startsWith('/api/')) {
      sendText(res, 404, 'not found');
      return;
    }
    return page(req, res, pathname);
  }

  const server: Server = createServer((req, res) => {
    route(req, res).catch((e: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (e instanceof HttpError) {
        // A refused body is not read to its end: close the connection after answering.
        if (e.status === 413) res.setHeader('Connection', 'close');
        sendJson(res, e.status, apiFailure('INVALID_ARGUMENT', e.message));
        return;
      }
      log(`request failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
      sendJson(res, transportStatus('INTERNAL'), apiFailure('INTERNAL', 'the server failed to answer'));
    });
  });
  // Slow-loris and idle sockets: the page keeps one event stream open, everything else is short.
  server.headersTimeout = 20_000;
  server.requestTimeout = 120_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    port,
    token,
    url: `http://${HOST}:${port}/#${WEB_API.tokenQueryParam}=${token}`,
    async close() {
      for (const s of streams) s.end();
      streams.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
