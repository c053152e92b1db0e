/** The main process role: start the shell, and say so in a dialog when it cannot start. */
import { app, dialog } from 'electron';
import { startShell } from './shell';

export function runApp(): void {
  startShell().catch((error: unknown) => {
    // A packaged app has no terminal: the user must see why nothing opened.
    const message = error instanceof Error ? error.message : String(error);
    console.error('Face Organizer could not start:', error);
    dialog.showErrorBox('Face Organizer could not start', message);
    app.exit(1);
  });
}
