/**
 * The shell's answers to the contract's channels. The shell only answers about itself; the
 * engine's channels are served by the engine process, whose client is added to `ShellServices`
 * and spread into this map when it exists.
 */
import type { InvokeHandlers } from './ipc-router';

export interface ShellServices {
  appVersion: string;
  platform: NodeJS.Platform;
  electronVersion: string;
}

export function createInvokeHandlers(services: ShellServices): InvokeHandlers {
  return {
    'app:info': () => ({
      version: services.appVersion,
      platform: services.platform,
      electron: services.electronVersion,
    }),
  };
}
