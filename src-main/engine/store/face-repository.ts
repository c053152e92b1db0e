/**
 * Face rows (a photo face, or a video track's best face) and the questions the people and search
 * services ask of them, each named for its intent. Bulk readers that feed clustering read Arrow
 * columns straight (one object per face would cost seconds at a million faces).
 */
import type { Table } from '@lancedb/lancedb';
import type { Table as ArrowTable, Schema } from 'apache-arrow';
import type { FaceRow } from './rows';
import { faceWhere } from './filters';
import type { FaceFilter } from './filters';
import { sqlIn, sqlString } from './sql';
import { inChunks, patchRows, readRows, toWritable } from './table-io';
import type { AnyRow } from './table-io';

export type FaceColumns = readonly (keyof FaceRow)[];
export type FacePatch = Partial<FaceRow> & { id: string };

export class FaceRepository {
  constructor(private readonly table: Table) {}

  private read(where: string | undefined, columns?: FaceColumns, limit?: number): Promise<FaceRow[]> {
    return readRows<FaceRow>(this.table, { where, columns, limit });
  }

  /** Every face (the given columns only). */
  all(columns?: FaceColumns): Promise<FaceRow[]> {
    return this.read(undefined, columns);
  }

  count(): Promise<number> {
    return this.table.countRows();
  }

  /** Faces embedded by a model other than `modelId` (their vectors are not comparable). */
  countOtherModels(modelId: string): Promise<number> {
    return this.table.countRows(`model_id != ${sqlString(modelId)}`);
  }

  /** Changes with every write: a cache key for anything derived from the faces. */
  version(): Promise<number> {
    return this.table.version();
  }

  byIds(ids: readonly string[], columns?: FaceColumns): Promise<FaceRow[]> {
    return inChunks(ids, (c) => this.read(sqlIn('id', c), columns));
  }

  ofMedia(mediaIds: readonly string[], columns?: FaceColumns): Promise<FaceRow[]> {
    return inChunks(mediaIds, (c) => this.read(sqlIn('media_id', c), columns));
  }

  /** Faces assigned to any person, in the given media. */
  assignedInMedia(mediaIds: readonly string[], columns?: FaceColumns): Promise<FaceRow[]> {
    return inChunks(mediaIds, (c) => this.read(`${sqlIn('media_id', c)} AND person_id IS NOT NULL`, columns));
  }

  /** Faces of the given persons; `chunk` bounds the rows of one read (vectors are 2 KiB each). */
  ofPersons(personIds: readonly string[], columns?: FaceColumns, chunk?: number): Promise<FaceRow[]> {
    return inChunks(personIds, (c) => this.read(sqlIn('person_id', c), columns), chunk);
  }

  /** Photo (not video) faces of the given persons. */
  imageFacesOfPersons(personIds: readonly string[], columns?: FaceColumns): Promise<FaceRow[]> {
    return inChunks(personIds, (c) => this.read(`${sqlIn('person_id', c)} AND kind = 'image'`, columns));
  }

  ofPerson(personId: string, columns?: FaceColumns): Promise<FaceRow[]> {
    return this.read(`person_id = ${sqlString(personId)}`, columns);
  }

  /** A person's faces placed by clustering (not by the user); with `capturedBefore`, only those captured earlier. */
  autoAssignedOf(personId: string, columns?: FaceColumns, opts: { capturedBefore?: number } = {}): Promise<FaceRow[]> {
    const before = opts.capturedBefore !== undefined ? ` AND captured_at < ${Number(opts.capturedBefore)}` : '';
    return this.read(`person_id = ${sqlString(personId)} AND assignment = 'auto'${before}`, columns);
  }

  /** Faces the user said are not `personId`. */
  rejectedFrom(personId: string, columns?: FaceColumns): Promise<FaceRow[]> {
    return this.read(`rejected LIKE ${sqlString(`%"${personId}"%`)}`, columns);
  }

  /** Faces assigned to any person. */
  assigned(columns?: FaceColumns): Promise<FaceRow[]> {
    return this.read('person_id IS NOT NULL', columns);
  }

  /** Faces in no person; with `minQuality`, only those at least that good. */
  unassigned(columns?: FaceColumns, opts: { minQuality?: number } = {}): Promise<FaceRow[]> {
    const q = opts.minQuality !== undefined ? ` AND quality >= ${Number(opts.minQuality)}` : '';
    return this.read(`person_id IS NULL${q}`, columns);
  }

  /** Faces in no person that the user has not decided on (a user-unassigned face stays so). */
  unassignedUndecided(columns?: FaceColumns): Promise<FaceRow[]> {
    return this.read(`person_id IS NULL AND assignment <> 'user'`, columns);
  }

  /** Photo faces clustering has not seen yet and the user has not decided on. */
  unclusteredUndecidedImages(columns?: FaceColumns): Promise<FaceRow[]> {
    return this.read(`clustered = false AND assignment <> 'user' AND kind = 'image'`, columns);
  }

  /** Faces matching a search filter, up to `limit`. */
  matching(filter: FaceFilter, columns?: FaceColumns, limit?: number): Promise<FaceRow[]> {
    return this.read(faceWhere(filter), columns, limit);
  }

  /** The given columns of every face as Arrow (bulk readers: clustering snapshots). */
  async arrow(columns: readonly string[]): Promise<ArrowTable> {
    return (await this.table.query().select([...columns]).toArrow()) as unknown as ArrowTable;
  }

  /** The given columns of the faces with these ids, as Arrow, one table per IN-list chunk. */
  async arrowOfIds(ids: readonly string[], columns: readonly string[]): Promise<ArrowTable[]> {
    return inChunks(ids, async (c) => [(await this.table.query().select([...columns]).where(sqlIn('id', c)).toArrow()) as unknown as ArrowTable]);
  }

  /** The given columns of every assigned face, as Arrow. */
  async assignedArrow(columns: readonly string[]): Promise<ArrowTable> {
    return (await this.table.query().where('person_id IS NOT NULL').select([...columns]).toArrow()) as unknown as ArrowTable;
  }

  /** The table's Arrow schema (LanceDB's own Arrow build), for bulk loads in Arrow batches. */
  schema(): Promise<Schema> {
    return this.table.schema() as unknown as Promise<Schema>;
  }

  /** Appends an Arrow batch in the table's schema (synthetic libraries: benchmarks and tests). */
  async addArrow(data: ArrowTable): Promise<void> {
    await this.table.add(data as unknown as Parameters<Table['add']>[0]);
  }

  async add(rows: readonly FaceRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.table.add(rows.map((r) => toWritable(r as unknown as AnyRow)));
  }

  /** Partial update of face rows by id (e.g. person assignments of a clustering run, in one commit). */
  patch(patches: readonly FacePatch[]): Promise<void> {
    return patchRows(this.table, patches);
  }

  async delete(ids: readonly string[]): Promise<void> {
    await inChunks(ids, async (c) => {
      await this.table.delete(sqlIn('id', c));
      return [];
    });
  }
}
