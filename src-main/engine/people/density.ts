/**
 * The density-based alternative (DBSCAN on the nearest-neighbour graph, as Immich clusters faces),
 * kept for the measured comparison in docs/people.md and selectable with `algorithm: 'density'`.
 * A row is a core when at least minPoints - 1 of its neighbours from other photos are >= eps; cores
 * linked by an edge >= eps form a cluster; other rows attach to their most similar core. A cluster
 * never keeps two faces of one photo: the one closest to the cluster's mean stays.
 */
import type { ClusterInput } from './cluster-input';
import type { Neighbours } from './knn-graph';
import type { AggloCluster } from './agglomerative';
import { dotAt } from './vector-math';

export function densityClusters(
  input: ClusterInput,
  nb: Neighbours,
  inScope: (row: number) => boolean,
  eps: number,
  minPoints: number,
): AggloCluster[] {
  const n = input.quality.length;
  const dim = input.dim;
  const core = new Uint8Array(n);
  const listOf = new Int32Array(n).fill(-1);
  for (let q = 0; q < nb.rows.length; q++) {
    const r = nb.rows[q]!;
    if (!inScope(r)) continue;
    listOf[r] = q;
    let c = 0;
    for (let j = 0; j < nb.k; j++) {
      const o = nb.nbr[q * nb.k + j]!;
      if (o < 0 || nb.sim[q * nb.k + j]! < eps) break;
      if (inScope(o) && input.media[o] !== input.media[r]) c++;
    }
    if (c >= minPoints - 1) core[r] = 1;
  }
  const parent = new Int32Array(n).map((_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) x = parent[x] = parent[parent[x]!]!;
    return x;
  };
  for (let r = 0; r < n; r++) {
    if (!core[r] || listOf[r]! < 0) continue;
    const q = listOf[r]!;
    for (let j = 0; j < nb.k; j++) {
      const o = nb.nbr[q * nb.k + j]!;
      if (o < 0 || nb.sim[q * nb.k + j]! < eps) break;
      if (core[o] && input.media[o] !== input.media[r]) parent[find(o)] = find(r);
    }
  }
  const label = new Int32Array(n).fill(-1);
  for (let r = 0; r < n; r++) if (core[r]) label[r] = find(r);
  for (let r = 0; r < n; r++) {
    if (core[r] || listOf[r]! < 0) continue;
    const q = listOf[r]!;
    for (let j = 0; j < nb.k; j++) {
      const o = nb.nbr[q * nb.k + j]!;
      if (o < 0 || nb.sim[q * nb.k + j]! < eps) break;
      if (core[o] && input.media[o] !== input.media[r]) {
        label[r] = find(o);
        break;
      }
    }
  }
  const groups = new Map<number, number[]>();
  for (let r = 0; r < n; r++) {
    if (label[r]! < 0) continue;
    let g = groups.get(label[r]!);
    if (!g) groups.set(label[r]!, (g = []));
    g.push(r);
  }
  const out: AggloCluster[] = [];
  for (const rows of groups.values()) {
    const mean = new Float32Array(dim);
    for (const r of rows) for (let i = 0; i < dim; i++) mean[i]! += input.vectors[r * dim + i]!;
    const best = new Map<number, { row: number; s: number }>();
    for (const r of rows) {
      const s = dotAt(input.vectors, r * dim, mean, 0, dim);
      const cur = best.get(input.media[r]!);
      if (!cur || s > cur.s) best.set(input.media[r]!, { row: r, s });
    }
    const kept = [...best.values()].map((b) => b.row);
    const s = new Float32Array(dim);
    for (const r of kept) for (let i = 0; i < dim; i++) s[i]! += input.vectors[r * dim + i]!;
    const k = kept.length;
    out.push({ rows: kept, seed: -1, linkage: k > 1 ? (dotAt(s, 0, s, 0, dim) - k) / (k * (k - 1)) : 1 });
  }
  return out;
}
