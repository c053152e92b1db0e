/**
 * Main's side of the bridge: every invoke is checked for its sender, its channel and its payload
 * (against the contract's zod schema) before a handler sees it, and every outcome, failures
 * included, goes back as an `ApiResult` envelope.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { z } from 'zod';
import {
  INVOKE_CHANNELS,
  INVOKE_CONTRACT,
  apiFailure,
  isInvokeChannel,
  type ApiResult,
  type InvokeChannel,
  type InvokeRequest,
  type InvokeResponse,
} from '../contract/ipc';
import { toEngineError } from '../engine/errors';

/** One function per contract channel; the mapped type makes a missing handler a compile error. */
export type InvokeHandlers = {
  [C in InvokeChannel]: (request: InvokeRequest<C>) => InvokeResponse<C> | Promise<InvokeResponse<C>>;
};

export type InvokeDispatcher = (channel: unknown, payload: unknown) => Promise<ApiResult<unknown>>;

export function createInvokeDispatcher(handlers: InvokeHandlers): InvokeDispatcher {
  return async (channel, payload) => {
    if (!isInvokeChannel(channel)) return apiFailure('UNKNOWN_CHANNEL', `unknown channel: ${String(channel).slice(0, 80)}`);
    const parsed = INVOKE_CONTRACT[channel].request.safeParse(payload);
    if (!parsed.success) return apiFailure('INVALID_ARGUMENT', `${channel}: ${z.prettifyError(parsed.error)}`);
    // The union of handlers cannot be narrowed per channel by TypeScript; the schema just did it.
    const handler = handlers[channel] as (request: unknown) => unknown;
    try {
      return { ok: true, value: await handler(parsed.data) };
    } catch (error) {
      const engineError = toEngineError(error);
      if (engineError.code === 'INTERNAL') console.error(`${channel} failed:`, error);
      return { ok: false, error: engineError.toJSON() };
    }
  };
}

/**
 * Registers one `ipcMain.handle` per allow-listed channel. Only frames showing the app itself may
 * call: an iframe or a page navigated elsewhere would otherwise inherit the whole API.
 */
export function registerInvokeHandlers(
  ipcMain: Pick<IpcMain, 'handle'>,
  dispatch: InvokeDispatcher,
  isTrustedSender: (frameUrl: string | undefined) => boolean,
): void {
  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, payload: unknown) => {
      if (!isTrustedSender(event.senderFrame?.url)) return apiFailure('UNTRUSTED_SENDER');
      return dispatch(channel, payload);
    });
  }
}
