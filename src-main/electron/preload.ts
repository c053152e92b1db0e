/**
 * Preload for the main window. Runs sandboxed, so it is bundled to one CommonJS file
 * (out/preload/index.cjs) whose only `require` is `electron`; see electron.vite.config.ts. It
 * imports the zod-free half of the contract so no schema code ships into every window.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_KEY, EVENT_NAMES, INVOKE_CHANNELS } from '../contract/channels';
import { createBridge } from './bridge';

contextBridge.exposeInMainWorld(BRIDGE_KEY, createBridge(ipcRenderer, INVOKE_CHANNELS, EVENT_NAMES));
