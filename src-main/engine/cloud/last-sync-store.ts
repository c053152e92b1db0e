/**
 * What the last sync or pull brought back from the cloud (the clusters and each folder's push
 * counts), kept beside the cloud settings so the panel can show the comparison and offer name
 * imports after a restart. The comparison itself is not stored: it is recomputed against the
 * local persons as they are when asked, so a merge or rename since the sync shows up at once.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CloudClusterSchema, CloudSyncReportSchema } from '../../contract/cloud';

export const LAST_SYNC_FILE = 'cloud-last-sync.json';

const StoredSyncSchema = z.object({
  version: z.literal(1),
  kind: CloudSyncReportSchema.shape.kind,
  finishedAt: z.string(),
  pushes: CloudSyncReportSchema.shape.pushes,
  clusters: z.array(CloudClusterSchema),
});
export type StoredSync = z.infer<typeof StoredSyncSchema>;

export class LastSyncStore {
  constructor(private readonly configDir: string) {}

  private get filePath(): string {
    return join(this.configDir, LAST_SYNC_FILE);
  }

  async read(): Promise<StoredSync | null> {
    let text: string;
    try {
      text = await readFile(this.filePath, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    try {
      const r = StoredSyncSchema.safeParse(JSON.parse(text));
      // A damaged or older file is as good as none: the next sync or pull writes a fresh one.
      return r.success ? r.data : null;
    } catch {
      return null;
    }
  }

  async write(sync: Omit<StoredSync, 'version'>): Promise<void> {
    await mkdir(this.configDir, { recursive: true, mode: 0o700 });
    const tmp = `${this.filePath}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ version: 1, ...sync }), { mode: 0o600 });
    await rename(tmp, this.filePath);
  }

  async clear(): Promise<void> {
    await rm(this.filePath, { force: true });
  }
}
