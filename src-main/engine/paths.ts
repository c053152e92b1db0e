/**
 * Where a library lives by default: the platform's per-user data folder, as Electron's
 * app.getPath('userData') would place it, so the desktop app, the CLI and web mode share one library.
 * FACE_ORGANIZER_LIBRARY (or --library) points elsewhere.
 */
import os from 'node:os';
import { join } from 'node:path';

export const APP_DIR_NAME = 'Face Organizer';

export function userDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  const home = os.homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_DIR_NAME);
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), APP_DIR_NAME);
  return join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'face-organizer');
}

export function defaultLibraryDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FACE_ORGANIZER_LIBRARY ?? join(userDataDir(process.platform, env), 'library');
}
