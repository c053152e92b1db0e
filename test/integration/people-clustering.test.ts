/**
 * People clustering on the real fixtures with the real models: people/ and groups/ indexed together and
 * in arrival order, the recurring stranger, the same-photo cannot-link, a full re-cluster in a worker
 * thread, and the user's corrections surviving later runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibraryStore } from '../../src-main/engine/store/library-store';
import { TaskRegistry } from '../../src-main/engine/tasks/task-registry';
import { PeopleService } from '../../src-main/engine/people/people-service';
import { peopleSettings } from '../../src-main/engine/settings';
import type { PeopleSettings } from '../../src-main/engine/settings';
import type { ClusterRunResult } from '../../src-main/engine/people/clustering-run';
import { openEngine } from '../helpers/engines';
import { tempDir } from '../helpers/paths';
import { LABELS, analyzeFixtures, clusterMetrics, groupPhotos, identityFaces, peoplePhotos, writePhotos } from '../helpers/people-library';
import type { AnalyzedPhoto, WrittenPhoto } from '../helpers/people-library';

let people: AnalyzedPhoto[] = [];
let groups: AnalyzedPhoto[] = [];

beforeAll(async () => {
  const engine = await openEngine('default');
  try {
    people = await analyzeFixtures(engine, peoplePhotos());
    groups = await analyzeFixtures(engine, groupPhotos());
  } finally {
    await engine.close();
  }
});

interface Lib {
  store: LibraryStore;
  service: PeopleService;
  written: WrittenPhoto[];
}

const open: Lib[] = [];
afterAll(async () => {
  for (const l of open) {
    await l.service.close();
    l.store.close();
  }
});

async function library(settings: Partial<PeopleSettings> = {}): Promise<Lib> {
  const store = await LibraryStore.open(tempDir('people'));
  const service = new PeopleService(store, peopleSettings(settings), await TaskRegistry.open(null, 60_000));
  const lib = { store, service, written: [] as WrittenPhoto[] };
  open.push(lib);
  return lib;
}

async function add(lib: Lib, photos: AnalyzedPhoto[]): Promise<void> {
  lib.written.push(...(await writePhotos(lib.store, photos, { firstDay: lib.written.length })));
}

async function cluster(lib: Lib, mode: 'incremental' | 'full' = 'incremental'): Promise<ClusterRunResult> {
  const task = await lib.service.cluster({ mode });
  expect(task.error).toBeUndefined();
  expect(task.status).toBe('succeeded');
  return task.result as ClusterRunResult;
}

async function personOfFaces(store: LibraryStore): Promise<Map<string, string | null>> {
  return new Map((await store.faces.all(['id', 'person_id'])).map((f) => [f.id, f.person_id]));
}

/** Majority identity of each person, from its people/ faces. */
function identityOfPersons(truth: Map<string, string>, personOf: Map<string, string | null>): Map<string, string> {
  const votes = new Map<string, Map<string, number>>();
  for (const [face, id] of truth) {
    const p = personOf.get(face);
    if (!p) continue;
    const v = votes.get(p) ?? new Map<string, number>();
    v.set(id, (v.get(id) ?? 0) + 1);
    votes.set(p, v);
  }
  return new Map([...votes].map(([p, v]) => [p, [...v].sort((a, b) => b[1] - a[1])[0]![0]]));
}

/** Every quality check of the issue on a library holding people/ and groups/. */
async function checkFixtureQuality(lib: Lib, label: string): Promise<void> {
  const all = [...people, ...groups];
  const truth = identityFaces(all, lib.written);
  const personOf = await personOfFaces(lib.store);
  const m = clusterMetrics(truth, personOf);
  console.log(`[people] ${label}: pairwise P ${m.pairwisePrecision.toFixed(3)} R ${m.pairwiseRecall.toFixed(3)}, BCubed P ${m.bcubedPrecision.toFixed(3)} R ${m.bcubedRecall.toFixed(3)} F ${m.bcubedF.toFixed(3)}`);
  expect(m.pairwisePrecision).toBeGreaterThanOrEqual(0.98);
  expect(m.pairwiseRecall).toBeGreaterThanOrEqual(0.9);

  // Every identity with >= 2 photos is exactly one person, and no person mixes identities.
  const byIdentity = new Map<string, string[]>();
  for (const [face, id] of truth) byIdentity.set(id, [...(byIdentity.get(id) ?? []), face]);
  for (const [id, faces] of byIdentity) {
    if (faces.length < 2) continue;
    const persons = new Set(faces.map((f) => personOf.get(f)).filter((p) => p));
    expect(persons.size, `${id} is ${persons.size} persons`).toBe(1);
    expect(faces.filter((f) => personOf.get(f)).length, `${id}: faces in its person`).toBeGreaterThanOrEqual(Math.max(2, faces.length - 1));
  }
  const identities = identityOfPersons(truth, personOf);
  const idsPerPerson = new Map<string, Set<string>>();
  for (const [face, id] of truth) {
    const p = personOf.get(face);
    if (p) idsPerPerson.set(p, new Set([...(idsPerPerson.get(p) ?? []), id]));
  }
  for (const [p, ids] of idsPerPerson) expect([...ids], `person ${p}`).toHaveLength(1);

  // The group photos' known people are in the right persons.
  const written = new Map(lib.written.map((w) => [w.rel, w]));
  for (const [rel, g] of Object.entries(LABELS.groups)) {
    const inPhoto = new Set(written.get(rel)!.faceIds.map((f) => personOf.get(f)).filter((p): p is string => !!p).map((p) => identities.get(p)));
    for (const id of g.present) expect(inPhoto.has(id), `${id} in ${rel}`).toBe(true);
  }

  // The man recurring across four party photos is one person.
  for (const set of LABELS.same_person_across_groups) {
    const personsPerPhoto = set.map((rel) => new Set(written.get(rel)!.faceIds.map((f) => personOf.get(f)).filter((p): p is string => !!p)));
    const common = [...personsPerPhoto[0]!].filter((p) => personsPerPhoto.every((s) => s.has(p)));
    expect(common.length, `one person in all of ${set.join(', ')}`).toBeGreaterThanOrEqual(1);
  }

  // Never two faces of one photo in one person.
  const faces = await lib.store.faces.assigned(['person_id', 'media_id']);
  const seen = new Set<string>();
  for (const f of faces) {
    const k = `${f.person_id}|${f.media_id}`;
    expect(seen.has(k), `two faces of one photo in person ${f.person_id}`).toBe(false);
    seen.add(k);
  }

  // Person rows agree with their faces.
  const persons = await lib.store.persons.find();
  const count = new Map<string, number>();
  for (const f of faces) count.set(f.person_id!, (count.get(f.person_id!) ?? 0) + 1);
  for (const p of persons) {
    expect(p.face_count).toBe(count.get(p.id) ?? 0);
    if (p.face_count > 0) expect(faces.some((f) => f.person_id === p.id)).toBe(true);
  }
}

describe('people clustering on the fixtures', () => {
  it('turns people/ and groups/ indexed together into the right persons', async () => {
    const lib = await library();
    await add(lib, [...people, ...groups]);
    const r = await cluster(lib);
    expect(r.facesProcessed).toBe(people.reduce((n, p) => n + p.faces.length, 0) + groups.reduce((n, p) => n + p.faces.length, 0));
    expect(r.worker).toBe(false);
    await checkFixtureQuality(lib, 'together');
    // A second run has nothing to do.
    const again = await cluster(lib);
    expect(again.facesProcessed).toBe(0);
    expect(again.facesChanged).toBe(0);
  });

  it('reaches the same persons when the photos arrive in batches (people/, then groups/ in three runs)', async () => {
    const lib = await library();
    await add(lib, people);
    await cluster(lib);
    for (let i = 0; i < 3; i++) {
      await add(lib, groups.filter((_, j) => j % 3 === i));
      await cluster(lib);
    }
    await checkFixtureQuality(lib, 'incremental');
  });

  it('re-clusters everything in a worker thread, keeping person ids', async () => {
    const lib = await library({ workerMinCells: 0 });
    await add(lib, [...people, ...groups]);
    const first = await cluster(lib);
    expect(first.worker).toBe(true);
    const before = await personOfFaces(lib.store);
    const r = await cluster(lib, 'full');
    expect(r.worker).toBe(true);
    expect(r.mode).toBe('full');
    const after = await personOfFaces(lib.store);
    let same = 0;
    for (const [f, p] of before) if (p && after.get(f) === p) same++;
    expect(same).toBe([...before.values()].filter((p) => p).length);
    await checkFixtureQuality(lib, 'full re-cluster');
  });
});

describe('corrections survive later runs', () => {
  it('keeps names, merges, splits, moves and rejections through incremental and full runs', async () => {
    const lib = await library();
    await add(lib, people);
    await cluster(lib);
    const truth = identityFaces(people, lib.written);
    const facesOf = (id: string) => [...truth].filter(([, i]) => i === id).map(([f]) => f);
    const personOf = async (face: string) => (await lib.store.faces.byIds([face], ['person_id']))[0]!.person_id;

    // Rename.
    const leonard = (await personOf(facesOf('leonard')[0]!))!;
    await lib.service.renamePerson({ personId: leonard, name: 'Leonard' });

    // Split two of Sheldon's faces off, then merge them back.
    const sheldonFaces = facesOf('sheldon');
    const sheldon = (await personOf(sheldonFaces[0]!))!;
    const split = await lib.service.splitFaces({ faceIds: sheldonFaces.slice(0, 2), name: 'Sheldon?' });
    const half = split.persons.find((p) => p.name === 'Sheldon?')!;
    expect(half.faceCount).toBe(2);
    const merged = await lib.service.mergePersons({ targetId: sheldon, sourceIds: [half.id] });
    expect(merged.deletedPersons).toEqual([half.id]);
    expect(merged.persons[0]!.faceCount).toBe(sheldonFaces.length);
    expect(merged.persons[0]!.name).toBe('Sheldon?');

    // "Not Penny" on one of her faces; move one of Amy's faces into Bernadette (a deliberate user choice).
    const pennyFace = facesOf('penny')[0]!;
    const penny = (await personOf(pennyFace))!;
    await lib.service.rejectFace({ faceId: pennyFace });
    expect(await personOf(pennyFace)).toBeNull();
    const amyFace = facesOf('amy')[0]!;
    const bernadette = (await personOf(facesOf('bernadette')[0]!))!;
    await lib.service.moveFaces({ faceIds: [amyFace], personId: bernadette });

    const check = async (when: string) => {
      const leo = await lib.service.getPerson({ personId: leonard });
      expect(leo.name, when).toBe('Leonard');
      for (const f of sheldonFaces) expect(await personOf(f), when).toBe(sheldon);
      expect(await personOf(pennyFace), when).not.toBe(penny);
      expect(await personOf(amyFace), when).toBe(bernadette);
      for (const f of facesOf('leonard')) expect(await personOf(f), when).toBe(leonard);
    };
    await check('after the corrections');
    // The rejected face is decided again by the next run, never back into Penny.
    await cluster(lib);
    await check('after an incremental run');
    await add(lib, groups);
    await cluster(lib);
    await check('after new photos');
    await cluster(lib, 'full');
    await check('after a full re-cluster');
    // A model change: the indexer re-embeds every face and hands it back unclustered, old person kept.
    const all = await lib.store.faces.all(['id']);
    await lib.store.faces.patch(all.map((f) => ({ id: f.id, clustered: false })));
    const r = await cluster(lib);
    expect(r.facesProcessed).toBeGreaterThan(all.length / 2);
    await check('after re-embedding');
    // The group photos' Leonard faces joined the renamed person.
    const written = new Map(lib.written.map((w) => [w.rel, w]));
    const bbt4 = await lib.store.faces.byIds(written.get('groups/bbt4.jpg')!.faceIds, ['person_id']);
    expect(bbt4.some((f) => f.person_id === leonard)).toBe(true);
  });

  it('honours a birth date and keeps named empty persons', async () => {
    const lib = await library();
    await add(lib, people);
    await cluster(lib);
    const truth = identityFaces(people, lib.written);
    const obamaFaces = [...truth].filter(([, i]) => i === 'obama').map(([f]) => f);
    const obama = (await lib.store.faces.byIds([obamaFaces[0]!], ['person_id']))[0]!.person_id!;
    const rows = await lib.store.faces.byIds(obamaFaces, ['id', 'captured_at']);
    const times = rows.map((r) => r.captured_at!).sort((a, b) => a - b);
    // Born after his first photo: that face leaves and cannot come back.
    const r = await lib.service.setBirthDate({ personId: obama, birthDate: times[0]! + 1 });
    expect(r.changedFaces).toBe(1);
    await cluster(lib);
    const early = rows.find((x) => x.captured_at === times[0])!.id;
    expect((await lib.store.faces.byIds([early], ['person_id']))[0]!.person_id).not.toBe(obama);
    // Named, then all its photos removed: the person stays, empty.
    await lib.service.renamePerson({ personId: obama, name: 'Barack' });
    const removed = await lib.store.faces.ofPerson(obama, ['id', 'person_id', 'media_id']);
    await lib.store.deleteMedia(removed.map((f) => f.media_id));
    await lib.service.onFacesRemoved(removed);
    const p = await lib.service.getPerson({ personId: obama });
    expect(p.faceCount).toBe(0);
    expect(p.coverFaceId).toBeNull();
    // An unnamed person losing all faces is deleted.
    const biden = (await lib.store.faces.byIds([[...truth].find(([, i]) => i === 'biden')![0]], ['person_id']))[0]!.person_id!;
    const bidenFaces = await lib.store.faces.ofPerson(biden, ['id', 'person_id', 'media_id']);
    await lib.store.deleteMedia(bidenFaces.map((f) => f.media_id));
    await lib.service.onFacesRemoved(bidenFaces);
    await expect(lib.service.getPerson({ personId: biden })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
