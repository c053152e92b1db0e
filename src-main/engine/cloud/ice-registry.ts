/**
 * Which uploaded objects this app has put into the ICE search library, and under which media id.
 * ICE search answers with media ids only; this table maps them back without a GetMediaInfo call
 * per hit, and lets the next push skip objects whose content did not change.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export const ICE_REGISTRY_FILE = 'cloud-ice-media.json';

const RegistrySchema = z.object({
  version: z.literal(1),
  /** Search library name -> object URI -> its media id and the content identity it was registered with. */
  libraries: z.record(z.string(), z.record(z.string(), z.object({ mediaId: z.string(), contentHash: z.string() }))),
});
type Registry = z.infer<typeof RegistrySchema>;

export class IceRegistry {
  constructor(private readonly configDir: string) {}

  private get filePath(): string {
    return join(this.configDir, ICE_REGISTRY_FILE);
  }

  private async readAll(): Promise<Registry> {
    try {
      const r = RegistrySchema.safeParse(JSON.parse(await readFile(this.filePath, 'utf8')));
      if (r.success) return r.data;
    } catch {
      // Missing or damaged: registering again is harmless (ICE gives the object a new media id).
    }
    return { version: 1, libraries: {} };
  }

  async library(name: string): Promise<Map<string, { mediaId: string; contentHash: string }>> {
    return new Map(Object.entries((await this.readAll()).libraries[name] ?? {}));
  }

  async saveLibrary(name: string, entries: ReadonlyMap<string, { mediaId: string; contentHash: string }>): Promise<void> {
    const all = await this.readAll();
    all.libraries[name] = Object.fromEntries(entries);
    await mkdir(this.configDir, { recursive: true, mode: 0o700 });
    const tmp = `${this.filePath}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(all), { mode: 0o600 });
    await rename(tmp, this.filePath);
  }
}
