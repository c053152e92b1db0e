/**
 * The library kept current while the app runs (real chokidar, real files): new, changed, renamed,
 * moved and deleted files and folders — and a video indexed into face tracks with time ranges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, cpSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../src-main/engine/engine';
import { defaultModelsDir } from '../../src-main/engine/vision/models/manifest';
import type { LibraryStore } from '../../src-main/engine/store/library-store';
import type { MediaRow } from '../../src-main/engine/store/rows';
import { FIXTURES, tempDir } from '../helpers/paths';
import { LABELS } from '../helpers/truth';

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('watching a library', () => {
  let root: string;
  let engine: Engine;
  const store = (): LibraryStore => (engine as unknown as { library: { store: LibraryStore } }).library.store;
  const byName = async (name: string): Promise<MediaRow | undefined> => (await store().media.all()).find((m) => m.path.endsWith(`/${name}`) && m.status === 'ok');

  beforeAll(async () => {
    root = tempDir('watch');
    copyFileSync(join(FIXTURES, 'groups/two_people.jpg'), join(root, 'two.jpg'));
    copyFileSync(join(FIXTURES, 'video/short_hamilton_clip.mp4'), join(root, 'clip.mp4'));
    engine = await Engine.open({ library: tempDir('watch-lib'), modelsDir: defaultModelsDir(), detector: 'default', fetchModels: false, settings: { vision: { provider: 'cpu' }, indexing: { removalGraceMs: 1500 } } });
    await engine.library.addFolders([root]);
    const { done } = await engine.library.index();
    expect((await done).status).toBe('succeeded');
    await engine.library.startWatching();
  });
  afterAll(() => engine?.close());

  it('indexes a video into a few face tracks whose time ranges match where the person is on screen', async () => {
    const video = (await byName('clip.mp4'))!;
    expect(video.kind).toBe('video');
    expect(video.duration).toBeGreaterThan(9.5);
    const faces = await store().faces.ofMedia([video.id]);
    expect(faces.length).toBeGreaterThan(0);
    expect(faces.length).toBeLessThan(40); // tracks, not one row per sampled frame
    const lin = LABELS.video['video/short_hamilton_clip.mp4']!.lin_manuel_miranda as [number, number][];
    const ranges = faces.flatMap((f) => JSON.parse(f.ranges ?? '[]') as [number, number][]);
    expect(ranges.some(([a, b]) => a < lin[0]![1] && b > lin[0]![0])).toBe(true);
    for (const f of faces) expect(f.frame_time).not.toBeNull();
  });

  it('picks up a new photo, a changed one, a rename, a move, a deletion', async () => {
    copyFileSync(join(FIXTURES, 'groups/bbt3.jpg'), join(root, 'new.jpg'));
    const added = await until('new photo indexed', () => byName('new.jpg'));
    expect(added.face_count).toBe(5);

    writeFileSync(join(root, 'new.jpg'), readFileSync(join(FIXTURES, 'groups/bbt5.jpg')));
    await until('changed photo re-indexed', async () => {
      const m = await byName('new.jpg');
      return m && m.content_hash !== added.content_hash ? m : null;
    });

    const before = (await byName('two.jpg'))!;
    const faceIds = (await store().faces.ofMedia([before.id])).map((f) => f.id).sort();
    renameSync(join(root, 'two.jpg'), join(root, 'renamed.jpg'));
    const renamed = await until('rename seen', () => byName('renamed.jpg'));
    expect(renamed.id).toBe(before.id);
    mkdirSync(join(root, 'moved here'));
    renameSync(join(root, 'renamed.jpg'), join(root, 'moved here', 'renamed.jpg'));
    const moved = await until('move seen', async () => {
      const m = await byName('renamed.jpg');
      return m?.path.includes('moved here') ? m : null;
    });
    expect(moved.id).toBe(before.id);
    expect((await store().faces.ofMedia([moved.id])).map((f) => f.id).sort()).toEqual(faceIds);

    rmSync(join(root, 'new.jpg'));
    await until('deletion seen', async () => !(await store().media.all()).some((m) => m.path.endsWith('/new.jpg')));
  });

  it('picks up a whole new folder and forgets a deleted one', async () => {
    const album = join(root, 'album');
    const staging = tempDir('staging');
    copyFileSync(join(FIXTURES, 'people/amy/amy_1.png'), join(staging, 'a.png'));
    copyFileSync(join(FIXTURES, 'people/raj/raj_1.png'), join(staging, 'b.png'));
    cpSync(staging, album, { recursive: true });
    await until('folder indexed', async () => (await store().media.all()).filter((m) => m.path.startsWith(album) && m.status === 'ok').length === 2);
    rmSync(album, { recursive: true });
    await until('folder forgotten', async () => !(await store().media.all()).some((m) => m.path.startsWith(album)));
  });
});
