/**
 * The cloud panel's state: configuration (with the folders chosen for upload), the credential
 * summary (the secret never comes back), the connection check, the running sync or pull, and the
 * last one's comparison with local persons and the names that could be imported. Every call goes
 * through the one API client.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { CloudConfigPatch, CloudStatus, CloudSyncReport, ConnectionCheck, CredentialsInput, ImportNamesResult } from '../../src-main/contract/cloud';
import { apiClient } from '../api/client';
import { useAsyncAction } from '../composables/use-async-action';
import { usePeopleStore } from './people';
import { useTasksStore } from './tasks';

const CLOUD_TASKS = ['cloud.sync', 'cloud.pull'];

export const useCloudStore = defineStore('cloud', () => {
  const status = ref<CloudStatus | null>(null);
  const check = ref<ConnectionCheck | null>(null);
  const report = ref<CloudSyncReport | null>(null);
  const lastImport = ref<ImportNamesResult | null>(null);
  const busy = ref<string | null>(null);
  const error = ref<string | null>(null);
  const taskId = ref<string | null>(null);
  const tasks = useTasksStore();

  const task = computed(() => tasks.tasks.find((t) => t.id === taskId.value) ?? tasks.tasks.find((t) => CLOUD_TASKS.includes(t.kind)) ?? null);
  const running = computed(() => task.value?.status === 'running' || task.value?.status === 'queued');
  const chosenFolders = computed(() => new Set(status.value?.config.folders ?? []));
  /** Sync is possible: connected, and at least one folder chosen (nothing is uploaded by default). */
  const canSync = computed(() => !!status.value?.ready && chosenFolders.value.size > 0);

  const action = useAsyncAction(error);

  /** Like useAsyncAction's run, and says which action is busy: the panel shows it on that button. */
  async function run<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
    busy.value = what;
    try {
      return (await action.run(fn)) ?? null;
    } finally {
      busy.value = null;
    }
  }

  const loadReport = async (): Promise<void> => {
    report.value = await apiClient().invoke('cloud:report');
  };

  const load = () =>
    run('load', async () => {
      status.value = await apiClient().invoke('cloud:status');
      await loadReport();
    });

  async function configure(patch: CloudConfigPatch): Promise<void> {
    await run('configure', async () => {
      await apiClient().invoke('cloud:configure', patch);
      status.value = await apiClient().invoke('cloud:status');
    });
  }

  /** Adds or removes one library folder from the upload. */
  async function chooseFolder(path: string, chosen: boolean): Promise<void> {
    const next = new Set(chosenFolders.value);
    if (chosen) next.add(path);
    else next.delete(path);
    await configure({ folders: [...next] });
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

  async function start(channel: 'cloud:sync' | 'cloud:pull'): Promise<void> {
    await run(channel === 'cloud:sync' ? 'sync' : 'pull', async () => {
      taskId.value = (await apiClient().invoke(channel)).taskId;
      await tasks.refresh();
    });
  }

  /** Brings the cloud's names onto the matched local persons; renames only when asked. */
  async function importNames(clusterIds: string[], allowRename = false): Promise<void> {
    await run('import', async () => {
      lastImport.value = await apiClient().invoke('cloud:importNames', { clusterIds, allowRename });
      await loadReport();
      void usePeopleStore().load();
    });
  }

  async function disconnect(): Promise<void> {
    await run('disconnect', async () => {
      status.value = await apiClient().invoke('cloud:disconnect');
      check.value = null;
      report.value = null;
      lastImport.value = null;
    });
  }

  // A sync or pull that finishes brings a new comparison.
  watch(
    () => task.value?.status,
    (now, before) => {
      if (now === 'succeeded' && before && before !== 'succeeded') void run('load', loadReport);
    },
  );

  return {
    status, check, report, lastImport, busy, error, task, running, chosenFolders, canSync,
    load, configure, chooseFolder, saveCredentials, testConnection, importNames, disconnect,
    sync: () => start('cloud:sync'),
    pull: () => start('cloud:pull'),
  };
});
