/**
 * A paged list of library media, newest first, with filters: the Photos timeline and the Find view
 * each have one. Pages load as the grid scrolls near the end; a refresh reloads what is loaded in
 * place (indexing adds photos while the user looks), so the scroll position stays.
 */
import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import type { MediaDto, MediaListRequest } from '../../src-main/contract/ipc';
import { apiClient } from '../api/client';
import { errorMessage } from './errors';

export interface MediaFilter {
  kind: 'image' | 'video' | null;
  /** yyyy-mm-dd, local time, inclusive; empty for open. */
  from: string;
  to: string;
  withFaces: boolean;
}

const PAGE = 200;

function toRequest(f: MediaFilter): Omit<MediaListRequest, 'offset' | 'limit'> {
  const req: Omit<MediaListRequest, 'offset' | 'limit'> = {};
  if (f.kind) req.kind = f.kind;
  if (f.withFaces) req.withFaces = true;
  if (f.from) req.from = new Date(`${f.from}T00:00:00`).getTime();
  if (f.to) req.to = new Date(`${f.to}T23:59:59.999`).getTime();
  return req;
}

function defineMediaList(id: string) {
  return defineStore(id, () => {
    const items = ref<MediaDto[]>([]);
    const total = ref<number | null>(null);
    const loading = ref(false);
    const error = ref<string | null>(null);
    const filter = reactive<MediaFilter>({ kind: null, from: '', to: '', withFaces: false });
    let request = 0;

    const done = computed(() => total.value !== null && items.value.length >= total.value);

    async function fetchRange(offset: number, limit: number, ticket: number): Promise<{ total: number; items: MediaDto[] } | null> {
      const page = await apiClient().invoke('media:list', { ...toRequest(filter), offset, limit });
      return ticket === request ? page : null;
    }

    /** Starts over (filter changed). */
    async function reset(): Promise<void> {
      const ticket = ++request;
      loading.value = true;
      error.value = null;
      try {
        const page = await fetchRange(0, PAGE, ticket);
        if (!page) return;
        items.value = page.items;
        total.value = page.total;
      } catch (e) {
        if (ticket === request) error.value = errorMessage(e);
      } finally {
        if (ticket === request) loading.value = false;
      }
    }

    async function loadMore(): Promise<void> {
      if (loading.value || done.value) return;
      if (total.value === null) return reset();
      const ticket = ++request;
      loading.value = true;
      try {
        const page = await fetchRange(items.value.length, PAGE, ticket);
        if (!page) return;
        const seen = new Set(items.value.map((m) => m.id));
        items.value = [...items.value, ...page.items.filter((m) => !seen.has(m.id))];
        total.value = page.total;
      } catch (e) {
        error.value = errorMessage(e);
      } finally {
        if (ticket === request) loading.value = false;
      }
    }

    /** Reloads the loaded range in place (new photos appear, removed ones go, scroll stays). */
    async function refresh(): Promise<void> {
      if (total.value === null) return reset();
      const ticket = ++request;
      try {
        const page = await fetchRange(0, Math.max(PAGE, items.value.length), ticket);
        if (!page) return;
        items.value = page.items;
        total.value = page.total;
      } catch (e) {
        if (ticket === request) error.value = errorMessage(e);
      } finally {
        if (ticket === request) loading.value = false;
      }
    }

    function setFilter(next: Partial<MediaFilter>): void {
      Object.assign(filter, next);
      void reset();
    }

    return { items, total, loading, error, filter, done, reset, loadMore, refresh, setFilter };
  });
}

export const usePhotosStore = defineMediaList('photos');
export const useFindStore = defineMediaList('find');
