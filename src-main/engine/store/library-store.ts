/**
 * The library database: one LanceDB folder per library (tables folders, media, faces, persons) plus
 * meta.json (schema version). Writes are batched by the callers; every multi-table change is ordered
 * so that a crash leaves only rows the next start can recognise and repair (see repair()).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import type { Connection, Table } from '@lancedb/lancedb';
import { EngineError } from '../errors';
import { SCHEMA_VERSION, TABLES } from './schema';
import type { TableName } from './schema';
import type { FaceRow, FolderRow, MediaRow, PersonRow } from './rows';
import { chunks, sqlIn, sqlString } from './sql';
import { MIGRATIONS } from './migrations';

interface Meta {
  schemaVersion: number;
  libraryId: string;
  createdAt: number;
}

type AnyRow = Record<string, unknown>;

/** Arrow rows → plain objects; vector columns become Float32Array. */
function plain<T>(row: AnyRow): T {
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

function toWritable(row: AnyRow): AnyRow {
  const out: AnyRow = {};
  for (const [k, v] of Object.entries(row)) out[k] = v instanceof Float32Array ? Array.from(v) : v;
  return out;
}

export interface MediaQuery {
  where?: string;
  limit?: number;
  offset?: number;
  columns?: (keyof MediaRow)[];
}

export class LibraryStore {
  private constructor(
    readonly dir: string,
    private readonly db: Connection,
    private readonly tables: Record<TableName, Table>,
    readonly meta: Meta,
  ) {}

  static async open(dir: string): Promise<LibraryStore> {
    await mkdir(dir, { recursive: true });
    const metaPath = join(dir, 'meta.json');
    let meta: Meta;
    try {
      meta = JSON.parse(await readFile(metaPath, 'utf8')) as Meta;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new EngineError('LIBRARY_CORRUPT', `The library's meta.json in ${dir} cannot be read: ${(e as Error).message}`);
      }
      meta = { schemaVersion: SCHEMA_VERSION, libraryId: randomUUID(), createdAt: Date.now() };
      await writeJsonAtomic(metaPath, meta);
    }
    if (meta.schemaVersion > SCHEMA_VERSION) {
      throw new EngineError(
        'LIBRARY_TOO_NEW',
        `This library was written by a newer version of Face Organizer (schema ${meta.schemaVersion}, this app knows ${SCHEMA_VERSION}). Update the app.`,
      );
    }
    const db = await lancedb.connect(join(dir, 'db'));
    const existing = new Set(await db.tableNames());
    const tables = {} as Record<TableName, Table>;
    for (const [name, schema] of Object.entries(TABLES) as [TableName, (typeof TABLES)[TableName]][]) {
      tables[name] = existing.has(name) ? await db.openTable(name) : await db.createEmptyTable(name, schema, { mode: 'create', existOk: true });
    }
    const store = new LibraryStore(dir, db, tables, meta);
    for (const m of MIGRATIONS.filter((m) => m.to > meta.schemaVersion).sort((a, b) => a.to - b.to)) {
      await m.up(store);
      meta.schemaVersion = m.to;
      await writeJsonAtomic(metaPath, meta);
    }
    return store;
  }

  table(name: TableName): Table {
    return this.tables[name];
  }

  // ---- folders -------------------------------------------------------------------------------

  async listFolders(): Promise<FolderRow[]> {
    return (await this.tables.folders.query().toArray()).map((r) => plain<FolderRow>(r));
  }

  async addFolder(path: string): Promise<FolderRow> {
    const existing = (await this.listFolders()).find((f) => f.path === path);
    if (existing) return existing;
    const row: FolderRow = { id: randomUUID(), path, added_at: Date.now(), last_scan_at: null };
    await this.tables.folders.add([row as unknown as AnyRow]);
    return row;
  }

  async updateFolder(id: string, values: Partial<Pick<FolderRow, 'last_scan_at'>>): Promise<void> {
    await this.tables.folders.update({ where: `id = ${sqlString(id)}`, values: values as Record<string, number> });
  }

  /** Removes a folder and everything indexed under it (faces first, so no face outlives its media). */
  async removeFolder(id: string): Promise<void> {
    await this.tables.faces.delete(`folder_id = ${sqlString(id)}`);
    await this.tables.media.delete(`folder_id = ${sqlString(id)}`);
    await this.tables.folders.delete(`id = ${sqlString(id)}`);
  }

  // ---- media ---------------------------------------------------------------------------------

  async queryMedia(q: MediaQuery = {}): Promise<MediaRow[]> {
    let query = this.tables.media.query();
    if (q.where) query = query.where(q.where);
    if (q.columns) query = query.select(q.columns as string[]);
    if (q.offset) query = query.offset(q.offset);
    query = query.limit(q.limit ?? 1e9);
    return (await query.toArray()).map((r) => plain<MediaRow>(r));
  }

  async countMedia(where?: string): Promise<number> {
    return this.tables.media.countRows(where);
  }

  async getMedia(ids: readonly string[]): Promise<MediaRow[]> {
    const out: MediaRow[] = [];
    for (const c of chunks(ids)) out.push(...(await this.queryMedia({ where: sqlIn('id', c) })));
    return out;
  }

  async mediaByPath(paths: readonly string[]): Promise<MediaRow[]> {
    const out: MediaRow[] = [];
    for (const c of chunks(paths)) out.push(...(await this.queryMedia({ where: sqlIn('path', c) })));
    return out;
  }

  async mediaByHash(hashes: readonly string[]): Promise<MediaRow[]> {
    const out: MediaRow[] = [];
    for (const c of chunks(hashes)) out.push(...(await this.queryMedia({ where: sqlIn('content_hash', c) })));
    return out;
  }

  /** Inserts or replaces media rows by id. */
  async upsertMedia(rows: readonly MediaRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.tables.media.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(rows.map((r) => toWritable(r as unknown as AnyRow)));
  }

  /** Partial update of media rows by id (only the given columns change). */
  async patchMedia(patches: readonly (Partial<MediaRow> & { id: string })[]): Promise<void> {
    if (patches.length === 0) return;
    await this.tables.media.mergeInsert('id').whenMatchedUpdateAll().execute(patches.map((r) => toWritable(r as AnyRow)));
  }

  /** Deletes media and their faces (faces first: a crash in between leaves media without faces, which repair() re-indexes). */
  async deleteMedia(ids: readonly string[]): Promise<void> {
    for (const c of chunks(ids)) {
      await this.tables.faces.delete(sqlIn('media_id', c));
      await this.tables.media.delete(sqlIn('id', c));
    }
  }

  // ---- faces ---------------------------------------------------------------------------------

  async queryFaces(q: { where?: string; limit?: number; offset?: number; columns?: (keyof FaceRow)[] } = {}): Promise<FaceRow[]> {
    let query = this.tables.faces.query();
    if (q.where) query = query.where(q.where);
    if (q.columns) query = query.select(q.columns as string[]);
    if (q.offset) query = query.offset(q.offset);
    query = query.limit(q.limit ?? 1e9);
    return (await query.toArray()).map((r) => plain<FaceRow>(r));
  }

  async countFaces(where?: string): Promise<number> {
    return this.tables.faces.countRows(where);
  }

  async facesOfMedia(mediaIds: readonly string[], columns?: (keyof FaceRow)[]): Promise<FaceRow[]> {
    const out: FaceRow[] = [];
    for (const c of chunks(mediaIds)) out.push(...(await this.queryFaces({ where: sqlIn('media_id', c), ...(columns ? { columns } : {}) })));
    return out;
  }

  async getFaces(ids: readonly string[], columns?: (keyof FaceRow)[]): Promise<FaceRow[]> {
    const out: FaceRow[] = [];
    for (const c of chunks(ids)) out.push(...(await this.queryFaces({ where: sqlIn('id', c), ...(columns ? { columns } : {}) })));
    return out;
  }

  async addFaces(rows: readonly FaceRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.tables.faces.add(rows.map((r) => toWritable(r as unknown as AnyRow)));
  }

  /** Partial update of face rows by id (e.g. person assignments of a clustering run, in one commit). */
  async patchFaces(patches: readonly (Partial<FaceRow> & { id: string })[]): Promise<void> {
    if (patches.length === 0) return;
    await this.tables.faces.mergeInsert('id').whenMatchedUpdateAll().execute(patches.map((r) => toWritable(r as AnyRow)));
  }

  async deleteFaces(ids: readonly string[]): Promise<void> {
    for (const c of chunks(ids)) await this.tables.faces.delete(sqlIn('id', c));
  }

  // ---- persons -------------------------------------------------------------------------------

  async queryPersons(q: { where?: string; limit?: number; offset?: number } = {}): Promise<PersonRow[]> {
    let query = this.tables.persons.query();
    if (q.where) query = query.where(q.where);
    if (q.offset) query = query.offset(q.offset);
    query = query.limit(q.limit ?? 1e9);
    return (await query.toArray()).map((r) => plain<PersonRow>(r));
  }

  async getPersons(ids: readonly string[]): Promise<PersonRow[]> {
    const out: PersonRow[] = [];
    for (const c of chunks(ids)) out.push(...(await this.queryPersons({ where: sqlIn('id', c) })));
    return out;
  }

  async upsertPersons(rows: readonly PersonRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.tables.persons.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(rows.map((r) => toWritable(r as unknown as AnyRow)));
  }

  async patchPersons(patches: readonly (Partial<PersonRow> & { id: string })[]): Promise<void> {
    if (patches.length === 0) return;
    await this.tables.persons.mergeInsert('id').whenMatchedUpdateAll().execute(patches.map((r) => toWritable(r as AnyRow)));
  }

  async deletePersons(ids: readonly string[]): Promise<void> {
    for (const c of chunks(ids)) await this.tables.persons.delete(sqlIn('id', c));
  }

  // ---- maintenance ---------------------------------------------------------------------------

  /**
   * Crash repair, run at open by the indexer: faces whose media row is gone (a crash between the two
   * deletes of deleteMedia, or between writing faces and their media row) are removed; media left
   * `pending` are returned so the queue indexes them again.
   */
  async repair(): Promise<{ orphanFaces: number; pendingMedia: MediaRow[] }> {
    const mediaIds = new Set((await this.queryMedia({ columns: ['id', 'status'] })).filter((m) => m.status === 'ok').map((m) => m.id));
    const faces = await this.queryFaces({ columns: ['id', 'media_id'] });
    const orphans = faces.filter((f) => !mediaIds.has(f.media_id)).map((f) => f.id);
    await this.deleteFaces(orphans);
    const pendingMedia = await this.queryMedia({ where: `status = 'pending'` });
    return { orphanFaces: orphans.length, pendingMedia };
  }

  /** Compacts small fragments and drops versions older than `olderThanMs` so the folder does not grow forever. */
  async optimize(olderThanMs = 60_000): Promise<void> {
    const cleanupOlderThan = new Date(Date.now() - olderThanMs);
    for (const t of Object.values(this.tables)) await t.optimize({ cleanupOlderThan });
  }

  async sizeOnDisk(): Promise<number> {
    return dirSize(join(this.dir, 'db'));
  }

  close(): void {
    for (const t of Object.values(this.tables)) t.close();
    this.db.close();
  }
}

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await dirSize(p);
    else if (e.isFile()) total += (await stat(p)).size;
  }
  return total;
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(value, null, 2));
  await rename(tmp, path);
}
