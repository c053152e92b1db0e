/**
 * The face snapshot read from LanceDB: Arrow columns to typed arrays (vectors exact, several chunks),
 * and the cache that keeps vectors between runs but re-reads new and unclustered faces.
 */
import { describe, expect, it } from 'vitest';
import { LibraryStore } from '../../src-main/engine/store/library-store';
import type { FaceRow } from '../../src-main/engine/store/rows';
import { SnapshotCache, loadFaceSnapshot } from '../../src-main/engine/people/face-snapshot';
import { tempDir } from '../helpers/paths';

function face(id: string, seed: number, clustered = true): FaceRow & { vector: Float32Array } {
  const vector = Float32Array.from({ length: 512 }, (_, i) => Math.sin(seed * 7 + i));
  return {
    id, media_id: `m${seed}`, folder_id: 'F', kind: 'image', captured_at: seed, frame_time: null, ranges: null, x: 1, y: 2, w: 3, h: 4,
    landmarks: '[]', score: 0.9, quality: 0.5, person_id: seed % 2 ? 'p1' : null, assignment: seed % 2 ? 'auto' : 'none',
    rejected: seed === 3 ? '["p9"]' : null, clustered, model_id: 'm', created_at: 1, vector,
  };
}

describe('face snapshot', () => {
  it('reads every column and vector, and its cache re-reads only what changed', async () => {
    const store = await LibraryStore.open(tempDir('people-snapshot'));
    // Several adds: several fragments, several Arrow chunks.
    for (let b = 0; b < 3; b++) await store.faces.add(Array.from({ length: 40 }, (_, i) => face(`f${b * 40 + i}`, b * 40 + i)));
    const snap = await loadFaceSnapshot(store);
    expect(snap.count).toBe(120);
    const at = snap.ids.indexOf('f77');
    expect(Array.from(snap.vectors.subarray(at * 512, at * 512 + 4))).toEqual(Array.from(face('f77', 77).vector.subarray(0, 4)));
    expect(snap.rejected[snap.ids.indexOf('f3')]).toEqual(['p9']);
    expect(snap.personIds[snap.ids.indexOf('f3')]).toBe('p1');
    expect(snap.captured[at]).toBe(77);

    const cache = new SnapshotCache(60_000);
    await cache.load(store);
    // A new face, and one re-embedded (new vector, back to unclustered).
    await store.faces.add([face('new', 500, false)]);
    await store.faces.patch([{ id: 'f5', vector: face('x', 999).vector, clustered: false }]);
    const cached = await cache.load(store);
    const fresh = await loadFaceSnapshot(store);
    expect(cached.count).toBe(121);
    for (const id of ['new', 'f5', 'f100', 'f0']) {
      const a = cached.ids.indexOf(id), b = fresh.ids.indexOf(id);
      expect(Array.from(cached.vectors.subarray(a * 512, a * 512 + 512))).toEqual(Array.from(fresh.vectors.subarray(b * 512, b * 512 + 512)));
    }
    cache.clear();
    store.close();
  });
});
