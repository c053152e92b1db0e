/**
 * Main's side of the bridge: every invoke is checked for its sender, its channel and its payload
 * (against the contract's zod schema) before anything runs, and every outcome, failures included,
 * goes back as an `ApiResult` envelope. The shell's own channels run here; the engine's are
 * forwarded, already validated, to the engine process (which validates again).
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { INVOKE_CHANNELS, type ApiResult, type InvokeChannel } from '../contract/ipc';
import { createDispatcher, type Dispatcher, type Handlers } from '../transport/dispatcher';

export type InvokeHandlers = Partial<Handlers<InvokeChannel>>;
export type InvokeDispatcher = Dispatcher;

export interface RouterOptions {
  /** Channels without a handler here, after validation: the engine process. */
  forward?: (channel: InvokeChannel, payload: unknown) => Promise<ApiResult<unknown>>;
}

export function createInvokeDispatcher(handlers: InvokeHandlers, options: RouterOptions = {}): InvokeDispatcher {
  return createDispatcher(handlers, {
    ...(options.forward ? { forward: options.forward } : {}),
    logError: (channel, error) => console.error(`${channel} failed:`, error),
  });
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
      if (!isTrustedSender(event.senderFrame?.url)) return { ok: false, error: { code: 'UNTRUSTED_SENDER', message: 'the request did not come from the app itself' } };
      return dispatch(channel, payload);
    });
  }
}
