/**
 * The object the preload hands the renderer. It forwards allow-listed channels and nothing else,
 * and never passes Electron's event objects through (they reach `ipcRenderer` itself).
 * Takes `ipcRenderer` as an argument so it is tested without Electron.
 */
import type { IpcRenderer, IpcRendererEvent } from 'electron';
import { apiFailure, type ApiResult, type FaceOrganizerBridge } from '../contract/channels';

export function createBridge(
  ipc: Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>,
  invokeChannels: readonly string[],
  eventNames: readonly string[],
): FaceOrganizerBridge {
  const invokable = new Set(invokeChannels);
  const subscribable = new Set(eventNames);
  return Object.freeze({
    invoke(channel: string, payload?: unknown): Promise<ApiResult<unknown>> {
      if (typeof channel !== 'string' || !invokable.has(channel)) {
        return Promise.resolve(apiFailure('UNKNOWN_CHANNEL', `unknown channel: ${String(channel).slice(0, 80)}`));
      }
      return ipc.invoke(channel, payload) as Promise<ApiResult<unknown>>;
    },
    on(event: string, listener: (payload: unknown) => void): () => void {
      if (typeof event !== 'string' || !subscribable.has(event)) throw new Error(`unknown event: ${String(event).slice(0, 80)}`);
      if (typeof listener !== 'function') throw new TypeError('listener must be a function');
      const forward = (_event: IpcRendererEvent, payload: unknown): void => listener(payload);
      ipc.on(event, forward);
      return () => {
        ipc.removeListener(event, forward);
      };
    },
  });
}
