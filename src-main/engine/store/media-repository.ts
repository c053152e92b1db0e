/** Media rows (one per file): lookups by id, path, hash and folder, and the lists the services show. */
import type { Table } from '@lancedb/lancedb';
import type { MediaRow } from './rows';
import { mediaListWhere, mediaWhere, and } from './filters';
import type { MediaFilter, MediaListFilter } from './filters';
import { sqlIn } from './sql';
import { appendRows, inChunks, patchRows, readRows, upsertRows } from './table-io';

export type MediaColumns = readonly (keyof MediaRow)[];

export class MediaRepository {
  constructor(private readonly table: Table) {}

  private read(where: string | undefined, columns?: MediaColumns): Promise<MediaRow[]> {
    return readRows<MediaRow>(this.table, { where, columns });
  }

  /** Every media row (the given columns only: whole rows of a large library are heavy). */
  all(columns?: MediaColumns): Promise<MediaRow[]> {
    return this.read(undefined, columns);
  }

  count(): Promise<number> {
    return this.table.countRows();
  }

  byIds(ids: readonly string[], columns?: MediaColumns): Promise<MediaRow[]> {
    return inChunks(ids, (c) => this.read(sqlIn('id', c), columns));
  }

  /** Media among `ids` that also match the search's media filter. */
  byIdsMatching(ids: readonly string[], filter: MediaFilter): Promise<MediaRow[]> {
    return inChunks(ids, (c) => this.read(and([sqlIn('id', c), mediaWhere(filter)])));
  }

  byPaths(paths: readonly string[]): Promise<MediaRow[]> {
    return inChunks(paths, (c) => this.read(sqlIn('path', c)));
  }

  byHashes(hashes: readonly string[]): Promise<MediaRow[]> {
    return inChunks(hashes, (c) => this.read(sqlIn('content_hash', c)));
  }

  inFolders(folderIds: readonly string[], columns?: MediaColumns): Promise<MediaRow[]> {
    return inChunks(folderIds, (c) => this.read(sqlIn('folder_id', c), columns));
  }

  /** Files that failed to index, with their error code and text. */
  withErrors(): Promise<MediaRow[]> {
    return this.read(`status = 'error'`);
  }

  /** Files indexed successfully. */
  indexed(columns?: MediaColumns): Promise<MediaRow[]> {
    return this.read(`status = 'ok'`, columns);
  }

  /** Files left `pending` (queued, or interrupted by a crash). */
  pending(): Promise<MediaRow[]> {
    return this.read(`status = 'pending'`);
  }

  /** The media list's rows under `filter` (unsorted: LanceDB has no ORDER BY). */
  list(filter: MediaListFilter, columns?: MediaColumns): Promise<MediaRow[]> {
    return this.read(mediaListWhere(filter), columns);
  }

  /** Appends rows without matching ids (bulk loads of new rows: benchmarks, synthetic libraries). */
  append(rows: readonly MediaRow[]): Promise<void> {
    return appendRows(this.table, rows);
  }

  /** Inserts or replaces media rows by id. */
  upsert(rows: readonly MediaRow[]): Promise<void> {
    return upsertRows(this.table, rows);
  }

  /** Partial update of media rows by id (only the given columns change). */
  patch(patches: readonly (Partial<MediaRow> & { id: string })[]): Promise<void> {
    return patchRows(this.table, patches);
  }
}
