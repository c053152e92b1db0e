/**
 * The page web mode serves is the desktop app's built renderer (out/renderer). In a checkout it is
 * (re)built on demand when missing or older than its sources, with the renderer section of
 * electron.vite.config.ts, so `npm run serve` always shows the current UI; an install without the
 * sources or the dev tools must have it built already (`npm run build`).
 */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const RENDERER_OUT = join(REPO_ROOT, 'out', 'renderer');
const SOURCES = [join(REPO_ROOT, 'src-renderer'), join(REPO_ROOT, 'src-main', 'contract')];

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestMtime(p));
    else if (entry.isFile()) newest = Math.max(newest, (await stat(p)).mtimeMs);
  }
  return newest;
}

export type RendererState = 'ready' | 'missing' | 'stale';

export async function rendererState(outDir = RENDERER_OUT): Promise<RendererState> {
  const index = join(outDir, 'index.html');
  const built = await stat(index).then((s) => s.mtimeMs, () => null);
  if (built === null) return 'missing';
  if (!SOURCES.every((d) => existsSync(d))) return 'ready';
  const newest = Math.max(...(await Promise.all(SOURCES.map(newestMtime))));
  return newest > built ? 'stale' : 'ready';
}

/** True when this is a checkout that can build the renderer (sources and vite present). */
export function canBuildRenderer(): boolean {
  return existsSync(join(REPO_ROOT, 'electron.vite.config.ts')) && existsSync(join(REPO_ROOT, 'src-renderer', 'index.html'))
    && existsSync(join(REPO_ROOT, 'node_modules', 'vite'));
}

/** Builds only the renderer, exactly as `electron-vite build` would (same config section, relative base). */
export async function buildRenderer(outDir = RENDERER_OUT): Promise<void> {
  const { loadConfigFromFile } = await import('electron-vite');
  const { build } = await import('vite');
  const loaded = await loadConfigFromFile({ command: 'build', mode: 'production' }, join(REPO_ROOT, 'electron.vite.config.ts'), REPO_ROOT, 'warn');
  const renderer = loaded.config.renderer;
  if (!renderer) throw new Error('electron.vite.config.ts has no renderer section');
  await build({
    ...renderer,
    configFile: false,
    mode: 'production',
    // The desktop app serves the build from app:// with relative asset URLs; so do we.
    base: './',
    logLevel: 'warn',
    build: { ...renderer.build, outDir, emptyOutDir: true },
  });
}

/** Ready to serve: builds when needed and possible, else explains what to run. */
export async function ensureRenderer(log: (line: string) => void, outDir = RENDERER_OUT): Promise<string> {
  const state = await rendererState(outDir);
  if (state === 'ready') return outDir;
  if (!canBuildRenderer()) {
    if (state === 'stale') return outDir;
    throw new Error(`The web UI is not built (${outDir} is missing): run \`npm run build\` first`);
  }
  log(state === 'missing' ? 'building the web UI (first run, ~10 s)…' : 'the UI sources changed: rebuilding the web UI…');
  await buildRenderer(outDir);
  return outDir;
}
