/**
 * Undo and redo of every correction to people on a real library of the fixtures (real LanceDB on disk,
 * real clustering): each undo gives back exactly the persons, faces and prefs the user had before, each
 * redo exactly what the correction made; the history survives closing and reopening the library, is
 * bounded, and an undo after automatic clustering ran follows the rule of docs/people.md ("Undo").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LibraryStore } from '../../src-main/engine/store/library-store';
import { TaskRegistry } from '../../src-main/engine/tasks/task-registry';
import { PeopleService } from '../../src-main/engine/people/people-service';
import { peopleSettings } from '../../src-main/engine/settings';
import type { PeopleSettings } from '../../src-main/engine/settings';
import { openEngine } from '../helpers/engines';
import { tempDir } from '../helpers/paths';
import { DAY, EPOCH, analyzeFixtures, identityFaces, peoplePhotos, writePhotos } from '../helpers/people-library';
import type { AnalyzedPhoto, WrittenPhoto } from '../helpers/people-library';

const IDENTITIES = ['amy', 'penny', 'leonard', 'sheldon', 'howard', 'raj'];
let photos: AnalyzedPhoto[] = [];

beforeAll(async () => {
  const engine = await openEngine('default');
  try {
    photos = await analyzeFixtures(engine, peoplePhotos().filter((p) => IDENTITIES.includes(p.split('/')[1]!)));
  } finally {
    await engine.close();
  }
});

interface Lib {
  dir: string;
  store: LibraryStore;
  service: PeopleService;
  written: WrittenPhoto[];
  truth: Map<string, string>;
}
const open: Lib[] = [];
afterAll(async () => {
  for (const l of open) await close(l);
});

async function close(l: Lib): Promise<void> {
  if (!open.includes(l)) return;
  open.splice(open.indexOf(l), 1);
  await l.service.close();
  l.store.close();
}

async function openLib(dir: string, settings: Partial<PeopleSettings> = {}, written: WrittenPhoto[] = [], truth = new Map<string, string>()): Promise<Lib> {
  const store = await LibraryStore.open(dir);
  const service = new PeopleService(store, peopleSettings(settings), await TaskRegistry.open(null, 60_000));
  const lib = { dir, store, service, written, truth };
  open.push(lib);
  return lib;
}

async function library(subset: AnalyzedPhoto[] = photos, settings: Partial<PeopleSettings> = {}): Promise<Lib> {
  const lib = await openLib(tempDir('people-history'), settings);
  lib.written = await writePhotos(lib.store, subset);
  lib.truth = identityFaces(subset, lib.written);
  await lib.service.runClustering();
  return lib;
}

/** Everything a user sees of people: person rows, every face's assignment columns, and the prefs file. */
async function state(lib: Lib): Promise<unknown> {
  const persons = (await lib.store.persons.find()).map((p) => ({
    id: p.id, name: p.name, hidden: p.hidden, confirmed: p.confirmed, birth: p.birth_date, cover: p.cover_face_id,
    faces: p.face_count, media: p.media_count, created: p.created_at, updated: p.updated_at, last: p.last_captured_at,
  }));
  const faces = (await lib.store.faces.all(['id', 'person_id', 'assignment', 'rejected', 'clustered'])).map((f) => ({ ...f }));
  let prefs = { userCovers: {}, dismissedMerges: [] as string[] };
  try {
    prefs = JSON.parse(readFileSync(join(lib.dir, 'people.json'), 'utf8')) as typeof prefs;
  } catch {
    // No prefs written yet: the same as empty ones.
  }
  return {
    persons: persons.sort((a, b) => a.id.localeCompare(b.id)),
    faces: faces.sort((a, b) => a.id.localeCompare(b.id)),
    prefs: { covers: prefs.userCovers, dismissed: [...prefs.dismissedMerges].sort() },
  };
}

function faceOf(lib: Lib, identity: string, nth = 0): string {
  return [...lib.truth].filter(([, id]) => id === identity)[nth]![0];
}

async function personOf(lib: Lib, identity: string): Promise<string> {
  const id = (await lib.store.faces.byIds([faceOf(lib, identity)], ['person_id']))[0]!.person_id;
  if (!id) throw new Error(`${identity} is in no person`);
  return id;
}

async function facesOf(lib: Lib, personId: string): Promise<string[]> {
  return (await lib.store.faces.ofPerson(personId, ['id'])).map((f) => f.id).sort();
}

describe('undo and redo of every correction', () => {
  let lib: Lib;
  const states: unknown[] = [];
  beforeAll(async () => {
    lib = await library();
    states.push(await state(lib));
  });

  /** Runs the correction, then checks undo gives back the state before and redo the state after. */
  async function roundTrip(op: string, run: () => Promise<unknown>): Promise<void> {
    const before = await state(lib);
    await run();
    const after = await state(lib);
    expect(after, `${op} changed nothing`).not.toEqual(before);
    const h = await lib.service.history();
    expect(h.undo[0]!.label).toBeTruthy();
    const u = await lib.service.undo({ entryId: h.undo[0]!.id });
    expect(u.entry.id).toBe(h.undo[0]!.id);
    expect(u.missingFaces + u.keptFaces).toBe(0);
    expect(await state(lib), `undo of ${op}`).toEqual(before);
    await lib.service.redo();
    expect(await state(lib), `redo of ${op}`).toEqual(after);
    states.push(after);
  }

  it('rename, hide and unhide, set cover, confirm, birth date', async () => {
    const amy = await personOf(lib, 'amy');
    await roundTrip('rename', () => lib.service.renamePerson({ personId: amy, name: 'Amy' }));
    await roundTrip('hide', () => lib.service.setHidden({ personIds: [amy], hidden: true }));
    await roundTrip('unhide', () => lib.service.setHidden({ personIds: [amy], hidden: false }));
    const faces = await facesOf(lib, amy);
    const cover = (await lib.service.getPerson({ personId: amy })).coverFaceId;
    await roundTrip('set cover', () => lib.service.setCover({ personId: amy, faceId: faces.find((f) => f !== cover)! }));
    const penny = await personOf(lib, 'penny');
    await roundTrip('confirm', () => lib.service.setConfirmed({ personId: penny, confirmed: true }));
    // Cuts the auto-assigned faces of leonard's first days out of him.
    const leonard = await personOf(lib, 'leonard');
    const days = photos.findIndex((p) => p.rel.includes('/leonard/'));
    await roundTrip('birth date', () => lib.service.setBirthDate({ personId: leonard, birthDate: EPOCH + (days + 2) * DAY }));
  });

  it('"not this person", remove, move, split and both answers to "Is this X?"', async () => {
    const sheldon = await personOf(lib, 'sheldon');
    const howard = await personOf(lib, 'howard');
    await roundTrip('reject', () => lib.service.rejectFace({ faceId: faceOf(lib, 'sheldon', 0), personId: sheldon }));
    await roundTrip('remove', () => lib.service.removeFaces({ faceIds: [faceOf(lib, 'howard', 0), faceOf(lib, 'howard', 1)] }));
    await roundTrip('move', () => lib.service.moveFaces({ faceIds: [faceOf(lib, 'sheldon', 1)], personId: howard }));
    await roundTrip('split', () => lib.service.splitFaces({ faceIds: [faceOf(lib, 'howard', 2), faceOf(lib, 'howard', 3)], name: 'Howard too' }));
    await roundTrip('answer yes', () => lib.service.answerFaceSuggestion({ faceId: faceOf(lib, 'sheldon', 0), personId: howard, accept: true }));
    await roundTrip('answer no', () => lib.service.answerFaceSuggestion({ faceId: faceOf(lib, 'sheldon', 2), personId: sheldon, accept: false }));
  });

  it('merge: undo restores both persons with their ids, names, covers, faces and rejections', async () => {
    const amy = await personOf(lib, 'amy');
    const raj = await personOf(lib, 'raj');
    await lib.service.renamePerson({ personId: raj, name: 'Raj' });
    const rajFaces = await facesOf(lib, raj);
    await lib.service.setCover({ personId: raj, faceId: rajFaces.at(-1)! });
    // A face that is "not Raj": the merge turns it into "not Amy"; the undo must turn it back.
    await lib.service.rejectFace({ faceId: faceOf(lib, 'penny', 0), personId: raj });
    const amyFaces = await facesOf(lib, amy);
    const rajPerson = await lib.service.getPerson({ personId: raj });
    await roundTrip('merge', () => lib.service.mergePersons({ targetId: amy, sourceIds: [raj] }));
    await lib.service.undo();
    expect(await facesOf(lib, amy)).toEqual(amyFaces);
    expect(await facesOf(lib, raj)).toEqual(rajFaces);
    expect(await lib.service.getPerson({ personId: raj })).toMatchObject({ name: 'Raj', coverFaceId: rajFaces.at(-1), faceCount: rajPerson.faceCount });
    expect((await lib.service.getPerson({ personId: amy })).name).toBe('Amy');
    const rejected = (await lib.store.faces.byIds([faceOf(lib, 'penny', 0)], ['rejected']))[0]!.rejected;
    expect(JSON.parse(rejected!)).toContain(raj);
    expect(JSON.parse(rejected!)).not.toContain(amy);
    await lib.service.redo();
    states.push(await state(lib));
  });

  it('dismissing a merge suggestion, hiding small persons, deleting a person', async () => {
    const amy = await personOf(lib, 'amy');
    const penny = await personOf(lib, 'penny');
    await roundTrip('dismiss merge', () => lib.service.dismissMergeSuggestion({ personIdA: amy, personIdB: penny }));
    const split = await lib.service.splitFaces({ faceIds: [faceOf(lib, 'leonard', 3)] });
    expect(split.persons.some((p) => p.faceCount === 1)).toBe(true);
    await roundTrip('hide small', () => lib.service.hideSmallPersons({ minFaces: 2 }));
    await roundTrip('delete', () => lib.service.deletePerson({ personId: penny }));
  });

  it('undoing everything gives back the library as clustering left it', async () => {
    for (;;) {
      const h = await lib.service.history();
      if (h.undo.length === 0) break;
      await lib.service.undo();
    }
    expect(await state(lib)).toEqual(states[0]);
    await expect(lib.service.undo()).rejects.toMatchObject({ code: 'NOTHING_TO_UNDO' });
  });
});

describe('the history itself', () => {
  it('survives closing and reopening the library: an undone merge comes back after a restart', async () => {
    let lib = await library(photos.filter((p) => ['amy', 'penny'].includes(p.rel.split('/')[1]!)));
    const amy = await personOf(lib, 'amy');
    const penny = await personOf(lib, 'penny');
    await lib.service.renamePerson({ personId: penny, name: 'Penny' });
    const before = await state(lib);
    await lib.service.mergePersons({ targetId: amy, sourceIds: [penny] });
    const merged = await state(lib);
    const { dir, written, truth } = lib;
    await close(lib);

    lib = await openLib(dir, {}, written, truth);
    const h = await lib.service.history();
    expect(h.undo.map((e) => e.op)).toEqual(['merge', 'rename']);
    expect(h.undo[0]!.label).toBe(`Merged 2 persons into Penny`);
    await lib.service.undo();
    expect(await state(lib)).toEqual(before);
    await close(lib);

    lib = await openLib(dir, {}, written, truth);
    expect((await lib.service.history()).redo.map((e) => e.op)).toEqual(['merge']);
    await lib.service.redo();
    expect(await state(lib)).toEqual(merged);
  });

  it('a new correction after an undo clears redo; a stale entry id is refused', async () => {
    const lib = await library(photos.filter((p) => ['amy', 'penny'].includes(p.rel.split('/')[1]!)));
    const amy = await personOf(lib, 'amy');
    const first = await lib.service.renamePerson({ personId: amy, name: 'A' });
    const second = await lib.service.renamePerson({ personId: amy, name: 'B' });
    expect(second.historyId).toBeTruthy();
    await expect(lib.service.undo({ entryId: first.historyId! })).rejects.toMatchObject({ code: 'HISTORY_CONFLICT' });
    await lib.service.undo({ entryId: second.historyId! });
    expect((await lib.service.getPerson({ personId: amy })).name).toBe('A');
    await lib.service.setHidden({ personIds: [amy], hidden: true });
    await expect(lib.service.redo()).rejects.toMatchObject({ code: 'NOTHING_TO_UNDO' });
    expect((await lib.service.history()).redo).toEqual([]);
    // A correction that changes nothing is not an entry.
    const n = (await lib.service.history()).undo.length;
    await lib.service.setHidden({ personIds: [amy], hidden: true });
    expect((await lib.service.history()).undo.length).toBe(n);
  });

  it('keeps at most historyMaxEntries entries, dropping the oldest', async () => {
    const lib = await library(photos.filter((p) => ['amy', 'penny'].includes(p.rel.split('/')[1]!)), { historyMaxEntries: 3 });
    const amy = await personOf(lib, 'amy');
    for (const name of ['a', 'b', 'c', 'd', 'e']) await lib.service.renamePerson({ personId: amy, name });
    const h = await lib.service.history();
    expect(h.undo.length).toBe(3);
    for (let i = 0; i < 3; i++) await lib.service.undo();
    expect((await lib.service.getPerson({ personId: amy })).name).toBe('b');
    await expect(lib.service.undo()).rejects.toMatchObject({ code: 'NOTHING_TO_UNDO' });
  });
});

describe('undo after automatic clustering ran in between', () => {
  const early = () => photos.filter((p) => Number(/_(\d+)\./.exec(p.rel)?.[1] ?? 1) <= 3);
  const late = () => photos.filter((p) => !early().includes(p));

  it('puts back the faces the correction changed and leaves faces added later where clustering put them', async () => {
    const lib = await library(early());
    const sheldon = await personOf(lib, 'sheldon');
    const amy = await personOf(lib, 'amy');
    const rejected = faceOf(lib, 'sheldon', 0);
    const before = await facesOf(lib, sheldon);
    await lib.service.rejectFace({ faceId: rejected, personId: sheldon });
    await lib.service.mergePersons({ targetId: amy, sourceIds: [sheldon] });
    // New photos arrive; the incremental run puts their faces into persons.
    const more = late();
    const written = await writePhotos(lib.store, more, { firstDay: 100 });
    await lib.service.runClustering();
    const laterFaces = await lib.store.faces.byIds(written.flatMap((w) => w.faceIds), ['id', 'person_id', 'assignment']);
    const placed = laterFaces.filter((f) => f.person_id);
    expect(placed.length).toBeGreaterThan(0);

    await lib.service.undo(); // the merge
    const u = await lib.service.undo(); // "not Sheldon"
    expect(u.missingFaces + u.keptFaces).toBe(0);
    const now = await facesOf(lib, sheldon);
    expect(before.every((f) => now.includes(f))).toBe(true);
    // Later faces: where clustering put them (into Sheldon's or Amy's person too, which exist again).
    const after = new Map((await lib.store.faces.byIds(placed.map((f) => f.id), ['id', 'person_id'])).map((f) => [f.id, f.person_id]));
    for (const f of placed) expect(after.get(f.id)).toBe(f.person_id);
    // Counts agree with the faces.
    for (const p of await lib.store.persons.find()) expect(p.face_count).toBe((await facesOf(lib, p.id)).length);
  });

  it('an undone split sends the faces clustering added to the new person back to undecided', async () => {
    const lib = await library(early());
    const howard = await personOf(lib, 'howard');
    const all = await facesOf(lib, howard);
    // All of Howard's faces into a new person (Howard, unnamed and empty, goes away).
    const split = await lib.service.splitFaces({ faceIds: all });
    expect(split.deletedPersons).toContain(howard);
    const created = split.persons.find((p) => p.id !== howard)!;
    expect(created).toBeTruthy();
    const written = await writePhotos(lib.store, late().filter((p) => p.rel.includes('/howard/')), { firstDay: 200 });
    await lib.service.runClustering();
    const joined = (await lib.store.faces.byIds(written.flatMap((w) => w.faceIds), ['id', 'person_id'])).filter((f) => f.person_id === created.id);
    expect(joined.length).toBeGreaterThan(0);

    const u = await lib.service.undo();
    expect(u.deletedPersons).toContain(created.id);
    expect(await lib.store.persons.exists(created.id)).toBe(false);
    expect((await facesOf(lib, howard))).toEqual(all);
    const back = await lib.store.faces.byIds(joined.map((f) => f.id), ['person_id', 'assignment', 'clustered']);
    for (const f of back) expect(f).toMatchObject({ person_id: null, assignment: 'none', clustered: false });
    // The next run decides them again (Howard's faces are back, so they join him).
    await lib.service.runClustering();
    const decided = await lib.store.faces.byIds(joined.map((f) => f.id), ['person_id']);
    expect(decided.some((f) => f.person_id === howard)).toBe(true);
  });

  it('applies what it still can: a face since deleted is counted missing, a face the user placed since is kept', async () => {
    const lib = await library(early());
    const penny = await personOf(lib, 'penny');
    const amy = await personOf(lib, 'amy');
    const [a, b, c] = [faceOf(lib, 'penny', 0), faceOf(lib, 'penny', 1), faceOf(lib, 'penny', 2)];
    await lib.service.moveFaces({ faceIds: [a, b, c], personId: amy });
    // The photo of one face leaves the library; another face is placed by the user outside the history
    // (the way a name read from a photo's regions is).
    await lib.store.faces.delete([b]);
    await lib.store.faces.patch([{ id: c, person_id: amy, assignment: 'user', clustered: true, rejected: null }]);
    const u = await lib.service.undo();
    expect(u).toMatchObject({ missingFaces: 1, keptFaces: 1, changedFaces: 1 });
    expect((await lib.store.faces.byIds([a], ['person_id']))[0]!.person_id).toBe(penny);
    expect((await lib.store.faces.byIds([c], ['person_id']))[0]!.person_id).toBe(amy);
  });
});
