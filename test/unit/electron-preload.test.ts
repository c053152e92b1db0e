/**
 * The preload's bridge: exactly one global, exactly `invoke` and `on`, and only allow-listed names
 * reach ipcRenderer. Runs the real preload module against the stand-in `electron`.
 */
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { BRIDGE_KEY, INVOKE_CHANNELS, type FaceOrganizerBridge } from '../../src-main/contract/ipc';
import { createBridge } from '../../src-main/electron/bridge';
import * as electron from './fakes/electron';

vi.mock('electron', () => import('./fakes/electron'));

const { contextBridge, ipcRenderer } = electron;

describe('preload', () => {
  let bridge: FaceOrganizerBridge;

  beforeAll(async () => {
    electron.resetFakeElectron();
    // The preload runs once per page, on import, like Electron runs it.
    await import('../../src-main/electron/preload');
    bridge = contextBridge.exposed.get(BRIDGE_KEY) as FaceOrganizerBridge;
  });

  beforeEach(() => {
    ipcRenderer.invoke.mockClear();
    ipcRenderer.removeAllListeners();
  });

  it('exposes one object, window.faceOrganizer, with only invoke and on', () => {
    expect([...contextBridge.exposed.keys()]).toEqual(['faceOrganizer']);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'on']);
    expect(Object.isFrozen(bridge)).toBe(true);
    // Nothing of Electron leaks through the object.
    expect(Object.values(bridge).every((v) => typeof v === 'function')).toBe(true);
  });

  it('forwards allow-listed channels to ipcRenderer.invoke', async () => {
    ipcRenderer.invoke.mockResolvedValueOnce({ ok: true, value: { version: '1' } });
    await expect(bridge.invoke('app:info')).resolves.toEqual({ ok: true, value: { version: '1' } });
    expect(ipcRenderer.invoke).toHaveBeenCalledWith('app:info', undefined);
    expect(INVOKE_CHANNELS).toContain('app:info');
  });

  it('answers UNKNOWN_CHANNEL for anything else, without touching IPC', async () => {
    for (const channel of ['fs:readFile', 'ELECTRON_BROWSER_REQUIRE', '__proto__', 'hasOwnProperty', '']) {
      await expect(bridge.invoke(channel, {})).resolves.toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    }
    await expect(bridge.invoke(42 as unknown as string)).resolves.toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(ipcRenderer.invoke).not.toHaveBeenCalled();
  });

  it('refuses to subscribe to events off the list', () => {
    expect(() => bridge.on('ELECTRON_RENDERER_IPC', () => undefined)).toThrow(/unknown event/);
    expect(ipcRenderer.listenerCount('ELECTRON_RENDERER_IPC')).toBe(0);
  });
});

describe('createBridge events', () => {
  it('passes the payload only, never the IpcRendererEvent, and unsubscribes', () => {
    ipcRenderer.removeAllListeners();
    const bridge = createBridge(ipcRenderer as never, [], ['task:progress']);
    const listener = vi.fn();
    const off = bridge.on('task:progress', listener);
    ipcRenderer.emit('task:progress', { sender: ipcRenderer, senderId: 0 }, { done: 3 });
    expect(listener).toHaveBeenCalledExactlyOnceWith({ done: 3 });
    off();
    off();
    ipcRenderer.emit('task:progress', {}, { done: 4 });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(ipcRenderer.listenerCount('task:progress')).toBe(0);
    expect(() => bridge.on('task:progress', 'nope' as never)).toThrow(TypeError);
  });
});
