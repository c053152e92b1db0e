/**
 * Undo for corrections to people: the toast each correction shows ("Merged 2 persons · Undo"), the
 * engine's history behind it (people:undo / people:redo), and Ctrl/Cmd+Z. Undo and redo apply their
 * result to the people and person stores, so persons and counts are right at once.
 */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { CorrectionResult, UndoResult } from '../../src-main/contract/people';
import { ApiError, apiClient } from '../api/client';
import { errorMessage } from './errors';
import { usePeopleStore } from './people';
import { usePersonStore } from './person';

/** Long enough to read and reach the button; every new toast starts the time again. */
const TOAST_MS = 8_000;

export interface Toast {
  message: string;
  /** 'undo': offers Undo of historyId; 'redo': offers Redo; 'info': no action. */
  action: 'undo' | 'redo' | 'info';
  historyId?: string;
  /** Bumps on every toast, so a view can key on it. */
  seq: number;
}

export const useUndoStore = defineStore('undo', () => {
  const toast = ref<Toast | null>(null);
  const busy = ref(false);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let seq = 0;

  function show(message: string, action: Toast['action'], historyId?: string): void {
    toast.value = { message, action, seq: ++seq, ...(historyId ? { historyId } : {}) };
    if (timer) clearTimeout(timer);
    timer = setTimeout(dismiss, TOAST_MS);
  }

  function dismiss(): void {
    toast.value = null;
    if (timer) clearTimeout(timer);
    timer = null;
  }

  /** After a correction: its message, with Undo when the engine recorded it. */
  function announce(message: string, result: CorrectionResult | null): void {
    show(message, result?.historyId ? 'undo' : 'info', result?.historyId);
  }

  async function applied(result: UndoResult): Promise<void> {
    usePeopleStore().apply(result);
    await usePersonStore().reopen(result);
  }

  async function step(direction: 'undo' | 'redo', entryId?: string): Promise<boolean> {
    if (busy.value) return false;
    busy.value = true;
    try {
      const r = await apiClient().invoke(direction === 'undo' ? 'people:undo' : 'people:redo', entryId ? { entryId } : {});
      await applied(r);
      const partial = [r.missingFaces ? `${r.missingFaces} no longer in the library` : '', r.keptFaces ? `${r.keptFaces} changed since, left as they are` : ''].filter(Boolean);
      const faces = partial.length ? ` (faces: ${partial.join('; ')})` : '';
      if (direction === 'undo') show(`Undone: ${r.entry.label}${faces}`, 'redo', r.entry.id);
      else show(`Redone: ${r.entry.label}${faces}`, 'undo', r.entry.id);
      return true;
    } catch (e) {
      const nothing = e instanceof ApiError && e.code === 'NOTHING_TO_UNDO';
      show(nothing ? (direction === 'undo' ? 'Nothing to undo' : 'Nothing to redo') : errorMessage(e), 'info');
      return false;
    } finally {
      busy.value = false;
    }
  }

  return {
    toast, busy,
    announce, dismiss,
    undo: (entryId?: string) => step('undo', entryId),
    redo: (entryId?: string) => step('redo', entryId),
  };
});
