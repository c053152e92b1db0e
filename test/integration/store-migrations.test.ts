/**
 * The store's migration cycle on real LanceDB folders: a library written at schema version 1 (frozen in
 * test/helpers/library-v1.ts) opens with the current code with all its data, and the runner applies
 * each newer migration once, in order, recording progress so a failed upgrade resumes where it stopped.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LibraryStore } from '../../src-main/engine/store/library-store';
import type { Migration } from '../../src-main/engine/store/migrations';
import { SCHEMA_VERSION } from '../../src-main/engine/store/schema';
import type { FaceRow } from '../../src-main/engine/store/rows';
import { tempDir } from '../helpers/paths';
import { writeV1Library } from '../helpers/library-v1';

const metaOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { schemaVersion: number; libraryId: string };

describe('store migrations', () => {
  it('opens a version-1 library with the current code and keeps every row', async () => {
    const dir = tempDir('store-v1');
    await writeV1Library(dir);
    const s = await LibraryStore.open(dir);
    try {
      expect(metaOf(dir)).toMatchObject({ schemaVersion: SCHEMA_VERSION, libraryId: 'lib-v1' });
      expect(s.meta.libraryId).toBe('lib-v1');
      expect(await s.folders.list()).toEqual([{ id: 'F', path: "/photos/it's mine", added_at: 1, last_scan_at: 2 }]);
      const [m] = await s.media.byPaths(["/photos/it's mine/a.jpg"]);
      expect(m).toMatchObject({ id: 'm1', camera: 'Canon', rating: 4, tags: '["beach"]', face_count: 2, status: 'ok' });
      const faces = new Map((await s.faces.all()).map((f) => [f.id, f]));
      expect(faces.get('f1')).toMatchObject({ person_id: 'p1', assignment: 'user', x: 10, h: 40 });
      expect(Array.from(faces.get('f1')!.vector).indexOf(1)).toBe(3);
      expect((await s.faces.unassigned(['id'])).map((f) => f.id)).toEqual(['f2']);
      expect((await s.faces.rejectedFrom('p1', ['id'])).map((f) => f.id)).toEqual(['f2']);
      const [p] = await s.persons.find({ named: true });
      expect(p).toMatchObject({ id: 'p1', name: 'Ada', confirmed: true, face_count: 1 });
      expect(Array.from(p!.centroid!).indexOf(1)).toBe(3);
      // The current code writes into the old tables: rows of today's shape are accepted and read back.
      const fresh: FaceRow = { ...faces.get('f2')!, id: 'f3', person_id: null, rejected: null, vector: new Float32Array(512).fill(0.01) };
      await s.faces.add([fresh]);
      await s.faces.patch([{ id: 'f2', person_id: 'p1', assignment: 'user' }]);
      await s.persons.patch([{ id: 'p1', face_count: 2 }]);
      expect((await s.faces.ofPerson('p1', ['id'])).map((f) => f.id).sort()).toEqual(['f1', 'f2']);
      expect(await s.faces.count()).toBe(3);
    } finally {
      s.close();
    }
  });

  it('runs each migration newer than the library once, in order, recording each in meta.json', async () => {
    const dir = tempDir('store-migrate');
    await writeV1Library(dir);
    const ran: number[] = [];
    const migrations: Migration[] = [
      { to: 3, up: async () => void ran.push(3) },
      {
        to: 2,
        up: async (db) => {
          ran.push(2);
          await db.table('faces').addColumns([{ name: 'note', valueSql: "'from v1'" }]);
        },
      },
    ];
    const s = await LibraryStore.open(dir, { version: 3, migrations });
    expect(ran).toEqual([2, 3]);
    expect(metaOf(dir).schemaVersion).toBe(3);
    expect((await s.faces.all()).map((f) => (f as FaceRow & { note?: string }).note)).toEqual(['from v1', 'from v1']);
    s.close();
    (await LibraryStore.open(dir, { version: 3, migrations })).close();
    expect(ran).toEqual([2, 3]);
    // The app that knows only version 1 refuses the upgraded library instead of misreading it.
    await expect(LibraryStore.open(dir)).rejects.toMatchObject({ code: 'LIBRARY_TOO_NEW' });
  });

  it('stops at a failed migration with LIBRARY_CORRUPT; the next open resumes from the last one that finished', async () => {
    const dir = tempDir('store-migrate-fail');
    await writeV1Library(dir);
    const ran: number[] = [];
    const ok: Migration = { to: 2, up: async () => void ran.push(2) };
    const broken: Migration = { to: 3, up: () => Promise.reject(new Error('disk full')) };
    await expect(LibraryStore.open(dir, { version: 3, migrations: [ok, broken] })).rejects.toMatchObject({ code: 'LIBRARY_CORRUPT', message: expect.stringMatching(/schema 3 failed: disk full/) });
    expect(metaOf(dir).schemaVersion).toBe(2);
    const s = await LibraryStore.open(dir, { version: 3, migrations: [ok, { to: 3, up: async () => void ran.push(3) }] });
    expect(ran).toEqual([2, 3]);
    expect((await s.media.byIds(['m1'])).length).toBe(1);
    s.close();
  });

  it('refuses a meta.json it cannot parse rather than starting an empty library over the data', async () => {
    const dir = tempDir('store-meta-bad');
    await writeV1Library(dir);
    writeFileSync(join(dir, 'meta.json'), '{ not json');
    await expect(LibraryStore.open(dir)).rejects.toMatchObject({ code: 'LIBRARY_CORRUPT' });
  });
});
