/**
 * The library store on a real LanceDB folder: tables created with the schema version, batched writes,
 * partial updates that keep other columns, cascading deletes, crash repair, compaction, reopen.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LibraryStore } from '../../src-main/engine/store/library-store';
import { SCHEMA_VERSION } from '../../src-main/engine/store/schema';
import type { FaceRow, MediaRow } from '../../src-main/engine/store/rows';
import { tempDir } from '../helpers/paths';

function media(id: string, path: string, folder: string): MediaRow {
  return {
    id, path, folder_id: folder, content_hash: `h-${id}`, kind: 'image', bytes: 100, mtime: 1, captured_at: 5, captured_at_source: 'exif',
    width: 10, height: 10, duration: null, camera: null, rating: null, tags: null, gps_lat: null, gps_lon: null, status: 'ok',
    error_code: null, error_text: null, face_count: 1, indexed_at: 1, model_id: 'm',
  };
}
function face(id: string, mediaId: string, folder: string, v = 0): FaceRow {
  const vector = new Float32Array(512);
  vector[v] = 1;
  return {
    id, media_id: mediaId, folder_id: folder, kind: 'image', captured_at: 5, frame_time: null, ranges: null, x: 1, y: 2, w: 3, h: 4,
    landmarks: '[]', score: 0.9, quality: 0.8, person_id: null, assignment: 'none', rejected: null, clustered: false, model_id: 'm',
    created_at: 1, vector,
  };
}

describe('LibraryStore', () => {
  it('creates the tables with the schema version and survives a reopen', async () => {
    const dir = tempDir('store');
    const s = await LibraryStore.open(dir);
    const f = await s.folders.add('/photos/it\'s here');
    await s.media.upsert([media('m1', "/photos/it's here/a.jpg", f.id)]);
    await s.faces.add([face('f1', 'm1', f.id, 3)]);
    s.close();
    expect(JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')).schemaVersion).toBe(SCHEMA_VERSION);
    const again = await LibraryStore.open(dir);
    expect((await again.media.byPaths(["/photos/it's here/a.jpg"]))[0]!.id).toBe('m1');
    const [row] = await again.faces.byIds(['f1']);
    expect(row!.vector).toBeInstanceOf(Float32Array);
    expect(row!.vector[3]).toBe(1);
    again.close();
  });

  it('patches only the given columns and cascades deletes to faces', async () => {
    const s = await LibraryStore.open(tempDir('store'));
    await s.media.upsert([media('m1', '/a.jpg', 'F'), media('m2', '/b.jpg', 'F')]);
    await s.faces.add([face('f1', 'm1', 'F'), face('f2', 'm1', 'F'), face('f3', 'm2', 'F')]);
    await s.faces.patch([{ id: 'f1', person_id: 'p1', assignment: 'auto' }, { id: 'f3', person_id: 'p2', assignment: 'user' }]);
    const rows = await s.faces.byIds(['f1', 'f2', 'f3']);
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get('f1')!.person_id).toBe('p1');
    expect(byId.get('f1')!.quality).toBeCloseTo(0.8, 5);
    expect(byId.get('f2')!.person_id).toBeNull();
    await s.deleteMedia(['m1']);
    expect((await s.faces.all()).map((f) => f.id)).toEqual(['f3']);
    expect(await s.media.count()).toBe(1);
    s.close();
  });

  it('repairs faces left without media and reports pending media', async () => {
    const s = await LibraryStore.open(tempDir('store'));
    await s.media.upsert([media('m1', '/a.jpg', 'F'), { ...media('m2', '/b.jpg', 'F'), status: 'pending' }]);
    await s.faces.add([face('f1', 'm1', 'F'), face('f2', 'gone', 'F'), face('f3', 'm2', 'F')]);
    const r = await s.repair();
    expect(r.orphanFaces).toBe(2);
    expect(r.pendingMedia.map((m) => m.id)).toEqual(['m2']);
    expect((await s.faces.all()).map((f) => f.id)).toEqual(['f1']);
    s.close();
  });

  it('keeps its folder from growing without bound: optimize drops old versions', async () => {
    const s = await LibraryStore.open(tempDir('store'));
    for (let i = 0; i < 30; i++) await s.media.patch([{ id: 'x', status: 'ok' }]).catch(() => undefined);
    for (let i = 0; i < 30; i++) await s.media.upsert([media(`m${i}`, `/p${i}.jpg`, 'F')]);
    const before = await s.sizeOnDisk();
    await s.optimize(0);
    const after = await s.sizeOnDisk();
    expect(after).toBeLessThan(before);
    expect(await s.media.count()).toBe(30);
    s.close();
  });

  it('removing a folder removes its media and faces', async () => {
    const s = await LibraryStore.open(tempDir('store'));
    const a = await s.folders.add('/a');
    const b = await s.folders.add('/b');
    await s.media.upsert([media('m1', '/a/1.jpg', a.id), media('m2', '/b/2.jpg', b.id)]);
    await s.faces.add([face('f1', 'm1', a.id), face('f2', 'm2', b.id)]);
    await s.removeFolder(a.id);
    expect((await s.folders.list()).map((f) => f.path)).toEqual(['/b']);
    expect((await s.faces.all()).map((f) => f.id)).toEqual(['f2']);
    s.close();
  });
});
