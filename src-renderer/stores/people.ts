/**
 * People: the persons the engine grouped faces into (named first, then by size), corrections on
 * them (rename, merge, hide), "Is this X?" suggestions and the faces not grouped yet. Persons reload
 * when a clustering run ends (task events), so the grid follows the library without polling.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { CorrectionResult, FaceRef, FaceSuggestion, Person } from '../../src-main/contract/people';
import type { TaskDto } from '../../src-main/contract/ipc';
import { apiClient } from '../api/client';
import { useAsyncAction } from '../composables/use-async-action';
import { errorMessage } from './errors';
import { useUndoStore } from './undo';

const PAGE = 100;

/** Named first, then the most photographed: the people a user looks for come first. */
export function comparePersons(a: Person, b: Person): number {
  if ((a.name !== null) !== (b.name !== null)) return a.name !== null ? -1 : 1;
  return b.faceCount - a.faceCount || (a.name ?? '').localeCompare(b.name ?? '') || a.id.localeCompare(b.id);
}

export const usePeopleStore = defineStore('people', () => {
  const persons = ref<Person[]>([]);
  const total = ref<number | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const query = ref('');
  const showHidden = ref(false);
  const selected = ref<Set<string>>(new Set());
  const suggestions = ref<FaceSuggestion[]>([]);
  const unassigned = ref<FaceRef[]>([]);
  const unassignedTotal = ref(0);
  const { busy, run } = useAsyncAction(error);
  let ticket = 0;

  const visible = computed(() => {
    const q = query.value.trim().toLocaleLowerCase();
    const list = q ? persons.value.filter((p) => p.name?.toLocaleLowerCase().includes(q)) : persons.value;
    return [...list].sort(comparePersons);
  });
  const selectedPersons = computed(() => persons.value.filter((p) => selected.value.has(p.id)));

  async function fetchAll(named: boolean, mine: number): Promise<Person[] | null> {
    const out: Person[] = [];
    let nextToken: string | undefined;
    do {
      const page = await apiClient().invoke('people:list', {
        named,
        hidden: showHidden.value ? 'include' : 'exclude',
        sort: 'faceCount',
        order: 'desc',
        maxResults: PAGE,
        ...(nextToken ? { nextToken } : {}),
      });
      if (mine !== ticket) return null;
      out.push(...page.persons);
      nextToken = page.nextToken;
      // The first pages show at once; the rest stream in behind them.
      if (!named) persons.value = [...persons.value.filter((p) => p.name !== null), ...out];
    } while (nextToken);
    return out;
  }

  async function load(): Promise<void> {
    const mine = ++ticket;
    loading.value = true;
    error.value = null;
    try {
      const named = await fetchAll(true, mine);
      if (!named) return;
      persons.value = named;
      const unnamed = await fetchAll(false, mine);
      if (!unnamed) return;
      persons.value = [...named, ...unnamed];
      total.value = persons.value.length;
      const known = new Set(persons.value.map((p) => p.id));
      selected.value = new Set([...selected.value].filter((id) => known.has(id)));
    } catch (e) {
      if (mine === ticket) error.value = errorMessage(e);
    } finally {
      if (mine === ticket) loading.value = false;
    }
    void loadSuggestions();
    void loadUnassigned();
  }

  async function loadSuggestions(): Promise<void> {
    try {
      suggestions.value = (await apiClient().invoke('people:faceSuggestions', { maxResults: 12 })).suggestions;
    } catch {
      suggestions.value = [];
    }
  }

  async function loadUnassigned(): Promise<void> {
    try {
      const r = await apiClient().invoke('people:unassigned', { maxResults: 60, minQuality: 0.3 });
      unassigned.value = r.faces;
      unassignedTotal.value = r.totalCount;
    } catch {
      unassigned.value = [];
    }
  }

  /** Applies what a correction says changed: updated persons in, deleted ones out. */
  function apply(result: CorrectionResult): void {
    const gone = new Set(result.deletedPersons);
    const updated = new Map(result.persons.map((p) => [p.id, p]));
    persons.value = persons.value
      .filter((p) => !gone.has(p.id))
      .map((p) => updated.get(p.id) ?? p)
      .filter((p) => showHidden.value || !p.hidden);
    for (const p of result.persons) if (!persons.value.some((x) => x.id === p.id) && (showHidden.value || !p.hidden)) persons.value.push(p);
    if (!loading.value && total.value !== null) total.value = persons.value.length;
    selected.value = new Set([...selected.value].filter((id) => !gone.has(id) && persons.value.some((p) => p.id === id)));
  }

  async function correct(work: () => Promise<CorrectionResult>, done: (r: CorrectionResult) => string): Promise<boolean> {
    const ok = await run(async () => {
      const result = await work();
      apply(result);
      useUndoStore().announce(done(result), result);
      return true;
    });
    return ok ?? false;
  }

  function rename(personId: string, name: string): Promise<boolean> {
    const clean = name.trim();
    return correct(() => apiClient().invoke('people:rename', { personId, name: clean || null }), () => (clean ? `Named ${clean}` : 'Name removed'));
  }

  /** Merges the selection into its named member (or the largest one). */
  async function mergeSelected(): Promise<boolean> {
    const chosen = [...selectedPersons.value].sort(comparePersons);
    const target = chosen[0];
    if (!target || chosen.length < 2) return false;
    const ok = await correct(
      () => apiClient().invoke('people:merge', { targetId: target.id, sourceIds: chosen.slice(1).map((p) => p.id) }),
      (r) => `Merged ${chosen.length} people${r.persons[0]?.name ? ` into ${r.persons[0].name}` : ''}`,
    );
    if (ok) selected.value = new Set();
    return ok;
  }

  async function hideSelected(hidden = true): Promise<boolean> {
    const personIds = [...selected.value];
    if (personIds.length === 0) return false;
    const what = personIds.length === 1 ? '1 person' : `${personIds.length} people`;
    const ok = await correct(() => apiClient().invoke('people:setHidden', { personIds, hidden }), () => (hidden ? `Hid ${what}` : `Showed ${what}`));
    if (ok) selected.value = new Set();
    return ok;
  }

  async function answer(s: FaceSuggestion, accept: boolean): Promise<void> {
    suggestions.value = suggestions.value.filter((x) => x.face.id !== s.face.id);
    const name = s.person.name ?? 'this person';
    await correct(() => apiClient().invoke('people:answerSuggestion', { faceId: s.face.id, personId: s.person.id, accept }), () => (accept ? `Added to ${name}` : `Not ${name}`));
  }

  function toggle(id: string, on?: boolean): void {
    const next = new Set(selected.value);
    if (on ?? !next.has(id)) next.add(id);
    else next.delete(id);
    selected.value = next;
  }

  function clearSelection(): void {
    selected.value = new Set();
  }

  function setShowHidden(on: boolean): void {
    showHidden.value = on;
    void load();
  }

  function onTask(task: TaskDto): void {
    if (task.kind === 'people.cluster' && task.status === 'succeeded') void load();
  }

  return {
    persons, total, loading, error, query, showHidden, selected, suggestions, unassigned, unassignedTotal, busy,
    visible, selectedPersons,
    load, loadSuggestions, loadUnassigned, rename, mergeSelected, hideSelected, answer, toggle, clearSelection, setShowHidden, onTask, apply,
  };
});
