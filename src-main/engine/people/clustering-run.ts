/**
 * One clustering run against the library (IMM CreateFigureClusteringTask): named regions first, then a
 * snapshot of every face, a plan per embedding model (faces of different models are never compared),
 * and the writes. Only faces the plan decided are written, and the user's faces never are.
 *
 * Write order, so a crash leaves only what reconcilePersons() repairs: new person rows, then the face
 * assignments, then the other persons' stats and deletions.
 */
import { randomUUID } from 'node:crypto';
import { EngineError } from '../errors';
import type { LibraryStore } from '../store/library-store';
import type { PersonRow } from '../store/rows';
import type { PeopleSettings } from '../settings';
import type { TaskHandle } from '../tasks/task-registry';
import type { ClusterInput } from './cluster-input';
import { rejectedCsr } from './cluster-input';
import { planClusters } from './cluster-plan';
import type { ClusterMode, ClusterPlan } from './cluster-plan';
import { planInWorker } from './cluster-protocol';
import type { KnnKernel } from './knn-kernel';
import { loadFaceSnapshot } from './face-snapshot';
import type { SnapshotCache } from './face-snapshot';
import type { FaceSnapshot } from './face-snapshot';
import type { PeoplePrefs } from './people-prefs';
import { newPersonRow, personStats, statsChanged } from './person-stats';
import type { StatFace } from './person-stats';
import { seedFromRegions } from './region-seeds';
import { gatherRows } from './vector-math';

export interface RunContext {
  store: LibraryStore;
  settings: PeopleSettings;
  prefs: PeoplePrefs;
  /** The engine-thread kernel, created on first use. */
  kernel: () => Promise<KnnKernel>;
  /** Vectors kept from the previous run (absent: every run reads them all). */
  cache?: SnapshotCache;
  handle?: TaskHandle;
}

export interface ClusterRunResult {
  mode: ClusterMode;
  /** Faces this run had to decide (not clustered yet; every non-user face in a full run). */
  facesProcessed: number;
  /** Faces whose person or state was written. */
  facesChanged: number;
  facesAssigned: number;
  facesUnassigned: number;
  personsCreated: number;
  personsUpdated: number;
  personsDeleted: number;
  /** Faces named from MWG / Microsoft regions found in the files. */
  regionSeeds: number;
  worker: boolean;
  timingsMs: { regions: number; load: number; plan: number; write: number; total: number };
}

function progress(ctx: RunContext, phase: string, done = 0, total = 0): void {
  ctx.handle?.progress({ phase, done, total });
  if (ctx.handle?.signal.aborted) throw new EngineError('CANCELLED', 'Clustering cancelled; nothing was written');
}

export async function runClustering(ctx: RunContext, mode: ClusterMode): Promise<ClusterRunResult> {
  const { store, settings } = ctx;
  const t0 = performance.now();
  progress(ctx, 'regions');
  const seeds = settings.readRegions ? await seedFromRegions(store, settings, ctx.handle?.signal) : { faces: 0, personIds: [], created: 0 };
  const t1 = performance.now();
  progress(ctx, 'load');
  const snap = ctx.cache ? await ctx.cache.load(store) : await loadFaceSnapshot(store);
  const persons = await store.persons.find();
  const t2 = performance.now();

  const personIndex = new Map(persons.map((p, i) => [p.id, i]));
  const isFree = (r: number) => snap.assignment[r] !== 'user' && (mode === 'full' || !snap.clustered[r]);
  const groups = new Map<string, number[]>();
  for (let r = 0; r < snap.count; r++) {
    let g = groups.get(snap.modelIds[r]!);
    if (!g) groups.set(snap.modelIds[r]!, (g = []));
    g.push(r);
  }
  const finalPerson: (string | null)[] = snap.personIds.slice();
  const decided = new Uint8Array(snap.count);
  const createdIds = new Set<string>();
  let usedWorker = false;
  let processed = 0;
  for (const rows of groups.values()) {
    const free = rows.filter(isFree);
    if (free.length === 0) continue;
    processed += free.length;
    const input = buildInput(snap, rows, isFree, personIndex, persons);
    const cells = (mode === 'full' ? rows.length : free.length) * rows.length;
    progress(ctx, 'plan', 0, free.length);
    let plan: ClusterPlan;
    const onProgress = (phase: string, done: number, total: number) => ctx.handle?.progress({ phase, done, total });
    if (cells > settings.workerMinCells) {
      usedWorker = true;
      plan = await planInWorker({ input, params: settings, mode, kernel: settings.kernel, threads: settings.kernelThreads }, onProgress, ctx.handle?.signal);
    } else {
      plan = await planClusters(input, settings, await ctx.kernel(), mode, onProgress);
    }
    progress(ctx, 'write');
    const ids = personIdsFor(plan, persons, rows, snap, input);
    rows.forEach((r, i) => {
      const p = plan.assign[i]!;
      const id = p < 0 ? null : ids[p]!;
      if (id && p >= persons.length) createdIds.add(id);
      if (input.free[i] || id !== (input.person[i]! >= 0 ? persons[input.person[i]!]!.id : null)) {
        decided[r] = 1;
        finalPerson[r] = id;
      }
    });
  }

  const tp = performance.now();
  // Face writes: only rows whose person, assignment or clustered flag actually change.
  const facePatches: { id: string; person_id: string | null; assignment: 'auto' | 'none'; clustered: boolean }[] = [];
  const affected = new Set<string>(seeds.personIds);
  let assigned = 0, unassigned = 0;
  for (let r = 0; r < snap.count; r++) {
    if (!decided[r]) continue;
    const pid = finalPerson[r]!;
    const a = pid ? 'auto' : 'none';
    if (pid) assigned++;
    else unassigned++;
    if (pid === snap.personIds[r] && a === snap.assignment[r] && snap.clustered[r]) continue;
    facePatches.push({ id: snap.ids[r]!, person_id: pid, assignment: a, clustered: true });
    if (snap.personIds[r]) affected.add(snap.personIds[r]!);
    if (pid) affected.add(pid);
  }

  // Person rows from the snapshot with the new assignments applied (no second read of the vectors).
  const facesOf = new Map<string, StatFace[]>([...affected].map((id) => [id, []]));
  for (let r = 0; r < snap.count; r++) {
    const pid = finalPerson[r];
    if (!pid) continue;
    facesOf.get(pid)?.push({ id: snap.ids[r]!, mediaId: snap.mediaIds[r]!, quality: snap.quality[r]!, captured: snap.captured[r]!, video: snap.video[r] === 1, vector: snap.vectors.subarray(r * snap.dim, (r + 1) * snap.dim) });
  }
  const now = Date.now();
  const byId = new Map(persons.map((p) => [p.id, p]));
  const created: PersonRow[] = [];
  const updates: (Partial<PersonRow> & { id: string })[] = [];
  const deleted: string[] = [];
  for (const id of affected) {
    const s = personStats(facesOf.get(id) ?? [], ctx.prefs.userCover(id));
    const row = byId.get(id);
    if (!row) {
      if (createdIds.has(id) && s.face_count > 0) created.push(newPersonRow(id, now, s));
    } else if (s.face_count === 0 && !row.name) {
      deleted.push(id);
    } else if (statsChanged(row, s)) {
      updates.push({ id, ...s, updated_at: now });
    }
  }
  if (ctx.handle?.signal.aborted) throw new EngineError('CANCELLED', 'Clustering cancelled; nothing was written');
  await store.persons.upsert(created);
  await store.faces.patch(facePatches);
  await store.persons.patch(updates);
  await store.persons.delete(deleted);
  await ctx.prefs.forget(deleted);
  const t3 = performance.now();
  return {
    mode,
    facesProcessed: processed,
    facesChanged: facePatches.length,
    facesAssigned: assigned,
    facesUnassigned: unassigned,
    personsCreated: created.length,
    personsUpdated: updates.length,
    personsDeleted: deleted.length,
    regionSeeds: seeds.faces,
    worker: usedWorker,
    timingsMs: { regions: t1 - t0, load: t2 - t1, plan: tp - t2, write: t3 - tp, total: t3 - t0 },
  };
}

function buildInput(snap: FaceSnapshot, rows: number[], isFree: (r: number) => boolean, personIndex: Map<string, number>, persons: PersonRow[]): ClusterInput {
  const n = rows.length;
  const all = n === snap.count;
  const mediaIndex = new Map<string, number>();
  const input: ClusterInput = {
    dim: snap.dim,
    // One model in the library (the usual case): the snapshot's matrix as is, no copy.
    vectors: all ? snap.vectors : gatherRows(snap.vectors, rows, snap.dim),
    quality: new Float32Array(n),
    media: new Int32Array(n),
    captured: new Float64Array(n),
    person: new Int32Array(n),
    free: new Uint8Array(n),
    pinned: new Uint8Array(n),
    ...rejectedCsr(rows.map((r) => (snap.rejected[r] ?? []).map((id) => personIndex.get(id) ?? -1).filter((p) => p >= 0))),
    personBirth: Float64Array.from(persons.map((p) => p.birth_date ?? NaN)),
  };
  rows.forEach((r, i) => {
    input.quality[i] = snap.quality[r]!;
    const m = snap.mediaIds[r]!;
    let mi = mediaIndex.get(m);
    if (mi === undefined) mediaIndex.set(m, (mi = mediaIndex.size));
    input.media[i] = mi;
    input.captured[i] = snap.captured[r]!;
    const free = isFree(r);
    input.free[i] = free ? 1 : 0;
    input.pinned[i] = snap.assignment[r] === 'user' ? 1 : 0;
    const p = snap.personIds[r];
    input.person[i] = free || !p ? -1 : (personIndex.get(p) ?? -1);
  });
  return input;
}

/**
 * Person ids for the plan's person indices: existing persons keep theirs. A new cluster takes the id of
 * the person its faces belonged to before the run, when they belonged to one (a full re-cluster, or
 * faces re-embedded after a model change come back unclustered with their old person): greedy,
 * largest overlap first, each old person once, never a person that kept faces of its own in the run.
 * So ids and names survive; faces of such a cluster that rejected that person, or are older than its
 * birth date, are left unassigned. Other new clusters get fresh ids.
 */
function personIdsFor(plan: ClusterPlan, persons: PersonRow[], rows: number[], snap: FaceSnapshot, input: ClusterInput): string[] {
  const P = persons.length;
  const ids: string[] = persons.map((p) => p.id);
  const total = P + plan.newPersons;
  if (plan.newPersons > 0) {
    const taken = new Set<number>();
    for (let i = 0; i < rows.length; i++) if (plan.assign[i]! >= 0 && plan.assign[i]! < P) taken.add(plan.assign[i]!);
    const overlap = new Map<string, number>();
    const personIndex = new Map(persons.map((p, i) => [p.id, i]));
    rows.forEach((r, i) => {
      const c = plan.assign[i]!;
      const old = snap.personIds[r] ? personIndex.get(snap.personIds[r]!) : undefined;
      if (c >= P && old !== undefined) overlap.set(`${c}:${old}`, (overlap.get(`${c}:${old}`) ?? 0) + 1);
    });
    const pairs = [...overlap].map(([k, n]) => ({ c: Number(k.split(':')[0]), old: Number(k.split(':')[1]), n })).sort((a, b) => b.n - a.n);
    const mapped = new Map<number, number>();
    for (const { c, old } of pairs) {
      if (mapped.has(c) || taken.has(old)) continue;
      mapped.set(c, old);
      taken.add(old);
    }
    for (let c = P; c < total; c++) ids[c] = mapped.has(c) ? persons[mapped.get(c)!]!.id : randomUUID();
    // The old person's constraints still hold for the faces it inherits: its rejections, its birth date.
    rows.forEach((_, i) => {
      const c = plan.assign[i]!;
      const old = mapped.get(c);
      if (old === undefined) return;
      for (let j = input.rejectedOffsets[i]!; j < input.rejectedOffsets[i + 1]!; j++) if (input.rejected[j] === old) plan.assign[i] = -1;
      const birth = input.personBirth[old]!, t = input.captured[i]!;
      if (birth === birth && t === t && t < birth) plan.assign[i] = -1;
    });
    // A reused id is an existing person, not a created one: index it as such for the caller.
    for (const [c, old] of mapped) for (let i = 0; i < rows.length; i++) if (plan.assign[i] === c) plan.assign[i] = old;
  }
  return ids;
}
