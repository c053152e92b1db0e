/**
 * Electron entry (bundled to out/main/index.js, package.json "main"), in two roles:
 * - in the main process: the shell (windows, menus, dialogs, IPC bridge, media protocol);
 * - in the utility process the shell forks for the engine (it has `process.parentPort`): the engine.
 * One bundle entry serves both; each role is imported on demand, so neither loads the other's code,
 * and the engine role never imports the `electron` module (most of it does not exist there).
 */
import type { ParentPortLike } from './engine-host';

const parentPort = (process as NodeJS.Process & { parentPort?: ParentPortLike }).parentPort;

if (parentPort) {
  void import('./engine-host').then(({ runEngineHost }) => runEngineHost(parentPort));
} else {
  void import('./app-main').then(({ runApp }) => runApp());
}
