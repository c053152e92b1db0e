/**
 * The engine as every door sees it: `dispatch(channel, payload)` for the engine's channels, the
 * event stream, and the media resolver. Built once per process around an open Engine (the web
 * server's process, or Electron's engine utility process).
 */
import type { EngineChannel, EventName, EventPayload } from '../contract/ipc';
import type { MediaService } from '../engine/media/media-service';
import { createDispatcher, type Dispatcher, type DispatcherOptions, type Handlers } from './dispatcher';
import { createEngineHandlers, type EngineOps } from './engine-handlers';

export type EventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export interface EngineApi {
  readonly handlers: Handlers<EngineChannel>;
  readonly dispatch: Dispatcher;
  /** The engine's media service: the media routes resolve files through it. */
  readonly media: Pick<MediaService, 'resolve'>;
  /** Task progress (throttled per task; starts and ends always pass). Returns the unsubscribe function. */
  onEvent(listener: EventListener): () => void;
  close(): void;
}

export interface EngineApiOptions extends DispatcherOptions {
  /** Progress events of one task at most this often (ms); status changes are never held back. */
  progressIntervalMs?: number;
}

export function createEngineApi(engine: EngineOps, options: EngineApiOptions = {}): EngineApi {
  const handlers = createEngineHandlers(engine);
  const dispatch = createDispatcher(handlers, options);
  const interval = options.progressIntervalMs ?? 200;
  const unsubscribers = new Set<() => void>();

  return {
    handlers,
    dispatch,
    media: engine.media,
    onEvent(listener) {
      const last = new Map<string, { at: number; status: string }>();
      const held = new Map<string, NodeJS.Timeout>();
      let off: (() => void) | null = null;
      try {
        off = engine.tasks.subscribe((task) => {
          const prev = last.get(task.id);
          const now = Date.now();
          const send = () => {
            last.set(task.id, { at: Date.now(), status: task.status });
            listener('task:progress', task as EventPayload<'task:progress'>);
          };
          const pending = held.get(task.id);
          if (pending) clearTimeout(pending);
          held.delete(task.id);
          if (!prev || prev.status !== task.status || task.status !== 'running' || now - prev.at >= interval) {
            send();
            if (task.status !== 'running') last.delete(task.id);
          } else {
            // The latest progress is delivered, just not more often than `interval`.
            const t = setTimeout(() => {
              held.delete(task.id);
              send();
            }, interval - (now - prev.at));
            t.unref?.();
            held.set(task.id, t);
          }
        });
      } catch {
        // No library open (vision-only engine): there are no tasks to report.
      }
      const unsubscribe = () => {
        off?.();
        for (const t of held.values()) clearTimeout(t);
        held.clear();
        unsubscribers.delete(unsubscribe);
      };
      unsubscribers.add(unsubscribe);
      return unsubscribe;
    },
    close() {
      for (const u of [...unsubscribers]) u();
    },
  };
}
