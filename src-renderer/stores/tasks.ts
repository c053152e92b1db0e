/** Running and recent tasks (indexing runs today; clustering, exports and cloud syncs as they come). */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { TaskDto } from '../../src-main/contract/ipc';
import { apiClient } from '../api/client';
import { errorMessage } from './errors';

export const useTasksStore = defineStore('tasks', () => {
  const tasks = ref<TaskDto[]>([]);
  const loading = ref(false);
  const error = ref<string | null>(null);

  const running = computed(() => tasks.value.filter((t) => t.status === 'running' || t.status === 'queued'));
  const recent = computed(() => tasks.value.filter((t) => t.status !== 'running' && t.status !== 'queued'));

  async function refresh(): Promise<void> {
    loading.value = true;
    try {
      tasks.value = await apiClient().invoke('tasks:list');
      error.value = null;
    } catch (e) {
      error.value = errorMessage(e);
    } finally {
      loading.value = false;
    }
  }

  async function cancel(id: string): Promise<void> {
    try {
      onTask(await apiClient().invoke('tasks:cancel', { id }));
    } catch (e) {
      error.value = errorMessage(e);
    }
  }

  function onTask(task: TaskDto): void {
    const i = tasks.value.findIndex((t) => t.id === task.id);
    if (i >= 0) tasks.value.splice(i, 1, task);
    else tasks.value = [task, ...tasks.value];
  }

  return { tasks, loading, error, running, recent, refresh, cancel, onTask };
});
