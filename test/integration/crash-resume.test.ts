/**
 * kill -9 in the middle of indexing, restart, and the library converges to exactly what an
 * uninterrupted run produces: every file once, every face once, no half-written rows.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { LibraryStore } from '../../src-main/engine/store/library-store';
import { FIXTURES, REPO_ROOT, tempDir } from '../helpers/paths';

const CLI = join(REPO_ROOT, 'bin', 'face-organizer.mjs');
const env = { ...process.env, FACE_ORGANIZER_MODELS_DIR: join(REPO_ROOT, 'resources', 'models') };

function photoFolder(): string {
  const dir = tempDir('crash-photos');
  let i = 0;
  for (const id of readdirSync(join(FIXTURES, 'people'))) {
    for (const f of readdirSync(join(FIXTURES, 'people', id))) copyFileSync(join(FIXTURES, 'people', id, f), join(dir, `${String(i++).padStart(3, '0')}-${f}`));
  }
  return dir;
}

async function snapshot(library: string) {
  const store = await LibraryStore.open(library);
  try {
    const media = await store.media.all();
    const faces = await store.faces.all(['id', 'media_id']);
    return { media, faces };
  } finally {
    store.close();
  }
}

describe('crash safety', () => {
  it('converges to the uninterrupted result after kill -9 mid-index', async () => {
    const photos = photoFolder();
    const control = tempDir('crash-control');
    const victim = tempDir('crash-victim');

    const ok = spawnSync(process.execPath, [CLI, 'index', photos, '--library', control, '--json', '--provider', 'cpu'], { env, encoding: 'utf8', timeout: 180_000 });
    expect(ok.status, ok.stderr).toBe(0);

    // Kill the second run as soon as some (not all) files are committed.
    const child = spawn(process.execPath, [CLI, 'index', photos, '--library', victim, '--provider', 'cpu'], { env, stdio: 'ignore' });
    const deadline = Date.now() + 120_000;
    let killedAt = -1;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 150));
      const { media } = await snapshot(victim).catch(() => ({ media: [] as { status: string }[] }));
      const done = media.filter((m) => m.status === 'ok').length;
      if (done >= 5) {
        child.kill('SIGKILL');
        killedAt = done;
        break;
      }
    }
    await new Promise((r) => child.once('exit', r));
    expect(killedAt).toBeGreaterThan(0);
    const mid = await snapshot(victim);
    expect(mid.media.filter((m) => m.status === 'ok').length).toBeLessThan((await snapshot(control)).media.length);

    const resumed = spawnSync(process.execPath, [CLI, 'index', '--library', victim, '--json', '--provider', 'cpu'], { env, encoding: 'utf8', timeout: 180_000 });
    expect(resumed.status, resumed.stderr).toBe(0);

    const a = await snapshot(control);
    const b = await snapshot(victim);
    const byPath = (s: typeof a) => new Map(s.media.map((m) => [m.path, m]));
    expect([...byPath(b).keys()].sort()).toEqual([...byPath(a).keys()].sort());
    expect(b.media.length).toBe(new Set(b.media.map((m) => m.path)).size);
    expect(b.media.every((m) => m.status === 'ok')).toBe(true);
    for (const [path, m] of byPath(a)) {
      const twin = byPath(b).get(path)!;
      expect(b.faces.filter((f) => f.media_id === twin.id).length, path).toBe(a.faces.filter((f) => f.media_id === m.id).length);
    }
    expect(b.faces.length).toBe(new Set(b.faces.map((f) => f.id)).size);
    const mediaIds = new Set(b.media.map((m) => m.id));
    expect(b.faces.every((f) => mediaIds.has(f.media_id))).toBe(true);
  });
});
