/**
 * Search by face: the query image (uploaded, so both doors read it the same way), the faces found in
 * it, the one the user chose, the controls (similarity threshold, how many) and the results. The
 * search reruns as the controls move (debounced), so trying thresholds is immediate.
 */
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { UploadDto } from '../../src-main/contract/ipc';
import type { FaceMatch } from '../../src-main/contract/search';
import type { FaceDto } from '../../src-main/contract/vision';
import { apiClient } from '../api/client';
import { errorMessage } from './errors';

export type SearchPhase = 'empty' | 'uploading' | 'detecting' | 'ready' | 'error';

/** A face of the query photo: shown left to right, searched by its size rank (0 = largest, as the engine counts). */
export interface QueryFace {
  face: FaceDto;
  searchIndex: number;
}

export const useFaceSearchStore = defineStore('face-search', () => {
  const upload = ref<UploadDto | null>(null);
  const faces = ref<QueryFace[]>([]);
  const selected = ref<number | null>(null);
  const phase = ref<SearchPhase>('empty');
  const error = ref<string | null>(null);
  /** Cosine similarity floor; starts at the engine's same-person threshold. */
  const threshold = ref(0.32);
  /** How many results (IMM: 1-100). */
  const limit = ref(20);
  const results = ref<FaceMatch[]>([]);
  const searching = ref(false);
  const searched = ref(false);
  let ticket = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const selectedFace = computed(() => (selected.value === null ? null : faces.value[selected.value] ?? null));

  async function useFile(file: File): Promise<void> {
    error.value = null;
    faces.value = [];
    selected.value = null;
    upload.value = null;
    results.value = [];
    searched.value = false;
    if (!file.type.startsWith('image/') && !/\.(heic|heif|avif|tiff?)$/i.test(file.name)) {
      phase.value = 'error';
      error.value = `${file.name} is not an image`;
      return;
    }
    try {
      phase.value = 'uploading';
      const bytes = new Uint8Array(await file.arrayBuffer());
      upload.value = await apiClient().invoke('media:upload', { name: file.name, bytes });
      phase.value = 'detecting';
      const result = await apiClient().invoke('vision:detect', { image: { uploadId: upload.value.uploadId }, options: { maxFaces: 0 } });
      const bySize = result.faces
        .map((face, i) => ({ face, i }))
        .sort((a, b) => b.face.box.width * b.face.box.height - a.face.box.width * a.face.box.height || a.i - b.i);
      // Numbered left to right, as people read a group photo.
      faces.value = bySize.map(({ face }, searchIndex) => ({ face, searchIndex })).sort((a, b) => a.face.box.x - b.face.box.x);
      phase.value = 'ready';
      // One face: nothing to choose.
      if (faces.value.length === 1) choose(0);
    } catch (e) {
      phase.value = 'error';
      error.value = errorMessage(e);
    }
  }

  async function search(): Promise<void> {
    const q = selectedFace.value;
    if (!q || !upload.value) return;
    const mine = ++ticket;
    searching.value = true;
    error.value = null;
    try {
      const r = await apiClient().invoke('search:faces', {
        image: { uploadId: upload.value.uploadId },
        faceIndex: q.searchIndex,
        threshold: threshold.value,
        maxResults: limit.value,
      });
      if (mine !== ticket) return;
      results.value = r.queries[0]?.results ?? [];
      searched.value = true;
    } catch (e) {
      if (mine === ticket) error.value = errorMessage(e);
    } finally {
      if (mine === ticket) searching.value = false;
    }
  }

  function choose(index: number): void {
    if (index < 0 || index >= faces.value.length) return;
    selected.value = index;
    void search();
  }

  watch([threshold, limit], () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void search(), 300);
  });

  function clear(): void {
    ticket++;
    upload.value = null;
    faces.value = [];
    selected.value = null;
    results.value = [];
    searched.value = false;
    phase.value = 'empty';
    error.value = null;
  }

  return { upload, faces, selected, phase, error, threshold, limit, results, searching, searched, selectedFace, useFile, choose, search, clear };
});
