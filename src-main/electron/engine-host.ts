/**
 * The engine's home inside the desktop app: an Electron utility process (a Node process Electron
 * starts and supervises), so model inference, LanceDB and thumbnail generation never run on the main
 * process (which owns windows and input) nor in a renderer. Main hands it one end of a
 * MessageChannel in the first message; requests and events then flow over that port.
 *
 * No electron import: a utility process reaches its parent through `process.parentPort`, passed in
 * here, so the tests drive this module with stand-in ports.
 */
import { isInvokeChannel, type EventName } from '../contract/ipc';
import { createEngineApi, type EngineApi, type EngineApiOptions } from '../engine/api/engine-api';
import { MediaAccessError } from '../engine/api/media-files';
import type { Engine, EngineOptions } from '../engine/engine';
import { toEngineError } from '../engine/errors';
import { EngineHostInitSchema, ToEngineSchema, type FromEngine, type MediaReply, type ToEngine } from './engine-protocol';

/** What Electron's MessagePortMain looks like from here. */
export interface HostPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
}

/** What `process.parentPort` looks like from here. */
export interface ParentPortLike {
  once(event: 'message', listener: (event: { data: unknown; ports: HostPort[] }) => void): unknown;
  postMessage(message: unknown): void;
}

export type OpenEngine = (options: EngineOptions) => Promise<Pick<Engine, 'close' | 'listFolders' | 'index' | 'startWatching' | 'visionStatus'> & Parameters<typeof createEngineApi>[0]>;

export interface EngineHostOptions {
  openEngine?: OpenEngine;
  /** Tests hand in a catalog for a fake engine. */
  apiOptions?: EngineApiOptions;
  exit?: (code: number) => void;
  log?: (line: string) => void;
}

async function defaultOpenEngine(options: EngineOptions): ReturnType<OpenEngine> {
  const { Engine } = await import('../engine/engine');
  return Engine.open(options);
}

export function runEngineHost(parent: ParentPortLike, options: EngineHostOptions = {}): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const log = options.log ?? ((line: string) => console.log(`[engine] ${line}`));
  const openEngine = options.openEngine ?? defaultOpenEngine;

  parent.once('message', ({ data, ports }) => {
    const init = EngineHostInitSchema.safeParse(data);
    const port = ports[0];
    if (!init.success || !port) {
      log('bad start message; exiting');
      exit(1);
      return;
    }
    const send = (message: FromEngine): void => port.postMessage(message);
    let api: EngineApi | null = null;
    let engine: Awaited<ReturnType<OpenEngine>> | null = null;
    let failure: { code: string; message: string } | null = null;
    let closing = false;

    const opened = (async () => {
      try {
        engine = await openEngine({
          library: init.data.libraryDir ?? true,
          ...(init.data.modelsDir ? { modelsDir: init.data.modelsDir } : {}),
          fetchModels: init.data.fetchModels,
          log,
        });
        api = createEngineApi(engine, options.apiOptions);
        api.onEvent((event: EventName, payload: unknown) => send({ type: 'event', event, payload }));
        send({ type: 'ready', provider: engine.visionStatus().provider.active });
      } catch (e) {
        const err = toEngineError(e);
        failure = { code: err.code, message: err.message };
        log(`the engine could not start: [${err.code}] ${err.message}`);
        send({ type: 'failed', ...failure });
        return;
      }
      if (init.data.watch && (await engine.listFolders()).length > 0) {
        // Catch up with changes made while the app was closed, then keep current.
        await engine.index().catch((e: unknown) => log(`indexing did not start: ${String(e)}`));
        await engine.startWatching().catch((e: unknown) => log(`not watching the folders: ${String(e)}`));
      }
    })();

    const handle = async (message: ToEngine): Promise<void> => {
      await opened;
      if (message.type === 'shutdown') {
        if (closing) return;
        closing = true;
        api?.close();
        await engine?.close().catch((e: unknown) => log(`closing the engine: ${String(e)}`));
        send({ type: 'closed' });
        port.close();
        exit(0);
        return;
      }
      if (message.type === 'invoke') {
        if (!api) {
          const error = failure ?? { code: 'ENGINE_UNAVAILABLE', message: 'the engine is not running' };
          send({ type: 'result', id: message.id, result: { ok: false, error } });
          return;
        }
        if (!isInvokeChannel(message.channel)) {
          send({ type: 'result', id: message.id, result: { ok: false, error: { code: 'UNKNOWN_CHANNEL', message: 'unknown channel' } } });
          return;
        }
        send({ type: 'result', id: message.id, result: await api.dispatch(message.channel, message.payload) });
        return;
      }
      let reply: MediaReply;
      try {
        if (!api) throw new MediaAccessError('unknown-id', 'the engine is not running');
        const found = await api.media.resolve(message.kind, message.mediaId);
        reply = { ok: true, ...found };
      } catch (e) {
        reply = e instanceof MediaAccessError
          ? { ok: false, status: e.status, reason: e.reason }
          : { ok: false, status: 500, reason: toEngineError(e).message };
      }
      send({ type: 'media', id: message.id, reply });
    };

    port.on('message', ({ data }) => {
      const parsed = ToEngineSchema.safeParse(data);
      if (!parsed.success) {
        log('dropped a malformed message from main');
        return;
      }
      handle(parsed.data).catch((e: unknown) => log(`request failed: ${String(e)}`));
    });
    port.on('close', () => {
      // Main went away without saying goodbye: finish writes, then leave.
      if (!closing) void handle({ type: 'shutdown' });
    });
    port.start();
  });
}
