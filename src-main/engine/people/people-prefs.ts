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

/** The prefs of some persons: their user covers (null: none) and the dismissed pairs that name them. */
export interface PrefsSlice {
  covers: Record<string, string | null>;
  dismissed: string[];
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

  /** These persons' prefs now (null: everyone's), for the history. */
  slice(personIds: readonly string[] | null): PrefsSlice {
    const all: PrefsSlice = { covers: { ...this.data.userCovers }, dismissed: [...this.data.dismissedMerges] };
    return personIds ? slicePrefs(all, personIds) : all;
  }

  /** Puts these persons' prefs back to a slice taken earlier (undo and redo). */
  async restore(personIds: readonly string[], slice: PrefsSlice): Promise<void> {
    const ids = new Set(personIds);
    for (const id of ids) {
      const cover = slice.covers[id];
      if (cover) this.data.userCovers[id] = cover;
      else delete this.data.userCovers[id];
    }
    const kept = this.data.dismissedMerges.filter((k) => !k.split('|').some((id) => ids.has(id)));
    this.data.dismissedMerges = [...new Set([...kept, ...slice.dismissed])];
    await this.save();
  }

  private async save(): Promise<void> {
    if (!this.file) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(this.data, null, 1));
    await rename(tmp, this.file);
  }
}

/** The part of a prefs slice about these persons: their covers (null: none) and the dismissed pairs naming one of them. */
export function slicePrefs(all: PrefsSlice, personIds: readonly string[]): PrefsSlice {
  const ids = new Set(personIds);
  return {
    covers: Object.fromEntries([...ids].map((id) => [id, all.covers[id] ?? null])),
    dismissed: all.dismissed.filter((k) => k.split('|').some((id) => ids.has(id))),
  };
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}
