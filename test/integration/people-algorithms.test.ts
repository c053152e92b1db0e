/**
 * The measured comparison behind the clustering algorithm (docs/people.md): constrained average-linkage
 * agglomeration (kept) against density-based DBSCAN-style clustering (Immich's approach), on the real
 * fixture embeddings, over a sweep of each one's threshold, from scratch and with the photos arriving
 * in random batches. Prints the table; asserts the facts the choice rests on.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { planClusters } from '../../src-main/engine/people/cluster-plan';
import type { ClusterInput, ClusterParams } from '../../src-main/engine/people/cluster-input';
import { rejectedCsr } from '../../src-main/engine/people/cluster-input';
import { createKnnKernel } from '../../src-main/engine/people/knn-kernel';
import type { KnnKernel } from '../../src-main/engine/people/knn-kernel';
import { seededRandom } from '../../src-main/engine/people/random';
import { DEFAULT_PEOPLE_SETTINGS } from '../../src-main/engine/settings';
import { openEngine } from '../helpers/engines';
import { LABELS, analyzeFixtures, groupPhotos, peoplePhotos } from '../helpers/people-library';
import type { AnalyzedPhoto } from '../helpers/people-library';

const D = 512;
let photos: AnalyzedPhoto[] = [];
let kernel: KnnKernel;
/** One row per face: its photo index, and its identity for the largest face of a people/ photo. */
let rows: { photo: number; identity: string | null; quality: number; v: Float32Array }[] = [];

beforeAll(async () => {
  const engine = await openEngine('default');
  try {
    photos = await analyzeFixtures(engine, [...peoplePhotos(), ...groupPhotos()]);
  } finally {
    await engine.close();
  }
  kernel = await createKnnKernel({ backend: 'onnx', threads: 1 });
  rows = photos.flatMap((p, photo) => {
    const largest = p.faces.reduce((b, f, i) => (f.box.width * f.box.height > p.faces[b]!.box.width * p.faces[b]!.box.height ? i : b), 0);
    return p.faces.map((f, i) => ({ photo, identity: p.rel.startsWith('people/') && i === largest ? p.rel.split('/')[1]! : null, quality: f.quality, v: f.embedding }));
  });
});

/** Runs the photos through incremental runs, `batches` random batches of whole photos (1 = from scratch). */
async function run(params: ClusterParams, batches: number, seed: number): Promise<Int32Array> {
  const rand = seededRandom(seed);
  const batchOf = photos.map(() => (batches === 1 ? 0 : Math.floor(rand() * batches)));
  const state = new Int32Array(rows.length).fill(-1);
  let persons = 0;
  for (let b = 0; b < batches; b++) {
    const present = rows.map((_, i) => i).filter((i) => batchOf[rows[i]!.photo]! <= b);
    if (!present.some((i) => batchOf[rows[i]!.photo] === b)) continue;
    const input: ClusterInput = {
      dim: D,
      vectors: new Float32Array(present.length * D),
      quality: Float32Array.from(present.map((i) => rows[i]!.quality)),
      media: Int32Array.from(present.map((i) => rows[i]!.photo)),
      captured: new Float64Array(present.length).fill(NaN),
      person: Int32Array.from(present.map((i) => state[i]!)),
      free: Uint8Array.from(present.map((i) => (batchOf[rows[i]!.photo] === b ? 1 : 0))),
      pinned: new Uint8Array(present.length),
      ...rejectedCsr(present.map(() => null)),
      personBirth: new Float64Array(persons).fill(NaN),
    };
    present.forEach((i, j) => input.vectors.set(rows[i]!.v, j * D));
    const plan = await planClusters(input, params, kernel, 'incremental');
    present.forEach((i, j) => (state[i] = plan.assign[j]!));
    persons += plan.newPersons;
  }
  return state;
}

interface Score {
  precision: number;
  recall: number;
  bcubedF: number;
  /** Known people of group photos found in the right person, and the recurring man as one person. */
  groupChecks: string;
}

function score(assign: Int32Array): Score {
  const labeled = rows.map((r, i) => ({ ...r, i })).filter((r) => r.identity);
  let tp = 0, fp = 0, fn = 0, bp = 0, br = 0;
  for (const a of labeled) {
    let sp = 0, st = 0, both = 0;
    for (const b of labeled) {
      const same = a.i === b.i || (assign[a.i]! >= 0 && assign[a.i] === assign[b.i]);
      const truth = a.identity === b.identity;
      if (same) sp++;
      if (truth) st++;
      if (same && truth) both++;
      if (a.i < b.i) {
        if (same && truth) tp++;
        else if (same) fp++;
        else if (truth) fn++;
      }
    }
    bp += both / sp;
    br += both / st;
  }
  bp /= labeled.length;
  br /= labeled.length;
  // Person -> majority identity.
  const votes = new Map<number, Map<string, number>>();
  for (const r of labeled) {
    const p = assign[r.i]!;
    if (p < 0) continue;
    const v = votes.get(p) ?? new Map<string, number>();
    v.set(r.identity!, (v.get(r.identity!) ?? 0) + 1);
    votes.set(p, v);
  }
  const idOf = new Map([...votes].map(([p, v]) => [p, [...v].sort((x, y) => y[1] - x[1])[0]![0]]));
  let ok = 0, total = 0;
  photos.forEach((p, photo) => {
    const present = (LABELS.groups as Record<string, { present: string[] }>)[p.rel]?.present ?? [];
    const found = new Set(rows.map((r, i) => ({ r, i })).filter(({ r }) => r.photo === photo).map(({ i }) => idOf.get(assign[i]!)));
    for (const id of present) {
      total++;
      if (found.has(id)) ok++;
    }
  });
  for (const set of LABELS.same_person_across_groups) {
    total++;
    const per = set.map((rel) => new Set(rows.map((r, i) => ({ r, i })).filter(({ r, i }) => photos[r.photo]!.rel === rel && assign[i]! >= 0).map(({ i }) => assign[i])));
    if ([...per[0]!].some((p) => per.every((s) => s.has(p)))) ok++;
  }
  return { precision: tp / (tp + fp || 1), recall: tp / (tp + fn || 1), bcubedF: (2 * bp * br) / (bp + br), groupChecks: `${ok}/${total}` };
}

const fmt = (s: Score) => `P ${s.precision.toFixed(3)} R ${s.recall.toFixed(3)} BCubed F ${s.bcubedF.toFixed(3)} groups ${s.groupChecks}`;

describe('clustering algorithm comparison on the fixtures', () => {
  it('from scratch: agglomerative is exact over a wider threshold range, density chains identities below eps 0.40', async () => {
    const lines: string[] = [];
    const agg: Record<string, Score> = {};
    for (const t of [0.3, 0.34, 0.38, 0.42, 0.46, 0.5]) {
      agg[t] = score(await run({ ...DEFAULT_PEOPLE_SETTINGS, linkageSim: t }, 1, 1));
      lines.push(`agglomerative linkageSim ${t.toFixed(2)}: ${fmt(agg[t]!)}`);
    }
    const den: Record<string, Score> = {};
    for (const e of [0.35, 0.38, 0.4, 0.45, 0.5, 0.55]) {
      den[e] = score(await run({ ...DEFAULT_PEOPLE_SETTINGS, algorithm: 'density', densityEps: e }, 1, 1));
      lines.push(`density eps ${e.toFixed(2)}:             ${fmt(den[e]!)}`);
    }
    console.log(`[people] from scratch\n${lines.join('\n')}`);
    for (const t of [0.3, 0.34, 0.38]) {
      expect(agg[t]!.bcubedF).toBe(1);
      expect(agg[t]!.groupChecks).toBe('30/30');
    }
    // Chaining still shows below 0.40; since poor faces stopped vouching for joins and persons are split
    // for cohesion it is partly undone (precision 0.946 measured, below 0.9 before).
    expect(den[0.35]!.precision).toBeLessThan(1);
    expect(den[0.35]!.groupChecks).not.toBe('30/30');
  });

  it('in random arrival orders: both hold at their defaults with the join rule and revisits', async () => {
    const lines: string[] = [];
    for (const [name, params] of [
      ['agglomerative', DEFAULT_PEOPLE_SETTINGS],
      ['density', { ...DEFAULT_PEOPLE_SETTINGS, algorithm: 'density' as const }],
    ] as const) {
      let minF = 1, perfect = 0;
      const orders = 10;
      for (let seed = 1; seed <= orders; seed++) {
        const s = score(await run(params, 4, seed));
        minF = Math.min(minF, s.bcubedF);
        if (s.bcubedF === 1 && s.groupChecks === '30/30') perfect++;
      }
      lines.push(`${name}: ${perfect}/${orders} orders perfect, worst BCubed F ${minF.toFixed(3)}`);
      if (name === 'agglomerative') expect(perfect).toBe(orders);
    }
    console.log(`[people] 4 random batches\n${lines.join('\n')}`);
  });
});
