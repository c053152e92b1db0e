/**
 * Tasks: every long operation (an indexing run, a clustering run, an export, a cloud sync) is a task
 * with an id, status, progress, times and a result, queryable while it runs and kept for a retention
 * period (IMM GetTask / ListTasks, with progress events instead of notifications). Persisted as a
 * JSON file beside the library database, written atomically and at most a few times per second.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { EngineError } from '../errors';

export type TaskStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface TaskProgress {
  done: number;
  total: number;
  /** Free-form counters shown by the UI (faces found, errors...). */
  counters?: Record<string, number>;
  current?: string;
  /** Items per second over the last few seconds. */
  rate?: number;
  etaSeconds?: number;
  phase?: string;
}

export interface Task {
  id: string;
  kind: string;
  status: TaskStatus;
  progress: TaskProgress;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  userData?: string;
  tags?: Record<string, string>;
  result?: unknown;
  error?: { code: string; message: string };
}

export interface TaskHandle {
  readonly id: string;
  readonly signal: AbortSignal;
  progress(p: Partial<TaskProgress>): void;
}

const SAVE_INTERVAL_MS = 500;

export class TaskRegistry extends EventEmitter<{ task: [Task] }> {
  private readonly tasks = new Map<string, Task>();
  private readonly controllers = new Map<string, AbortController>();
  private saveTimer: NodeJS.Timeout | null = null;
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string | null,
    private readonly retentionMs: number,
  ) {
    super();
  }

  /** `file` null keeps tasks in memory only (one-off CLI commands without a library). */
  static async open(file: string | null, retentionMs: number): Promise<TaskRegistry> {
    const reg = new TaskRegistry(file, retentionMs);
    if (file) {
      try {
        const saved = JSON.parse(await readFile(file, 'utf8')) as Task[];
        for (const t of saved) {
          // A task that was running when the process died did not finish: say so instead of "running" forever.
          if (t.status === 'running' || t.status === 'queued') {
            t.status = 'failed';
            t.error = { code: 'INTERRUPTED', message: 'The app stopped before this task finished; it resumes on the next run.' };
            t.finishedAt = t.finishedAt ?? Date.now();
          }
          reg.tasks.set(t.id, t);
        }
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new EngineError('LIBRARY_CORRUPT', `Cannot read ${file}: ${(e as Error).message}`);
      }
      reg.prune();
    }
    return reg;
  }

  /**
   * Runs `work` as a task. Resolves with the task once it ends (never rejects: failures are recorded
   * on the task); `started` receives the id immediately so callers can answer "task created".
   */
  run<T>(
    kind: string,
    work: (h: TaskHandle) => Promise<T>,
    opts: { userData?: string; tags?: Record<string, string>; started?: (id: string) => void } = {},
  ): Promise<Task> {
    const now = Date.now();
    const task: Task = {
      id: randomUUID(),
      kind,
      status: 'running',
      progress: { done: 0, total: 0 },
      createdAt: now,
      startedAt: now,
      finishedAt: null,
      ...(opts.userData !== undefined ? { userData: opts.userData } : {}),
      ...(opts.tags ? { tags: opts.tags } : {}),
    };
    const ac = new AbortController();
    this.tasks.set(task.id, task);
    this.controllers.set(task.id, ac);
    this.changed(task, true);
    opts.started?.(task.id);
    const handle: TaskHandle = {
      id: task.id,
      signal: ac.signal,
      progress: (p) => {
        task.progress = { ...task.progress, ...p, counters: { ...task.progress.counters, ...p.counters } };
        this.changed(task, false);
      },
    };
    return work(handle).then(
      (result) => {
        task.status = ac.signal.aborted ? 'cancelled' : 'succeeded';
        task.result = result;
        return this.finish(task);
      },
      (e: unknown) => {
        task.status = ac.signal.aborted ? 'cancelled' : 'failed';
        const code = e instanceof EngineError ? e.code : 'INTERNAL';
        task.error = { code, message: e instanceof Error ? e.message : String(e) };
        return this.finish(task);
      },
    );
  }

  private finish(task: Task): Task {
    task.finishedAt = Date.now();
    this.controllers.delete(task.id);
    this.changed(task, true);
    return task;
  }

  get(id: string): Task {
    const t = this.tasks.get(id);
    if (!t) throw new EngineError('NOT_FOUND', `No task with id ${id}`);
    return structuredClone(t);
  }

  list(filter: { kind?: string; status?: TaskStatus } = {}): Task[] {
    this.prune();
    return [...this.tasks.values()]
      .filter((t) => (!filter.kind || t.kind === filter.kind) && (!filter.status || t.status === filter.status))
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((t) => structuredClone(t));
  }

  cancel(id: string): Task {
    const t = this.get(id);
    this.controllers.get(id)?.abort();
    return t;
  }

  /** Drops finished tasks older than the retention period (IMM keeps tasks 7 days). */
  /** Every change of every task (progress, end); returns the unsubscribe function. */
  subscribe(listener: (t: Task) => void): () => void {
    this.on('task', listener);
    return () => this.off('task', listener);
  }

  prune(now = Date.now()): void {
    for (const [id, t] of this.tasks) {
      if (t.finishedAt !== null && now - t.finishedAt > this.retentionMs) this.tasks.delete(id);
    }
  }

  private changed(task: Task, important: boolean): void {
    this.emit('task', structuredClone(task));
    if (!this.file) return;
    if (important) {
      void this.flush();
    } else if (!this.saveTimer) {
      this.saveTimer = setTimeout(() => void this.flush(), SAVE_INTERVAL_MS);
      this.saveTimer.unref();
    }
  }

  /** Writes the task list (atomic rename); calls are serialized. */
  flush(): Promise<void> {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = null;
    }
    const file = this.file;
    if (!file) return Promise.resolve();
    this.saving = this.saving.then(async () => {
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify([...this.tasks.values()]));
      await rename(tmp, file);
    }).catch(() => undefined);
    return this.saving;
  }
}
