/**
 * The library: folders, counts, the indexing run (live from task events) and the files that failed.
 * Every view that shows counts or progress reads them here; nothing polls the engine while idle.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { FolderDto, LibraryStatusDto, MediaErrorDto, TaskDto } from '../../src-main/contract/ipc';
import { apiClient } from '../api/client';
import { useAsyncAction } from '../composables/use-async-action';
import { errorMessage } from './errors';

export const useLibraryStore = defineStore('library', () => {
  const status = ref<LibraryStatusDto | null>(null);
  const folders = ref<FolderDto[]>([]);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  /** The indexing task being shown: the running one, or the last one until dismissed. */
  const indexTask = ref<TaskDto | null>(null);
  const errors = ref<MediaErrorDto[]>([]);
  const errorTotal = ref(0);
  const { busy, run } = useAsyncAction(error);
  /** Bumped whenever indexing changed the library, so lists reload. */
  const generation = ref(0);
  let statusTimer: ReturnType<typeof setTimeout> | null = null;

  const hasFolders = computed(() => folders.value.length > 0);
  const indexing = computed(() => indexTask.value?.status === 'running');
  const paused = computed(() => status.value?.paused ?? false);

  async function refresh(): Promise<void> {
    try {
      const client = apiClient();
      const [s, f] = await Promise.all([client.invoke('library:status'), client.invoke('library:folders')]);
      status.value = s;
      folders.value = f;
      if (s.indexing) adopt(s.indexing);
      error.value = null;
    } catch (e) {
      error.value = errorMessage(e);
    } finally {
      loaded.value = true;
    }
  }

  async function loadErrors(limit = 200): Promise<void> {
    try {
      const r = await apiClient().invoke('library:errors', { limit });
      errors.value = r.items;
      errorTotal.value = r.total;
    } catch (e) {
      error.value = errorMessage(e);
    }
  }

  /** Adds folders and starts indexing them. Resolves true when the folders were added. */
  async function addFolders(paths: string[]): Promise<boolean> {
    const added = await run(async () => {
      await apiClient().invoke('library:addFolders', { paths });
      await startIndexing();
      return true;
    });
    await refresh();
    return added === true;
  }

  /** The OS folder picker (desktop app); resolves false when the user cancelled. */
  async function pickAndAddFolders(): Promise<boolean> {
    const picked = await run(() => apiClient().invoke('dialog:pickFolders', { title: 'Add folders to the library' }));
    if (!picked || picked.paths.length === 0) return false;
    return addFolders(picked.paths);
  }

  async function removeFolder(id: string): Promise<void> {
    await run(() => apiClient().invoke('library:removeFolder', { id }));
    generation.value++;
    await refresh();
  }

  async function startIndexing(): Promise<void> {
    const { taskId } = await apiClient().invoke('library:index');
    const task = await apiClient().invoke('tasks:get', { id: taskId }).catch(() => null);
    if (task) onTask(task);
  }

  /** "Rescan now": a full pass over every folder, for file systems whose change events are unreliable. */
  async function rescan(): Promise<void> {
    await run(() => startIndexing());
  }

    async function pause(): Promise<void> {
    await run(() => apiClient().invoke('library:pause'));
    await refresh();
  }

  async function resume(): Promise<void> {
    await run(() => apiClient().invoke('library:resume'));
    await refresh();
  }

  async function cancel(): Promise<void> {
    const id = indexTask.value?.id;
    if (id) await run(() => apiClient().invoke('tasks:cancel', { id }));
  }

  function dismissTask(): void {
    if (indexTask.value?.status !== 'running') indexTask.value = null;
  }

  /** Counts follow progress, at most every couple of seconds (status reads the whole media table). */
  function scheduleStatus(): void {
    if (statusTimer) return;
    statusTimer = setTimeout(() => {
      statusTimer = null;
      void refresh();
    }, 2500);
  }

  /**
   * Whether `task` is news compared with the one shown. Events and status reads race (a status read
   * started before the run ended can answer after its last event), so a snapshot never takes the
   * shown task backwards: not from finished to running, not to less progress, not to an older run.
   */
  function isNewer(task: TaskDto, current: TaskDto | null): boolean {
    if (!current) return true;
    if (current.id !== task.id) return !(current.status === 'running' && task.createdAt < current.createdAt);
    if (current.status !== 'running') return false;
    return task.status !== 'running' || task.progress.done >= current.progress.done;
  }

  function adopt(task: TaskDto): void {
    if (isNewer(task, indexTask.value)) indexTask.value = task;
  }

  function onTask(task: TaskDto): void {
    if (task.kind !== 'index') return;
    const current = indexTask.value;
    if (!isNewer(task, current)) return;
    const finished = current?.id === task.id && current.status === 'running' && task.status !== 'running';
    indexTask.value = task;
    if (task.status === 'running') scheduleStatus();
    if (finished || (task.status !== 'running' && current?.id !== task.id)) {
      generation.value++;
      void refresh();
      void loadErrors();
    } else if (task.status === 'running' && (task.progress.done % 25 === 0)) {
      generation.value++;
    }
  }

  return {
    status, folders, loaded, error, indexTask, errors, errorTotal, busy, generation,
    hasFolders, indexing, paused,
    refresh, loadErrors, addFolders, pickAndAddFolders, removeFolder, startIndexing, rescan, pause, resume, cancel, dismissTask, onTask,
  };
});
