/**
 * Libraries for the search tests and the search benchmark.
 *
 * - Synthetic: face vectors drawn from a model fitted to the real embeddings of the fixtures (identity
 *   centres plus per-face noise, see fitEmbeddingModel), written straight as Arrow batches so a million
 *   rows take seconds, not minutes of row-object conversion.
 * - Fixtures: the real photos analyzed by the real engine, written through LibraryStore the way the
 *   indexer will (media + faces rows, denormalized folder/kind/capture time), with persons made per
 *   identity the way the people service will (assignment + centroid).
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { DataType, Schema, Table as ArrowTableType } from 'apache-arrow';
import type * as ArrowModule from 'apache-arrow';
import type { FaceRepository } from '../../src-main/engine/store/face-repository';
import { EMBEDDING_DIM } from '../../src-main/engine/store/schema';
import type { FaceRow, MediaRow, PersonRow } from '../../src-main/engine/store/rows';
import type { LibraryStore } from '../../src-main/engine/store/library-store';
import type { Face } from '../../src-main/engine/vision/face-analyzer';
import type { Engine } from '../../src-main/engine/engine';
import { analyzeVideo } from '../../src-main/engine/library/video-indexer';
import { FIXTURES } from './paths';

// LanceDB (CommonJS) accepts an Arrow table as is only when it comes from its own copy of the module;
// an ESM-built table fails its instanceof check and its re-wrapping, so build with the CommonJS one.
const arrow = createRequire(import.meta.url)('apache-arrow') as typeof ArrowModule;
const { Field, FixedSizeList, Float32, RecordBatch, Struct, Table: ArrowTable, makeData, vectorFromArray } = arrow;
type ArrowTable = ArrowTableType;

// ---- randomness -------------------------------------------------------------------------------

/** Seeded PRNG (mulberry32) so every run builds the same library and the same queries. */
export class Rng {
  private s: number;
  private spare: number | null = null;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  gauss(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * this.next();
    this.spare = r * Math.sin(a);
    return r * Math.cos(a);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

// ---- the embedding model ----------------------------------------------------------------------

/** Pair statistics of real embeddings (cosine similarity). */
export interface PairStats {
  n: number;
  mean: number;
  sd: number;
  min: number;
  max: number;
}

export function pairStats(values: number[]): PairStats {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
  return { n, mean, sd, min: Math.min(...values), max: Math.max(...values) };
}

/**
 * Face vectors as identity centre + noise: face = normalize(rho * centre + sqrt(1 - rho^2) * u), with
 * centre and u independent random unit vectors of an anisotropic Gaussian (per-dimension scale a
 * shuffled power law) and rho drawn per face from a clipped normal.
 * - Different-person similarity is then ~N(0, sd^2) with sd^2 = sum(l^2) / sum(l)^2 over the
 *   per-dimension variances l: the power law's exponent is fitted to the fixtures' sd, which real
 *   embeddings reach at an "effective dimension" far below 512 (isotropic 512-d would give 0.044).
 * - Same-person similarity is ~rho1 * rho2: rho's mean and spread are fitted to the fixtures' mean and sd.
 * The shuffle spreads the strong dimensions over all PQ sub-vectors, as a learned embedding's are.
 */
export interface EmbeddingModel {
  dim: number;
  scale: Float32Array;
  exponent: number;
  rhoMean: number;
  rhoSd: number;
}

const RHO_MIN = 0.35;
const RHO_MAX = 0.995;

function spectrum(dim: number, exponent: number, rng: Rng): Float32Array {
  const s = new Float32Array(dim);
  for (let k = 0; k < dim; k++) s[k] = Math.pow(k + 1, -exponent / 2);
  for (let k = dim - 1; k > 0; k--) {
    const j = rng.int(k + 1);
    const t = s[k]!;
    s[k] = s[j]!;
    s[j] = t;
  }
  return s;
}

function sdOfSpectrum(s: Float32Array): number {
  let a = 0, b = 0;
  for (const x of s) {
    a += x ** 4;
    b += x ** 2;
  }
  return Math.sqrt(a) / b;
}

export function fitEmbeddingModel(same: PairStats, different: PairStats, dim = EMBEDDING_DIM, seed = 7): EmbeddingModel {
  // Exponent: bisection on the closed form (sd grows with the exponent).
  let lo = 0, hi = 3;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (sdOfSpectrum(spectrum(dim, mid, new Rng(seed))) < different.sd) lo = mid;
    else hi = mid;
  }
  const exponent = (lo + hi) / 2;
  const base: EmbeddingModel = { dim, scale: spectrum(dim, exponent, new Rng(seed)), exponent, rhoMean: 0.8, rhoSd: 0.1 };
  // rho: E[s] ~ E[rho]^2 and Var[s] ~ E[rho^2]^2 - E[rho]^4; then two rounds of simulation correct
  // for the clipping and the noise-noise term the closed form leaves out.
  let target = { mean: same.mean, sd: same.sd };
  let model = base;
  for (let round = 0; round < 3; round++) {
    const mu = Math.sqrt(Math.max(0.01, target.mean));
    const second = Math.sqrt(Math.max(mu ** 4, target.sd ** 2 + mu ** 4));
    const sigma = Math.sqrt(Math.max(1e-4, second - mu * mu));
    model = { ...base, rhoMean: mu, rhoSd: sigma };
    const sim = simulatePairs(model, 400, seed + round);
    target = { mean: target.mean + (same.mean - sim.same.mean), sd: Math.max(0.01, target.sd + (same.sd - sim.same.sd)) };
  }
  return model;
}

export function randomUnit(model: EmbeddingModel, rng: Rng, out: Float32Array, offset = 0): void {
  let n = 0;
  for (let k = 0; k < model.dim; k++) {
    const v = rng.gauss() * model.scale[k]!;
    out[offset + k] = v;
    n += v * v;
  }
  n = 1 / Math.sqrt(n);
  for (let k = 0; k < model.dim; k++) out[offset + k]! *= n;
}

const noiseScratch = new Float32Array(EMBEDDING_DIM);

export function faceOf(model: EmbeddingModel, rng: Rng, centre: Float32Array, centreOffset: number, out: Float32Array, offset = 0): void {
  const rho = Math.min(RHO_MAX, Math.max(RHO_MIN, model.rhoMean + model.rhoSd * rng.gauss()));
  const w = Math.sqrt(1 - rho * rho);
  randomUnit(model, rng, noiseScratch, 0);
  let n = 0;
  for (let k = 0; k < model.dim; k++) {
    const v = rho * centre[centreOffset + k]! + w * noiseScratch[k]!;
    out[offset + k] = v;
    n += v * v;
  }
  n = 1 / Math.sqrt(n);
  for (let k = 0; k < model.dim; k++) out[offset + k]! *= n;
}

export function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s = 0;
  for (let k = 0; k < dim; k++) s += a[ao + k]! * b[bo + k]!;
  return s;
}

/** Same- and different-person similarity of the model, to print beside the fixtures'. */
export function simulatePairs(model: EmbeddingModel, identities: number, seed: number): { same: PairStats; different: PairStats } {
  const rng = new Rng(seed);
  const d = model.dim;
  const centres = new Float32Array(identities * d);
  for (let i = 0; i < identities; i++) randomUnit(model, rng, centres, i * d);
  const faces = new Float32Array(identities * 2 * d);
  for (let i = 0; i < identities; i++) {
    faceOf(model, rng, centres, i * d, faces, 2 * i * d);
    faceOf(model, rng, centres, i * d, faces, (2 * i + 1) * d);
  }
  const same: number[] = [], different: number[] = [];
  for (let i = 0; i < identities; i++) {
    same.push(dot(faces, 2 * i * d, faces, (2 * i + 1) * d, d));
    different.push(dot(faces, 2 * i * d, faces, ((2 * i + 2) % (2 * identities)) * d, d));
  }
  return { same: pairStats(same), different: pairStats(different) };
}

// ---- synthetic library ------------------------------------------------------------------------

export interface SyntheticOptions {
  rows: number;
  seed?: number;
  /** Rows per LanceDB add (one fragment each). */
  batchSize?: number;
  folders?: number;
  /** Mean faces per identity; sizes are log-normal (median about a third of the mean): a few people with very many faces, many with a handful. */
  meanFacesPerIdentity?: number;
  /** Share of faces that are video tracks. */
  videoShare?: number;
  /** Capture times spread uniformly over this many years before 2025-01-01. */
  years?: number;
}

export interface SyntheticLibrary {
  rows: number;
  identities: number;
  centres: Float32Array;
  /** Identity of every row (row i is face `f<i>`). */
  identityOfRow: Int32Array;
  facesPerIdentity: Int32Array;
  folderIds: string[];
  start: number;
  end: number;
}

export const SYNTHETIC_EPOCH_END = Date.UTC(2025, 0, 1);

/** Lays out a library (identities, sizes, which row is whom) without writing anything. */
export function planSyntheticLibrary(model: EmbeddingModel, opts: SyntheticOptions): SyntheticLibrary {
  const rng = new Rng(opts.seed ?? 1);
  const mean = opts.meanFacesPerIdentity ?? 20;
  // Log-normal sizes: sigma 1.5 puts the median at mean * e^(-1.125) ~ 0.32 * mean.
  const sigma = 1.5;
  const mu = Math.log(mean) - (sigma * sigma) / 2;
  const sizes: number[] = [];
  let total = 0;
  while (total < opts.rows) {
    const s = Math.max(1, Math.min(opts.rows - total, Math.round(Math.exp(mu + sigma * rng.gauss()))));
    sizes.push(s);
    total += s;
  }
  const identities = sizes.length;
  const identityOfRow = new Int32Array(opts.rows);
  let r = 0;
  sizes.forEach((s, i) => {
    for (let k = 0; k < s; k++) identityOfRow[r++] = i;
  });
  for (let i = opts.rows - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = identityOfRow[i]!;
    identityOfRow[i] = identityOfRow[j]!;
    identityOfRow[j] = t;
  }
  const centres = new Float32Array(identities * model.dim);
  for (let i = 0; i < identities; i++) randomUnit(model, rng, centres, i * model.dim);
  const years = opts.years ?? 10;
  return {
    rows: opts.rows,
    identities,
    centres,
    identityOfRow,
    facesPerIdentity: Int32Array.from(sizes),
    folderIds: Array.from({ length: opts.folders ?? 8 }, (_, i) => `folder-${i}`),
    start: SYNTHETIC_EPOCH_END - years * 365.25 * 86_400_000,
    end: SYNTHETIC_EPOCH_END,
  };
}

/** Columns of the faces table for rows [from, to) of the plan. Deterministic per row. */
export interface FaceColumns {
  id: string[];
  media_id: string[];
  folder_id: string[];
  kind: string[];
  captured_at: number[];
  frame_time: (number | null)[];
  ranges: (string | null)[];
  person_id: (string | null)[];
  w: number[];
  quality: number[];
  vector: Float32Array;
}

export function syntheticColumns(model: EmbeddingModel, lib: SyntheticLibrary, from: number, to: number, opts: SyntheticOptions): FaceColumns {
  const d = model.dim;
  const n = to - from;
  const cols: FaceColumns = {
    id: [], media_id: [], folder_id: [], kind: [], captured_at: [], frame_time: [], ranges: [], person_id: [], w: [], quality: [],
    vector: new Float32Array(n * d),
  };
  const videoShare = opts.videoShare ?? 0.1;
  for (let i = from; i < to; i++) {
    // One generator per row so any slice of the plan comes out the same whatever the batch size.
    const rng = new Rng(((opts.seed ?? 1) * 0x9e3779b1) ^ (i * 2654435761));
    const who = lib.identityOfRow[i]!;
    faceOf(model, rng, lib.centres, who * d, cols.vector, (i - from) * d);
    // About 3 faces per media; media ids group consecutive rows.
    const media = Math.floor(i / 3);
    const video = (media % 1000) / 1000 < videoShare;
    cols.id.push(`f${i}`);
    cols.media_id.push(`m${media}`);
    cols.folder_id.push(lib.folderIds[media % lib.folderIds.length]!);
    cols.kind.push(video ? 'video' : 'image');
    cols.captured_at.push(Math.round(lib.start + ((media * 7919) % 100_003) / 100_003 * (lib.end - lib.start)));
    const t = video ? Math.round(rng.next() * 600) / 10 : null;
    cols.frame_time.push(t);
    cols.ranges.push(video ? JSON.stringify([[Math.max(0, t! - 2), t! + 2]]) : null);
    // Identities seen more than once have a person (as clustering would give them).
    cols.person_id.push(lib.facesPerIdentity[who]! > 1 ? `p${who}` : null);
    cols.w.push(20 + rng.int(300));
    cols.quality.push(Math.round(rng.next() * 1000) / 1000);
  }
  return cols;
}

/** Arrow table in the faces table's schema, built from columns (no per-row objects). */
/** `schema`: the faces table's own (LanceDB's CommonJS Arrow) schema, from `await store.faces.schema()`. */
export function facesArrow(cols: FaceColumns, schema: Schema): ArrowTable {
  const n = cols.id.length;
  const now = Date.now();
  const fill = <T>(v: T): T[] => new Array<T>(n).fill(v);
  const values: Record<string, unknown[]> = {
    id: cols.id, media_id: cols.media_id, folder_id: cols.folder_id, kind: cols.kind, captured_at: cols.captured_at,
    frame_time: cols.frame_time, ranges: cols.ranges, x: fill(0), y: fill(0), w: cols.w, h: cols.w, landmarks: fill('[]'),
    score: fill(0.95), quality: cols.quality, person_id: cols.person_id, assignment: cols.person_id.map((p) => (p ? 'auto' : 'none')),
    rejected: fill(null), clustered: fill(true), model_id: fill('synthetic'), created_at: fill(now),
  };
  const children = schema.fields.map((f) => {
    if (f.name === 'vector') {
      const item = new Field('item', new Float32(), true);
      const child = makeData({ type: new Float32(), length: cols.vector.length, nullCount: 0, data: cols.vector });
      return makeData({ type: new FixedSizeList(EMBEDDING_DIM, item), length: n, nullCount: 0, child });
    }
    return vectorFromArray(values[f.name]!, f.type as DataType).data[0]!;
  });
  const data = makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children });
  return new ArrowTable([new RecordBatch(schema, data)]);
}

/** Writes the whole plan into a faces table, `batchSize` rows per add. */
export async function writeSynthetic(
  faces: FaceRepository,
  model: EmbeddingModel,
  lib: SyntheticLibrary,
  opts: SyntheticOptions,
  onBatch?: (done: number) => void,
): Promise<void> {
  const batch = opts.batchSize ?? 50_000;
  const schema = await faces.schema();
  for (let from = 0; from < lib.rows; from += batch) {
    const to = Math.min(lib.rows, from + batch);
    await faces.addArrow(facesArrow(syntheticColumns(model, lib, from, to, opts), schema));
    onBatch?.(to);
  }
}

/** Media rows of the plan (`m<k>` holds rows 3k..3k+2), in the media table's schema; rating/camera/tags vary with k. */
export function syntheticMedia(lib: SyntheticLibrary, opts: SyntheticOptions): MediaRow[] {
  const count = Math.ceil(lib.rows / 3);
  const videoShare = opts.videoShare ?? 0.1;
  const out: MediaRow[] = [];
  for (let k = 0; k < count; k++) {
    const video = (k % 1000) / 1000 < videoShare;
    out.push(
      mediaRow(`m${k}`, `/library/${lib.folderIds[k % lib.folderIds.length]}/${video ? 'clip' : 'photo'}-${k}.${video ? 'mp4' : 'jpg'}`, lib.folderIds[k % lib.folderIds.length]!, {
        kind: video ? 'video' : 'image',
        captured_at: Math.round(lib.start + ((k * 7919) % 100_003) / 100_003 * (lib.end - lib.start)),
        duration: video ? 60 : null,
        rating: k % 6,
        camera: `cam-${k % 5}`,
        tags: JSON.stringify([`t${k % 7}`, `u${k % 11}`]),
        face_count: 3,
      }),
    );
  }
  return out;
}

/** Persons of the plan: identities with more than one face, fused feature = their centre. */
export function syntheticPersons(model: EmbeddingModel, lib: SyntheticLibrary): PersonRow[] {
  const out: PersonRow[] = [];
  const now = Date.now();
  for (let i = 0; i < lib.identities; i++) {
    const n = lib.facesPerIdentity[i]!;
    if (n < 2) continue;
    out.push({
      id: `p${i}`, name: `person ${i}`, cover_face_id: null, hidden: false, face_count: n, media_count: n, created_at: now, updated_at: now,
      last_captured_at: null, confirmed: false, birth_date: null, centroid: lib.centres.slice(i * model.dim, (i + 1) * model.dim),
    });
  }
  return out;
}

/** Query vectors: new faces of identities in the library (uniform over identities), and strangers. */
export function syntheticQueries(model: EmbeddingModel, lib: SyntheticLibrary, count: number, seed: number, strangerShare = 0.3): { vector: Float32Array; identity: number | null }[] {
  const rng = new Rng(seed);
  const out: { vector: Float32Array; identity: number | null }[] = [];
  for (let q = 0; q < count; q++) {
    const v = new Float32Array(model.dim);
    if (rng.next() < strangerShare) {
      const c = new Float32Array(model.dim);
      randomUnit(model, rng, c);
      faceOf(model, rng, c, 0, v);
      out.push({ vector: v, identity: null });
    } else {
      const who = rng.int(lib.identities);
      faceOf(model, rng, lib.centres, who * model.dim, v);
      out.push({ vector: v, identity: who });
    }
  }
  return out;
}

// ---- the fixtures as a library ----------------------------------------------------------------

export interface FixtureLibrary {
  /** Folder ids by name: `people`, `groups` and (with the video) `video`. */
  folders: { people: string; groups: string; video: string | null };
  media: MediaRow[];
  faces: FaceRow[];
  persons: PersonRow[];
  /** Fixture path relative to FIXTURES (e.g. `people/sheldon/sheldon_1.png`) -> media row. */
  mediaByFixture: Map<string, MediaRow>;
  /** Identity of the largest face of each people/ photo. */
  identityOfMedia: Map<string, string>;
  /** Persons created per identity: identity -> person id. */
  personOf: Map<string, string>;
}

export const FIXTURE_DAY = 86_400_000;
/** Capture times: photo k of the sorted fixture list is taken on day k of 2020 at noon (the files' own times are all alike). */
export const FIXTURE_T0 = Date.UTC(2020, 0, 1, 12);

export function fixturePaths(): string[] {
  const out: string[] = [];
  for (const id of readdirSync(join(FIXTURES, 'people')).sort()) {
    for (const f of readdirSync(join(FIXTURES, 'people', id)).sort()) out.push(join(FIXTURES, 'people', id, f));
  }
  for (const f of readdirSync(join(FIXTURES, 'groups')).sort()) out.push(join(FIXTURES, 'groups', f));
  return out;
}

function centroidOf(vectors: Float32Array[]): Float32Array {
  const c = new Float32Array(EMBEDDING_DIM);
  for (const v of vectors) for (let k = 0; k < EMBEDDING_DIM; k++) c[k]! += v[k]!;
  let n = 0;
  for (const x of c) n += x * x;
  n = Math.sqrt(n) || 1;
  for (let k = 0; k < EMBEDDING_DIM; k++) c[k]! /= n;
  return c;
}

export function faceRow(id: string, media: MediaRow, face: Face, extra: Partial<FaceRow> = {}): FaceRow {
  return {
    id, media_id: media.id, folder_id: media.folder_id, kind: media.kind, captured_at: media.captured_at, frame_time: null, ranges: null,
    x: face.box.x, y: face.box.y, w: face.box.width, h: face.box.height, landmarks: JSON.stringify(face.landmarks), score: face.score,
    quality: face.quality, person_id: null, assignment: 'none', rejected: null, clustered: false, model_id: face.modelId,
    created_at: Date.now(), vector: face.embedding, ...extra,
  };
}

export function mediaRow(id: string, path: string, folderId: string, extra: Partial<MediaRow> = {}): MediaRow {
  return {
    id, path, folder_id: folderId, content_hash: `hash-${id}`, kind: 'image', bytes: 1, mtime: 0, captured_at: null, captured_at_source: 'test',
    width: null, height: null, duration: null, camera: null, rating: null, tags: null, gps_lat: null, gps_lon: null, status: 'ok',
    error_code: null, error_text: null, face_count: 0, indexed_at: Date.now(), model_id: null, ...extra,
  };
}

/**
 * Analyzes people/ and groups/ with the real engine and writes them as a library: folders `people`
 * and `groups`; capture time day k of 2020 for the k-th photo; rating k % 6, camera "cam-A" for even
 * k else "cam-B", tags ["even"|"odd", "kN"] (for the filter tests). Persons: one per identity from
 * its people/ photos, plus every group face at or above `assignAt` to its nearest identity, the way
 * clustering would. Identities listed in `withoutCentroid` get no stored centroid.
 */
export async function buildFixtureLibrary(
  store: LibraryStore,
  engine: Engine,
  opts: { assignAt?: number; withoutCentroid?: string[]; video?: boolean } = {},
): Promise<FixtureLibrary> {
  const people = await store.folders.add(join(FIXTURES, 'people'));
  const groups = await store.folders.add(join(FIXTURES, 'groups'));
  const videoFolder = opts.video ? await store.folders.add(join(FIXTURES, 'video')) : null;
  const paths = fixturePaths();
  const media: MediaRow[] = [];
  const faces: FaceRow[] = [];
  const mediaByFixture = new Map<string, MediaRow>();
  const identityOfMedia = new Map<string, string>();
  const facesOf = new Map<string, Face[]>();
  for await (const item of engine.analyzeMany(paths)) {
    if (!item.result) throw item.error;
    facesOf.set(item.input, item.result.faces);
  }
  paths.forEach((path, k) => {
    const rel = path.slice(FIXTURES.length + 1);
    const inPeople = rel.startsWith('people/');
    const m = mediaRow(`media-${k}`, path, inPeople ? people.id : groups.id, {
      captured_at: FIXTURE_T0 + k * FIXTURE_DAY,
      rating: k % 6,
      camera: k % 2 === 0 ? 'cam-A' : 'cam-B',
      tags: JSON.stringify([k % 2 === 0 ? 'even' : 'odd', `k${k}`]),
      face_count: facesOf.get(path)!.length,
    });
    media.push(m);
    mediaByFixture.set(rel, m);
    if (inPeople) identityOfMedia.set(m.id, basename(dirname(path)));
    facesOf.get(path)!.forEach((f, i) => faces.push(faceRow(`${m.id}-face-${i}`, m, f)));
  });

  if (videoFolder) {
    // The clip as the indexer stores it: one face row per track (best face, embedding, time ranges).
    const path = join(FIXTURES, 'video', 'short_hamilton_clip.mp4');
    const v = await analyzeVideo(engine, path);
    const m = mediaRow('media-video', path, videoFolder.id, {
      kind: 'video', duration: v.durationSec, width: v.width, height: v.height, captured_at: FIXTURE_T0 + paths.length * FIXTURE_DAY,
      rating: 5, camera: 'cam-V', tags: JSON.stringify(['video']), face_count: v.tracks.length,
    });
    media.push(m);
    mediaByFixture.set('video/short_hamilton_clip.mp4', m);
    v.tracks.forEach((t, i) =>
      faces.push(faceRow(`${m.id}-face-${i}`, m, { ...t.bestFace, embedding: t.embedding }, { frame_time: t.bestFace.timeSec, ranges: JSON.stringify(t.ranges) })),
    );
  }

  // Persons: identity centroids from the largest face of each people/ photo, then group faces join
  // their nearest identity when similar enough.
  const byIdentity = new Map<string, FaceRow[]>();
  for (const f of faces) {
    const who = identityOfMedia.get(f.media_id);
    if (who && f.id.endsWith('-face-0')) byIdentity.set(who, [...(byIdentity.get(who) ?? []), f]);
  }
  const seed = new Map([...byIdentity].map(([who, fs]) => [who, centroidOf(fs.map((f) => f.vector as Float32Array))]));
  const assignAt = opts.assignAt ?? 0.4;
  for (const f of faces) {
    if (f.folder_id === people.id) continue;
    let best: string | null = null, bestScore = assignAt;
    for (const [who, c] of seed) {
      const s = dot(f.vector as Float32Array, 0, c, 0, EMBEDDING_DIM);
      if (s >= bestScore) [best, bestScore] = [who, s];
    }
    if (best) byIdentity.get(best)!.push(f);
  }
  const personOf = new Map<string, string>();
  const persons: PersonRow[] = [];
  const now = Date.now();
  for (const [who, fs] of [...byIdentity].sort(([a], [b]) => a.localeCompare(b))) {
    const id = `person-${who}`;
    personOf.set(who, id);
    for (const f of fs) Object.assign(f, { person_id: id, assignment: 'auto', clustered: true });
    persons.push({
      id, name: who, cover_face_id: fs[0]!.id, hidden: false, face_count: fs.length, media_count: new Set(fs.map((f) => f.media_id)).size,
      created_at: now, updated_at: now, last_captured_at: null, confirmed: false, birth_date: null,
      centroid: opts.withoutCentroid?.includes(who) ? null : centroidOf(fs.map((f) => f.vector as Float32Array)),
    });
  }
  await store.media.upsert(media);
  await store.faces.add(faces);
  await store.persons.upsert(persons);
  return { folders: { people: people.id, groups: groups.id, video: videoFolder?.id ?? null }, media, faces, persons, mediaByFixture, identityOfMedia, personOf };
}
