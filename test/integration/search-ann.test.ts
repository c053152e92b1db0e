/**
 * The vector index on a real LanceDB table of 20k synthetic faces (distributions fitted to the
 * fixtures): built by policy, its answers equal a brute-force scan (also under filters and for 100
 * results), fresh unindexed rows are found, and it is extended or retrained as the table grows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { LibraryStore } from '../../src-main/engine/store/library-store';
import { SearchService } from '../../src-main/engine/search/search-service';
import type { FaceSource } from '../../src-main/engine/search/search-service';
import type { FaceIndex } from '../../src-main/engine/store/face-index';
import { searchSettings } from '../../src-main/engine/settings';
import { tempDir } from '../helpers/paths';
import {
  facesArrow, fitEmbeddingModel, planSyntheticLibrary, syntheticColumns, syntheticMedia, syntheticQueries, writeSynthetic,
} from '../helpers/search-library';
import type { SyntheticOptions } from '../helpers/search-library';

// Pair statistics of the fixtures' embeddings (docs/search.md): same person 0.670 +- 0.113, different 0.001 +- 0.095.
const MODEL = fitEmbeddingModel({ n: 92, mean: 0.67, sd: 0.113, min: 0.366, max: 0.885 }, { n: 1339, mean: 0.001, sd: 0.095, min: -0.279, max: 0.277 });
const OPTS: SyntheticOptions = { rows: 20_000, seed: 11, batchSize: 10_000 };
const LIB = planSyntheticLibrary(MODEL, OPTS);
const COLS = ['id', 'media_id', 'kind', 'captured_at'] as const;
const noImages: FaceSource = { analyze: () => Promise.reject(new Error('no images in this test')) };

let store: LibraryStore;
let index: FaceIndex;
const logs: string[] = [];

// Removed explicitly: a folder made in beforeAll can outlive the worker (~100 MB for the 20k-face table).
let dir = '';

beforeAll(async () => {
  store = await LibraryStore.open((dir = tempDir('search-ann')));
  await writeSynthetic(store.faces, MODEL, LIB, OPTS);
  await store.media.append(syntheticMedia(LIB, OPTS));
  index = store.faceIndex(searchSettings({ annMinRows: 30_000 }), { log: (m) => logs.push(m) });
});
afterAll(() => {
  store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ids = (hits: { row: Record<string, unknown> }[]) => hits.map((h) => String(h.row.id));

describe('face vector index', () => {
  it('waits for annMinRows, then builds an IVF-RQ index', async () => {
    expect(await index.ensure()).toBe('none');
    expect((await index.status()).indexType).toBeNull();
    expect(await index.ensure({ force: true })).toBe('built');
    expect(await index.status()).toMatchObject({ rows: 20_000, indexType: 'IVF_RQ', indexedRows: 20_000, unindexedRows: 0, partitions: 141, rowsAtBuild: 20_000 });
    expect(logs.join('\n')).toMatch(/ivf_rq over 20000 faces, 141 partitions/);
    // The lookups results need (media by id, a face by id, a person's faces) get scalar indexes too.
    const indexed = await store.indexedColumns();
    expect(indexed.media.map((c) => c[0])).toEqual(['id']);
    expect(indexed.faces.map((c) => c[0]).sort()).toEqual(['id', 'person_id', 'vector']);
  });

  it('answers as a brute-force scan: the same top 10, top 100 at recall >= 0.99, the same under a prefilter', async () => {
    const queries = syntheticQueries(MODEL, LIB, 40, 5);
    for (const q of queries) {
      const ann = await index.search(q.vector, { limit: 10, columns: COLS });
      const exact = await index.bruteForce(q.vector, { limit: 10, columns: COLS });
      expect(ids(ann)).toEqual(ids(exact));
      // Scores are exact (re-ranked on the full vectors), not the quantized estimates.
      ann.forEach((h, i) => expect(h.score).toBeCloseTo(exact[i]!.score, 5));
    }
    let found = 0;
    for (const q of queries.slice(0, 8)) {
      const exact = ids(await index.bruteForce(q.vector, { limit: 100, columns: COLS }));
      const ann = new Set(ids(await index.search(q.vector, { limit: 100, columns: COLS })));
      found += exact.filter((id) => ann.has(id)).length;
      const filter = { kind: 'video', from: LIB.start + (LIB.end - LIB.start) / 2 } as const;
      const filtered = await index.search(q.vector, { limit: 10, columns: COLS, filter });
      expect(filtered).toHaveLength(10);
      expect(filtered.every((h) => h.row.kind === 'video')).toBe(true);
      expect(ids(filtered)).toEqual(ids(await index.bruteForce(q.vector, { limit: 10, columns: COLS, filter })));
    }
    expect(found / 800).toBeGreaterThanOrEqual(0.99);
  });

  it('finds rows added after the build before any rebuild (LanceDB scans the unindexed rows)', async () => {
    const [q] = syntheticQueries(MODEL, LIB, 1, 99);
    const cols = syntheticColumns(MODEL, LIB, 0, 50, OPTS);
    cols.id = cols.id.map((id) => `fresh-${id}`);
    cols.vector.set(q!.vector, 0);
    await store.faces.addArrow(facesArrow(cols, await store.faces.schema()));
    expect((await index.status()).unindexedRows).toBe(50);
    const hits = await index.search(q!.vector, { limit: 3, columns: COLS });
    expect(hits[0]!.row.id).toBe('fresh-f0');
    expect(hits[0]!.score).toBeCloseTo(1, 4);
  });

  it('adds a backlog of new rows to the index, and retrains after 20% growth', async () => {
    const small = store.faceIndex(searchSettings({ annMaxUnindexedRows: 40 }), { lookups: false });
    expect(await small.ensure()).toBe('extended');
    expect(await small.status()).toMatchObject({ unindexedRows: 0, indexedRows: 20_050, rowsAtBuild: 20_000 });
    const grow = syntheticColumns(MODEL, LIB, 0, 4000, OPTS);
    grow.id = grow.id.map((id) => `grown-${id}`);
    await store.faces.addArrow(facesArrow(grow, await store.faces.schema()));
    expect(await small.ensure()).toBe('built');
    expect(await small.status()).toMatchObject({ rows: 24_050, rowsAtBuild: 24_050, unindexedRows: 0, partitions: 155 });
  });

  it('serves face search through the index with the same results as brute force', async () => {
    const search = new SearchService(store, searchSettings(), noImages);
    const probe = (await store.faces.byIds(['f123'], ['id', 'vector']))[0]!;
    const r = await search.searchFaces({ faceId: 'f123', maxResults: 20, threshold: 0 });
    const exact = (await index.bruteForce(Float32Array.from(probe.vector), { limit: 21, columns: COLS })).filter((h) => h.row.id !== 'f123');
    expect(r.queries[0]!.results.map((m) => m.faceId)).toEqual(ids(exact).slice(0, 20));
    expect(r.queries[0]!.results[0]!.path).toMatch(/^\/library\/folder-\d\/(photo|clip)-\d+\.(jpg|mp4)$/);
    await search.close();
  });
});
