/**
 * Indexing real folders into a real LanceDB: first index, no-change restart, modified / renamed /
 * moved / deleted files, duplicates, unicode paths, bad files among good ones — and face ids, persons
 * and corrections that survive all of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, renameSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../src-main/engine/engine';
import { defaultModelsDir } from '../../src-main/engine/vision/models/manifest';
import type { IndexSummary } from '../../src-main/engine/library/indexer';
import type { MediaRow } from '../../src-main/engine/store/rows';
import type { LibraryStore } from '../../src-main/engine/store/library-store';
import { FIXTURES, tempDir } from '../helpers/paths';
import { writeBadFiles } from '../helpers/bad-files';

const PHOTOS = [
  'people/obama/obama_obama.jpg',
  'people/biden/biden_biden.jpg',
  'people/sheldon/sheldon_1.png',
  'people/penny/penny_1.png',
  'groups/bbt3.jpg',
  'groups/two_people.jpg',
];

async function openEngine(library: string): Promise<Engine> {
  return Engine.open({ library, modelsDir: defaultModelsDir(), detector: 'default', fetchModels: false, settings: { vision: { provider: 'cpu' } } });
}

async function indexOnce(engine: Engine): Promise<IndexSummary> {
  const { done } = await engine.library.index();
  const task = await done;
  expect(task.status, JSON.stringify(task.error)).toBe('succeeded');
  return task.result as IndexSummary;
}

describe('library indexing', () => {
  let root: string;
  let library: string;
  let engine: Engine;
  let first: IndexSummary;

  beforeAll(async () => {
    root = tempDir('photos');
    library = tempDir('library');
    mkdirSync(join(root, 'Été 2024 — plage', 'sub dir'), { recursive: true });
    for (const p of PHOTOS) copyFileSync(join(FIXTURES, p), join(root, p.split('/').pop()!));
    copyFileSync(join(FIXTURES, 'groups/bbt1.jpg'), join(root, 'Été 2024 — plage', 'sub dir', 'bbt1 copy ✓.jpg'));
    // The same photo twice: recognised as a duplicate, no second analysis.
    copyFileSync(join(FIXTURES, 'groups/bbt3.jpg'), join(root, 'Été 2024 — plage', 'bbt3-again.jpg'));
    mkdirSync(join(root, 'broken'));
    writeBadFiles(join(root, 'broken'));
    mkdirSync(join(root, '.hidden'));
    copyFileSync(join(FIXTURES, 'groups/bbt2.jpg'), join(root, '.hidden', 'skip.jpg'));
    engine = await openEngine(library);
    await engine.library.addFolders([root]);
    first = await indexOnce(engine);
  });
  afterAll(() => engine?.close());

  const store = (): LibraryStore => (engine as unknown as { library: { store: LibraryStore } }).library.store;
  const mediaByName = async (): Promise<Map<string, MediaRow>> =>
    new Map((await store().media.all()).map((m) => [m.path.split('/').pop()!, m]));

  it('indexes every supported file once, skipping hidden folders, and records bad files with codes', async () => {
    // 6 photos + 1 in the unicode folder + 1 duplicate + broken/ (4 bad files and good.jpg, itself a
    // copy of two_people.jpg) = 13.
    expect(first.files).toBe(13);
    expect(first.duplicates).toBe(2);
    expect(first.errors).toBe(4);
    const media = await mediaByName();
    expect(media.has('skip.jpg')).toBe(false);
    expect(media.get('bbt1 copy ✓.jpg')!.status).toBe('ok');
    expect(media.get('bbt1 copy ✓.jpg')!.face_count).toBe(4);
    const errs = await engine.library.errors();
    expect(errs.items.map((e) => [e.path.split('/').pop(), e.code]).sort()).toEqual([
      ['bomb.png', 'IMAGE_TOO_LARGE'],
      ['empty.jpg', 'FILE_EMPTY'],
      ['notes.jpg', 'NOT_AN_IMAGE'],
      ['truncated.jpg', 'IMAGE_CORRUPT'],
    ]);
    const dup = media.get('bbt3-again.jpg')!;
    expect(dup.content_hash).toBe(media.get('bbt3.jpg')!.content_hash);
    expect(dup.face_count).toBe(media.get('bbt3.jpg')!.face_count);
    expect((await store().faces.ofMedia([dup.id])).length).toBe(media.get('bbt3.jpg')!.face_count);
  });

  it('follows the run with person upkeep, clustering and search-index upkeep, each a task the user sees', async () => {
    await engine.settled();
    const run = engine.tasks.list({ kind: 'index' }).find((t) => t.status === 'succeeded')!;
    const after = ['people.reconcile', 'people.cluster', 'search.index'].map((kind) => {
      const list = engine.tasks.list({ kind });
      expect(list, kind).toHaveLength(1);
      return list[0]!;
    });
    for (const t of after) expect(t.status, `${t.kind}: ${JSON.stringify(t.error)}`).toBe('succeeded');
    // In that order, after the indexing run that changed the library.
    expect(after[0]!.startedAt!).toBeGreaterThanOrEqual(run.finishedAt!);
    expect(after[1]!.startedAt!).toBeGreaterThanOrEqual(after[0]!.finishedAt!);
    expect(after[2]!.startedAt!).toBeGreaterThanOrEqual(after[1]!.finishedAt!);
    expect((await engine.people.listPersons({})).persons.length).toBeGreaterThan(0);
  });

  it('finds nothing to do on a restart without changes', async () => {
    await engine.close();
    engine = await openEngine(library);
    const s = await indexOnce(engine);
    expect(s).toMatchObject({ indexed: 0, moved: 0, removed: 0, duplicates: 0, unchanged: 13 });
  });

  it('keeps face ids, persons and corrections through rename, move, content change and re-index', async () => {
    const before = await mediaByName();
    const obama = before.get('obama_obama.jpg')!;
    const [face] = await store().faces.ofMedia([obama.id]);
    await store().faces.patch([{ id: face!.id, person_id: 'person-obama', assignment: 'user', rejected: '["person-x"]' }]);

    // Offline changes while the app is closed: a rename into another folder, a deletion, an edit.
    await engine.close();
    renameSync(join(root, 'obama_obama.jpg'), join(root, 'Été 2024 — plage', 'renamed obama.jpg'));
    rmSync(join(root, 'penny_1.png'));
    writeFileSync(join(root, 'biden_biden.jpg'), readFileSync(join(FIXTURES, 'people/biden/biden_biden2.jpg')));
    engine = await openEngine(library);
    const s = await indexOnce(engine);
    expect(s).toMatchObject({ moved: 1, removed: 1, indexed: 1 });

    const after = await mediaByName();
    const moved = after.get('renamed obama.jpg')!;
    expect(moved.id).toBe(obama.id);
    const [kept] = await store().faces.ofMedia([moved.id]);
    expect(kept).toMatchObject({ id: face!.id, person_id: 'person-obama', assignment: 'user', rejected: '["person-x"]' });
    expect(after.has('penny_1.png')).toBe(false);
    expect(await store().faces.ofMedia([before.get('penny_1.png')!.id])).toHaveLength(0);
    expect(after.get('biden_biden.jpg')!.content_hash).not.toBe(before.get('biden_biden.jpg')!.content_hash);
  });

  it('re-detecting an unchanged photo keeps every face id (matched by box overlap)', async () => {
    const media = (await mediaByName()).get('bbt3.jpg')!;
    const ids = (await store().faces.ofMedia([media.id])).map((f) => f.id).sort();
    // Force a re-analysis: the indexer treats a pending row as not yet done.
    await store().media.patch([{ id: media.id, status: 'pending' }]);
    const s = await indexOnce(engine);
    expect(s.indexed).toBe(1);
    expect((await store().faces.ofMedia([media.id])).map((f) => f.id).sort()).toEqual(ids);
  });

  it('retries a failed file once it changes', async () => {
    writeFileSync(join(root, 'broken', 'notes.jpg'), readFileSync(join(FIXTURES, 'people/amy/amy_1.png')));
    const s = await indexOnce(engine);
    expect(s.indexed).toBe(1);
    const notes = (await mediaByName()).get('notes.jpg')!;
    expect(notes.status).toBe('ok');
    expect(notes.face_count).toBe(1);
  });

  it('does not forget the photos of a folder that is missing (an unplugged drive)', async () => {
    const before = await store().media.count();
    renameSync(root, `${root}-away`);
    try {
      const s = await indexOnce(engine);
      expect(s.removed).toBe(0);
      expect(s.errors).toBeGreaterThan(0);
      expect(await store().media.count()).toBe(before);
    } finally {
      renameSync(`${root}-away`, root);
    }
  });

  it('reports status and keeps one task per run', async () => {
    const st = await engine.library.status();
    expect(st.folders).toHaveLength(1);
    expect(st.media.error).toBe(3);
    expect(st.faces).toBeGreaterThan(10);
    const tasks = engine.tasks.list({ kind: 'index' });
    expect(tasks.length).toBeGreaterThanOrEqual(2);
    expect(tasks.every((t) => t.status === 'succeeded')).toBe(true);
  });
});
