/** Messages between the engine and the clustering worker, and the engine-side runner. */
import os from 'node:os';
import type { ClusterInput, ClusterParams } from './cluster-input';
import type { ClusterMode, ClusterPlan, PlanProgress } from './cluster-plan';
import { startWorker } from '../workers';
import { EngineError } from '../errors';

export interface WorkerJob {
  input: ClusterInput;
  params: ClusterParams;
  mode: ClusterMode;
  kernel: 'auto' | 'onnx' | 'js';
  threads: number;
}

export type WorkerReply =
  | { type: 'progress'; phase: string; done: number; total: number }
  | { type: 'done'; plan: ClusterPlan; kernel: string }
  | { type: 'error'; message: string };

/** Plans in a worker thread; `signal` terminates it (the run then changes nothing). */
export function planInWorker(
  job: Omit<WorkerJob, 'threads'> & { threads: number },
  progress: PlanProgress,
  signal?: AbortSignal,
): Promise<ClusterPlan> {
  const threads = job.threads > 0 ? job.threads : Math.max(1, os.availableParallelism());
  const worker = startWorker(import.meta.url, 'cluster-worker', { workerData: { ...job, threads } satisfies WorkerJob });
  return new Promise<ClusterPlan>((resolve, reject) => {
    const abort = () => {
      void worker.terminate();
      reject(new EngineError('CANCELLED', 'Clustering cancelled; nothing was written'));
    };
    signal?.addEventListener('abort', abort, { once: true });
    worker.on('message', (m: WorkerReply) => {
      if (m.type === 'progress') progress(m.phase, m.done, m.total);
      else {
        signal?.removeEventListener('abort', abort);
        void worker.terminate();
        if (m.type === 'done') resolve(m.plan);
        else reject(new Error(m.message));
      }
    });
    worker.on('error', (e) => {
      signal?.removeEventListener('abort', abort);
      reject(e);
    });
  });
}
