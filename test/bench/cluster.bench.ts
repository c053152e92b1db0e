/**
 * npm run bench:cluster [-- --faces 100000 --new 1000 --density --kernel onnx|js --no-store --set '{"nprobe":4}']
 *
 * People clustering at library scale on synthetic embeddings fitted to the fixtures, printed as JSON:
 * 1. fixtures: same-person and different-person cosine similarity of the people/ photos (real engine);
 * 2. synthetic model: face = normalize(rho * centre + sqrt(1 - rho^2) * u), centre and u independent
 *    random directions of an anisotropic Gaussian. Different-person similarity then has sd
 *    sqrt(sum l^2) / sum l over the per-dimension variances l (a power law whose exponent is bisected to
 *    the fixtures' sd), and same-person similarity is ~rho1 * rho2 (rho's mean and sd solved from the
 *    fixtures' mean and sd). Identity sizes follow Zipf (a few people with thousands of faces, a long
 *    tail of pairs) plus one-off strangers; faces are packed 1-4 per photo, never twice one identity;
 *    quality falls with rho. The achieved statistics are printed next to the measured ones;
 * 3. fresh library: planClusters over all faces (what the first run on an indexed library does, and
 *    what the worker runs for a full re-cluster), in memory: timed, peak RSS, precision/recall/BCubed;
 * 4. incremental in memory: 1,000 new faces planned against the clustered library;
 * 5. incremental through the store: the library written to LanceDB (setup, not timed), then
 *    PeopleService.runClustering() timed end to end (region scan, snapshot load, plan, writes), for the
 *    first 1,000 new faces (every vector read) and the next 1,000 (earlier vectors kept by the service).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Field, FixedSizeList, Float32, RecordBatch, Struct, Table as ArrowTable, makeData, vectorFromArray } from 'apache-arrow';
import type { DataType } from 'apache-arrow';
import { Engine } from '../../src-main/engine/engine';
import { LibraryStore } from '../../src-main/engine/store/library-store';
import { EMBEDDING_DIM, FACES_SCHEMA } from '../../src-main/engine/store/schema';
import type { MediaRow, PersonRow } from '../../src-main/engine/store/rows';
import { TaskRegistry } from '../../src-main/engine/tasks/task-registry';
import { DEFAULT_PEOPLE_SETTINGS, peopleSettings } from '../../src-main/engine/settings';
import type { PeopleSettings } from '../../src-main/engine/settings';
import { PeopleService } from '../../src-main/engine/people/people-service';
import { planClusters } from '../../src-main/engine/people/cluster-plan';
import type { ClusterInput } from '../../src-main/engine/people/cluster-input';
import { rejectedCsr } from '../../src-main/engine/people/cluster-input';
import { createKnnKernel } from '../../src-main/engine/people/knn-kernel';
import { newPersonRow, personStats } from '../../src-main/engine/people/person-stats';
import { seededRandom } from '../../src-main/engine/people/random';
import { modelsDirFor } from '../helpers/engines';
import { FIXTURES } from '../helpers/paths';
import { peoplePhotos } from '../helpers/people-library';

const { values: args } = parseArgs({
  options: {
    faces: { type: 'string', default: '100000' },
    new: { type: 'string', default: '1000' },
    density: { type: 'boolean', default: false },
    kernel: { type: 'string', default: 'onnx' },
    'no-store': { type: 'boolean', default: false },
    /** PeopleSettings overrides as JSON, e.g. '{"exactMaxCells":1e12}'. */
    set: { type: 'string', default: '{}' },
  },
});
const LIBRARY = Number(args.faces);
const NEW = Number(args.new);
const D = EMBEDDING_DIM;
const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
/** CPU time of this process (all threads) since `from`: less sensitive than wall time to other processes. */
const cpuMs = (from: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(from);
  return Math.round((u.user + u.system) / 1000);
};

// ---- 1. fixture statistics ------------------------------------------------------------------------

interface Stats { mean: number; sd: number; n: number }
function stats(v: number[]): Stats {
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  return { mean, sd: Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length), n: v.length };
}

async function fixtureStats(): Promise<{ same: Stats; different: Stats }> {
  const engine = await Engine.open({ modelsDir: await modelsDirFor('default'), detector: 'default', fetchModels: false, settings: { vision: { provider: 'cpu' } } });
  const faces: { id: string; v: Float32Array }[] = [];
  try {
    const rels = peoplePhotos();
    for await (const item of engine.analyzeMany(rels.map((r) => join(FIXTURES, r)))) {
      const f = item.result?.faces.slice().sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0];
      if (f) faces.push({ id: item.input.split('/').at(-2)!, v: f.embedding });
    }
  } finally {
    await engine.close();
  }
  const same: number[] = [], different: number[] = [];
  for (let i = 0; i < faces.length; i++) {
    for (let j = i + 1; j < faces.length; j++) {
      let s = 0;
      for (let k = 0; k < D; k++) s += faces[i]!.v[k]! * faces[j]!.v[k]!;
      (faces[i]!.id === faces[j]!.id ? same : different).push(s);
    }
  }
  return { same: stats(same), different: stats(different) };
}

// ---- 2. the synthetic model and library -------------------------------------------------------------

interface Model { alpha: number; scale: Float32Array; rhoMean: number; rhoSd: number }
const RHO_MIN = 0.3, RHO_MAX = 0.995;

function fitModel(same: Stats, different: Stats): Model {
  const spectrumSd = (alpha: number) => {
    let a = 0, b = 0;
    for (let k = 1; k <= D; k++) {
      const l = k ** -alpha;
      a += l * l;
      b += l;
    }
    return Math.sqrt(a) / b;
  };
  let lo = 0, hi = 4;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (spectrumSd(mid) < different.sd) lo = mid;
    else hi = mid;
  }
  const alpha = (lo + hi) / 2;
  const rand = seededRandom(3);
  const scale = new Float32Array(D);
  for (let k = 0; k < D; k++) scale[k] = Math.sqrt((k + 1) ** -alpha);
  for (let k = D - 1; k > 0; k--) {
    const j = Math.floor(rand() * (k + 1));
    [scale[k], scale[j]] = [scale[j]!, scale[k]!];
  }
  // Same-person: E[rho]^2 = mean; Var(rho1 rho2) + cross terms = sd^2, solved for E[rho^2] by bisection.
  const m = Math.sqrt(same.mean);
  const sigma2 = different.sd ** 2;
  let a = m * m, b = 1;
  for (let i = 0; i < 60; i++) {
    const e2 = (a + b) / 2;
    const v = e2 * e2 - m ** 4 + sigma2 * (2 * e2 * (1 - e2) + (1 - e2) ** 2);
    if (v < same.sd ** 2) a = e2;
    else b = e2;
  }
  return { alpha, scale, rhoMean: m, rhoSd: Math.sqrt(Math.max(0, (a + b) / 2 - m * m)) };
}

function gauss(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
}

function direction(model: Model, rand: () => number, out: Float32Array, o: number): void {
  let n = 0;
  for (let k = 0; k < D; k++) {
    const v = gauss(rand) * model.scale[k]!;
    out[o + k] = v;
    n += v * v;
  }
  const inv = 1 / Math.sqrt(n);
  for (let k = 0; k < D; k++) out[o + k]! *= inv;
}

interface Library {
  n: number;
  vectors: Float32Array;
  quality: Float32Array;
  identity: Int32Array;
  media: Int32Array;
  mediaCount: number;
  identities: number;
  strangers: number;
  largest: number;
}

/** Zipf identity sizes (>= 2) plus 12% one-off strangers, shuffled, packed 1-4 faces per photo. */
function buildLibrary(model: Model, n: number, seed = 1): Library {
  const rand = seededRandom(seed);
  const strangers = Math.round(n * 0.12);
  const recurring = n - strangers;
  const K = Math.max(1, Math.round(recurring / 30));
  let c = 1;
  const sizes = (cc: number) => Array.from({ length: K }, (_, i) => Math.max(2, Math.round(cc / (i + 1))));
  for (let lo = 1, hi = recurring; hi - lo > 1; ) {
    c = (lo + hi) >> 1;
    if (sizes(c).reduce((s, x) => s + x, 0) > recurring) hi = c;
    else lo = c;
  }
  const idSizes = sizes(c);
  const identity: number[] = [];
  idSizes.forEach((s, i) => {
    for (let j = 0; j < s; j++) identity.push(i);
  });
  for (let i = 0; identity.length < n; i++) identity.push(K + i);
  identity.length = n;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [identity[i], identity[j]] = [identity[j]!, identity[i]!];
  }
  const ids = Math.max(...identity) + 1;
  const centres = new Float32Array(ids * D);
  for (let i = 0; i < ids; i++) direction(model, rand, centres, i * D);
  const vectors = new Float32Array(n * D);
  const quality = new Float32Array(n);
  const u = new Float32Array(D);
  for (let r = 0; r < n; r++) {
    const rho = Math.min(RHO_MAX, Math.max(RHO_MIN, model.rhoMean + model.rhoSd * gauss(rand)));
    const s = Math.sqrt(1 - rho * rho);
    direction(model, rand, u, 0);
    const co = identity[r]! * D;
    let norm = 0;
    for (let k = 0; k < D; k++) {
      const v = rho * centres[co + k]! + s * u[k]!;
      vectors[r * D + k] = v;
      norm += v * v;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let k = 0; k < D; k++) vectors[r * D + k]! *= inv;
    // Faces far from their identity are the blurred, small, turned ones.
    quality[r] = Math.min(1, Math.max(0, (rho - 0.45) / 0.5));
  }
  const media = new Int32Array(n);
  let m = 0;
  for (let r = 0; r < n; ) {
    const want = [1, 1, 1, 1, 1, 1, 2, 2, 3, 4][Math.floor(rand() * 10)]!;
    const seen = new Set<number>();
    let k = 0;
    while (k < want && r < n && !seen.has(identity[r]!)) {
      seen.add(identity[r]!);
      media[r++] = m;
      k++;
    }
    m++;
  }
  return { n, vectors, quality, identity: Int32Array.from(identity), media, mediaCount: m, identities: K, strangers, largest: Math.max(...idSizes) };
}

function achievedStats(lib: Library, pairs = 200_000, seed = 9): { same: Stats; different: Stats } {
  const rand = seededRandom(seed);
  const byId = new Map<number, number[]>();
  for (let r = 0; r < lib.n; r++) {
    const l = byId.get(lib.identity[r]!);
    if (l) l.push(r);
    else byId.set(lib.identity[r]!, [r]);
  }
  const multi = [...byId.values()].filter((l) => l.length > 1);
  const dot = (a: number, b: number) => {
    let s = 0;
    for (let k = 0; k < D; k++) s += lib.vectors[a * D + k]! * lib.vectors[b * D + k]!;
    return s;
  };
  const same: number[] = [], different: number[] = [];
  for (let i = 0; i < pairs / 2; i++) {
    const l = multi[Math.floor(rand() * multi.length)]!;
    const a = l[Math.floor(rand() * l.length)]!;
    let b = l[Math.floor(rand() * l.length)]!;
    if (a === b) b = l[(l.indexOf(a) + 1) % l.length]!;
    same.push(dot(a, b));
    const x = Math.floor(rand() * lib.n), y = Math.floor(rand() * lib.n);
    if (lib.identity[x] !== lib.identity[y]) different.push(dot(x, y));
  }
  return { same: stats(same), different: stats(different) };
}

// ---- metrics -------------------------------------------------------------------------------------

function metrics(assign: Int32Array, truth: Int32Array, n: number) {
  // Faces in no person are singletons: relabel them past every person index.
  let next = Math.max(0, ...assign) + 1;
  const pred = Int32Array.from(assign.subarray(0, n), (p) => (p >= 0 ? p : next++));
  const cell = new Map<string, number>(), ps = new Map<number, number>(), ts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const k = `${pred[i]}:${truth[i]}`;
    cell.set(k, (cell.get(k) ?? 0) + 1);
    ps.set(pred[i]!, (ps.get(pred[i]!) ?? 0) + 1);
    ts.set(truth[i]!, (ts.get(truth[i]!) ?? 0) + 1);
  }
  const c2 = (x: number) => (x * (x - 1)) / 2;
  let tp = 0, pp = 0, tt = 0;
  for (const v of cell.values()) tp += c2(v);
  for (const v of ps.values()) pp += c2(v);
  for (const v of ts.values()) tt += c2(v);
  let bp = 0, br = 0;
  for (let i = 0; i < n; i++) {
    const both = cell.get(`${pred[i]}:${truth[i]}`)!;
    bp += both / ps.get(pred[i]!)!;
    br += both / ts.get(truth[i]!)!;
  }
  bp /= n;
  br /= n;
  let assigned = 0;
  for (let i = 0; i < n; i++) if (assign[i]! >= 0) assigned++;
  return {
    pairwisePrecision: round(tp / (pp || 1), 4),
    pairwiseRecall: round(tp / (tt || 1), 4),
    bcubedPrecision: round(bp, 4),
    bcubedRecall: round(br, 4),
    bcubedF: round((2 * bp * br) / (bp + br), 4),
    persons: new Set([...assign.subarray(0, n)].filter((p) => p >= 0)).size,
    assignedShare: round(assigned / n, 4),
  };
}

function inputOf(lib: Library, rows: number, free: (r: number) => boolean, person: Int32Array | null, persons: number): ClusterInput {
  return {
    dim: D,
    vectors: lib.vectors.subarray(0, rows * D),
    quality: lib.quality.subarray(0, rows),
    media: lib.media.subarray(0, rows),
    captured: new Float64Array(rows).fill(NaN),
    person: Int32Array.from({ length: rows }, (_, r) => (free(r) || !person ? -1 : person[r]!)),
    free: Uint8Array.from({ length: rows }, (_, r) => (free(r) ? 1 : 0)),
    pinned: new Uint8Array(rows),
    ...rejectedCsr(new Array<null>(rows).fill(null)),
    personBirth: new Float64Array(persons).fill(NaN),
  };
}

// ---- 5. the store round trip ---------------------------------------------------------------------

function facesArrow(lib: Library, from: number, to: number, person: (r: number) => string | null, clustered: boolean): ArrowTable {
  const n = to - from;
  const now = Date.now();
  const rows = Array.from({ length: n }, (_, i) => from + i);
  const fill = <T>(v: T): T[] => new Array<T>(n).fill(v);
  const values: Record<string, unknown[]> = {
    id: rows.map((r) => `f${r}`), media_id: rows.map((r) => `m${lib.media[r]}`), folder_id: fill('F'), kind: fill('image'),
    captured_at: rows.map((r) => 1.5e12 + lib.media[r]! * 60_000), frame_time: fill(null), ranges: fill(null),
    x: fill(10), y: fill(10), w: fill(100), h: fill(100), landmarks: fill('[]'), score: fill(0.95), quality: rows.map((r) => lib.quality[r]!),
    person_id: rows.map(person), assignment: rows.map((r) => (person(r) ? 'auto' : 'none')), rejected: fill(null), clustered: fill(clustered),
    model_id: fill('synthetic'), created_at: fill(now),
  };
  const children = FACES_SCHEMA.fields.map((f: Field) => {
    if (f.name === 'vector') {
      const child = makeData({ type: new Float32(), length: n * D, nullCount: 0, data: lib.vectors.slice(from * D, to * D) });
      return makeData({ type: new FixedSizeList(D, new Field('item', new Float32(), true)), length: n, nullCount: 0, child });
    }
    return vectorFromArray(values[f.name]!, f.type as DataType).data[0]!;
  });
  return new ArrowTable([new RecordBatch(FACES_SCHEMA, makeData({ type: new Struct(FACES_SCHEMA.fields), length: n, nullCount: 0, children }))]);
}

async function storeRoundTrip(lib: Library, assign: Int32Array, settings: PeopleSettings) {
  const dir = mkdtempSync(join(tmpdir(), 'fo-bench-cluster-'));
  try {
    const t0 = performance.now();
    const store = await LibraryStore.open(dir);
    const personId = (p: number) => `p${p}`;
    const media: MediaRow[] = [];
    const seen = new Set<number>();
    for (let r = 0; r < lib.n; r++) {
      const m = lib.media[r]!;
      if (seen.has(m)) continue;
      seen.add(m);
      media.push({
        id: `m${m}`, path: join(dir, 'photos', `m${m}.jpg`), folder_id: 'F', content_hash: `h${m}`, kind: 'image', bytes: 1, mtime: 1, captured_at: 1.5e12 + m * 60_000,
        captured_at_source: 'exif', width: 4000, height: 3000, duration: null, camera: null, rating: null, tags: null, gps_lat: null, gps_lon: null,
        status: 'ok', error_code: null, error_text: null, face_count: 1, indexed_at: 1, model_id: 'synthetic',
      });
    }
    for (let i = 0; i < media.length; i += 20_000) await store.media.upsert(media.slice(i, i + 20_000));
    for (let from = 0; from < LIBRARY; from += 25_000) {
      const to = Math.min(LIBRARY, from + 25_000);
      await store.faces.addArrow(facesArrow(lib, from, to, (r) => (assign[r]! >= 0 ? personId(assign[r]!) : null), true));
    }
    // Person rows as the first run would have left them.
    const members = new Map<number, number[]>();
    for (let r = 0; r < LIBRARY; r++) if (assign[r]! >= 0) (members.get(assign[r]!) ?? members.set(assign[r]!, []).get(assign[r]!)!).push(r);
    const persons: PersonRow[] = [];
    for (const [p, rows] of members) {
      persons.push(newPersonRow(personId(p), Date.now(), personStats(rows.map((r) => ({ id: `f${r}`, mediaId: `m${lib.media[r]}`, quality: lib.quality[r]!, captured: null, video: false, vector: lib.vectors.subarray(r * D, r * D + D) })), null)));
    }
    for (let i = 0; i < persons.length; i += 5000) await store.persons.upsert(persons.slice(i, i + 5000));
    await store.faces.addArrow(facesArrow(lib, LIBRARY, LIBRARY + NEW, () => null, false));
    await store.optimize(0);
    const setupMs = performance.now() - t0;
    const service = new PeopleService(store, settings, await TaskRegistry.open(null, 60_000));
    // First run after a start: every vector is read. Second run: the next batch, vectors of the first kept.
    let c0 = process.cpuUsage();
    const cold = { ...(await service.runClustering('incremental')), cpuMs: 0 };
    cold.cpuMs = cpuMs(c0);
    await store.faces.addArrow(facesArrow(lib, LIBRARY + NEW, lib.n, () => null, false));
    c0 = process.cpuUsage();
    const warm = { ...(await service.runClustering('incremental')), cpuMs: 0 };
    warm.cpuMs = cpuMs(c0);
    const after = await store.faces.all(['id', 'person_id']);
    await service.close();
    store.close();
    // Persons by id -> index, for the metrics over the whole library after the run.
    const index = new Map<string, number>();
    const assigned = new Int32Array(lib.n).fill(-1);
    for (const f of after) {
      const row = Number(f.id.slice(1));
      if (f.person_id) assigned[row] = index.get(f.person_id) ?? (index.set(f.person_id, index.size), index.size - 1);
    }
    return { setupMs: Math.round(setupMs), cold, warm, assigned };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- main ----------------------------------------------------------------------------------------

const settings = peopleSettings({ kernel: args.kernel === 'js' ? 'js' : 'onnx', ...(JSON.parse(args.set!) as Partial<PeopleSettings>) });
const out: Record<string, unknown> = {
  machine: { cpus: os.availableParallelism(), node: process.version, kernel: settings.kernel, loadAverageAtStart: os.loadavg().map((l) => round(l, 2)) },
  overrides: JSON.parse(args.set!) as unknown,
};
const fixtures = await fixtureStats();
out.fixtures = { same: roundStats(fixtures.same), different: roundStats(fixtures.different) };
const model = fitModel(fixtures.same, fixtures.different);
const lib = buildLibrary(model, LIBRARY + 2 * NEW);
const achieved = achievedStats(lib);
out.synthetic = {
  model: { spectrumExponent: round(model.alpha), rhoMean: round(model.rhoMean), rhoSd: round(model.rhoSd) },
  achieved: { same: roundStats(achieved.same), different: roundStats(achieved.different) },
  faces: lib.n, recurringIdentities: lib.identities, strangers: lib.strangers, largestIdentity: lib.largest, photos: lib.mediaCount,
};
function roundStats(s: Stats) {
  return { mean: round(s.mean), sd: round(s.sd), pairs: s.n };
}

const kernel = await createKnnKernel({ backend: settings.kernel, threads: os.availableParallelism() });
const truth = lib.identity;
// 3. Fresh library: every face free, no persons.
let t = performance.now();
let c0 = process.cpuUsage();
const fresh = await planClusters(inputOf(lib, LIBRARY, () => true, null, 0), settings, kernel, 'incremental');
out.freshLibrary = {
  faces: LIBRARY,
  ms: Math.round(performance.now() - t),
  cpuMs: cpuMs(c0),
  phasesMs: Object.fromEntries(Object.entries(fresh.timingsMs).map(([k, v]) => [k, Math.round(v)])),
  counts: fresh.counts,
  metrics: metrics(fresh.assign, truth, LIBRARY),
  peakRssMb: peakRssMb(),
};
if (args.density) {
  t = performance.now();
  const d = await planClusters(inputOf(lib, LIBRARY, () => true, null, 0), { ...settings, algorithm: 'density' }, kernel, 'incremental');
  out.freshLibraryDensity = { ms: Math.round(performance.now() - t), metrics: metrics(d.assign, truth, LIBRARY), eps: DEFAULT_PEOPLE_SETTINGS.densityEps };
}
// 4. Incremental in memory: the new faces against the clustered library.
const persons = Math.max(-1, ...fresh.assign) + 1;
const base = new Int32Array(LIBRARY + NEW).fill(-1);
base.set(fresh.assign);
t = performance.now();
c0 = process.cpuUsage();
const inc = await planClusters(inputOf(lib, LIBRARY + NEW, (r) => r >= LIBRARY, base, persons), settings, kernel, 'incremental');
out.incrementalInMemory = {
  libraryFaces: LIBRARY,
  newFaces: NEW,
  ms: Math.round(performance.now() - t),
  cpuMs: cpuMs(c0),
  phasesMs: Object.fromEntries(Object.entries(inc.timingsMs).map(([k, v]) => [k, Math.round(v)])),
  counts: inc.counts,
  newPersons: inc.newPersons,
  metricsAllFaces: metrics(inc.assign, truth, LIBRARY + NEW),
};
await kernel.close();
// 5. Through the store.
if (!args['no-store']) {
  const r = await storeRoundTrip(lib, fresh.assign, settings);
  const runOut = (x: typeof r.cold) => ({
    ms: Math.round(x.timingsMs.total),
    cpuMs: x.cpuMs,
    phasesMs: Object.fromEntries(Object.entries(x.timingsMs).map(([k, v]) => [k, Math.round(v)])),
    worker: x.worker,
    facesChanged: x.facesChanged,
    personsCreated: x.personsCreated,
    personsUpdated: x.personsUpdated,
  });
  out.incrementalStore = {
    what: 'PeopleService.runClustering(): region scan of the new photos, snapshot load of all faces, plan (engine thread or worker), face and person writes',
    setupMsNotTimed: r.setupMs,
    firstRun: runOut(r.cold),
    nextRun: { ...runOut(r.warm), note: `the next ${NEW} new faces; the vectors of the earlier faces kept from the first run` },
    metricsAllFaces: metrics(r.assigned, truth, lib.n),
  };
}
out.peakRssMb = peakRssMb();
// Other processes on the machine slow every timing above: the load average says how busy it was.
out.loadAverageAtEnd = os.loadavg().map((l) => round(l, 2));
console.log(JSON.stringify(out, null, 2));
