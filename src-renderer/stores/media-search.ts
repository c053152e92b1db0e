/**
 * Media search by face (ICE SearchMediaByFace / SearchMediaClipByFace): photos and videos of a
 * person, or of the face chosen in Search by face, with type, date and custom filters, page by page;
 * for each video on the page, the time ranges the face is on screen.
 */
import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import type { SearchMediaRequest } from '../../src-main/contract/ipc';
import type { MediaInfo, Occurrence } from '../../src-main/contract/search';
import { apiClient } from '../api/client';
import { errorMessage } from './errors';
import type { MediaFilter } from './media-list';

export type Who = { kind: 'person'; personId: string } | { kind: 'image'; uploadId: string; faceIndex: number };

export interface CustomFilter {
  /** Star rating at least (0: any). */
  minRating: number;
  camera: string;
  tag: string;
}

const PAGE_SIZE = 24;

export const useMediaSearchStore = defineStore('media-search', () => {
  const who = ref<Who | null>(null);
  const items = ref<MediaInfo[]>([]);
  const clips = ref<Record<string, Occurrence[]>>({});
  const total = ref(0);
  const pageNo = ref(1);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const custom = reactive<CustomFilter>({ minRating: 0, camera: '', tag: '' });
  let ticket = 0;

  const pages = computed(() => Math.max(1, Math.ceil(total.value / PAGE_SIZE)));

  function request(filter: MediaFilter, page: number): SearchMediaRequest | null {
    const w = who.value;
    if (!w) return null;
    const utcCreate: { gte?: number; lte?: number } = {};
    if (filter.from) utcCreate.gte = new Date(`${filter.from}T00:00:00`).getTime();
    if (filter.to) utcCreate.lte = new Date(`${filter.to}T23:59:59.999`).getTime();
    const customFilters: Record<string, unknown> = {};
    if (custom.minRating > 0) customFilters['intField1'] = { gte: custom.minRating };
    if (custom.camera.trim()) customFilters['strField1'] = custom.camera.trim();
    if (custom.tag.trim()) customFilters['strField2'] = custom.tag.trim();
    return {
      ...(w.kind === 'person' ? { personId: w.personId } : { personImage: { uploadId: w.uploadId }, faceIndex: w.faceIndex }),
      ...(filter.kind ? { mediaType: filter.kind } : {}),
      ...(utcCreate.gte !== undefined || utcCreate.lte !== undefined ? { utcCreate } : {}),
      ...(Object.keys(customFilters).length ? { customFilters } : {}),
      pageNo: page,
      pageSize: PAGE_SIZE,
    };
  }

  async function run(filter: MediaFilter, page = 1): Promise<void> {
    const req = request(filter, page);
    if (!req) return;
    const mine = ++ticket;
    loading.value = true;
    error.value = null;
    try {
      const r = await apiClient().invoke('search:media', req);
      if (mine !== ticket) return;
      items.value = r.mediaInfoList;
      total.value = r.total;
      pageNo.value = r.pageNo;
      clips.value = {};
      const videos = r.mediaInfoList.filter((m) => m.kind === 'video').map((m) => m.mediaId);
      if (videos.length) {
        // The same query (its token), for just the videos on this page.
        const c = await apiClient().invoke('search:clips', { faceSearchToken: r.faceSearchToken, mediaIds: videos, pageSize: Math.min(50, videos.length) });
        if (mine !== ticket) return;
        clips.value = Object.fromEntries(c.mediaClipList.map((v) => [v.mediaId, v.occurrencesInfos]));
      }
    } catch (e) {
      if (mine === ticket) error.value = errorMessage(e);
    } finally {
      if (mine === ticket) loading.value = false;
    }
  }

  function setWho(next: Who | null): void {
    who.value = next;
    items.value = [];
    total.value = 0;
    pageNo.value = 1;
  }

  return { who, items, clips, total, pageNo, pages, loading, error, custom, run, setWho, pageSize: PAGE_SIZE };
});
