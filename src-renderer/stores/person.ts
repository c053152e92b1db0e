/**
 * One person: their photos and clips by date, their faces (for corrections: move, remove, "not this
 * person", set cover) and export.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { CorrectionResult, FaceRef, Person, PersonMedia } from '../../src-main/contract/people';
import type { MediaDto } from '../../src-main/contract/ipc';
import { apiClient } from '../api/client';
import { useAsyncAction } from '../composables/use-async-action';
import { errorMessage } from './errors';
import { usePeopleStore } from './people';
import { useUndoStore } from './undo';

const PAGE = 100;

function toMedia(m: PersonMedia): MediaDto {
  return {
    id: m.mediaId,
    path: m.path,
    name: m.path.split(/[\\/]/).pop() ?? m.path,
    folderId: '',
    kind: m.kind,
    bytes: 0,
    capturedAt: m.capturedAt,
    width: m.width,
    height: m.height,
    duration: null,
    camera: null,
    status: 'ok',
    errorCode: null,
    errorText: null,
    faceCount: m.faces.length,
  };
}

export const usePersonStore = defineStore('person', () => {
  const person = ref<Person | null>(null);
  const media = ref<PersonMedia[]>([]);
  const mediaTotal = ref(0);
  const mediaToken = ref<string | undefined>(undefined);
  const faces = ref<FaceRef[]>([]);
  const facesTotal = ref(0);
  const facesToken = ref<string | undefined>(undefined);
  const selectedFaces = ref<Set<string>>(new Set());
  const loading = ref(false);
  const error = ref<string | null>(null);
  const { busy, run } = useAsyncAction(error);
  const notice = ref<string | null>(null);
  let ticket = 0;

  const mediaItems = computed(() => media.value.map(toMedia));

  async function open(personId: string): Promise<void> {
    const mine = ++ticket;
    if (person.value?.id !== personId) {
      person.value = null;
      media.value = [];
      faces.value = [];
      selectedFaces.value = new Set();
    }
    loading.value = true;
    error.value = null;
    notice.value = null;
    try {
      const client = apiClient();
      const [p, m, f] = await Promise.all([
        client.invoke('people:get', { personId }),
        client.invoke('people:media', { personId, maxResults: PAGE }),
        client.invoke('people:faces', { personId, maxResults: PAGE }),
      ]);
      if (mine !== ticket) return;
      person.value = p;
      media.value = m.media;
      mediaTotal.value = m.totalCount;
      mediaToken.value = m.nextToken;
      faces.value = f.faces;
      facesTotal.value = f.totalCount;
      facesToken.value = f.nextToken;
    } catch (e) {
      if (mine === ticket) error.value = errorMessage(e);
    } finally {
      if (mine === ticket) loading.value = false;
    }
  }

  async function moreMedia(): Promise<void> {
    if (!person.value || !mediaToken.value || loading.value) return;
    loading.value = true;
    try {
      const m = await apiClient().invoke('people:media', { personId: person.value.id, maxResults: PAGE, nextToken: mediaToken.value });
      media.value = [...media.value, ...m.media];
      mediaToken.value = m.nextToken;
    } catch (e) {
      error.value = errorMessage(e);
    } finally {
      loading.value = false;
    }
  }

  async function moreFaces(): Promise<void> {
    if (!person.value || !facesToken.value) return;
    try {
      const f = await apiClient().invoke('people:faces', { personId: person.value.id, maxResults: PAGE, nextToken: facesToken.value });
      faces.value = [...faces.value, ...f.faces];
      facesToken.value = f.nextToken;
    } catch (e) {
      error.value = errorMessage(e);
    }
  }

  async function correct(work: () => Promise<CorrectionResult>, done: string): Promise<boolean> {
    const ok = await run(async () => {
      const result = await work();
      usePeopleStore().apply(result);
      useUndoStore().announce(done, result);
      selectedFaces.value = new Set();
      await reopen(result);
      return true;
    });
    return ok ?? false;
  }

  /** After a correction, undo or redo: the open person again as it is now (gone when it was removed). */
  async function reopen(result: CorrectionResult): Promise<void> {
    if (!person.value) return;
    if (result.deletedPersons.includes(person.value.id)) person.value = null;
    else await open(person.value.id);
  }

  const id = () => person.value!.id;
  const chosen = () => [...selectedFaces.value];

  return {
    person, media, mediaTotal, faces, facesTotal, selectedFaces, loading, busy, error, notice, mediaItems,
    open, reopen, moreMedia, moreFaces,
    rename: (name: string) => correct(() => apiClient().invoke('people:rename', { personId: id(), name: name.trim() || null }), 'Name saved'),
    setHidden: (hidden: boolean) => correct(() => apiClient().invoke('people:setHidden', { personIds: [id()], hidden }), hidden ? 'Hidden from People' : 'Shown in People'),
    setCover: (faceId: string) => correct(() => apiClient().invoke('people:setCover', { personId: id(), faceId }), 'Cover photo changed'),
    moveTo: (personId: string) => correct(() => apiClient().invoke('people:moveFaces', { faceIds: chosen(), personId }), 'Faces moved'),
    removeFaces: () => correct(() => apiClient().invoke('people:removeFaces', { faceIds: chosen() }), 'Faces removed'),
    /** The chosen faces are all this person's, so "not this person" for them is one removal (one undo). */
    notThisPerson(): Promise<boolean> {
      const faceIds = chosen();
      return correct(
        () => apiClient().invoke('people:removeFaces', { faceIds }),
        faceIds.length === 1 ? 'Face taken out of this person' : `${faceIds.length} faces taken out of this person`,
      );
    },
    async exportTo(targetDir: string, mode: 'copy' | 'link'): Promise<string | null> {
      const taskId = await run(async () => {
        const started = await apiClient().invoke('people:export', { personIds: [id()], targetDir, mode });
        notice.value = `Exporting to ${targetDir}… (see Tasks)`;
        return started.taskId;
      });
      return taskId ?? null;
    },
    toggleFace(faceId: string): void {
      const next = new Set(selectedFaces.value);
      if (next.has(faceId)) next.delete(faceId);
      else next.add(faceId);
      selectedFaces.value = next;
    },
    clearFaces(): void {
      selectedFaces.value = new Set();
    },
  };
});
