/**
 * The transport-neutral half of every door: a channel name and an untrusted payload in, an
 * `ApiResult` envelope out. The channel must be on the contract's allow-list, the payload must parse
 * against its zod schema before any handler sees it, and every failure (a coded EngineError, or
 * anything else) comes back as `{ ok: false, error: { code, message } }`, never a stack.
 *
 * Electron main, the engine's utility process and the HTTP server all use this one function, each
 * with the handlers it owns (the shell answers `app:*`/`dialog:*`, the engine everything else).
 * Electron main bundles this file: its one engine import is errors.ts (no dependencies).
 */
import { z } from 'zod';
import {
  INVOKE_CONTRACT,
  apiFailure,
  isInvokeChannel,
  type ApiResult,
  type InvokeChannel,
  type InvokeRequest,
  type InvokeResponse,
} from '../contract/ipc';
import { toEngineError } from '../engine/errors';

export type Handler<C extends InvokeChannel> = (request: InvokeRequest<C>) => InvokeResponse<C> | Promise<InvokeResponse<C>>;

/** One function per channel of `C`; the mapped type makes a missing handler a compile error. */
export type Handlers<C extends InvokeChannel> = { [K in C]: Handler<K> };

export type Dispatcher = (channel: unknown, payload: unknown) => Promise<ApiResult<unknown>>;

export interface DispatcherOptions {
  /**
   * Parse every answer against the contract too (tests, development): a handler that drifts from the
   * contract fails loudly instead of handing the renderer a shape it does not expect. Unknown keys are
   * stripped either way only when this is on.
   */
  validateResponses?: boolean;
  /** Where unexpected (INTERNAL) failures are reported; the renderer only sees the message. */
  logError?: (channel: string, error: unknown) => void;
  /**
   * Channels without a handler, once their payload is valid, go here (Electron main forwards the
   * engine's channels to the engine process this way). Without it they answer UNSUPPORTED.
   */
  forward?: (channel: InvokeChannel, payload: unknown) => Promise<ApiResult<unknown>>;
}

/** Validation messages for people: `field: what is wrong`, at most a few lines. */
export function describeIssues(error: z.ZodError): string {
  return z.prettifyError(error).split('\n').slice(0, 6).join('\n');
}

export function createDispatcher(handlers: Partial<Handlers<InvokeChannel>>, options: DispatcherOptions = {}): Dispatcher {
  const logError = options.logError ?? ((channel: string, error: unknown) => console.error(`${channel} failed:`, error));
  return async (channel, payload) => {
    if (!isInvokeChannel(channel)) return apiFailure('UNKNOWN_CHANNEL', `unknown channel: ${String(channel).slice(0, 80)}`);
    // Own properties only: a channel name must never reach Object.prototype.
    const handler = Object.prototype.hasOwnProperty.call(handlers, channel) ? (handlers[channel] as ((request: unknown) => unknown) | undefined) : undefined;
    if (!handler && !options.forward) return apiFailure('UNSUPPORTED', `${channel} is not available here`);
    const contract = INVOKE_CONTRACT[channel];
    const parsed = contract.request.safeParse(payload);
    if (!parsed.success) return apiFailure('INVALID_ARGUMENT', `${channel}: ${describeIssues(parsed.error)}`);
    if (!handler) {
      try {
        return await options.forward!(channel, parsed.data);
      } catch (error) {
        logError(channel, error);
        return apiFailure('TRANSPORT_FAILED', `${channel}: the engine could not be reached`);
      }
    }
    let value: unknown;
    try {
      value = await handler(parsed.data);
    } catch (error) {
      const engineError = toEngineError(error);
      if (engineError.code === 'INTERNAL') logError(channel, error);
      return { ok: false, error: engineError.toJSON() };
    }
    if (options.validateResponses) {
      const checked = contract.response.safeParse(value);
      if (!checked.success) {
        logError(channel, checked.error);
        return { ok: false, error: { code: 'INTERNAL', message: `${channel} answered outside the contract: ${describeIssues(checked.error)}` } };
      }
      value = checked.data;
    }
    return { ok: true, value: value === undefined ? null : value };
  };
}

/** Several handler maps (shell + engine) as one; later maps never override earlier ones silently. */
export function mergeHandlers(...maps: Partial<Handlers<InvokeChannel>>[]): Partial<Handlers<InvokeChannel>> {
  const out: Record<string, unknown> = {};
  for (const map of maps) {
    for (const [channel, handler] of Object.entries(map)) {
      if (channel in out) throw new Error(`two handlers for ${channel}`);
      out[channel] = handler;
    }
  }
  return out as Partial<Handlers<InvokeChannel>>;
}
