/**
 * Main's handle on the engine's utility process: starts it, hands it a MessagePort, forwards
 * requests and media lookups with ids, relays its events, and restarts it if it dies (with a
 * back-off, giving up after a few crashes in a row). Every message from the engine is parsed before
 * use. Electron's `utilityProcess.fork` and `MessageChannelMain` are passed in, so it is tested
 * against stand-ins.
 */
import { EventEmitter } from 'node:events';
import { isEventName, type ApiResult, type EventName, type MediaUrlKind } from '../contract/ipc';
import { FromEngineSchema, type EngineHostInit, type MediaReply, type ToEngine } from './engine-protocol';

export interface MainPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
  start(): void;
  close(): void;
}

export interface ChildProcessLike {
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'spawn', listener: () => void): unknown;
  postMessage(message: unknown, transfer?: unknown[]): void;
  kill(): boolean;
}

/** Electron's safeStorage, as main sees it (synchronous). */
export interface MainEncryptor {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

export interface EngineProcessDeps {
  fork(modulePath: string, args: string[], options: { serviceName: string; stdio: 'inherit' | 'pipe' }): ChildProcessLike;
  createChannel(): { port1: MainPort; port2: MainPort };
  /** Module the utility process runs (the bundled main, which switches to the engine role there). */
  entry: string;
  init: EngineHostInit;
  /**
   * Answers the engine's 'crypto' requests (the cloud AccessKey); absent: they are refused and the
   * engine should not have been told `init.osEncryption`.
   */
  encryptor?: MainEncryptor;
  log?: (line: string) => void;
  /** Restart delays in ms; after the last one, a crash is final. */
  backoffMs?: number[];
  /** A process that ran this long without crashing resets the back-off. */
  stableAfterMs?: number;
}

export type EngineState = 'starting' | 'ready' | 'failed' | 'stopped';

type Pending = { resolve: (value: never) => void; kind: 'invoke' | 'media' };

const UNAVAILABLE = (message: string): ApiResult<never> => ({ ok: false, error: { code: 'ENGINE_UNAVAILABLE', message } });

export class EngineProcess extends EventEmitter<{ event: [EventName, unknown]; state: [EngineState, string | undefined] }> {
  private child: ChildProcessLike | null = null;
  private port: MainPort | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private crashes = 0;
  private startedAt = 0;
  private stopping = false;
  private closed: (() => void) | null = null;
  state: EngineState = 'stopped';
  /** Why the engine is not usable, when state is 'failed'. */
  failure: string | undefined;

  constructor(private readonly deps: EngineProcessDeps) {
    super();
  }

  private setState(state: EngineState, reason?: string): void {
    this.state = state;
    this.failure = state === 'failed' ? reason : undefined;
    this.emit('state', state, reason);
  }

  start(): void {
    if (this.child) return;
    this.stopping = false;
    this.setState('starting');
    const { port1, port2 } = this.deps.createChannel();
    const child = this.deps.fork(this.deps.entry, [], { serviceName: 'Face Organizer Engine', stdio: 'inherit' });
    this.child = child;
    this.port = port1;
    this.startedAt = Date.now();
    port1.on('message', ({ data }) => this.onMessage(data));
    port1.start();
    child.on('exit', (code) => this.onExit(child, code));
    child.postMessage(this.deps.init, [port2]);
  }

  private onMessage(data: unknown): void {
    const parsed = FromEngineSchema.safeParse(data);
    if (!parsed.success) {
      this.deps.log?.('dropped a malformed message from the engine');
      return;
    }
    const m = parsed.data;
    switch (m.type) {
      case 'ready':
        this.setState('ready');
        return;
      case 'failed':
        this.setState('failed', `[${m.code}] ${m.message}`);
        return;
      case 'event':
        if (isEventName(m.event)) this.emit('event', m.event, m.payload);
        return;
      case 'closed':
        this.closed?.();
        return;
      case 'crypto':
        this.send(this.crypto(m.id, m.op, m.data));
        return;
      case 'result':
      case 'media': {
        const p = this.pending.get(m.id);
        if (!p || p.kind !== (m.type === 'result' ? 'invoke' : 'media')) return;
        this.pending.delete(m.id);
        p.resolve((m.type === 'result' ? m.result : m.reply) as never);
      }
    }
  }

  /** safeStorage on the engine's behalf. Neither the text nor the answer is ever logged. */
  private crypto(id: number, op: 'encrypt' | 'decrypt', data: string): ToEngine {
    const encryptor = this.deps.encryptor;
    if (!encryptor) return { type: 'cryptoResult', id, ok: false, message: 'The app has no system keychain encryption to offer.' };
    try {
      if (!encryptor.isEncryptionAvailable()) return { type: 'cryptoResult', id, ok: false, message: 'The system keychain encryption is not available.' };
      if (op === 'encrypt') return { type: 'cryptoResult', id, ok: true, data: encryptor.encryptString(data).toString('base64') };
      return { type: 'cryptoResult', id, ok: true, data: encryptor.decryptString(Buffer.from(data, 'base64')) };
    } catch (e) {
      // Electron's messages name the failure, not the data; the plain text is cut out all the same.
      let reason = e instanceof Error ? e.message : String(e);
      if (op === 'encrypt' && data) reason = reason.split(data).join('[redacted]');
      this.deps.log?.(`safeStorage could not ${op} for the engine`);
      return { type: 'cryptoResult', id, ok: false, message: `safeStorage could not ${op}: ${reason}`.slice(0, 1000) };
    }
  }

  private onExit(child: ChildProcessLike, code: number): void {
    if (this.child !== child) return;
    this.child = null;
    this.port?.close();
    this.port = null;
    for (const [id, p] of this.pending) {
      p.resolve((p.kind === 'invoke' ? UNAVAILABLE('the engine stopped while answering') : { ok: false, status: 503, reason: 'engine stopped' }) as never);
      this.pending.delete(id);
    }
    this.closed?.();
    if (this.stopping) {
      this.setState('stopped');
      return;
    }
    const backoff = this.deps.backoffMs ?? [500, 2000, 8000];
    if (Date.now() - this.startedAt > (this.deps.stableAfterMs ?? 60_000)) this.crashes = 0;
    const delay = backoff[this.crashes];
    this.crashes++;
    this.deps.log?.(`the engine process exited (code ${code})${delay !== undefined ? `; restarting in ${delay} ms` : '; giving up'}`);
    if (delay === undefined) {
      this.setState('failed', `The engine stopped unexpectedly (exit code ${code}) and could not be restarted.`);
      return;
    }
    this.setState('starting');
    setTimeout(() => {
      if (!this.stopping) this.start();
    }, delay).unref?.();
  }

  private send(message: ToEngine): void {
    this.port?.postMessage(message);
  }

  /** A request already checked against the contract by main; answers the engine's envelope. */
  invoke(channel: string, payload: unknown): Promise<ApiResult<unknown>> {
    if (!this.port) return Promise.resolve(UNAVAILABLE(this.failure ?? 'the engine is not running'));
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve: resolve as (value: never) => void, kind: 'invoke' });
      this.send({ type: 'invoke', id, channel, payload });
    });
  }

  media(kind: MediaUrlKind, mediaId: string): Promise<MediaReply> {
    if (!this.port) return Promise.resolve({ ok: false, status: 503, reason: 'engine not running' });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve: resolve as (value: never) => void, kind: 'media' });
      this.send({ type: 'media', id, kind, mediaId });
    });
  }

  /** Asks the engine to finish its writes and exit; kills it after `timeoutMs`. */
  async stop(timeoutMs = 5000): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child) {
      this.setState('stopped');
      return;
    }
    const done = new Promise<void>((resolve) => (this.closed = resolve));
    this.send({ type: 'shutdown' });
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref?.());
    if ((await Promise.race([done, timer])) === 'timeout') {
      this.deps.log?.('the engine did not stop in time; killing it');
      child.kill();
    }
    this.closed = null;
  }
}
