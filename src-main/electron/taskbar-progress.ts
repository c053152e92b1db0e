/**
 * Indexing progress on the dock icon (macOS), the taskbar button (Windows) and the launcher
 * (Linux, Unity-style launchers): a bar while an index task runs, paused colour when paused,
 * indeterminate while scanning, gone when it ends.
 */
import type { TaskDto } from '../contract/ipc';

export interface ProgressTarget {
  setProgressBar(progress: number, options?: { mode: 'none' | 'normal' | 'indeterminate' | 'error' | 'paused' }): void;
  isDestroyed(): boolean;
}

export interface ProgressState {
  value: number;
  mode: 'none' | 'normal' | 'indeterminate' | 'error' | 'paused';
}

/** What the bar shows for a task; null: leave it alone (not an indexing task). */
export function progressFor(task: TaskDto, paused: boolean): ProgressState | null {
  if (task.kind !== 'index') return null;
  if (task.status !== 'running' && task.status !== 'queued') return { value: -1, mode: 'none' };
  const { done, total, phase } = task.progress;
  if (phase === 'scanning' || total <= 0) return { value: 2, mode: 'indeterminate' };
  return { value: Math.min(1, done / total), mode: paused ? 'paused' : 'normal' };
}

export function createTaskbarProgress(windows: () => ProgressTarget[]): { onTask(task: TaskDto, paused?: boolean): void } {
  let last: ProgressState | null = null;
  return {
    onTask(task, paused = false) {
      const next = progressFor(task, paused);
      if (!next) return;
      // Whole percents are enough: the OS redraws the icon on every call.
      if (last && last.mode === next.mode && Math.round(last.value * 100) === Math.round(next.value * 100)) return;
      last = next;
      for (const w of windows()) {
        if (!w.isDestroyed()) w.setProgressBar(next.value, { mode: next.mode });
      }
    },
  };
}
