/**
 * The undo history of the user's corrections to people (history.json in the library folder, written
 * atomically, so it survives a restart). Each entry records, for exactly what the correction changed,
 * the before and after of the face assignment columns (person_id, assignment, rejected, clustered), of
 * the whole person rows (ids, names, covers, flags, centroids) and of the person prefs (user covers,
 * dismissed merge suggestions). Undo writes the before back, redo the after; a new correction clears
 * the redo stack.
 *
 * Clustering runs and the indexer keep changing faces between a correction and its undo. The rule
 * (docs/people.md, "Undo"):
 * - only the columns the entry changed are written back, so later changes to other columns stay;
 * - a face clustering decided since (assignment 'auto' or 'none' now) is put back all the same: a guess
 *   never blocks the user's undo, and the person it had joined is recomputed;
 * - a face the user decided since outside the history (assignment 'user' and not what the entry left,
 *   e.g. a name read from a photo's regions) is left as it is and counted in keptFaces;
 * - a face that no longer exists (its photo left the library) is counted in missingFaces;
 * - faces added later are never touched, except that faces clustering put into a person the undo
 *   removes again (an undone split) go back to undecided for the next run.
 */
import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../errors';
import type { LibraryStore } from '../store/library-store';
import type { FaceRow, PersonRow } from '../store/rows';
import type { PeopleSettings } from '../settings';
import type { CorrectionResult, HistoryEntry, HistoryOp, HistoryResult, UndoResult } from '../../contract/people';
import type { PeoplePrefs, PrefsSlice } from './people-prefs';
import { slicePrefs } from './people-prefs';
import { refreshPersons } from './person-upkeep';
import { personDtos } from './queries';

const STATE_COLUMNS = ['person_id', 'assignment', 'rejected', 'clustered'] as const;
type StateColumn = (typeof STATE_COLUMNS)[number];
type FaceState = Pick<FaceRow, StateColumn>;
const READ_COLUMNS: (keyof FaceRow)[] = ['id', ...STATE_COLUMNS];

/** A person row as stored in the history: the centroid as base64 of its float32 bytes. */
type StoredPerson = Omit<PersonRow, 'centroid'> & { centroid: string | null };

interface StoredEntry {
  id: string;
  op: HistoryOp;
  label: string;
  at: number;
  faces: { id: string; before: FaceState; after: FaceState }[];
  persons: { id: string; before: StoredPerson | null; after: StoredPerson | null }[];
  prefs: { ids: string[]; before: PrefsSlice; after: PrefsSlice };
}

interface HistoryFile {
  version: 1;
  undo: StoredEntry[];
  redo: StoredEntry[];
}

/** What a correction may change: these faces, these persons and the persons the faces are in. */
export interface Scope {
  faceIds?: readonly string[];
  personIds?: readonly string[];
}

/** How labels call a person without a name. */
export const UNNAMED = 'a person';

/** Names for labels: the person's name after the correction, else before, else UNNAMED. */
export type NameOf = (personId: string | undefined) => string;

interface Captured {
  faces: Map<string, FaceState>;
  persons: Map<string, PersonRow>;
}

function faceState(f: FaceRow): FaceState {
  return { person_id: f.person_id ?? null, assignment: f.assignment, rejected: f.rejected ?? null, clustered: !!f.clustered };
}

function changedColumns(a: FaceState, b: FaceState): StateColumn[] {
  return STATE_COLUMNS.filter((c) => a[c] !== b[c]);
}

function storePerson(p: PersonRow): StoredPerson {
  const c = p.centroid ? Float32Array.from(p.centroid) : null;
  return { ...p, centroid: c ? Buffer.from(c.buffer, c.byteOffset, c.byteLength).toString('base64') : null };
}

function loadPerson(p: StoredPerson): PersonRow {
  if (!p.centroid) return { ...p, centroid: null };
  const b = Buffer.from(p.centroid, 'base64');
  return { ...p, centroid: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) };
}

function dto(e: StoredEntry): HistoryEntry {
  return { id: e.id, op: e.op, label: e.label, at: e.at, faces: e.faces.length, persons: e.persons.map((p) => p.id) };
}

export class CorrectionHistory {
  private constructor(
    private readonly file: string | null,
    private data: HistoryFile,
    private readonly store: LibraryStore,
    private readonly prefs: PeoplePrefs,
    private readonly settings: Pick<PeopleSettings, 'historyMaxEntries' | 'historyMaxFaces'>,
  ) {}

  /** `store.dir` null keeps the history in memory (throwaway libraries). */
  static async open(store: LibraryStore, prefs: PeoplePrefs, settings: Pick<PeopleSettings, 'historyMaxEntries' | 'historyMaxFaces'>): Promise<CorrectionHistory> {
    const empty: HistoryFile = { version: 1, undo: [], redo: [] };
    if (!store.dir) return new CorrectionHistory(null, empty, store, prefs, settings);
    const file = join(store.dir, 'history.json');
    try {
      const data = JSON.parse(await readFile(file, 'utf8')) as Partial<HistoryFile>;
      return new CorrectionHistory(file, { version: 1, undo: data.undo ?? [], redo: data.redo ?? [] }, store, prefs, settings);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new CorrectionHistory(file, empty, store, prefs, settings);
      throw new EngineError('LIBRARY_CORRUPT', `Cannot read ${file}: ${(e as Error).message}`);
    }
  }

  private async capture(faceIds: readonly string[], personIds: Iterable<string>): Promise<Captured> {
    const faces = await this.store.faces.byIds([...new Set(faceIds)], READ_COLUMNS);
    const ids = new Set(personIds);
    for (const f of faces) if (f.person_id) ids.add(f.person_id);
    const persons = await this.store.persons.byIds([...ids]);
    return { faces: new Map(faces.map((f) => [f.id, faceState(f)])), persons: new Map(persons.map((p) => [p.id, p])) };
  }

  /**
   * Runs a correction and records what it changed. `label` names it once it ran (person names as they
   * are after it). A correction that changed nothing leaves no entry.
   */
  async record<T extends CorrectionResult | void>(op: HistoryOp, scope: Scope, label: (nameOf: NameOf, result: T) => string, run: () => Promise<T>): Promise<T> {
    const start = Date.now();
    const prefsBefore = this.prefs.slice(null);
    const before = await this.capture(scope.faceIds ?? [], scope.personIds ?? []);
    const result = await run();
    const afterIds = new Set([...before.persons.keys(), ...(result ? [...result.persons.map((p) => p.id), ...result.deletedPersons] : [])]);
    const after = await this.capture([...before.faces.keys()], afterIds);
    const faces: StoredEntry['faces'] = [];
    for (const [id, b] of before.faces) {
      const a = after.faces.get(id);
      if (a && changedColumns(b, a).length > 0) faces.push({ id, before: b, after: a });
    }
    const persons: StoredEntry['persons'] = [];
    for (const id of new Set([...before.persons.keys(), ...after.persons.keys()])) {
      const a = after.persons.get(id) ?? null;
      // A person outside the scope that existed before the correction is never removed by its undo.
      const b = before.persons.get(id) ?? (a && a.created_at < start ? a : null);
      const sb = b && storePerson(b), sa = a && storePerson(a);
      // A write that changed nothing but the time stamp is no change to undo.
      if (JSON.stringify(sb && { ...sb, updated_at: 0 }) !== JSON.stringify(sa && { ...sa, updated_at: 0 })) persons.push({ id, before: sb, after: sa });
    }
    const ids = [...new Set([...before.persons.keys(), ...after.persons.keys()])];
    const prefs = { ids, before: slicePrefs(prefsBefore, ids), after: this.prefs.slice(ids) };
    if (faces.length === 0 && persons.length === 0 && JSON.stringify(prefs.before) === JSON.stringify(prefs.after)) return result;
    const nameOf: NameOf = (id) => (id && (after.persons.get(id)?.name ?? before.persons.get(id)?.name)) || UNNAMED;
    const entry: StoredEntry = { id: randomUUID(), op, label: label(nameOf, result), at: start, faces, persons, prefs };
    this.data.undo.push(entry);
    this.data.redo = [];
    this.trim();
    await this.save();
    return (result ? { ...result, historyId: entry.id } : result) as T;
  }

  /** Drops the oldest entries beyond the bounds; the newest entry stays however large. */
  private trim(): void {
    const { historyMaxEntries: maxEntries, historyMaxFaces: maxFaces } = this.settings;
    const all = [...this.data.undo.map((e) => ({ e, undo: true })), ...this.data.redo.map((e) => ({ e, undo: false }))].sort((x, y) => y.e.at - x.e.at);
    let faces = 0;
    const keep = new Set<StoredEntry>();
    for (const [i, { e }] of all.entries()) {
      faces += e.faces.length;
      if (i === 0 || (i < maxEntries && faces <= maxFaces)) keep.add(e);
      else break;
    }
    this.data.undo = this.data.undo.filter((e) => keep.has(e));
    this.data.redo = this.data.redo.filter((e) => keep.has(e));
  }

  list(maxResults = 50): HistoryResult {
    return {
      undo: this.data.undo.slice(-maxResults).reverse().map(dto),
      redo: this.data.redo.slice(-maxResults).reverse().map(dto),
      maxEntries: this.settings.historyMaxEntries,
    };
  }

  undo(entryId?: string): Promise<UndoResult> {
    return this.step('undo', entryId);
  }

  redo(entryId?: string): Promise<UndoResult> {
    return this.step('redo', entryId);
  }

  private async step(direction: 'undo' | 'redo', entryId: string | undefined): Promise<UndoResult> {
    const [stack, other] = direction === 'undo' ? [this.data.undo, this.data.redo] : [this.data.redo, this.data.undo];
    const entry = stack.at(-1);
    if (!entry) throw new EngineError('NOTHING_TO_UNDO', direction === 'undo' ? 'There is nothing to undo' : 'There is nothing to redo');
    if (entryId && entry.id !== entryId) {
      const elsewhere = [...stack, ...other].some((e) => e.id === entryId);
      throw new EngineError('HISTORY_CONFLICT', elsewhere ? `"${dto(entry).label}" came after it: ${direction} that first` : `No change ${entryId} in the history (it may have been dropped as too old)`, { latest: dto(entry) });
    }
    const [from, to] = direction === 'undo' ? (['after', 'before'] as const) : (['before', 'after'] as const);
    const r = await this.apply(entry, from, to);
    stack.pop();
    other.push(entry);
    await this.save();
    return { ...r, entry: dto(entry) };
  }

  private async apply(entry: StoredEntry, from: 'before' | 'after', to: 'before' | 'after'): Promise<Omit<UndoResult, 'entry'>> {
    const current = new Map((await this.store.faces.byIds(entry.faces.map((f) => f.id), READ_COLUMNS)).map((f) => [f.id, faceState(f)]));
    const touched = new Set<string>();
    const patches: (Partial<FaceRow> & { id: string })[] = [];
    let missingFaces = 0, keptFaces = 0;
    for (const f of entry.faces) {
      const now = current.get(f.id);
      if (!now) {
        missingFaces++;
        continue;
      }
      const columns = changedColumns(f.before, f.after);
      const movedOn = columns.some((c) => now[c] !== f[from][c]);
      if (movedOn && now.assignment === 'user') {
        keptFaces++;
        continue;
      }
      if (columns.every((c) => now[c] === f[to][c])) continue;
      // Every patch carries all four columns (a row missing a column in a merge-insert batch would get null).
      const patch: Partial<FaceRow> & { id: string } = { id: f.id, ...now };
      for (const c of columns) Object.assign(patch, { [c]: f[to][c] });
      patches.push(patch);
      if (now.person_id) touched.add(now.person_id);
      if (f[to].person_id) touched.add(f[to].person_id);
    }
    const restore = entry.persons.filter((p) => p[to]).map((p) => loadPerson(p[to]!));
    const remove = entry.persons.filter((p) => !p[to]).map((p) => p.id);
    await this.store.persons.upsert(restore);
    await this.store.faces.patch(patches);
    if (remove.length > 0) {
      // Faces clustering put into a person that goes away again: undecided, for the next run.
      const stray = await this.store.faces.ofPersons(remove, ['id']);
      await this.store.faces.patch(stray.map((f) => ({ id: f.id, person_id: null, assignment: 'none' as const, clustered: false })));
      await this.store.persons.delete(remove);
    }
    await this.prefs.restore(entry.prefs.ids, entry.prefs[to]);
    const refreshed = await refreshPersons(this.store, this.prefs, [...touched, ...restore.map((p) => p.id)].filter((id) => !remove.includes(id)));
    const gone = new Set([...remove, ...refreshed.deleted]);
    const alive = [...new Set([...touched, ...restore.map((p) => p.id)])].filter((id) => !gone.has(id));
    const rows = await this.store.persons.summaries({}, alive);
    return { changedFaces: patches.length, persons: await personDtos(this.store, rows), deletedPersons: [...gone], missingFaces, keptFaces };
  }

  private async save(): Promise<void> {
    if (!this.file) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(this.data));
    await rename(tmp, this.file);
  }
}
