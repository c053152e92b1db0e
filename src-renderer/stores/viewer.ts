/**
 * The photo viewer: one media item with its faces, and the list it was opened from (arrow keys and
 * the side buttons move through it).
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { MediaDetailDto } from '../../src-main/contract/ipc';
import { apiClient } from '../api/client';
import { errorMessage } from './errors';

export const useViewerStore = defineStore('viewer', () => {
  const detail = ref<MediaDetailDto | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const context = ref<string[]>([]);
  const selectedFace = ref<string | null>(null);
  let ticket = 0;

  const index = computed(() => (detail.value ? context.value.indexOf(detail.value.media.id) : -1));
  const prevId = computed(() => (index.value > 0 ? context.value[index.value - 1] ?? null : null));
  const nextId = computed(() => (index.value >= 0 ? context.value[index.value + 1] ?? null : null));

  async function open(id: string): Promise<void> {
    const mine = ++ticket;
    loading.value = true;
    error.value = null;
    selectedFace.value = null;
    try {
      const d = await apiClient().invoke('media:get', { id });
      if (mine === ticket) detail.value = d;
    } catch (e) {
      if (mine === ticket) {
        detail.value = null;
        error.value = errorMessage(e);
      }
    } finally {
      if (mine === ticket) loading.value = false;
    }
  }

  function setContext(ids: string[]): void {
    context.value = ids;
  }

  function close(): void {
    ticket++;
    detail.value = null;
    selectedFace.value = null;
  }

  return { detail, loading, error, context, selectedFace, prevId, nextId, index, open, setContext, close };
});
