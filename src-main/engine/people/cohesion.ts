/**
 * Persons whose faces do not hold together, taken apart after a run formed them. Joins add faces one at
 * a time on local evidence, so a person can end up as two groups bridged by a few faces, or carry faces
 * that resemble no one in it. For every person the run formed (existing persons and the user's faces
 * are left alone):
 *   - outliers: a face whose mean similarity to the rest of the person is below outlierSim leaves it;
 *   - two groups: the person is cut in two (2-means seeded by its least similar pair, on cosine); when
 *     the groups' mean cross similarity is below splitSim and each group is at least a pair, the
 *     smaller group becomes a person of its own if it would pass as a new person (pairs need pairSim),
 *     else its faces are left unassigned. Repeated while a person splits.
 */
import type { ClusterInput, ClusterParams } from './cluster-input';
import type { Membership } from './membership';
import { dotAt } from './vector-math';

/** Persons larger than this are not examined (the n x n similarities); a run forms far smaller ones. */
const MAX_FACES = 600;
const KMEANS_ITERATIONS = 6;

export type CohesionParams = Pick<ClusterParams, 'outlierSim' | 'splitSim' | 'pairSim' | 'minClusterSize'>;

export function enforceCohesion(input: ClusterInput, m: Membership, params: CohesionParams, firstNew: number): { removed: number; split: number } {
  const members = new Map<number, number[]>();
  for (let r = 0; r < m.assign.length; r++) {
    const p = m.assign[r]!;
    if (p < firstNew) continue;
    let l = members.get(p);
    if (!l) members.set(p, (l = []));
    l.push(r);
  }
  let removed = 0, split = 0;
  const queue = [...members.values()];
  while (queue.length > 0) {
    const rows = queue.pop()!;
    if (rows.length < 3 || rows.length > MAX_FACES || rows.some((r) => input.pinned[r])) continue;
    const sim = similarities(input, rows);
    const n = rows.length;
    const keep: number[] = [];
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) if (j !== i) s += sim[i * n + j]!;
      if (s / (n - 1) < params.outlierSim) {
        m.remove(rows[i]!);
        removed++;
      } else keep.push(i);
    }
    if (keep.length < 4) continue;
    const [a, b] = twoMeans(sim, n, keep);
    if (a.length < 2 || b.length < 2) continue;
    let cross = 0;
    for (const i of a) for (const j of b) cross += sim[i * n + j]!;
    if (cross / (a.length * b.length) >= params.splitSim) continue;
    const small = a.length < b.length ? a : b, large = small === a ? b : a;
    for (const i of small) m.remove(rows[i]!);
    split++;
    if (small.length >= Math.max(2, params.minClusterSize) && (small.length > 2 || sim[small[0]! * n + small[1]!]! >= params.pairSim)) {
      const p = m.newPerson();
      for (const i of small) m.add(rows[i]!, p);
      queue.push(small.map((i) => rows[i]!));
    }
    queue.push(large.map((i) => rows[i]!));
  }
  // A person left with fewer faces than a new person needs is no person.
  for (let r = 0; r < m.assign.length; r++) {
    const p = m.assign[r]!;
    if (p >= firstNew && m.size(p) < Math.max(2, params.minClusterSize) && !input.pinned[r]) {
      m.remove(r);
      removed++;
    }
  }
  return { removed, split };
}

function similarities(input: ClusterInput, rows: number[]): Float32Array {
  const n = rows.length, dim = input.dim;
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    out[i * n + i] = 1;
    for (let j = i + 1; j < n; j++) out[i * n + j] = out[j * n + i] = dotAt(input.vectors, rows[i]! * dim, input.vectors, rows[j]! * dim, dim);
  }
  return out;
}

/** Two groups of `idx` by medoid-free 2-means on the similarity matrix, seeded with the least similar pair. */
function twoMeans(sim: Float32Array, n: number, idx: number[]): [number[], number[]] {
  let sa = idx[0]!, sb = idx[1]!, low = Infinity;
  for (const i of idx) for (const j of idx) if (i < j && sim[i * n + j]! < low) { low = sim[i * n + j]!; sa = i; sb = j; }
  let a = [sa], b = [sb];
  for (let it = 0; it < KMEANS_ITERATIONS; it++) {
    const na: number[] = [], nb: number[] = [];
    for (const i of idx) {
      let da = 0, db = 0;
      for (const j of a) da += sim[i * n + j]!;
      for (const j of b) db += sim[i * n + j]!;
      (da / a.length >= db / b.length ? na : nb).push(i);
    }
    if (na.length === 0 || nb.length === 0) return [na, nb];
    const same = na.length === a.length && na.every((x, k) => x === a[k]);
    a = na; b = nb;
    if (same) break;
  }
  return [a, b];
}
