/**
 * Request validation of the four searches: out-of-range parameters are refused with the limit in the
 * message before any image is analyzed; an empty library and a query without faces have their own codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { LibraryStore } from '../../src-main/engine/store/library-store';
import { SearchService } from '../../src-main/engine/search/search-service';
import type { FaceSource } from '../../src-main/engine/search/search-service';
import { searchSettings } from '../../src-main/engine/settings';
import type { Face } from '../../src-main/engine/vision/face-analyzer';
import { mediaPredicate } from '../../src-main/engine/search/filters';
import { faceWhere, mediaWhere } from '../../src-main/engine/store/filters';
import { tempDir } from '../helpers/paths';
import { faceRow, mediaRow } from '../helpers/search-library';

class FakeSource implements FaceSource {
  calls = 0;
  faces: Face[] = [];
  async analyze(): Promise<Face[]> {
    this.calls++;
    return this.faces;
  }
}

function fakeFace(size: number, quality: number, seed: number): Face {
  const embedding = new Float32Array(512);
  embedding[seed % 512] = 1;
  return {
    box: { x: 10 * seed, y: 10, width: size, height: size }, score: 0.99, landmarks: [], quality, qualityParts: { size: 1, sharpness: 1, frontalness: 1 },
    embedding, modelId: 'model-x', detectorId: 'det', rotation: 0,
  };
}

let store: LibraryStore;
let source: FakeSource;
let search: SearchService;

// Removed explicitly: a folder made in beforeAll can outlive the worker (~100 MB for the 20k-face table).
let dir = '';

beforeAll(async () => {
  store = await LibraryStore.open((dir = tempDir('search-requests')));
  source = new FakeSource();
  search = new SearchService(store, searchSettings(), source);
});
afterAll(async () => {
  await search.close();
  store.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function refused(p: Promise<unknown>, ...parts: string[]): Promise<void> {
  const e = await p.then(() => null, (err: unknown) => err as { code: string; message: string });
  expect(e, `expected a refusal mentioning ${parts.join(', ')}`).not.toBeNull();
  expect(e!.code).toBe('INVALID_ARGUMENT');
  for (const part of parts) expect(e!.message).toContain(part);
}

describe('search requests', () => {
  it('face search: limits in the messages', async () => {
    await refused(search.searchFaces({ image: 'a.jpg', maxResults: 101 }), 'maxResults', 'between 0 and 100');
    await refused(search.searchFaces({ image: 'a.jpg', maxResults: -1 }), 'maxResults', 'between 0 and 100');
    await refused(search.searchFaces({ image: 'a.jpg', maxResults: 2.5 }), 'maxResults', 'whole number');
    await refused(search.searchFaces({ image: 'a.jpg', threshold: 1.5 }), 'threshold', 'between 0 and 1');
    await refused(search.searchFaces({ image: 'a.jpg', maxFaces: 11 }), 'maxFaces', 'between 1 and 10');
    await refused(search.searchFaces({ image: 'a.jpg', faceIndex: 100 }), 'faceIndex', 'between 0 and 99');
    await refused(search.searchFaces({ image: 'a.jpg', qualityControl: 5 }), 'qualityControl', 'between 0 and 4');
    await refused(search.searchFaces({ image: 'a.jpg', minFaceSize: 20_000 }), 'minFaceSize', 'between 0 and 10000');
    await refused(search.searchFaces({ image: 'a.jpg', folderIds: Array.from({ length: 61 }, (_, i) => `f${i}`) }), 'folderIds', 'at most 60');
    await refused(search.searchFaces({ image: 'a.jpg', faceId: 'f' }), 'exactly one of image or faceId');
    await refused(search.searchFaces({}), 'exactly one of image or faceId');
    await refused(search.searchFaces({ image: 'a.jpg', faceIndex: 1, maxFaces: 3 }), 'faceIndex');
    await refused(search.searchFaces({ image: 'a.jpg', startTime: 10, endTime: 5 }), 'startTime', 'after endTime');
    await refused(search.searchFaces({ image: 'a.jpg', bogus: 1 } as never), 'bogus');
    await refused(search.searchFaces({ image: 42 } as never), 'image', 'file path or the image bytes');
  });

  it('person search: Tencent limits', async () => {
    await refused(search.searchPersons({ image: 'a.jpg', groupIds: Array.from({ length: 61 }, (_, i) => `g${i}`) }), 'groupIds', 'at most 60');
    await refused(search.searchPersons({ image: 'a.jpg', maxPersonsPerGroup: 11 }), 'maxPersonsPerGroup', 'between 1 and 10');
    await refused(search.searchPersons({ image: 'a.jpg', maxFaces: 0 }), 'maxFaces', 'between 1 and 10');
    await refused(search.searchPersons({ image: 'a.jpg', faceMatchThreshold: -0.1 }), 'faceMatchThreshold', 'between 0 and 1');
    await refused(search.searchPersons({} as never), 'image');
  });

  it('media and clip search: ICE limits and filter forms', async () => {
    await refused(search.searchMedia({ personId: 'p', pageSize: 51 }), 'pageSize', 'between 1 and 50');
    await refused(search.searchMedia({ personId: 'p', pageNo: 0 }), 'pageNo', 'between 1 and');
    await refused(search.searchMedia({ personId: 'p', mediaType: 'audio' as never }), 'mediaType', 'image or video');
    await refused(search.searchMedia({ personId: 'p', personImage: 'a.jpg' }), 'exactly one of personImage, personId or faceSearchToken');
    await refused(search.searchMedia({}), 'exactly one');
    await refused(search.searchMedia({ personId: 'p', utcCreate: { gte: 10, lte: 1 } }), 'utcCreate', 'gte must not be above lte');
    await refused(search.searchMedia({ personId: 'p', customFilters: '{not json' }), 'customFilters', 'not valid JSON');
    await refused(search.searchMedia({ personId: 'p', customFilters: { intField2: 3 } as never }), 'customFilters');
    await refused(search.searchMedia({ personId: 'p', customFilters: { strField2: Array.from({ length: 51 }, (_, i) => `t${i}`) } }), 'at most 50');
    await refused(search.searchClips({ personId: 'p', mediaIds: Array.from({ length: 51 }, (_, i) => `m${i}`) }), 'mediaIds', 'at most 50');
    await refused(search.searchClips({ personId: 'p', pageSize: 0 }), 'pageSize', 'between 1 and 50');
  });

  it('validates before analyzing the image', () => {
    expect(source.calls).toBe(0);
  });

  it('says the library is empty before analyzing anything', async () => {
    await expect(search.searchFaces({ image: 'a.jpg' })).rejects.toMatchObject({ code: 'LIBRARY_EMPTY' });
    await expect(search.searchPersons({ image: 'a.jpg' })).rejects.toMatchObject({ code: 'LIBRARY_EMPTY' });
    await expect(search.searchMedia({ personImage: 'a.jpg' })).rejects.toMatchObject({ code: 'LIBRARY_EMPTY' });
    await expect(search.searchClips({ personImage: 'a.jpg' })).rejects.toMatchObject({ code: 'LIBRARY_EMPTY' });
    expect(source.calls).toBe(0);
  });

  it('says when the query image has no usable face, and why', async () => {
    const m = mediaRow('m1', '/lib/a.jpg', 'F', { captured_at: 1 });
    await store.media.upsert([m]);
    await store.faces.add([faceRow('f1', m, fakeFace(100, 0.9, 3))]);
    source.faces = [];
    await expect(search.searchFaces({ image: 'q.jpg' })).rejects.toMatchObject({ code: 'QUERY_NO_FACE', message: 'No face was found in q.jpg' });
    source.faces = [fakeFace(40, 0.2, 1), fakeFace(30, 0.9, 2)];
    await expect(search.searchFaces({ image: 'q.jpg', minFaceSize: 50 })).rejects.toMatchObject({ code: 'QUERY_NO_FACE', message: 'q.jpg has 2 faces, none at least 50 px' });
    await expect(search.searchFaces({ image: 'q.jpg', minFaceSize: 35, qualityControl: 2 })).rejects.toMatchObject({
      code: 'QUERY_NO_FACE',
      message: 'q.jpg has 2 faces, none at least 35 px and of quality level 2 (quality >= 0.3)',
    });
    // Quality control skips the weak largest face: the next one is searched.
    const r = await search.searchFaces({ image: 'q.jpg', qualityControl: 2, threshold: 0 });
    expect(r.queries.map((q) => q.queryFace.index)).toEqual([1]);
    await expect(search.searchFaces({ image: 'q.jpg', faceIndex: 2 })).rejects.toMatchObject({ code: 'QUERY_NO_FACE', message: expect.stringContaining('indexes 0-1') });
    await expect(search.searchFaces({ image: new Uint8Array([1, 2, 3]) })).resolves.toBeDefined();
  });
});

describe('search filters', () => {
  it('builds one prefilter over the face columns, quoting strings', () => {
    expect(faceWhere({})).toBeUndefined();
    expect(faceWhere({ folderIds: ["it's"], kind: 'video', from: 5, to: 9, personId: 'p', modelId: 'm' })).toBe(
      "(folder_id IN ('it''s')) AND (kind = 'video') AND (captured_at >= 5) AND (captured_at <= 9) AND (person_id = 'p') AND (model_id = 'm')",
    );
    expect(() => faceWhere({ from: Number.NaN })).toThrow();
  });

  it('maps ICE custom filters: intField1 = rating, strField1 = camera, strField2 = tags', () => {
    const where = (f: Parameters<typeof mediaPredicate>[0]) => mediaWhere(mediaPredicate(f).filter);
    expect(mediaPredicate(undefined)).toMatchObject({ filter: {}, active: false });
    expect(where({ intField1: { gte: 2, lte: 4 } })).toBe('(rating >= 2) AND (rating <= 4)');
    expect(where({ intField1: {} })).toBe('(rating IS NOT NULL)');
    expect(where({ intField1: 3 })).toBe('(rating = 3)');
    expect(where({ intField1: [1, 5] })).toBe('(rating IN (1, 5))');
    expect(where({ strField1: 'Canon EOS' })).toBe("(camera = 'Canon EOS')");
    expect(where({ strField1: ['a', 'b'] })).toBe("(camera IN ('a', 'b'))");
    const tags = mediaPredicate({ strField2: ['beach', 'dog'] });
    expect(mediaWhere(tags.filter)).toBeUndefined();
    expect(tags.active).toBe(true);
    expect(tags.test({ tags: '["dog","home"]' })).toBe(true);
    expect(tags.test({ tags: '["cat"]' })).toBe(false);
    expect(tags.test({ tags: null })).toBe(false);
    expect(mediaPredicate({ strField2: 'cat' }).test({ tags: '["cat"]' })).toBe(true);
  });
});
