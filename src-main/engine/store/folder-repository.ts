/** The library's folders (roots the user added). */
import { randomUUID } from 'node:crypto';
import type { Table } from '@lancedb/lancedb';
import type { FolderRow } from './rows';
import { sqlString } from './sql';
import { readRows } from './table-io';

export class FolderRepository {
  constructor(private readonly table: Table) {}

  async list(): Promise<FolderRow[]> {
    return readRows<FolderRow>(this.table);
  }

  /** Adds a folder, or returns the one already there with this path. */
  async add(path: string): Promise<FolderRow> {
    const existing = (await this.list()).find((f) => f.path === path);
    if (existing) return existing;
    const row: FolderRow = { id: randomUUID(), path, added_at: Date.now(), last_scan_at: null };
    await this.table.add([row as unknown as Record<string, unknown>]);
    return row;
  }

  /** Appends folder rows as given, ids included (synthetic libraries whose media name their folders). */
  async append(rows: readonly FolderRow[]): Promise<void> {
    if (rows.length) await this.table.add(rows.map((r) => ({ ...r })));
  }

  async update(id: string, values: Partial<Pick<FolderRow, 'last_scan_at'>>): Promise<void> {
    await this.table.update({ where: `id = ${sqlString(id)}`, values: values as Record<string, number> });
  }
}
