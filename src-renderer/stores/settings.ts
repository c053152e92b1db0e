/** What Settings shows: the execution provider and models in use, and the recognition thresholds. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { SettingsDto } from '../../src-main/contract/ipc';
import type { VisionStatus } from '../../src-main/contract/vision';
import { apiClient } from '../api/client';
import { errorMessage } from './errors';

export const useSettingsStore = defineStore('settings', () => {
  const vision = ref<VisionStatus | null>(null);
  const settings = ref<SettingsDto | null>(null);
  const error = ref<string | null>(null);

  async function load(): Promise<void> {
    try {
      const client = apiClient();
      [vision.value, settings.value] = await Promise.all([client.invoke('vision:status'), client.invoke('settings:get')]);
      error.value = null;
    } catch (e) {
      error.value = errorMessage(e);
    }
  }

  return { vision, settings, error, load };
});
