/**
 * One clustering run as a pure function of typed arrays (so it can run in a worker thread):
 *
 * incremental (IMM CreateFigureClusteringTask): only the free rows (faces not yet clustered) are
 *   decided. 1) nearest neighbours of the free rows among all rows; 2) join passes: a free face joins
 *   an existing person on strong k-NN evidence (joiner.ts); 3) the rest, with the unassigned faces near
 *   them, are agglomerated; a cluster becomes a new person when it is big and tight enough; 4) attach:
 *   faces too poor to seed (quality) may still join any person by the join rule; 5) cohesion: persons
 *   the run formed lose faces that resemble no one in them and are split where they are two groups.
 * full: every row but the user's is free; the user's faces seed their persons (one pre-merged cluster
 *   each, never merged with one another) and everything is agglomerated in one pass, then attached.
 */
import type { ClusterInput, ClusterParams } from './cluster-input';
import { rowCount } from './cluster-input';
import type { KnnKernel } from './knn-kernel';
import { nearestNeighbours } from './knn-graph';
import type { Neighbours } from './knn-graph';
import { Membership } from './membership';
import { joinPass } from './joiner';
import { agglomerate } from './agglomerative';
import type { AggloCluster } from './agglomerative';
import { densityClusters } from './density';
import { enforceCohesion } from './cohesion';

export type ClusterMode = 'incremental' | 'full';

export interface ClusterPlan {
  /** Person index per row after the run, -1 for none; indices >= personBirth.length are new persons. */
  assign: Int32Array;
  newPersons: number;
  counts: { joined: number; formed: number; attached: number; unassigned: number; outliers: number; splits: number };
  timingsMs: { neighbours: number; join: number; cluster: number; attach: number };
}

export type PlanProgress = (phase: string, done: number, total: number) => void;

const JOIN_PASSES = 3;

export async function planClusters(
  input: ClusterInput,
  params: ClusterParams,
  kernel: KnnKernel,
  mode: ClusterMode,
  progress: PlanProgress = () => undefined,
): Promise<ClusterPlan> {
  const n = rowCount(input);
  const t0 = performance.now();
  const queries: number[] = [];
  for (let r = 0; r < n; r++) if (input.free[r] || (mode === 'full' && input.person[r]! >= 0)) queries.push(r);
  progress('neighbours', 0, queries.length);
  const knnOpts = { exactMaxCells: params.exactMaxCells, nprobe: params.nprobe };
  let nb = await nearestNeighbours(kernel, input.vectors, input.dim, Int32Array.from(queries), params.knnK, knnOpts);
  const m = new Membership(input);
  // Rows this run may change: the free ones, and in an incremental run the unassigned faces the free
  // ones land near, so a stranger whose first face arrived alone becomes one person later whatever
  // order the photos arrive in.
  const decide = Uint8Array.from(input.free);
  if (mode === 'incremental') {
    const revisit: number[] = [];
    for (let q = 0; q < nb.rows.length; q++) {
      for (let j = 0; j < nb.k; j++) {
        const o = nb.nbr[q * nb.k + j]!;
        if (o < 0 || nb.sim[q * nb.k + j]! < params.revisitSim) break;
        if (!decide[o] && !input.pinned[o] && m.assign[o]! < 0) {
          decide[o] = 1;
          revisit.push(o);
        }
      }
    }
    if (revisit.length > 0) {
      nb = concatNeighbours(nb, await nearestNeighbours(kernel, input.vectors, input.dim, Int32Array.from(revisit), params.knnK, knnOpts));
    }
  }
  const t1 = performance.now();
  progress('join', queries.length, queries.length);

  const isFreeQuery = (q: number) => decide[nb.rows[q]!] === 1;
  let joined = 0;
  if (mode === 'incremental') {
    for (let pass = 0; pass < JOIN_PASSES; pass++) {
      const j = joinPass(input, nb, m, params, isFreeQuery);
      joined += j;
      if (j === 0) break;
    }
  }
  const t2 = performance.now();
  progress('cluster', 0, 1);

  const inScope = scopeOf(input, decide, nb, m, params, mode);
  const clusters: AggloCluster[] =
    params.algorithm === 'density'
      ? densityClusters(input, nb, (r) => inScope[r] === 1, params.densityEps, params.densityMinPoints)
      : agglomerate(input, nb, (r) => inScope[r] === 1, (r) => (input.free[r] ? -1 : input.person[r]!), params.linkageSim);
  let formed = 0;
  for (const c of clusters) {
    if (c.seed >= 0) {
      for (const r of c.rows) if (m.assign[r]! < 0) m.add(r, c.seed);
      continue;
    }
    if (!accepted(c, params) || !c.rows.some((r) => decide[r])) continue;
    const p = m.newPerson();
    for (const r of c.rows) m.add(r, p);
    formed += c.rows.length;
  }
  const t3 = performance.now();
  progress('attach', 0, 1);

  let attached = 0;
  for (let pass = 0; pass < JOIN_PASSES; pass++) {
    const j = joinPass(input, nb, m, params, isFreeQuery);
    attached += j;
    if (j === 0) break;
  }
  const cohesion = enforceCohesion(input, m, params, m.existingPersons);
  let unassigned = 0;
  for (let r = 0; r < n; r++) if (decide[r] && m.assign[r]! < 0) unassigned++;
  const t4 = performance.now();
  return {
    assign: m.assign,
    newPersons: m.personCount - m.existingPersons,
    counts: { joined, formed, attached, unassigned, outliers: cohesion.removed, splits: cohesion.split },
    timingsMs: { neighbours: t1 - t0, join: t2 - t1, cluster: t3 - t2, attach: t4 - t3 },
  };
}

/** Big enough and tight enough to be a person: pairs need the stricter pair similarity. */
function accepted(c: AggloCluster, params: ClusterParams): boolean {
  if (c.rows.length < Math.max(2, params.minClusterSize)) return false;
  return c.rows.length > 2 || c.linkage >= params.pairSim;
}

/**
 * Rows that may form new persons: free, unassigned, good enough to seed, and not already close to an
 * existing person (such a face is a join that failed on evidence, not a new person: forming one
 * would make a duplicate); plus the unassigned faces near them, and in a full run the user's faces.
 */
function scopeOf(input: ClusterInput, decide: Uint8Array, nb: Neighbours, m: Membership, params: ClusterParams, mode: ClusterMode): Uint8Array {
  const inScope = new Uint8Array(rowCount(input));
  for (let q = 0; q < nb.rows.length; q++) {
    const r = nb.rows[q]!;
    if (!decide[r]) {
      if (mode === 'full' && input.person[r]! >= 0) inScope[r] = 1;
      continue;
    }
    if (m.assign[r]! >= 0 || input.quality[r]! < params.seedQuality) continue;
    const top = nb.nbr[q * nb.k]!;
    if (mode === 'incremental' && top >= 0 && m.assign[top]! >= 0 && nb.sim[q * nb.k]! >= params.joinSim) continue;
    inScope[r] = 1;
  }
  if (mode === 'incremental') {
    for (let q = 0; q < nb.rows.length; q++) {
      if (!inScope[nb.rows[q]!]) continue;
      for (let j = 0; j < nb.k; j++) {
        const o = nb.nbr[q * nb.k + j]!;
        if (o < 0 || nb.sim[q * nb.k + j]! < params.linkageSim) break;
        if (!decide[o] && !input.pinned[o] && m.assign[o]! < 0 && input.quality[o]! >= params.seedQuality) inScope[o] = 1;
      }
    }
  }
  return inScope;
}

function concatNeighbours(a: Neighbours, b: Neighbours): Neighbours {
  const cat = <T extends Int32Array | Float32Array>(x: T, y: T, make: new (n: number) => T): T => {
    const out = new make(x.length + y.length);
    out.set(x);
    out.set(y, x.length);
    return out;
  };
  return { k: a.k, rows: cat(a.rows, b.rows, Int32Array), nbr: cat(a.nbr, b.nbr, Int32Array), sim: cat(a.sim, b.sim, Float32Array) };
}
