/**
 * Constrained average-linkage agglomeration over a nearest-neighbour graph. Average linkage between
 * two clusters of unit vectors is exactly sumA . sumB / (|A| |B|), so a merge costs one dot product
 * however big the clusters are. Linkage never rises when clusters merge (it is a weighted mean of the
 * parts' linkages), so stale heap entries are valid upper bounds and are simply re-scored when popped.
 *
 * Cannot-links checked at every merge: two faces of one photo/video; two different seed persons (the
 * user's persons in a full run); a seed person that a face of the other cluster was rejected from; a
 * seed person's birth date after a face's capture time.
 */
import type { ClusterInput } from './cluster-input';
import { rejects } from './cluster-input';
import type { Neighbours } from './knn-graph';
import { MaxHeap } from './heap';
import { dotAt } from './vector-math';

const ORDER_SLACK = 0.01;

export interface AggloCluster {
  rows: number[];
  /** Seed person index, or -1 for a cluster the run formed. */
  seed: number;
  /** Average pairwise similarity (exact). */
  linkage: number;
}

export function agglomerate(
  input: ClusterInput,
  nb: Neighbours,
  inScope: (row: number) => boolean,
  seedOf: (row: number) => number,
  threshold: number,
): AggloCluster[] {
  const n = input.quality.length;
  const dim = input.dim;
  const vec = input.vectors;
  const parent = new Int32Array(n).fill(-1);
  const next = new Int32Array(n).fill(-1);
  const tail = new Int32Array(n).fill(-1);
  const size = new Int32Array(n);
  const version = new Int32Array(n);
  const seed = new Int32Array(n).fill(-1);
  const minCaptured = new Float64Array(n).fill(NaN);
  const sums = new Map<number, Float32Array>();
  const media = new Map<number, Set<number>>();
  /** Rows whose rejected lists a cluster carries, only for clusters holding any. */
  const rejecters = new Map<number, number[]>();

  const find = (r: number): number => {
    let x = r;
    while (parent[x]! !== x) x = parent[x]!;
    while (parent[r]! !== x) {
      const p = parent[r]!;
      parent[r] = x;
      r = p;
    }
    return x;
  };

  const scope: number[] = [];
  for (let r = 0; r < n; r++) if (inScope(r)) scope.push(r);
  for (const r of scope) {
    parent[r] = r;
    tail[r] = r;
    size[r] = 1;
    seed[r] = seedOf(r);
    minCaptured[r] = input.captured[r]!;
    if (input.rejectedOffsets[r + 1]! > input.rejectedOffsets[r]!) rejecters.set(r, [r]);
  }
  // Seed persons start as one cluster each: the user already said these faces are one person.
  const seedRoot = new Map<number, number>();
  for (const r of scope) {
    if (seed[r]! < 0) continue;
    const root = seedRoot.get(seed[r]!);
    if (root === undefined) seedRoot.set(seed[r]!, r);
    else union(root, r);
  }

  function sumOf(c: number): Float32Array {
    return sums.get(c) ?? vec.subarray(c * dim, c * dim + dim);
  }
  function mediaHas(c: number, m: number): boolean {
    const s = media.get(c);
    return s ? s.has(m) : input.media[c] === m;
  }
  function mediaOf(c: number): Iterable<number> {
    return media.get(c) ?? [input.media[c]!];
  }
  function linkage(a: number, b: number): number {
    if (size[a] === 1 && size[b] === 1) return dotAt(vec, a * dim, vec, b * dim, dim);
    const sa = sumOf(a), sb = sumOf(b);
    return dotAt(sa, 0, sb, 0, dim) / (size[a]! * size[b]!);
  }
  function blocked(a: number, b: number): boolean {
    const [small, big] = size[a]! <= size[b]! ? [a, b] : [b, a];
    for (const m of mediaOf(small)) if (mediaHas(big, m)) return true;
    const sa = seed[a]!, sb = seed[b]!;
    if (sa >= 0 && sb >= 0 && sa !== sb) return true;
    if (sa >= 0 && rejectedBy(b, sa)) return true;
    if (sb >= 0 && rejectedBy(a, sb)) return true;
    if (sa >= 0 && beforeBirth(sa, b)) return true;
    if (sb >= 0 && beforeBirth(sb, a)) return true;
    return false;
  }
  function rejectedBy(c: number, person: number): boolean {
    for (const r of rejecters.get(c) ?? []) if (rejects(input, r, person)) return true;
    return false;
  }
  function beforeBirth(person: number, c: number): boolean {
    const birth = input.personBirth[person];
    const t = minCaptured[c]!;
    return birth !== undefined && birth === birth && t === t && t < birth;
  }
  function union(a: number, b: number): number {
    const [big, small] = size[a]! >= size[b]! ? [a, b] : [b, a];
    const s = new Float32Array(dim);
    const sa = sumOf(big), sb = sumOf(small);
    for (let i = 0; i < dim; i++) s[i] = sa[i]! + sb[i]!;
    sums.set(big, s);
    sums.delete(small);
    const mset = media.get(big) ?? new Set([input.media[big]!]);
    for (const m of mediaOf(small)) mset.add(m);
    media.set(big, mset);
    media.delete(small);
    const rj = [...(rejecters.get(big) ?? []), ...(rejecters.get(small) ?? [])];
    if (rj.length > 0) rejecters.set(big, rj);
    rejecters.delete(small);
    parent[small] = big;
    size[big]! += size[small]!;
    next[tail[big]!] = small;
    tail[big] = tail[small]!;
    if (seed[big]! < 0) seed[big] = seed[small]!;
    const ta = minCaptured[big]!, tb = minCaptured[small]!;
    minCaptured[big] = ta !== ta ? tb : tb !== tb ? ta : Math.min(ta, tb);
    version[big]!++;
    return big;
  }

  // Heap entries: parallel arrays; the heap holds entry indices keyed by linkage (an upper bound).
  const entA: number[] = [], entB: number[] = [], entVa: number[] = [], entVb: number[] = [];
  const heap = new MaxHeap();
  const push = (key: number, a: number, b: number) => {
    entA.push(a);
    entB.push(b);
    entVa.push(version[a]!);
    entVb.push(version[b]!);
    heap.push(key, entA.length - 1);
    return entA.length - 1;
  };
  // The freshest entry of each cluster pair: many stale entries (one per original edge) collapse onto
  // one pair as clusters grow; only the first of them is re-scored.
  const fresh = new Map<number, number>();
  const pairKey = (a: number, b: number) => (a < b ? a * n + b : b * n + a);
  const current = (e: number, a: number, b: number) =>
    (entA[e] === a && entB[e] === b && version[a] === entVa[e] && version[b] === entVb[e]) ||
    (entA[e] === b && entB[e] === a && version[b] === entVa[e] && version[a] === entVb[e]);
  for (let q = 0; q < nb.rows.length; q++) {
    const a = nb.rows[q]!;
    if (parent[a]! < 0) continue;
    for (let j = 0; j < nb.k; j++) {
      const b = nb.nbr[q * nb.k + j]!;
      const s = nb.sim[q * nb.k + j]!;
      if (b < 0 || s < threshold) break;
      if (parent[b]! < 0) continue;
      const ca = find(a), cb = find(b);
      if (ca !== cb) push(size[ca] === 1 && size[cb] === 1 ? s : linkage(ca, cb), ca, cb);
    }
  }
  while (heap.size > 0 && heap.peekKey() >= threshold) {
    const e = heap.pop();
    const a = find(entA[e]!), b = find(entB[e]!);
    if (a === b) continue;
    if (!current(e, a, b)) {
      const f = fresh.get(pairKey(a, b));
      if (f !== undefined && f !== e && current(f, a, b)) continue;
      const l = linkage(a, b);
      if (l < threshold) continue;
      // Within ORDER_SLACK of every other entry's upper bound: merge now. Re-pushing instead re-scores a
      // growing cluster's every edge after each of its merges; the slack only reorders merges among
      // near-equal linkages, never lets one below the threshold through.
      if (l < heap.peekKey() - ORDER_SLACK) {
        fresh.set(pairKey(a, b), push(l, a, b));
        continue;
      }
    }
    if (blocked(a, b)) continue;
    union(a, b);
  }

  const out: AggloCluster[] = [];
  for (const r of scope) {
    if (parent[r] !== r) continue;
    const rows: number[] = [];
    for (let x = r; x >= 0; x = next[x]!) rows.push(x);
    const l = rows.length > 1 ? (() => {
      const s = sumOf(r);
      return (dotAt(s, 0, s, 0, dim) - rows.length) / (rows.length * (rows.length - 1));
    })() : 1;
    out.push({ rows, seed: seed[r]!, linkage: l });
  }
  return out;
}
