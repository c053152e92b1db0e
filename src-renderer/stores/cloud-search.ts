/**
 * The cloud side of search by face: run on request only (it uploads the chosen face), beside the
 * local results. Cleared whenever the query face changes so old cloud hits never sit next to new
 * local ones.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { CloudSearchResult } from '../../src-main/contract/cloud';
import { apiClient } from '../api/client';
import { useCloudStore } from './cloud';
import { errorMessage } from './errors';
import { useFaceSearchStore } from './face-search';

export const useCloudSearchStore = defineStore('cloud-search', () => {
  const cloud = useCloudStore();
  const faceSearch = useFaceSearchStore();
  const result = ref<CloudSearchResult | null>(null);
  const searching = ref(false);
  const error = ref<string | null>(null);
  let ticket = 0;

  /** Cloud sync is on, configured and has a key: the button is offered. */
  const available = computed(() => cloud.status?.ready === true);

  async function prepare(): Promise<void> {
    if (!cloud.status) await cloud.load();
  }

  async function search(): Promise<void> {
    const upload = faceSearch.upload;
    const face = faceSearch.selectedFace;
    if (!upload || !face || !available.value) return;
    const mine = ++ticket;
    searching.value = true;
    error.value = null;
    try {
      const r = await apiClient().invoke('cloud:searchFace', { image: { uploadId: upload.uploadId }, box: face.face.box });
      if (mine === ticket) result.value = r;
    } catch (e) {
      if (mine === ticket) error.value = errorMessage(e);
    } finally {
      if (mine === ticket) searching.value = false;
    }
  }

  function clear(): void {
    ticket++;
    result.value = null;
    searching.value = false;
    error.value = null;
  }

  watch(() => [faceSearch.upload?.uploadId, faceSearch.selected], clear);

  return { result, searching, error, available, prepare, search, clear };
});
