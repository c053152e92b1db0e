/**
 * Where tests find shared inputs, and throwaway folders that clean themselves up.
 * The shared folder sits beside the clone (`<clone>/../shared`) here and in CI alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, onTestFinished } from 'vitest';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const SHARED = resolve(REPO_ROOT, '..', 'shared');
export const FIXTURES = join(SHARED, 'fixtures');
export const SHARED_MODELS = join(SHARED, 'models');

const leftovers = new Set<string>();
let exitHookInstalled = false;

function remove(dir: string): void {
  leftovers.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

/**
 * A fresh folder under the OS temp dir. Called inside a test it is removed when that test finishes;
 * called at file or suite level (or in beforeAll) it is removed after the suite's tests; anything
 * still around when the worker exits is removed then.
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `fo-${prefix.replace(/[^A-Za-z0-9_-]/g, '_')}-`));
  leftovers.add(dir);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const d of [...leftovers]) remove(d);
    });
  }
  try {
    onTestFinished(() => remove(dir));
  } catch {
    // Not inside a test: hooks are the next best scope.
    try {
      afterAll(() => remove(dir));
    } catch {
      // Outside any collectable scope; the exit hook above covers it.
    }
  }
  return dir;
}
