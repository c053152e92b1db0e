/**
 * npm run bench:search [-- --sizes 100000,1000000 --queries 200 --truth N]
 *
 * 1. Real embeddings: the fixtures' people/ and groups/ photos through the real engine. Their pair
 *    similarities give the threshold table of docs/search.md and the statistics the synthetic faces
 *    are fitted to (identity centres + per-face noise, see fitEmbeddingModel in
 *    test/helpers/search-library.ts; the fitted model's own pair statistics are printed beside them).
 * 2. Per size: a temporary library of synthetic faces (50k rows per LanceDB add), media rows and
 *    persons; the vector index built as the policy builds it; then through SearchService, with the
 *    query faces' embeddings ready-made (what is timed excludes analyzing the query image):
 *    face search p50/p95, recall@10 against a brute-force scan, index build time; at the first size
 *    also person search and media search latency. Peak RSS of the process. Prints JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LibraryStore } from '../../src-main/engine/store/library-store';
import { SearchService } from '../../src-main/engine/search/search-service';
import type { FaceSource } from '../../src-main/engine/search/search-service';
import { searchSettings } from '../../src-main/engine/settings';
import type { Face } from '../../src-main/engine/vision/face-analyzer';
import { openEngine } from '../helpers/engines';
import {
  fitEmbeddingModel, fixturePaths, pairStats, planSyntheticLibrary, simulatePairs, syntheticMedia, syntheticPersons, syntheticQueries, writeSynthetic,
} from '../helpers/search-library';
import type { PairStats, SyntheticOptions } from '../helpers/search-library';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000' },
    queries: { type: 'string', default: '200' },
    // Brute-force scans cost ~2 ms per 1000 faces each: 60 at 100k, 25 at 1M keep the bench near 6 minutes.
    truth: { type: 'string', default: '' },
  },
});
const sizes = values.sizes.split(',').map((s) => Number(s.trim())).filter((n) => n > 0);
const queryCount = Number(values.queries);
const truthFor = (rows: number) => (values.truth ? Number(values.truth) : rows > 200_000 ? 25 : 60);

const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const summary = (s: PairStats) => ({ n: s.n, mean: round(s.mean, 3), sd: round(s.sd, 3), min: round(s.min, 3), max: round(s.max, 3) });
const log = (m: string) => process.stderr.write(`[bench:search] ${m}\n`);

// ---- 1. the fixtures' real embeddings --------------------------------------------------------

log('analyzing the fixtures with the real engine');
const engine = await openEngine('default');
const photos: { path: string; identity: string | null; faces: Face[] }[] = [];
const paths = fixturePaths();
for await (const r of engine.analyzeMany(paths)) {
  if (!r.result) throw r.error;
  const m = /\/people\/([^/]+)\//.exec(r.input);
  photos.push({ path: r.input, identity: m ? m[1]! : null, faces: r.result.faces });
}
await engine.close();

const people = photos.filter((p) => p.identity && p.faces.length > 0).map((p) => ({ id: p.identity!, e: p.faces[0]!.embedding }));
const same: number[] = [], different: number[] = [];
for (let i = 0; i < people.length; i++) {
  for (let j = i + 1; j < people.length; j++) (people[i]!.id === people[j]!.id ? same : different).push(dot(people[i]!.e, people[j]!.e));
}
// Strangers: the faces of solvay1927 and the human_group photos are none of the 14 identities.
const strangers = photos.filter((p) => /solvay|human_group/.test(p.path)).flatMap((p) => p.faces);
const strangerPairs = strangers.flatMap((f) => people.map((p) => dot(f.embedding, p.e)));
const crossPhoto = [...different, ...strangerPairs];
// Faces of one photo are different people seen under the same light, lens and resolution.
const samePhoto = photos.flatMap((p) => p.faces.flatMap((f, i) => p.faces.slice(i + 1).map((g) => dot(f.embedding, g.embedding))));
const thresholds = [0.25, 0.28, 0.3, 0.32, 0.35, 0.4, 0.45, 0.5, 0.55].map((t) => ({
  threshold: t,
  falseMatchesAcrossPhotos: `${crossPhoto.filter((s) => s >= t).length}/${crossPhoto.length}`,
  falseMatchesSamePhoto: `${samePhoto.filter((s) => s >= t).length}/${samePhoto.length}`,
  trueMatchRate: round(same.filter((s) => s >= t).length / same.length, 3),
}));

// Person search compares a face with a person's fused feature: each people/ photo against every
// identity's normalized mean, its own identity's taken without it (leave-one-out).
const fused = (members: Float32Array[]) => {
  const c = new Float32Array(members[0]!.length);
  for (const m of members) for (let i = 0; i < c.length; i++) c[i]! += m[i]!;
  const n = Math.sqrt(dot(c, c)) || 1;
  return c.map((x) => x / n);
};
const identities = [...new Set(people.map((p) => p.id))];
const ownFeature: number[] = [], otherFeature: number[] = [];
for (const p of people) {
  for (const id of identities) {
    const members = people.filter((q) => q.id === id && q !== p).map((q) => q.e);
    if (members.length > 0) (id === p.id ? ownFeature : otherFeature).push(dot(p.e, fused(members)));
  }
}
const strangerFeature = strangers.flatMap((f) => identities.map((id) => dot(f.embedding, fused(people.filter((q) => q.id === id).map((q) => q.e)))));

const model = fitEmbeddingModel(pairStats(same), pairStats(different));
const simulated = simulatePairs(model, 4000, 77);

// ---- 2. synthetic libraries --------------------------------------------------------------------

interface SizeResult {
  faces: number;
  identities: number;
  persons: number;
  writeSeconds: number;
  indexBuildSeconds: number;
  faceSearchMs: { p50: number; p95: number; queries: number; maxResults: number; threshold: number };
  faceSearchDefaultThresholdMs: { p50: number; p95: number };
  recallAt10: number;
  recallAt10AboveThreshold: number;
  truthQueries: number;
  bruteForceMs: number;
  personSearchMs?: { p50: number; p95: number; coldMs: number; groups: number };
  mediaSearchMs?: { p50: number; p95: number; byPersonP50: number; byPersonP95: number; pageSize: number };
  rssAfterQueriesGB: number;
}

class ReadyFaces implements FaceSource {
  readonly faces = new Map<string, Face>();
  async analyze(input: string | Buffer): Promise<Face[]> {
    const f = typeof input === 'string' ? this.faces.get(input) : undefined;
    return f ? [f] : [];
  }
}

function queryFace(vector: Float32Array): Face {
  return {
    box: { x: 0, y: 0, width: 120, height: 120 }, score: 0.99, landmarks: [], quality: 0.9, qualityParts: { size: 1, sharpness: 0.9, frontalness: 0.9 },
    embedding: vector, modelId: 'synthetic', detectorId: 'synthetic', rotation: 0,
  };
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
}

const results: SizeResult[] = [];
for (const [sizeIndex, rows] of sizes.entries()) {
  const dir = mkdtempSync(join(tmpdir(), 'fo-bench-search-'));
  try {
    const opts: SyntheticOptions = { rows, seed: 1, batchSize: 50_000 };
    const lib = planSyntheticLibrary(model, opts);
    const store = await LibraryStore.open(dir);
    log(`${rows} faces: writing (${lib.identities} identities)`);
    const t0 = performance.now();
    await writeSynthetic(store.faces, model, lib, opts);
    const media = syntheticMedia(lib, opts);
    for (let i = 0; i < media.length; i += 50_000) await store.media.append(media.slice(i, i + 50_000));
    const persons = syntheticPersons(model, lib);
    for (let i = 0; i < persons.length; i += 10_000) {
      await store.persons.append(persons.slice(i, i + 10_000));
    }
    for (const f of lib.folderIds) await store.folders.append([{ id: f, path: `/library/${f}`, added_at: Date.now(), last_scan_at: null }]);
    const writeSeconds = (performance.now() - t0) / 1000;

    const source = new ReadyFaces();
    const search = new SearchService(store, searchSettings(), source, { log });
    log(`${rows} faces: building the index`);
    const [built, buildMs] = await timed(() => search.index.ensure());
    if (built !== 'built') throw new Error(`expected the policy to build the index at ${rows} rows, got ${built}`);

    const queries = syntheticQueries(model, lib, queryCount, 1000 + sizeIndex);
    queries.forEach((q, i) => source.faces.set(`q${i}`, queryFace(q.vector)));
    // Warm-up: the first queries load the index and the vectors' pages.
    for (let i = 0; i < 10; i++) await search.searchFaces({ image: `q${i}`, maxResults: 10, threshold: 0 });

    log(`${rows} faces: ${queryCount} face searches`);
    const lat: number[] = [], latDefault: number[] = [];
    const annIds: string[][] = [];
    for (let i = 0; i < queries.length; i++) {
      const [r, ms] = await timed(() => search.searchFaces({ image: `q${i}`, maxResults: 10, threshold: 0 }));
      lat.push(ms);
      annIds.push(r.queries[0]!.results.map((m) => m.faceId));
      latDefault.push((await timed(() => search.searchFaces({ image: `q${i}`, maxResults: 10 })))[1]);
    }

    const truthCount = truthFor(rows);
    log(`${rows} faces: brute force for ${truthCount} queries`);
    let hit = 0, all = 0, hitT = 0, allT = 0;
    const bruteMs: number[] = [];
    const threshold = searchSettings().faceThreshold;
    for (let i = 0; i < Math.min(truthCount, queries.length); i++) {
      const [exact, ms] = await timed(() => search.index.bruteForce(queries[i]!.vector, { limit: 10, columns: ['id'] }));
      bruteMs.push(ms);
      const got = new Set(annIds[i]);
      for (const h of exact) {
        all++;
        if (got.has(String(h.row.id))) hit++;
        if (h.score >= threshold) {
          allT++;
          if (got.has(String(h.row.id))) hitT++;
        }
      }
    }

    const result: SizeResult = {
      faces: rows,
      identities: lib.identities,
      persons: persons.length,
      writeSeconds: round(writeSeconds),
      indexBuildSeconds: round(buildMs / 1000),
      faceSearchMs: { p50: round(pct(lat, 0.5)), p95: round(pct(lat, 0.95)), queries: lat.length, maxResults: 10, threshold: 0 },
      faceSearchDefaultThresholdMs: { p50: round(pct(latDefault, 0.5)), p95: round(pct(latDefault, 0.95)) },
      recallAt10: round(hit / all, 4),
      recallAt10AboveThreshold: round(hitT / Math.max(1, allT), 4),
      truthQueries: bruteMs.length,
      bruteForceMs: round(pct(bruteMs, 0.5)),
      rssAfterQueriesGB: 0,
    };

    if (sizeIndex === 0) {
      log(`${rows} faces: person and media search`);
      const [, coldMs] = await timed(() => search.searchPersons({ image: 'q0' }));
      const personLat: number[] = [], mediaLat: number[] = [], byPerson: number[] = [];
      const n = Math.min(100, queries.length);
      for (let i = 0; i < n; i++) personLat.push((await timed(() => search.searchPersons({ image: `q${i}` })))[1]);
      for (let i = 0; i < n; i++) mediaLat.push((await timed(() => search.searchMedia({ personImage: `q${i}`, pageSize: 20 })))[1]);
      const withPerson = queries.map((q) => q.identity).filter((id): id is number => id !== null && lib.facesPerIdentity[id]! > 1);
      for (const id of withPerson.slice(0, n)) byPerson.push((await timed(() => search.searchMedia({ personId: `p${id}`, pageSize: 20 })))[1]);
      result.personSearchMs = { p50: round(pct(personLat, 0.5)), p95: round(pct(personLat, 0.95)), coldMs: round(coldMs), groups: lib.folderIds.length };
      result.mediaSearchMs = { p50: round(pct(mediaLat, 0.5)), p95: round(pct(mediaLat, 0.95)), byPersonP50: round(pct(byPerson, 0.5)), byPersonP95: round(pct(byPerson, 0.95)), pageSize: 20 };
    }
    result.rssAfterQueriesGB = round(process.memoryUsage().rss / 1e9, 2);
    results.push(result);
    log(JSON.stringify(result));
    await search.close();
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(
  JSON.stringify(
    {
      // Other work on the machine skews every timing: the load averages say how busy it was.
      machine: { cpus: os.availableParallelism(), node: process.version, loadAverage: os.loadavg().map((l) => round(l, 2)) },
      fixtures: {
        samePerson: summary(pairStats(same)),
        differentPerson: summary(pairStats(different)),
        strangersVsPeople: summary(pairStats(strangerPairs)),
        samePhoto: summary(pairStats(samePhoto)),
        thresholds,
        personFeature: { ownPerson: summary(pairStats(ownFeature)), otherPerson: summary(pairStats(otherFeature)), strangers: summary(pairStats(strangerFeature)) },
      },
      syntheticModel: {
        exponent: round(model.exponent, 3),
        rhoMean: round(model.rhoMean, 3),
        rhoSd: round(model.rhoSd, 3),
        samePerson: summary(simulated.same),
        differentPerson: summary(simulated.different),
      },
      index: (({ annIndexType, annBits, annCandidates, annCandidatesMin, annProbeShare }) => ({ annIndexType, annBits, annCandidates, annCandidatesMin, annProbeShare }))(searchSettings()),
      sizes: results,
      peakRssGB: round(process.resourceUsage().maxRSS / 1e6, 2),
    },
    null,
    2,
  ),
);
