/**
 * The engine's home inside the desktop app: an Electron utility process (a Node process Electron
 * starts and supervises), so model inference, LanceDB and thumbnail generation never run on the main
 * process (which owns windows and input) nor in a renderer. Main hands it one end of a
 * MessageChannel in the first message; requests and events then flow over that port.
 *
 * A utility process has no safeStorage: when main says it has a usable one (`init.osEncryption`),
 * the cloud AccessKey is encrypted and decrypted by main on the engine's behalf ('crypto' messages).
 *
 * No electron import: a utility process reaches its parent through `process.parentPort`, passed in
 * here, so the tests drive this module with stand-in ports.
 */
import { isInvokeChannel, type EventName } from '../contract/ipc';
import { createEngineApi, type EngineApi, type EngineApiOptions } from '../transport/engine-api';
import { MediaAccessError } from '../engine/media/media-files';
import { mediaRefusalStatus } from '../transport/status';
import type { StringEncryptor } from '../engine/cloud/credentials';
import type { Engine, EngineOptions } from '../engine/engine';
import { toEngineError } from '../engine/errors';
import { CRYPTO_MAX_CHARS, EngineHostInitSchema, ToEngineSchema, type FromEngine, type MediaReply, type ToEngine } from './engine-protocol';

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

export type OpenEngine = (options: EngineOptions) => Promise<Pick<Engine, 'close' | 'visionStatus'> & Parameters<typeof createEngineApi>[0]>;

export interface EngineHostOptions {
  openEngine?: OpenEngine;
  /** Tests hand in a catalog for a fake engine. */
  apiOptions?: EngineApiOptions;
  exit?: (code: number) => void;
  log?: (line: string) => void;
  /** How long a 'crypto' request waits for main's answer. Default 10 s. */
  cryptoTimeoutMs?: number;
}

type CryptoOp = 'encrypt' | 'decrypt';
interface PendingCrypto {
  resolve: (data: string) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
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

    // ---- main's safeStorage, over the port ----
    const cryptoTimeoutMs = options.cryptoTimeoutMs ?? 10_000;
    const pendingCrypto = new Map<number, PendingCrypto>();
    let nextCryptoId = 1;
    const askMain = (op: CryptoOp, data: string): Promise<string> => {
      if (data.length > CRYPTO_MAX_CHARS) return Promise.reject(new Error(`the text to ${op} is too large for the system keychain (${data.length} characters)`));
      if (closing) return Promise.reject(new Error('the engine is shutting down'));
      return new Promise((resolve, reject) => {
        const id = nextCryptoId++;
        const timer = setTimeout(() => {
          pendingCrypto.delete(id);
          reject(new Error(`the app did not answer a system keychain request within ${Math.round(cryptoTimeoutMs / 100) / 10} s`));
        }, cryptoTimeoutMs);
        pendingCrypto.set(id, { resolve, reject, timer });
        send({ type: 'crypto', id, op, data });
      });
    };
    const settleCrypto = (message: Extract<ToEngine, { type: 'cryptoResult' }>): void => {
      const p = pendingCrypto.get(message.id);
      if (!p) return;
      pendingCrypto.delete(message.id);
      clearTimeout(p.timer);
      if (message.ok && message.data !== undefined) p.resolve(message.data);
      else p.reject(new Error(message.message ?? 'the app refused the system keychain request'));
    };
    const failAllCrypto = (why: string): void => {
      for (const [id, p] of pendingCrypto) {
        clearTimeout(p.timer);
        p.reject(new Error(why));
        pendingCrypto.delete(id);
      }
    };
    const cloudEncryptor: StringEncryptor = {
      // Main answers osEncryption only when its safeStorage is usable (not Linux's basic_text).
      isEncryptionAvailable: () => true,
      encryptString: async (plainText) => Buffer.from(await askMain('encrypt', plainText), 'base64'),
      decryptString: (encrypted) => askMain('decrypt', encrypted.toString('base64')),
    };

    const opened = (async () => {
      try {
        engine = await openEngine({
          library: init.data.libraryDir ?? true,
          ...(init.data.modelsDir ? { modelsDir: init.data.modelsDir } : {}),
          fetchModels: init.data.fetchModels,
          log,
          ...(init.data.osEncryption ? { cloudEncryptor } : {}),
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
      if (init.data.watch) {
        // Catch up with changes made while the app was closed, then keep every folder current, including
        // folders added later (a first run starts with none).
        await engine.library.keepCurrent().catch((e: unknown) => log(`not keeping the library current: ${String(e)}`));
      }
    })();

    const handle = async (message: ToEngine): Promise<void> => {
      if (message.type === 'cryptoResult') {
        // Never behind `opened`: the engine may need the keychain while it is still starting.
        settleCrypto(message);
        return;
      }
      await opened;
      if (message.type === 'shutdown') {
        if (closing) return;
        closing = true;
        api?.close();
        await engine?.close().catch((e: unknown) => log(`closing the engine: ${String(e)}`));
        send({ type: 'closed' });
        failAllCrypto('the engine is shutting down');
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
          ? { ok: false, status: mediaRefusalStatus(e.reason), reason: e.reason }
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
      failAllCrypto('the app closed the connection to the engine');
      if (!closing) void handle({ type: 'shutdown' });
    });
    port.start();
  });
}
