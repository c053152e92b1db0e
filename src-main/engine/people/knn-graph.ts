/**
 * k nearest neighbours of some rows (the faces a run decides) among all rows of a snapshot. Exact when
 * queries x rows is small enough (an incremental run: 1,000 x 100,000 costs ~1 s); otherwise an
 * inverted file: rows are split into sqrt(rows) k-means lists and each query searches the nprobe lists
 * nearest to it, so a full re-cluster costs ~nprobe/sqrt(rows) of the quadratic search.
 */
import type { KnnKernel } from './knn-kernel';
import { sphericalKMeans } from './kmeans';
import { gatherRows } from './vector-math';

export interface Neighbours {
  k: number;
  /** The query rows, in the order of the lists below. */
  rows: Int32Array;
  /** Row-major (query, rank) -> row index into the snapshot, -1 past the end; never the query itself. */
  nbr: Int32Array;
  sim: Float32Array;
}

export interface NeighbourOptions {
  /** Above this many query x row cells the inverted file is used instead of the exact search. */
  exactMaxCells: number;
  /** Lists each query searches in the inverted file. */
  nprobe: number;
  /** Lists = listFactor x sqrt(rows). */
  listFactor?: number;
  kmeansIterations?: number;
  seed?: number;
}

export async function nearestNeighbours(
  kernel: KnnKernel,
  vectors: Float32Array,
  dim: number,
  queryRows: Int32Array,
  k: number,
  opts: NeighbourOptions,
): Promise<Neighbours> {
  const n = vectors.length / dim;
  const m = queryRows.length;
  const out: Neighbours = { k, rows: queryRows, nbr: new Int32Array(m * k).fill(-1), sim: new Float32Array(m * k).fill(-Infinity) };
  if (m === 0 || n <= 1) return out;
  if (m * n <= opts.exactMaxCells) {
    const top = await kernel.topK(gatherRows(vectors, queryRows, dim), vectors, dim, k + 1);
    for (let q = 0; q < m; q++) copyRow(out, q, queryRows[q]!, top.indices, top.values, q * top.k, top.k, null);
    return out;
  }
  const lists = Math.max(2, Math.round((opts.listFactor ?? 1) * Math.sqrt(n)));
  const km = await sphericalKMeans(kernel, vectors, dim, lists, { seed: opts.seed ?? 1, iterations: opts.kmeansIterations ?? 5, samplePerList: 32 });
  const probe = Math.min(opts.nprobe, km.lists);
  // Each query probes the lists nearest to *it* (not to its own list's centroid): a person's faces
  // straddle list borders, and probing from the border is what finds the other side.
  const queries = gatherRows(vectors, queryRows, dim);
  const probes = await kernel.topK(queries, km.centroids, dim, probe);
  const members: number[][] = Array.from({ length: km.lists }, () => []);
  for (let r = 0; r < n; r++) members[km.assignment[r]!]!.push(r);
  const probing: number[][] = Array.from({ length: km.lists }, () => []);
  for (let q = 0; q < m; q++) for (let p = 0; p < probe; p++) {
    const l = probes.indices[q * probe + p]!;
    if (l >= 0) probing[l]!.push(q);
  }
  // Running top k+1 per query (the +1 absorbs the query itself), merged list by list.
  const kk = k + 1;
  const bestSim = new Float32Array(m * kk).fill(-Infinity);
  const bestRow = new Int32Array(m * kk).fill(-1);
  for (let l = 0; l < km.lists; l++) {
    const qs = probing[l]!;
    const mem = members[l]!;
    if (qs.length === 0 || mem.length === 0) continue;
    const top = await kernel.topK(gatherRows(queries, qs, dim), gatherRows(vectors, mem, dim), dim, Math.min(kk, mem.length));
    qs.forEach((q, i) => {
      for (let j = 0; j < top.k; j++) {
        const local = top.indices[i * top.k + j]!;
        if (local < 0) break;
        const s = top.values[i * top.k + j]!;
        const o = q * kk;
        if (s <= bestSim[o + kk - 1]!) break;
        let p = kk - 1;
        while (p > 0 && bestSim[o + p - 1]! < s) {
          bestSim[o + p] = bestSim[o + p - 1]!;
          bestRow[o + p] = bestRow[o + p - 1]!;
          p--;
        }
        bestSim[o + p] = s;
        bestRow[o + p] = mem[local]!;
      }
    });
  }
  for (let q = 0; q < m; q++) copyRow(out, q, queryRows[q]!, bestRow, bestSim, q * kk, kk, null);
  return out;
}

function copyRow(out: Neighbours, q: number, self: number, idx: Int32Array, val: Float32Array, from: number, width: number, map: number[] | null): void {
  let w = 0;
  for (let j = 0; j < width && w < out.k; j++) {
    const local = idx[from + j]!;
    if (local < 0) break;
    const row = map ? map[local]! : local;
    if (row === self) continue;
    out.nbr[q * out.k + w] = row;
    out.sim[q * out.k + w] = val[from + j]!;
    w++;
  }
}
