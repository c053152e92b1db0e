/**
 * The few user choices the library tables have no column for, kept beside the database in people.json
 * (written atomically): covers the user picked (so re-clustering never replaces them) and merge
 * suggestions the user dismissed.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../errors';

interface PrefsFile {
  version: 1;
  userCovers: Record<string, string>;
  dismissedMerges: string[];
}

export class PeoplePrefs {
  private constructor(
    private readonly file: string | null,
    private data: PrefsFile,
  ) {}

  /** `dir` null keeps them in memory (tests, throwaway libraries). */
  static async open(dir: string | null): Promise<PeoplePrefs> {
    const empty: PrefsFile = { version: 1, userCovers: {}, dismissedMerges: [] };
    if (!dir) return new PeoplePrefs(null, empty);
    const file = join(dir, 'people.json');
    try {
      const data = JSON.parse(await readFile(file, 'utf8')) as Partial<PrefsFile>;
      return new PeoplePrefs(file, { version: 1, userCovers: data.userCovers ?? {}, dismissedMerges: data.dismissedMerges ?? [] });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new PeoplePrefs(file, empty);
      throw new EngineError('LIBRARY_CORRUPT', `Cannot read ${file}: ${(e as Error).message}`);
    }
  }

  userCover(personId: string): string | null {
    return this.data.userCovers[personId] ?? null;
  }

  async setUserCover(personId: string, faceId: string | null): Promise<void> {
    if (faceId) this.data.userCovers[personId] = faceId;
    else delete this.data.userCovers[personId];
    await this.save();
  }

  isDismissed(a: string, b: string): boolean {
    return this.data.dismissedMerges.includes(pairKey(a, b));
  }

  async dismiss(a: string, b: string): Promise<void> {
    const k = pairKey(a, b);
    if (!this.data.dismissedMerges.includes(k)) this.data.dismissedMerges.push(k);
    await this.save();
  }

  /** Forgets persons that no longer exist (merged or deleted). */
  async forget(personIds: readonly string[]): Promise<void> {
    if (personIds.length === 0) return;
    const gone = new Set(personIds);
    for (const id of personIds) delete this.data.userCovers[id];
    this.data.dismissedMerges = this.data.dismissedMerges.filter((k) => !k.split('|').some((id) => gone.has(id)));
    await this.save();
  }

  private async save(): Promise<void> {
    if (!this.file) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(this.data, null, 1));
    await rename(tmp, this.file);
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}
