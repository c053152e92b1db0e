/** Reading and writing LanceDB rows as the engine's plain row objects; used only by the store's repositories. */
import type { Table } from '@lancedb/lancedb';
import { chunks } from './sql';

export type AnyRow = Record<string, unknown>;

/** Arrow rows → plain objects; vector columns become Float32Array. */
export function plain<T>(row: AnyRow): T {
  const out: AnyRow = {};
  for (const [k, v] of Object.entries(row)) {
    if (v && typeof v === 'object' && 'toArray' in v && typeof (v as { toArray: unknown }).toArray === 'function') {
      out[k] = Float32Array.from((v as { toArray(): ArrayLike<number> }).toArray());
    } else {
      out[k] = typeof v === 'bigint' ? Number(v) : v;
    }
  }
  return out as T;
}

export function toWritable(row: AnyRow): AnyRow {
  const out: AnyRow = {};
  for (const [k, v] of Object.entries(row)) out[k] = v instanceof Float32Array ? Array.from(v) : v;
  return out;
}

export interface RowQuery {
  where?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
  columns?: readonly string[] | undefined;
}

export async function readRows<T>(table: Table, q: RowQuery = {}): Promise<T[]> {
  let query = table.query();
  if (q.where) query = query.where(q.where);
  if (q.columns) query = query.select([...q.columns]);
  if (q.offset) query = query.offset(q.offset);
  query = query.limit(q.limit ?? 1e9);
  return (await query.toArray()).map((r) => plain<T>(r as AnyRow));
}

/** Runs `read` over `values` in IN-list sized chunks and concatenates the results. */
export async function inChunks<T, V>(values: readonly V[], read: (chunk: V[]) => Promise<T[]>, size?: number): Promise<T[]> {
  const out: T[] = [];
  for (const c of chunks(values, size)) out.push(...(await read(c)));
  return out;
}

/** Appends rows without matching ids (bulk loads of new rows). */
export async function appendRows(table: Table, rows: readonly object[]): Promise<void> {
  if (rows.length) await table.add(rows.map((r) => toWritable(r as AnyRow)));
}

/** Inserts or replaces rows by id. */
export async function upsertRows(table: Table, rows: readonly object[]): Promise<void> {
  if (rows.length === 0) return;
  await table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(rows.map((r) => toWritable(r as AnyRow)));
}

/** Partial update of rows by id (only the given columns change). */
export async function patchRows(table: Table, patches: readonly object[]): Promise<void> {
  if (patches.length === 0) return;
  await table.mergeInsert('id').whenMatchedUpdateAll().execute(patches.map((r) => toWritable(r as AnyRow)));
}
