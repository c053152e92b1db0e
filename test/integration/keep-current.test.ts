/**
 * Keep-current mode on real folders with real chokidar and the real engine: a first run with no folders,
 * a folder added while the app runs, a folder unplugged and plugged back (renamed away and back), a folder
 * removed. Nothing here calls index() after start-up: what appears, appears by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../src-main/engine/engine';
import { defaultModelsDir } from '../../src-main/engine/vision/models/manifest';
import { FIXTURES, tempDir } from '../helpers/paths';

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('keeping the library current', () => {
  let engine: Engine;
  let photos: string;
  const folderState = async () => (await engine.library.status()).folders.find((f) => f.path === photos)?.watch;

  beforeAll(async () => {
    const base = tempDir('keep-current');
    photos = join(base, 'Photos');
    mkdirSync(photos);
    engine = await Engine.open({
      library: tempDir('keep-current-lib'),
      modelsDir: defaultModelsDir(),
      detector: 'default',
      fetchModels: false,
      settings: { vision: { provider: 'cpu' }, indexing: { removalGraceMs: 1000, missingFolderPollMs: 300 } },
    });
    // A first run: no folders at all when the app starts keeping the library current.
    expect(await engine.library.listFolders()).toEqual([]);
    await (await engine.library.keepCurrent()).done;
  });
  afterAll(() => engine?.close());

  it('watches a folder added after start-up: a photo copied in appears by itself', async () => {
    await engine.library.addFolders([photos]);
    expect(await folderState()).toEqual({ state: 'watching' });
    copyFileSync(join(FIXTURES, 'groups/two_people.jpg'), join(photos, 'two.jpg'));
    const s = await until('the photo indexed', async () => {
      const st = await engine.library.status();
      return st.media.ok === 1 && !st.indexing ? st : null;
    });
    expect(s.faces).toBe(2);
  });

  it('says a folder is missing while it is unplugged, and rescans and watches it again when it is back', async () => {
    const away = `${photos}-unplugged`;
    renameSync(photos, away);
    expect(await until('missing', async () => ((await folderState())?.state === 'missing' ? true : null))).toBe(true);
    // An unplugged drive does not empty the library.
    expect((await engine.library.status()).media.ok).toBe(1);
    // Changed while away: only a rescan on return can notice this one.
    copyFileSync(join(FIXTURES, 'groups/bbt3.jpg'), join(away, 'while-away.jpg'));
    renameSync(away, photos);
    await until('watching again', async () => ((await folderState())?.state === 'watching' ? true : null));
    const s = await until('the photo added while away indexed', async () => {
      const st = await engine.library.status();
      return st.media.ok === 2 && !st.indexing ? st : null;
    });
    expect(s.faces).toBe(7);
    // And events flow again.
    copyFileSync(join(FIXTURES, 'people/amy/amy_1.png'), join(photos, 'after.png'));
    await until('a photo added after the return indexed', async () => ((await engine.library.status()).media.ok === 3 ? true : null));
  });

  it('stops watching a folder that is removed from the library', async () => {
    const other = tempDir('keep-current-other');
    await engine.library.addFolders([other]);
    const id = (await engine.library.listFolders()).find((f) => f.path === photos)!.id;
    await engine.library.removeFolder(id);
    const st = await engine.library.status();
    expect(st.folders.map((f) => [f.path, f.watch.state])).toEqual([[other, 'watching']]);
    copyFileSync(join(FIXTURES, 'groups/bbt5.jpg'), join(photos, 'ignored.jpg'));
    copyFileSync(join(FIXTURES, 'groups/two_people.jpg'), join(other, 'seen.jpg'));
    // The photo in the watched folder proves events were processed; the removed folder's photo never comes.
    await until('the other folder indexed', async () => {
      const s = await engine.library.status();
      return s.folders[0]!.media === 1 && !s.indexing ? true : null;
    });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await engine.library.status()).media.total).toBe(1);
  });
});
