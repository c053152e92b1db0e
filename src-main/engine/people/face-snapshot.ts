/**
 * All faces of a library in columns, read straight from Arrow (the vectors land in one Float32Array
 * without a per-row object): 100,000 faces load in ~2 s where row objects took several times that.
 */
import type { Data, Table as ArrowTable, Vector } from 'apache-arrow';
import type { LibraryStore } from '../store/library-store';
import type { Assignment } from '../store/rows';
import { EMBEDDING_DIM } from '../store/schema';

export interface FaceSnapshot {
  count: number;
  dim: number;
  ids: string[];
  mediaIds: string[];
  personIds: (string | null)[];
  assignment: Assignment[];
  rejected: (string[] | null)[];
  clustered: Uint8Array;
  modelIds: string[];
  quality: Float32Array;
  captured: Float64Array;
  /** 1 for a face of a video frame. */
  video: Uint8Array;
  /** Row-major count x dim. */
  vectors: Float32Array;
}

const META_COLUMNS = ['id', 'media_id', 'captured_at', 'quality', 'person_id', 'assignment', 'rejected', 'clustered', 'model_id', 'kind'];
const COLUMNS = [...META_COLUMNS, 'vector'];

export async function loadFaceSnapshot(store: LibraryStore): Promise<FaceSnapshot> {
  return snapshotOf(await store.faces.arrow(COLUMNS));
}

/**
 * Keeps the last snapshot's vectors between runs (the indexer hands faces over in batches, a run after
 * each): the next run reads every face's short columns but only the vectors of faces it has not seen or
 * that are unclustered (a face whose vector changes comes back unclustered). Dropped after `keepMs`
 * without a run, so an idle app does not hold them.
 */
export class SnapshotCache {
  private last: { index: Map<string, number>; vectors: Float32Array; dim: number } | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly keepMs: number) {}

  async load(store: LibraryStore): Promise<FaceSnapshot> {
    if (this.keepMs <= 0) return loadFaceSnapshot(store);
    const prev = this.last;
    let snap: FaceSnapshot;
    if (!prev) {
      snap = await loadFaceSnapshot(store);
    } else {
      const meta = await store.faces.arrow(META_COLUMNS);
      snap = snapshotOf(meta, false);
      const missing: number[] = [];
      for (let r = 0; r < snap.count; r++) {
        const at = snap.clustered[r] ? prev.index.get(snap.ids[r]!) : undefined;
        if (at === undefined) missing.push(r);
        else snap.vectors.set(prev.vectors.subarray(at * prev.dim, (at + 1) * prev.dim), r * snap.dim);
      }
      const rowOf = new Map(missing.map((r) => [snap.ids[r]!, r]));
      for (const t of await store.faces.arrowOfIds(missing.map((r) => snap.ids[r]!), ['id', 'vector'])) {
        const ids = column(t, 'id');
        const vecs = vectorsOf(column(t, 'vector'), t.numRows, snap.dim);
        for (let i = 0; i < t.numRows; i++) {
          const r = rowOf.get(ids.get(i) as string);
          if (r !== undefined) snap.vectors.set(vecs.subarray(i * snap.dim, (i + 1) * snap.dim), r * snap.dim);
        }
      }
    }
    this.last = { index: new Map(snap.ids.map((id, r) => [id, r])), vectors: snap.vectors, dim: snap.dim };
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.clear(), this.keepMs);
    this.timer.unref();
    return snap;
  }

  clear(): void {
    this.last = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

function column(table: ArrowTable, name: string): Vector {
  const c = table.getChild(name);
  if (!c) throw new Error(`faces table has no ${name} column`);
  return c;
}

export function snapshotOf(table: ArrowTable, withVectors = true): FaceSnapshot {
  const n = table.numRows;
  const dim = EMBEDDING_DIM;
  const strings = (name: string) => {
    const c = column(table, name);
    const out: (string | null)[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = (c.get(i) as string | null) ?? null;
    return out;
  };
  const numbers = (name: string, out: Float32Array | Float64Array, missing: number) => {
    const c = column(table, name);
    for (let i = 0; i < n; i++) {
      const v = c.get(i) as number | bigint | null;
      out[i] = v === null || v === undefined ? missing : Number(v);
    }
    return out;
  };
  const clustered = new Uint8Array(n);
  const cl = column(table, 'clustered');
  for (let i = 0; i < n; i++) clustered[i] = cl.get(i) ? 1 : 0;
  return {
    count: n,
    dim,
    ids: strings('id') as string[],
    mediaIds: strings('media_id') as string[],
    personIds: strings('person_id'),
    assignment: strings('assignment').map((a) => (a === 'auto' || a === 'user' ? a : 'none')),
    rejected: strings('rejected').map(parseRejected),
    clustered,
    modelIds: strings('model_id').map((m) => m ?? ''),
    quality: numbers('quality', new Float32Array(n), 0) as Float32Array,
    captured: numbers('captured_at', new Float64Array(n), NaN) as Float64Array,
    video: Uint8Array.from(strings('kind'), (k) => (k === 'video' ? 1 : 0)),
    vectors: withVectors ? vectorsOf(column(table, 'vector'), n, dim) : new Float32Array(n * dim),
  };
}

/** FixedSizeList chunks copied into one matrix; a null vector stays zeros (it then matches nothing). */
function vectorsOf(col: Vector, n: number, dim: number): Float32Array {
  const out = new Float32Array(n * dim);
  let row = 0;
  for (const data of col.data as Data[]) {
    const child = data.children[0];
    const values = child?.values as Float32Array | undefined;
    // Arrow slices sub-array the child's values, so a chunk's first vector is always at values[0].
    if (values && values.length >= data.length * dim) {
      out.set(values.subarray(0, data.length * dim), row * dim);
      if (data.nullCount > 0) {
        for (let i = 0; i < data.length; i++) if (!data.getValid(i)) out.fill(0, (row + i) * dim, (row + i + 1) * dim);
      }
    } else {
      for (let i = 0; i < data.length; i++) {
        const v = col.get(row + i) as { toArray(): ArrayLike<number> } | null;
        if (v) out.set(v.toArray(), (row + i) * dim);
      }
    }
    row += data.length;
  }
  return out;
}

export function parseRejected(json: string | null | undefined): string[] | null {
  if (!json) return null;
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : null;
  } catch {
    return null;
  }
}

export function rejectedJson(list: readonly string[]): string | null {
  return list.length > 0 ? JSON.stringify([...new Set(list)]) : null;
}
