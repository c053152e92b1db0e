/** Electron main entry (bundled to out/main/index.js, package.json "main"). */
import { app, dialog } from 'electron';
import { startShell } from './shell';

startShell().catch((error: unknown) => {
  // A packaged app has no terminal: the user must see why nothing opened.
  const message = error instanceof Error ? error.message : String(error);
  console.error('Face Organizer could not start:', error);
  dialog.showErrorBox('Face Organizer could not start', message);
  app.exit(1);
});
