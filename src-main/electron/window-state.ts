/**
 * Remembers the main window's size, position and maximized state across launches in a small JSON
 * file in the user data folder. No electron import: main passes in the displays, tests pass fakes.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';

export const WINDOW_STATE_FILE = 'window-state.json';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Shaped like BrowserWindow's options; `x`/`y` are absent when the OS should centre the window. */
export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export const DEFAULT_WINDOW_SIZE = { width: 1200, height: 800 } as const;
/** Smaller than this the first-run view and, later, the person grid stop making sense. */
export const MIN_WINDOW_SIZE = { width: 720, height: 480 } as const;

const StoredStateSchema = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  maximized: z.boolean().default(false),
});

/** A window is kept where it was only if enough of its title bar is still on some display. */
const VISIBLE_MARGIN = 48;

function intersects(a: Rect, b: Rect): boolean {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w >= VISIBLE_MARGIN && h >= VISIBLE_MARGIN;
}

/**
 * Reads the saved state and fits it to today's displays. A missing, unreadable or malformed file,
 * or a window left on a monitor that is no longer attached, falls back to the default size.
 */
export function loadWindowState(file: string, workAreas: readonly Rect[]): WindowState {
  const fallback: WindowState = { ...DEFAULT_WINDOW_SIZE, maximized: false };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return fallback;
  }
  const parsed = StoredStateSchema.safeParse(raw);
  if (!parsed.success) return fallback;
  const { maximized, ...saved } = parsed.data;
  const area = workAreas.find((a) => intersects(saved, a));
  if (!area) return { ...fallback, maximized };
  const width = Math.max(MIN_WINDOW_SIZE.width, Math.min(saved.width, area.width));
  const height = Math.max(MIN_WINDOW_SIZE.height, Math.min(saved.height, area.height));
  return { x: saved.x, y: saved.y, width, height, maximized };
}

/** Best effort: losing the window position must never stop the app from closing. */
export function saveWindowState(file: string, bounds: Rect, maximized: boolean): void {
  const state = {
    x: Math.round(bounds.x),
    y: Math.round(bounds.y),
    width: Math.round(bounds.width),
    height: Math.round(bounds.height),
    maximized,
  };
  try {
    mkdirSync(dirname(file), { recursive: true });
    // Write-then-rename so a crash mid-write leaves the previous state, not half a JSON file.
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify(state));
    renameSync(tmp, file);
  } catch (error) {
    console.warn('could not save the window state:', error);
  }
}
