/**
 * The cloud panel's state: configuration, the credential summary (the secret never comes back), the
 * connection check and the last sync's comparison. Every call goes through the one API client.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { CloudConfigPatch, CloudStatus, CompareResult, ConnectionCheck, CredentialsInput } from '../../src-main/contract/cloud';
import { apiClient } from '../api/client';
import { errorMessage } from './errors';
import { useTasksStore } from './tasks';

export const useCloudStore = defineStore('cloud', () => {
  const status = ref<CloudStatus | null>(null);
  const check = ref<ConnectionCheck | null>(null);
  const busy = ref<string | null>(null);
  const error = ref<string | null>(null);
  const syncTaskId = ref<string | null>(null);
  const tasks = useTasksStore();

  const syncTask = computed(() => tasks.tasks.find((t) => t.id === syncTaskId.value) ?? tasks.tasks.find((t) => t.kind === 'cloud.sync') ?? null);
  const comparison = computed<CompareResult | null>(() => {
    const r = syncTask.value?.status === 'succeeded' ? (syncTask.value.result as { comparison?: CompareResult } | undefined) : undefined;
    return r?.comparison ?? null;
  });

  async function run<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
    busy.value = what;
    error.value = null;
    try {
      return await fn();
    } catch (e) {
      error.value = errorMessage(e);
      return null;
    } finally {
      busy.value = null;
    }
  }

  const load = () => run('load', async () => (status.value = await apiClient().invoke('cloud:status')));

  async function configure(patch: CloudConfigPatch): Promise<void> {
    await run('configure', async () => {
      await apiClient().invoke('cloud:configure', patch);
      status.value = await apiClient().invoke('cloud:status');
    });
  }

  async function saveCredentials(input: CredentialsInput): Promise<boolean> {
    const ok = await run('credentials', async () => {
      await apiClient().invoke('cloud:saveCredentials', input);
      status.value = await apiClient().invoke('cloud:status');
      return true;
    });
    return ok === true;
  }

  const testConnection = () => run('test', async () => (check.value = await apiClient().invoke('cloud:test')));

  async function sync(): Promise<void> {
    await run('sync', async () => {
      syncTaskId.value = (await apiClient().invoke('cloud:sync')).taskId;
      await tasks.refresh();
    });
  }

  async function disconnect(): Promise<void> {
    await run('disconnect', async () => {
      status.value = await apiClient().invoke('cloud:disconnect');
      check.value = null;
    });
  }

  return { status, check, busy, error, syncTask, comparison, load, configure, saveCredentials, testConnection, sync, disconnect };
});
