/**
 * Forward migrations, run in order at open for libraries older than SCHEMA_VERSION. Version 1 is the
 * first schema, so the list starts empty; a later change adds `{ to: 2, up: async (store) => ... }`
 * (e.g. `store.table('faces').addColumns(...)`) and bumps SCHEMA_VERSION in schema.ts.
 */
import type { LibraryStore } from './library-store';

export interface Migration {
  to: number;
  up(store: LibraryStore): Promise<void>;
}

export const MIGRATIONS: Migration[] = [];
