import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_WINDOW_SIZE, MIN_WINDOW_SIZE, loadWindowState, saveWindowState } from '../../src-main/electron/window-state';

const SCREEN = [{ x: 0, y: 0, width: 1920, height: 1040 }];
let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fo-window-state-'));
  file = join(dir, 'window-state.json');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('window state', () => {
  it('defaults on first run, letting the OS place the window', () => {
    expect(loadWindowState(file, SCREEN)).toEqual({ ...DEFAULT_WINDOW_SIZE, maximized: false });
  });

  it('round-trips bounds and maximized, rounding fractional pixels', () => {
    saveWindowState(file, { x: 10.4, y: 20.6, width: 1000.2, height: 700 }, true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ x: 10, y: 21, width: 1000, height: 700, maximized: true });
    expect(loadWindowState(file, SCREEN)).toEqual({ x: 10, y: 21, width: 1000, height: 700, maximized: true });
  });

  it('drops a position on a display that is gone, keeping maximized', () => {
    saveWindowState(file, { x: 2500, y: 100, width: 1000, height: 700 }, true);
    expect(loadWindowState(file, SCREEN)).toEqual({ ...DEFAULT_WINDOW_SIZE, maximized: true });
  });

  it('shrinks a window larger than its display, but not below the minimum', () => {
    saveWindowState(file, { x: 0, y: 0, width: 4000, height: 3000 }, false);
    expect(loadWindowState(file, SCREEN)).toMatchObject({ width: 1920, height: 1040 });
    saveWindowState(file, { x: 0, y: 0, width: 100, height: 100 }, false);
    expect(loadWindowState(file, SCREEN)).toMatchObject({ width: MIN_WINDOW_SIZE.width, height: MIN_WINDOW_SIZE.height });
  });

  it('ignores malformed files', () => {
    for (const content of ['', '{', 'null', '[]', '{"x":"1","y":0,"width":800,"height":600}', '{"x":0,"y":0,"width":-5,"height":600}']) {
      writeFileSync(file, content);
      expect(loadWindowState(file, SCREEN)).toEqual({ ...DEFAULT_WINDOW_SIZE, maximized: false });
    }
  });

  it('never throws when the folder cannot be written', () => {
    const blocked = join(dir, 'blocker');
    writeFileSync(blocked, 'a file where a folder should be');
    const warn = console.warn;
    console.warn = () => undefined;
    try {
      expect(() => saveWindowState(join(blocked, 'window-state.json'), { x: 0, y: 0, width: 800, height: 600 }, false)).not.toThrow();
    } finally {
      console.warn = warn;
    }
  });
});
