/** Person rows: lookups, filtered lists (without the centroid column where lists do not need it), writes. */
import type { Table } from '@lancedb/lancedb';
import type { PersonRow } from './rows';
import { and, personWhere } from './filters';
import type { PersonFilter } from './filters';
import { sqlIn, sqlString } from './sql';
import { appendRows, inChunks, patchRows, readRows, upsertRows } from './table-io';

const SUMMARY_COLUMNS = ['id', 'name', 'cover_face_id', 'hidden', 'face_count', 'media_count', 'created_at', 'updated_at', 'last_captured_at', 'confirmed', 'birth_date'];

export class PersonRepository {
  constructor(private readonly table: Table) {}

  /** Every person matching `filter` (all when none), centroids included. */
  find(filter: PersonFilter = {}): Promise<PersonRow[]> {
    return readRows<PersonRow>(this.table, { where: personWhere(filter) });
  }

  byIds(ids: readonly string[]): Promise<PersonRow[]> {
    return inChunks(ids, (c) => readRows<PersonRow>(this.table, { where: sqlIn('id', c) }));
  }

  /** Persons without their centroids (lists never need them), matching `filter` and, when given, `ids`. */
  summaries(filter: PersonFilter = {}, ids?: readonly string[]): Promise<PersonRow[]> {
    const read = (where: string | undefined) => readRows<PersonRow>(this.table, { where, columns: SUMMARY_COLUMNS });
    const rows = ids ? inChunks(ids, (c) => read(and([sqlIn('id', c), personWhere(filter)]))) : read(personWhere(filter));
    return rows.then((rs) => rs.map((r) => ({ ...r, centroid: null })));
  }

  count(): Promise<number> {
    return this.table.countRows();
  }

  async exists(id: string): Promise<boolean> {
    return (await this.table.countRows(`id = ${sqlString(id)}`)) > 0;
  }

  /** Changes with every write: a cache key for anything derived from the persons. */
  version(): Promise<number> {
    return this.table.version();
  }

  /** Appends rows without matching ids (bulk loads of new rows: benchmarks, synthetic libraries). */
  append(rows: readonly PersonRow[]): Promise<void> {
    return appendRows(this.table, rows);
  }

  upsert(rows: readonly PersonRow[]): Promise<void> {
    return upsertRows(this.table, rows);
  }

  patch(patches: readonly (Partial<PersonRow> & { id: string })[]): Promise<void> {
    return patchRows(this.table, patches);
  }

  async delete(ids: readonly string[]): Promise<void> {
    await inChunks(ids, async (c) => {
      await this.table.delete(sqlIn('id', c));
      return [];
    });
  }
}
