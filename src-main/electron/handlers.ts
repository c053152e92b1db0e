/**
 * The channels the shell answers itself: what the app is, and the native dialogs. Every other
 * channel belongs to the engine and is forwarded to its utility process (see shell.ts).
 */
import type { ShellChannel } from '../contract/ipc';
import type { Handlers } from '../transport/dispatcher';

export interface ShellServices {
  appVersion: string;
  platform: NodeJS.Platform;
  electronVersion: string;
  /** The OS folder picker; resolves with the chosen absolute paths, empty when cancelled. */
  pickFolders(title: string): Promise<string[]>;
}

export function createShellHandlers(services: ShellServices): Handlers<ShellChannel> {
  return {
    'app:info': () => ({
      version: services.appVersion,
      platform: services.platform,
      electron: services.electronVersion,
    }),
    'dialog:pickFolders': async (request) => ({ paths: await services.pickFolders(request?.title ?? 'Add folders') }),
  };
}
