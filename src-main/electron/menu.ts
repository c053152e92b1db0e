/**
 * The native menus: the platform's standard ones (app menu on macOS, Edit with copy/paste, Window)
 * with their usual shortcuts, plus the app's commands (Add Folder…, Check Folders Now, the views).
 * App commands are sent to the page as `app:command` events; the page decides what they do.
 * A template builder, so it is tested without Electron.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { AppCommand } from '../contract/channels';

export interface MenuOptions {
  platform: NodeJS.Platform;
  appName: string;
  /** Developer items (reload, DevTools) only in unpackaged runs. */
  dev: boolean;
  send(command: AppCommand): void;
  openExternal?(url: string): void;
}

export function buildMenuTemplate({ platform, appName, dev, send }: MenuOptions): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const item = (label: string, command: AppCommand, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    ...(accelerator ? { accelerator } : {}),
    click: () => send(command),
  });

  const appMenu: MenuItemConstructorOptions = {
    label: appName,
    submenu: [
      { role: 'about' },
      { type: 'separator' },
      item('Settings…', 'show-settings', 'CmdOrCtrl+,'),
      { type: 'separator' },
      { role: 'services' },
      { type: 'separator' },
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      { type: 'separator' },
      { role: 'quit' },
    ],
  };

  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      item('Add Folder…', 'add-folders', 'CmdOrCtrl+O'),
      item('Check Folders Now', 'reindex', 'CmdOrCtrl+Shift+R'),
      { type: 'separator' },
      ...(mac ? [{ role: 'close' } as MenuItemConstructorOptions] : [item('Settings', 'show-settings', 'Ctrl+,'), { type: 'separator' } as MenuItemConstructorOptions, { role: 'quit' } as MenuItemConstructorOptions]),
    ],
  };

  const edit: MenuItemConstructorOptions = { role: 'editMenu' };

  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      item('Photos', 'show-photos', 'CmdOrCtrl+1'),
      item('People', 'show-people', 'CmdOrCtrl+2'),
      item('Search by Face', 'show-search', 'CmdOrCtrl+3'),
      item('Find', 'show-find', 'CmdOrCtrl+F'),
      item('Tasks', 'show-tasks', 'CmdOrCtrl+4'),
      { type: 'separator' },
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
      ...(dev ? [{ type: 'separator' } as MenuItemConstructorOptions, { role: 'reload' } as MenuItemConstructorOptions, { role: 'toggleDevTools' } as MenuItemConstructorOptions] : []),
    ],
  };

  const window: MenuItemConstructorOptions = { role: 'windowMenu' };

  const help: MenuItemConstructorOptions = {
    role: 'help',
    submenu: mac ? [] : [{ role: 'about' }],
  };

  return mac ? [appMenu, file, edit, view, window, help] : [file, edit, view, window, help];
}
