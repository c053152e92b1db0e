/**
 * The user's corrections. Each is a constraint every later run honours:
 * - faces the user placed (merge, split, move, confirm, region names) get assignment 'user' and never
 *   move automatically again;
 * - "not this person" / "remove from person" adds the person to the face's rejected list, unassigns it
 *   and marks it unclustered, so the next run looks for its right person but can never put it back;
 * - deleting a person leaves its faces unassigned *by the user* (assignment 'user', no person), so they
 *   do not immediately form the same person again.
 * After each one, the touched persons' counts, cover and centroid are recomputed.
 */
import { randomUUID } from 'node:crypto';
import { EngineError } from '../errors';
import type { LibraryStore } from '../store/library-store';
import type { FaceRow, PersonRow } from '../store/rows';
import type { CorrectionResult } from '../../contract/people';
import type { PeoplePrefs } from './people-prefs';
import { parseRejected, rejectedJson } from './face-snapshot';
import { newPersonRow, personStats } from './person-stats';
import { refreshPersons } from './person-upkeep';
import { FACE_COLUMNS, personDtos } from './queries';

type FacePatch = Partial<FaceRow> & { id: string };

export class Corrections {
  constructor(
    private readonly store: LibraryStore,
    private readonly prefs: PeoplePrefs,
  ) {}

  private async faces(faceIds: readonly string[]): Promise<FaceRow[]> {
    const rows = await this.store.faces.byIds([...new Set(faceIds)], FACE_COLUMNS);
    const found = new Set(rows.map((r) => r.id));
    const missing = faceIds.filter((f) => !found.has(f));
    if (missing.length > 0) throw new EngineError('NOT_FOUND', `No face with id ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
    return rows;
  }

  private async persons(personIds: readonly string[]): Promise<PersonRow[]> {
    const rows = await this.store.persons.summaries({}, [...new Set(personIds)]);
    const found = new Set(rows.map((r) => r.id));
    const missing = personIds.filter((p) => !found.has(p));
    if (missing.length > 0) throw new EngineError('NOT_FOUND', `No person with id ${missing.slice(0, 5).join(', ')}`);
    return rows;
  }

  private async finish(changedFaces: number, touched: readonly string[], deleted: readonly string[] = []): Promise<CorrectionResult> {
    const r = await refreshPersons(this.store, this.prefs, touched);
    const gone = new Set([...deleted, ...r.deleted]);
    const alive = [...new Set(touched)].filter((p) => !gone.has(p));
    const rows = await this.store.persons.summaries({}, alive);
    return { changedFaces, persons: await personDtos(this.store, rows), deletedPersons: [...gone] };
  }

  async rename(personId: string, name: string | null): Promise<CorrectionResult> {
    await this.persons([personId]);
    const clean = name?.trim() || null;
    await this.store.persons.patch([{ id: personId, name: clean, updated_at: Date.now() }]);
    return this.finish(0, [personId]);
  }

  async merge(targetId: string, sourceIds: readonly string[]): Promise<CorrectionResult> {
    const sources = [...new Set(sourceIds)].filter((s) => s !== targetId);
    if (sources.length === 0) throw new EngineError('INVALID_ARGUMENT', 'sourceIds: name at least one person other than the target');
    const rows = await this.persons([targetId, ...sources]);
    const target = rows.find((r) => r.id === targetId)!;
    const others = rows.filter((r) => r.id !== targetId);
    const gone = new Set(sources);
    const patches = new Map<string, FacePatch>();
    // Every face of the merged persons is now the user's statement: pinned to the target.
    for (const f of await this.store.faces.ofPersons([targetId, ...sources], ['id', 'person_id', 'assignment', 'rejected'])) {
      const rejected = (parseRejected(f.rejected) ?? []).filter((p) => p !== targetId && !gone.has(p));
      patches.set(f.id, { id: f.id, person_id: targetId, assignment: 'user', clustered: true, rejected: rejectedJson(rejected) });
    }
    // "Not <source>" elsewhere now means "not <target>".
    for (const s of sources) {
      for (const f of await this.store.faces.rejectedFrom(s, ['id', 'person_id', 'assignment', 'clustered', 'rejected'])) {
        const p = patches.get(f.id);
        const list = parseRejected(p?.rejected ?? f.rejected) ?? [];
        const next = [...new Set(list.map((x) => (gone.has(x) ? targetId : x)))];
        // The same columns as the other patches of this batch: a merge-insert writes null into a column a row lacks.
        const same = p ?? { id: f.id, person_id: f.person_id ?? null, assignment: f.assignment, clustered: !!f.clustered };
        patches.set(f.id, { ...same, rejected: rejectedJson(next) });
      }
    }
    const named = target.name ?? others.find((o) => o.name)?.name ?? null;
    const births = [target.birth_date, ...others.map((o) => o.birth_date)].filter((b): b is number => b !== null && b !== undefined);
    await this.store.persons.patch([
      {
        id: targetId,
        name: named,
        confirmed: !!target.confirmed || others.some((o) => o.confirmed),
        birth_date: target.birth_date ?? (births.length > 0 ? Math.min(...births) : null),
        updated_at: Date.now(),
      },
    ]);
    await this.store.faces.patch([...patches.values()]);
    await this.store.persons.delete(sources);
    await this.prefs.forget(sources);
    return this.finish(patches.size, [targetId], sources);
  }

  async split(faceIds: readonly string[], name?: string): Promise<CorrectionResult> {
    const faces = await this.faces(faceIds);
    const id = randomUUID();
    await this.store.persons.upsert([newPersonRow(id, Date.now(), personStats([], null), name?.trim() || null)]);
    await this.store.faces.patch(faces.map((f) => this.placed(f, id)));
    return this.finish(faces.length, [id, ...faces.map((f) => f.person_id).filter((p): p is string => !!p)]);
  }

  async move(faceIds: readonly string[], personId: string): Promise<CorrectionResult> {
    const faces = await this.faces(faceIds);
    await this.persons([personId]);
    await this.store.faces.patch(faces.map((f) => this.placed(f, personId)));
    return this.finish(faces.length, [personId, ...faces.map((f) => f.person_id).filter((p): p is string => !!p)]);
  }

  /** The face placed by the user into `personId`; the person it leaves goes into its rejected list. */
  private placed(f: FaceRow, personId: string): FacePatch {
    const rejected = (parseRejected(f.rejected) ?? []).filter((p) => p !== personId);
    if (f.person_id && f.person_id !== personId) rejected.push(f.person_id);
    return { id: f.id, person_id: personId, assignment: 'user', clustered: true, rejected: rejectedJson(rejected) };
  }

  async reject(faceId: string, personId?: string): Promise<CorrectionResult> {
    const [face] = await this.faces([faceId]);
    const p = personId ?? face!.person_id;
    if (!p) throw new EngineError('INVALID_ARGUMENT', `Face ${faceId} is in no person; name the person it is not`);
    await this.store.faces.patch([this.rejectedFrom(face!, p)]);
    return this.finish(1, [p]);
  }

  private rejectedFrom(f: FaceRow, personId: string): FacePatch {
    const rejected = rejectedJson([...(parseRejected(f.rejected) ?? []), personId]);
    return f.person_id === personId
      ? { id: f.id, person_id: null, assignment: 'none', clustered: false, rejected }
      : { id: f.id, rejected };
  }

  /** "Remove from person" is "not this person": the face never returns to it. */
  async remove(faceIds: readonly string[]): Promise<CorrectionResult> {
    const faces = (await this.faces(faceIds)).filter((f) => f.person_id);
    await this.store.faces.patch(faces.map((f) => this.rejectedFrom(f, f.person_id!)));
    return this.finish(faces.length, faces.map((f) => f.person_id!));
  }

  async setHidden(personIds: readonly string[], hidden: boolean): Promise<CorrectionResult> {
    await this.persons(personIds);
    const now = Date.now();
    await this.store.persons.patch([...new Set(personIds)].map((id) => ({ id, hidden, updated_at: now })));
    return this.finish(0, personIds);
  }

  /** Hides every visible unnamed person with fewer than `minFaces` faces. */
  async hideSmall(minFaces: number): Promise<CorrectionResult> {
    const small = (await this.store.persons.summaries({ hidden: false, named: false, facesBelow: minFaces })).map((p) => p.id);
    const now = Date.now();
    await this.store.persons.patch(small.map((id) => ({ id, hidden: true, updated_at: now })));
    return this.finish(0, small);
  }

  async setCover(personId: string, faceId: string): Promise<CorrectionResult> {
    const [face] = await this.faces([faceId]);
    await this.persons([personId]);
    if (face!.person_id !== personId) throw new EngineError('INVALID_ARGUMENT', `Face ${faceId} is not one of person ${personId}'s faces`);
    await this.prefs.setUserCover(personId, faceId);
    await this.store.persons.patch([{ id: personId, cover_face_id: faceId, updated_at: Date.now() }]);
    return this.finish(0, [personId]);
  }

  /** Confirming a person pins its faces: a full re-cluster keeps exactly them together. */
  async setConfirmed(personId: string, confirmed: boolean): Promise<CorrectionResult> {
    await this.persons([personId]);
    let pinned = 0;
    if (confirmed) {
      const faces = await this.store.faces.autoAssignedOf(personId, ['id']);
      await this.store.faces.patch(faces.map((f) => ({ id: f.id, assignment: 'user' as const, clustered: true })));
      pinned = faces.length;
    }
    await this.store.persons.patch([{ id: personId, confirmed, updated_at: Date.now() }]);
    return this.finish(pinned, [personId]);
  }

  /** Faces captured before the birth date leave the person (unless the user put them there) and are decided again. */
  async setBirthDate(personId: string, birthDate: number | null): Promise<CorrectionResult> {
    await this.persons([personId]);
    let moved = 0;
    if (birthDate !== null) {
      const early = await this.store.faces.autoAssignedOf(personId, ['id'], { capturedBefore: birthDate });
      await this.store.faces.patch(early.map((f) => ({ id: f.id, person_id: null, assignment: 'none' as const, clustered: false })));
      moved = early.length;
    }
    await this.store.persons.patch([{ id: personId, birth_date: birthDate, updated_at: Date.now() }]);
    return this.finish(moved, [personId]);
  }

  async deletePerson(personId: string): Promise<CorrectionResult> {
    await this.persons([personId]);
    const faces = await this.store.faces.ofPerson(personId, ['id']);
    await this.store.faces.patch(faces.map((f) => ({ id: f.id, person_id: null, assignment: 'user' as const, clustered: true })));
    await this.store.persons.delete([personId]);
    await this.prefs.forget([personId]);
    return this.finish(faces.length, [], [personId]);
  }
}
