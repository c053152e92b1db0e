/**
 * The renderer's Pinia stores against an in-memory ApiClient: what the People and person views show
 * after the user's actions, and that a failure from the app reaches the store's error state.
 */
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setApiClient } from '../../src-renderer/api/client';
import { usePeopleStore } from '../../src-renderer/stores/people';
import { usePersonStore } from '../../src-renderer/stores/person';
import { useUndoStore } from '../../src-renderer/stores/undo';
import { FakeApiClient } from './fakes/api-client';

function library(): FakeApiClient {
  // Ann (named, 2 faces), two unnamed persons (3 faces and 1 face), one hidden stranger, one face not grouped.
  return new FakeApiClient({
    persons: [
      { id: 'ann', name: 'Ann' },
      { id: 'p-big', name: null },
      { id: 'p-small', name: null },
      { id: 'p-hidden', name: null, hidden: true },
    ],
    faces: [
      { id: 'f1', mediaId: 'm1', personId: 'ann' },
      { id: 'f2', mediaId: 'm2', personId: 'ann' },
      { id: 'f3', mediaId: 'm1', personId: 'p-big' },
      { id: 'f4', mediaId: 'm3', personId: 'p-big' },
      { id: 'f5', mediaId: 'm4', personId: 'p-big' },
      { id: 'f6', mediaId: 'm5', personId: 'p-small' },
      { id: 'f7', mediaId: 'm6', personId: 'p-hidden' },
      { id: 'f8', mediaId: 'm6', personId: null },
    ],
  });
}

let api: FakeApiClient;

beforeEach(() => {
  api = library();
  setApiClient(api);
  setActivePinia(createPinia());
});

afterEach(() => setApiClient(null));

describe('people store', () => {
  it('lists named persons first, then by number of faces, without the hidden ones', async () => {
    const people = usePeopleStore();
    await people.load();
    expect(people.error).toBeNull();
    expect(people.visible.map((p) => p.id)).toEqual(['ann', 'p-big', 'p-small']);
    expect(people.total).toBe(3);
    expect(people.loading).toBe(false);
  });

  it('merging the selection leaves one person with all the faces, under the name, and clears the selection', async () => {
    const people = usePeopleStore();
    await people.load();
    people.toggle('p-big');
    people.toggle('ann');
    expect(people.selectedPersons.map((p) => p.id).sort()).toEqual(['ann', 'p-big']);

    expect(await people.mergeSelected()).toBe(true);
    expect(people.visible.map((p) => p.id)).toEqual(['ann', 'p-small']);
    const ann = people.visible[0]!;
    expect(ann.name).toBe('Ann');
    expect(ann.faceCount).toBe(5);
    expect(ann.mediaCount).toBe(4);
    expect(people.selected.size).toBe(0);
    // The merge went into the named person, whichever was selected first.
    expect(api.calls.find((c) => c.channel === 'people:merge')?.payload).toEqual({ targetId: 'ann', sourceIds: ['p-big'] });

    // A reload shows the same thing: the store did not invent the result.
    await people.load();
    expect(people.visible.map((p) => [p.id, p.faceCount])).toEqual([['ann', 5], ['p-small', 1]]);
  });

  it('is busy while a correction runs, and shows the error the app reports, keeping the list as it was', async () => {
    const people = usePeopleStore();
    await people.load();
    people.toggle('p-big');
    people.toggle('p-small');
    api.failNext('people:merge', 'STORE_FAILED', 'the database is locked');
    const release = api.hold('people:merge');
    const merging = people.mergeSelected();
    expect(people.busy).toBe(true);
    release();
    expect(await merging).toBe(false);
    expect(people.busy).toBe(false);
    expect(people.error).toBe('the database is locked');
    expect(people.visible.map((p) => p.id)).toEqual(['ann', 'p-big', 'p-small']);
    // The selection stays, so the user can try again.
    expect(people.selected.size).toBe(2);

    expect(await people.mergeSelected()).toBe(true);
    expect(people.error).toBeNull();
  });

  it('a failed load says why', async () => {
    api.failNext('people:list', 'TRANSPORT_FAILED', 'the app stopped answering');
    const people = usePeopleStore();
    await people.load();
    expect(people.error).toBe('the app stopped answering');
    expect(people.loading).toBe(false);
  });

  it('hiding takes persons out of the grid; showing hidden brings them back', async () => {
    const people = usePeopleStore();
    await people.load();
    people.toggle('p-small');
    expect(await people.hideSelected()).toBe(true);
    expect(people.visible.map((p) => p.id)).toEqual(['ann', 'p-big']);

    people.setShowHidden(true);
    await people.load();
    // Equal sizes fall back to the id, so the order is stable.
    expect(people.visible.map((p) => p.id)).toEqual(['ann', 'p-big', 'p-hidden', 'p-small']);
  });

  it('renaming moves a person among the named ones; the search box filters by name', async () => {
    const people = usePeopleStore();
    await people.load();
    expect(await people.rename('p-small', '  Bob ')).toBe(true);
    expect(people.visible.map((p) => [p.id, p.name])).toEqual([['ann', 'Ann'], ['p-small', 'Bob'], ['p-big', null]]);
    people.query = 'bo';
    expect(people.visible.map((p) => p.id)).toEqual(['p-small']);
  });

  it('counts the faces not grouped yet', async () => {
    const people = usePeopleStore();
    await people.load();
    await people.loadUnassigned();
    expect(people.unassigned.map((f) => f.id)).toEqual(['f8']);
    expect(people.unassignedTotal).toBe(1);
  });
});

describe('person store', () => {
  it('opens a person with their photos and faces', async () => {
    const person = usePersonStore();
    await person.open('p-big');
    expect(person.error).toBeNull();
    expect(person.person?.faceCount).toBe(3);
    expect(person.mediaTotal).toBe(3);
    expect(person.faces.map((f) => f.id).sort()).toEqual(['f3', 'f4', 'f5']);
  });

  it('removing faces updates the person and the People grid, with a toast', async () => {
    const people = usePeopleStore();
    await people.load();
    const person = usePersonStore();
    await person.open('p-big');
    person.toggleFace('f3');
    person.toggleFace('f4');
    expect(await person.removeFaces()).toBe(true);
    expect(useUndoStore().toast?.message).toBe('Faces removed');
    expect(person.person?.faceCount).toBe(1);
    expect(person.faces.map((f) => f.id)).toEqual(['f5']);
    expect(person.selectedFaces.size).toBe(0);
    expect(people.persons.find((p) => p.id === 'p-big')?.faceCount).toBe(1);
  });

  it('a person that no longer exists is reported, not shown', async () => {
    const person = usePersonStore();
    await person.open('gone');
    expect(person.person).toBeNull();
    expect(person.error).toBe('No person with id gone');
    expect(person.loading).toBe(false);
  });

  it('renaming from the person page shows the new name there and in People', async () => {
    const people = usePeopleStore();
    await people.load();
    const person = usePersonStore();
    await person.open('p-big');
    expect(await person.rename('Carol')).toBe(true);
    expect(person.person?.name).toBe('Carol');
    expect(useUndoStore().toast?.message).toBe('Name saved');
    // Named now, and with more faces than Ann: first.
    expect(people.visible.slice(0, 2).map((p) => p.name)).toEqual(['Carol', 'Ann']);
  });
});
