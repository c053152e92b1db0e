import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { AppInfo } from '../../src-main/contract/ipc';
import { ApiError, apiClient, type ApiClient } from '../api/client';

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error';
export type ThemeChoice = 'system' | 'light' | 'dark';

const THEME_KEY = 'face-organizer.theme';

function savedTheme(): ThemeChoice {
  try {
    const v = globalThis.localStorage?.getItem(THEME_KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

/** What the app is (version, platform), whether the renderer can reach it, and the theme. */
export const useAppStore = defineStore('app', () => {
  const info = ref<AppInfo | null>(null);
  const status = ref<LoadStatus>('idle');
  const error = ref<string | null>(null);
  const errorCode = ref<string | null>(null);
  const theme = ref<ThemeChoice>(savedTheme());

  /** Inside Electron folders come from the OS's folder picker; in a browser the user types a path. */
  const nativeDialogs = computed(() => Boolean(info.value?.electron));

  async function load(client: ApiClient = apiClient()): Promise<void> {
    status.value = 'loading';
    error.value = null;
    errorCode.value = null;
    try {
      info.value = await client.invoke('app:info');
      client.setMediaToken?.(info.value.mediaToken);
      status.value = 'ready';
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
      errorCode.value = e instanceof ApiError ? e.code : null;
      status.value = 'error';
    }
  }

  function setTheme(choice: ThemeChoice): void {
    theme.value = choice;
  }

  watch(theme, (choice) => {
    try {
      if (choice === 'system') globalThis.localStorage?.removeItem(THEME_KEY);
      else globalThis.localStorage?.setItem(THEME_KEY, choice);
    } catch {
      // Storage can be off; the choice then lasts for this session.
    }
    const root = globalThis.document?.documentElement;
    if (!root) return;
    if (choice === 'system') delete root.dataset['theme'];
    else root.dataset['theme'] = choice;
  }, { immediate: true });

  return { info, status, error, errorCode, theme, nativeDialogs, load, setTheme };
});
