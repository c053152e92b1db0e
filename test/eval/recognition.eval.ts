/**
 * npm run eval:recognition [-- --set lfw|celeba-wild|all --limit N --out file.json --library dir --people '{"linkageSim":0.4}']
 *
 * Recognition and clustering measured on real labelled photos (../shared/lfw, ../shared/celeba-wild; see
 * their READMEs), through the app's own path: the photos are indexed into a temp library with
 * Engine.open({ library }) and clustered automatically as the app does after indexing. Prints JSON and
 * writes it to --out (default eval-recognition.json in the temp folder).
 *
 * - Labelled face of a photo: LFW the face nearest the image centre, celeba-wild the largest face. Other
 *   faces are bystanders: indexed and clustered, but not scored.
 * - Verification: every same-identity pair of labelled faces plus as many seeded random different-identity
 *   pairs: accuracy at the app's threshold, best accuracy and its threshold, ROC AUC, TAR at FAR 1e-2/1e-3.
 * - Clustering: BCubed and pairwise precision/recall of the persons over the labelled faces (faces in no
 *   person count as singletons; every LFW stranger is an identity of its own), persons per identity,
 *   persons mixing identities, strangers placed into a person, labelled faces left unassigned.
 * - Cost: index wall time per face, and per-stage ms per face of a re-analysis of a sample of photos.
 *
 * --limit N takes whole identities in name order until N photos (LFW: plus N/5 strangers) for quick runs.
 * --library DIR keeps the indexed library there; a second run with the same DIR skips indexing and measures
 * the library as it is, or with --recluster after a full re-cluster with the --people overrides (fast
 * iteration on clustering settings). --sample 0 skips the per-stage timing.
 */
import { existsSync, linkSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Engine } from '../../src-main/engine/engine';
import type { IndexSummary } from '../../src-main/engine/library/indexer';
import type { PeopleSettings } from '../../src-main/engine/settings';
import type { LibraryStore } from '../../src-main/engine/store/library-store';
import type { FaceRow, MediaRow } from '../../src-main/engine/store/rows';
import { cosine } from '../../src-main/engine/vision/embedder';
import { align } from '../../src-main/engine/vision/aligner';
import { visibleShare } from '../../src-main/engine/vision/quality';
import type { Point } from '../../src-main/engine/vision/geometry';
import { defaultModelsDir } from '../../src-main/engine/vision/models/manifest';
import { seededRandom } from '../../src-main/engine/people/random';
import { clusterMetrics, verificationMetrics } from './metrics';

const vec = (f: FaceRow) => Float32Array.from(f.vector);

const SHARED = resolve(fileURLToPath(new URL('../../..', import.meta.url)), 'shared');
const SETS = ['lfw', 'celeba-wild'] as const;
type SetName = (typeof SETS)[number];

const { values } = parseArgs({
  options: {
    set: { type: 'string', default: 'all' },
    limit: { type: 'string', default: '0' },
    out: { type: 'string' },
    library: { type: 'string' },
    people: { type: 'string', default: '{}' },
    sample: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    recluster: { type: 'boolean', default: false },
  },
});
const LIMIT = Number(values.limit);
const PEOPLE: Partial<PeopleSettings> = JSON.parse(values.people!) as Partial<PeopleSettings>;

interface Photo { rel: string; identity: string; stranger: boolean }

/** Labelled photos of a set: LFW from labels.tsv, celeba-wild from its identity folders. */
function photosOf(set: SetName): Photo[] {
  const root = join(SHARED, set);
  if (set === 'lfw') {
    return readFileSync(join(root, 'labels.tsv'), 'utf8').trim().split('\n').slice(1).map((line) => {
      const [rel, identity] = line.split('\t') as [string, string];
      return { rel, identity, stranger: rel.startsWith('strangers/') };
    });
  }
  return readdirSync(root).filter((d) => d.startsWith('celeba_')).sort().flatMap((d) =>
    readdirSync(join(root, d)).sort().map((f) => ({ rel: `${d}/${f}`, identity: d, stranger: false })));
}

function limited(photos: Photo[]): Photo[] {
  if (!(LIMIT > 0)) return photos;
  const known = photos.filter((p) => !p.stranger);
  const ids = [...new Set(known.map((p) => p.identity))].sort();
  const out: Photo[] = [];
  for (const id of ids) {
    if (out.length >= LIMIT) break;
    out.push(...known.filter((p) => p.identity === id));
  }
  return [...out, ...photos.filter((p) => p.stranger).slice(0, Math.round(LIMIT / 5))];
}

async function evaluate(set: SetName, work: string): Promise<Record<string, unknown>> {
  const photos = limited(photosOf(set));
  const photoDir = join(work, set, 'photos');
  const libraryDir = join(work, set, 'library');
  const reuse = existsSync(libraryDir);
  if (!reuse) {
    for (const p of photos) {
      const to = join(photoDir, p.rel);
      mkdirSync(dirname(to), { recursive: true });
      try { linkSync(join(SHARED, set, p.rel), to); } catch { copyFileSync(join(SHARED, set, p.rel), to); }
    }
  }
  const engine = await Engine.open({ library: libraryDir, modelsDir: defaultModelsDir(), detector: 'default', fetchModels: false, settings: { people: PEOPLE } });
  try {
    let summary: IndexSummary | null = null;
    let indexSeconds = 0;
    let clusterSeconds = 0;
    if (!reuse) {
      await engine.library.addFolders([photoDir]);
      const t = performance.now();
      const { done } = await engine.library.index();
      const task = await done;
      if (task.status !== 'succeeded') throw new Error(`index ${task.status}: ${JSON.stringify(task.error)}`);
      summary = task.result as IndexSummary;
      indexSeconds = (performance.now() - t) / 1000;
      const tc = performance.now();
      await engine.settled(); // the automatic clustering that follows indexing
      clusterSeconds = (performance.now() - tc) / 1000;
    } else if (values.recluster) {
      const tc = performance.now();
      const task = await engine.people.cluster({ mode: 'full' });
      if (task.status !== 'succeeded') throw new Error(`cluster ${task.status}: ${JSON.stringify(task.error)}`);
      clusterSeconds = (performance.now() - tc) / 1000;
    }

    // The eval reads the library's rows directly, as the benchmarks do (the doors only page through them).
    const store = (engine as unknown as { library: { store: LibraryStore } }).library.store;
    const media: MediaRow[] = await store.media.all();
    const faces: FaceRow[] = await store.faces.all(['id', 'media_id', 'x', 'y', 'w', 'h', 'quality', 'landmarks', 'person_id', 'vector']);
    const facesOf = new Map<string, FaceRow[]>();
    for (const f of faces) {
      let l = facesOf.get(f.media_id);
      if (!l) facesOf.set(f.media_id, (l = []));
      l.push(f);
    }
    // Paths relative to the indexed folder (a library copied elsewhere still points at its first folder).
    const root = (await engine.library.listFolders())[0]?.path ?? photoDir;
    const mediaOf = new Map(media.map((m) => [relative(root, m.path), m]));

    // The labelled face of each photo.
    const labelled: { photo: Photo; face: FaceRow }[] = [];
    const notFound: string[] = [];
    for (const p of photos) {
      const m = mediaOf.get(p.rel);
      const fs = m ? (facesOf.get(m.id) ?? []) : [];
      if (!m || fs.length === 0) { notFound.push(p.rel); continue; }
      let best = fs[0]!;
      if (set === 'lfw') {
        const d = (f: FaceRow) => Math.hypot(f.x + f.w / 2 - (m.width ?? 0) / 2, f.y + f.h / 2 - (m.height ?? 0) / 2);
        for (const f of fs) if (d(f) < d(best)) best = f;
      } else {
        for (const f of fs) if (f.w * f.h > best.w * best.h) best = f;
      }
      labelled.push({ photo: p, face: best });
    }

    // Verification.
    const byId = new Map<string, FaceRow[]>();
    for (const { photo, face } of labelled) {
      if (photo.stranger) continue;
      let l = byId.get(photo.identity);
      if (!l) byId.set(photo.identity, (l = []));
      l.push(face);
    }
    const same: number[] = [];
    for (const l of byId.values()) for (let i = 0; i < l.length; i++) for (let j = i + 1; j < l.length; j++) same.push(cosine(vec(l[i]!), vec(l[j]!)));
    const pool = labelled.filter((x) => !x.photo.stranger || set === 'lfw');
    const rand = seededRandom(Number(values.seed)); // the different-identity pairs are the same on every run
    const diff: number[] = [];
    while (diff.length < same.length && pool.length > 1) {
      const a = pool[Math.floor(rand() * pool.length)]!, b = pool[Math.floor(rand() * pool.length)]!;
      if (a.photo.identity === b.photo.identity) continue;
      diff.push(cosine(vec(a.face), vec(b.face)));
    }
    const verification = { ...verificationMetrics(Float64Array.from(same), Float64Array.from(diff), engine.settings.sameFaceThreshold), facesNotFound: notFound.length, labelledFaces: labelled.length };

    // Clustering over the labelled faces.
    const truth = new Map(labelled.map((x) => [x.face.id, x.photo.stranger ? `stranger:${x.photo.rel}` : x.photo.identity]));
    const personOf = new Map(labelled.map((x) => [x.face.id, x.face.person_id]));
    const personsOfIdentity = new Map<string, Set<string>>();
    const identitiesOfPerson = new Map<string, Map<string, number>>();
    let strangersPlaced = 0, strangers = 0, unassigned = 0;
    for (const { photo, face } of labelled) {
      if (photo.stranger) { strangers++; if (face.person_id) strangersPlaced++; }
      if (!face.person_id) { unassigned++; continue; }
      if (photo.stranger) continue;
      let s = personsOfIdentity.get(photo.identity);
      if (!s) personsOfIdentity.set(photo.identity, (s = new Set()));
      s.add(face.person_id);
      let m = identitiesOfPerson.get(face.person_id);
      if (!m) identitiesOfPerson.set(face.person_id, (m = new Map()));
      m.set(photo.identity, (m.get(photo.identity) ?? 0) + 1);
    }
    const identities = byId.size;
    const personsTotal = await store.persons.count();
    const mixed = [...identitiesOfPerson.values()].filter((m) => m.size > 1);
    const clustering = {
      ...clusterMetrics(truth, personOf),
      persons: personsTotal,
      personsWithLabelledFaces: identitiesOfPerson.size,
      personsPerIdentity: [...personsOfIdentity.values()].reduce((s, p) => s + p.size, 0) / (identities || 1),
      personsMixingIdentities: mixed.length,
      mixedFacesMinority: mixed.reduce((s, m) => s + [...m.values()].reduce((a, b) => a + b, 0) - Math.max(...m.values()), 0),
      strangers,
      strangersPlaced,
      labelledUnassigned: unassigned,
      labelledUnassignedShare: unassigned / (labelled.length || 1),
      bystanderFaces: faces.length - labelled.length,
    };

    const quality = qualityReport(labelled, mediaOf);

    // Cost: a sample of photos analyzed again for per-stage timings.
    const sample = Number(values.sample) <= 0 ? [] : photos.filter((_, i) => i % Math.max(1, Math.floor(photos.length / Number(values.sample))) === 0).slice(0, Number(values.sample));
    const stage = { decode: 0, detect: 0, landmarks: 0, embed: 0 };
    let sampleFaces = 0;
    for await (const item of engine.analyzeMany(sample.map((p) => join(photoDir, p.rel)))) {
      if (!item.result) continue;
      sampleFaces += item.result.faces.length;
      for (const k of Object.keys(stage) as (keyof typeof stage)[]) stage[k] += item.result.timings[k];
    }
    const perFace = Object.fromEntries(Object.entries(stage).map(([k, v]) => [k, round(v / (sampleFaces || 1), 2)]));
    const cost = {
      indexSeconds: round(indexSeconds, 1),
      indexMsPerFace: summary ? round((indexSeconds * 1000) / (summary.faces || 1), 1) : null,
      clusterSeconds: round(clusterSeconds, 1),
      stageMsPerFace: perFace,
      stageSample: { photos: sample.length, faces: sampleFaces },
    };
    return { set, photos: photos.length, identities, faces: faces.length, index: summary, verification: roundAll(verification), clustering: roundAll(clustering), quality, cost };
  } finally {
    await engine.close();
  }
}

/**
 * How much a labelled face can be trusted, by quality, size and the share of it inside the frame: the
 * similarity to its own identity's mean face (leave-one-out) and how often another identity's mean is
 * closer (a face that would vouch for the wrong person). This is the measurement behind seedQuality.
 */
function qualityReport(labelled: { photo: Photo; face: FaceRow }[], mediaOf: Map<string, MediaRow>): Record<string, unknown> {
  const known = labelled.filter((x) => !x.photo.stranger);
  const dim = known[0]?.face.vector.length ?? 0;
  const sums = new Map<string, Float64Array>();
  for (const { photo, face } of known) {
    let s = sums.get(photo.identity);
    if (!s) sums.set(photo.identity, (s = new Float64Array(dim)));
    for (let i = 0; i < dim; i++) s[i]! += face.vector[i]!;
  }
  const unit = (s: Float64Array, minus?: ArrayLike<number>) => {
    const v = Float32Array.from(s, (x, i) => x - (minus ? minus[i]! : 0));
    let n = 0;
    for (const x of v) n += x * x;
    n = Math.sqrt(n) || 1;
    return v.map((x) => x / n);
  };
  const centroids = new Map([...sums].map(([id, s]) => [id, unit(s)]));
  const rows = known.map(({ photo, face }) => {
    const v = vec(face);
    const own = cosine(unit(sums.get(photo.identity)!, v), v);
    let other = -1;
    for (const [id, c] of centroids) if (id !== photo.identity) other = Math.max(other, cosine(c, v));
    const m = mediaOf.get(photo.rel)!;
    const pts = JSON.parse(face.landmarks ?? '[]') as Point[];
    const visible = pts.length === 5 ? visibleShare(align(pts), m.width ?? 0, m.height ?? 0) : 1;
    return { q: face.quality, side: Math.min(face.w, face.h), visible, own, confused: other >= own };
  });
  const bins = (name: string, key: (r: (typeof rows)[number]) => number, edges: number[]) => {
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < edges.length - 1; i++) {
      const inBin = rows.filter((r) => key(r) >= edges[i]! && key(r) < edges[i + 1]!);
      if (inBin.length === 0) continue;
      out.push({
        [name]: `${edges[i]}-${edges[i + 1] === Infinity ? '' : edges[i + 1]}`,
        faces: inBin.length,
        meanOwnSim: round(inBin.reduce((s, r) => s + r.own, 0) / inBin.length, 3),
        closerToOther: round(inBin.filter((r) => r.confused).length / inBin.length, 3),
      });
    }
    return out;
  };
  return {
    byQuality: bins('quality', (r) => r.q, [0, 0.2, 0.35, 0.5, 0.65, 0.8, 1.01]),
    bySide: bins('side', (r) => r.side, [0, 24, 32, 48, 64, 96, Infinity]),
    byVisible: bins('visible', (r) => r.visible, [0, 0.5, 0.7, 0.85, 0.99, 1.01]),
  };
}

function round(v: number, d = 4): number {
  const f = 10 ** d;
  return Math.round(v * f) / f;
}

function roundAll<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v])) as T;
}

const sets: SetName[] = values.set === 'all' ? [...SETS] : [values.set as SetName];
for (const s of sets) if (!SETS.includes(s)) throw new Error(`unknown set ${s}; one of ${SETS.join(', ')} or all`);
const work = values.library ? resolve(values.library) : mkdtempSync(join(tmpdir(), 'fo-eval-recognition-'));
mkdirSync(work, { recursive: true });
try {
  const results = [];
  for (const s of sets) results.push(await evaluate(s, work));
  const report = { date: new Date().toISOString(), limit: LIMIT || null, people: PEOPLE, results };
  const json = JSON.stringify(report, null, 2);
  console.log(json);
  writeFileSync(values.out ?? join(work, 'eval-recognition.json'), json);
} finally {
  if (!values.library) rmSync(work, { recursive: true, force: true });
}
