/**
 * Busy and error state around a store's async actions: `busy` is true while one runs (views disable their
 * buttons on it), and a failure lands in `error` as the message a person reads instead of escaping as a
 * rejected promise nobody awaits.
 */
import { ref } from 'vue';
import type { Ref } from 'vue';
import { errorMessage } from '../stores/errors';

export interface AsyncAction {
  busy: Ref<boolean>;
  error: Ref<string | null>;
  /** Runs `work` with busy set and error cleared; resolves with its value, or undefined when it failed. */
  run<T>(work: () => Promise<T>): Promise<T | undefined>;
}

/** `error` may be the store's own error ref, so loads and actions report in one place. */
export function useAsyncAction(error: Ref<string | null> = ref(null)): AsyncAction {
  const busy = ref(false);
  async function run<T>(work: () => Promise<T>): Promise<T | undefined> {
    busy.value = true;
    error.value = null;
    try {
      return await work();
    } catch (e) {
      error.value = errorMessage(e);
      return undefined;
    } finally {
      busy.value = false;
    }
  }
  return { busy, error, run };
}
