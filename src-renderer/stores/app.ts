import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AppInfo } from '../../src-main/contract/ipc';
import { apiClient, type ApiClient } from '../api/client';

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';

/** What the app is (version, platform) and whether the renderer can reach it at all. */
export const useAppStore = defineStore('app', () => {
  const info = ref<AppInfo | null>(null);
  const status = ref<LoadStatus>('idle');
  const error = ref<string | null>(null);

  async function load(client: ApiClient = apiClient()): Promise<void> {
    status.value = 'loading';
    error.value = null;
    try {
      info.value = await client.invoke('app:info');
      status.value = 'ready';
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
      status.value = 'error';
    }
  }

  return { info, status, error, load };
});
