/**
 * Forward migrations, run in order at open for libraries older than SCHEMA_VERSION. Version 1 is the
 * first schema, so the list starts empty; a later change adds `{ to: 2, up: async (db) => ... }`
 * (e.g. `db.table('faces').addColumns(...)`) and bumps SCHEMA_VERSION in schema.ts.
 * test/integration/store-migrations.test.ts runs every migration over a library written at version 1.
 */
import type { Table } from '@lancedb/lancedb';
import type { TableName } from './schema';

/** What a migration may touch: the raw tables and the library folder, before any repository exists. */
export interface MigrationTarget {
  dir: string;
  table(name: TableName): Table;
}

export interface Migration {
  to: number;
  up(db: MigrationTarget): Promise<void>;
}

export const MIGRATIONS: Migration[] = [];
