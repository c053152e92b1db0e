/**
 * Worker thread entry: plans one clustering run (cluster-plan.ts) off the engine's thread. The input
 * arrays arrive as structured-clone copies; the plan's assignment goes back transferred.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createKnnKernel } from './knn-kernel';
import { planClusters } from './cluster-plan';
import type { WorkerJob, WorkerReply } from './cluster-protocol';

const job = workerData as WorkerJob;
const port = parentPort!;

try {
  const kernel = await createKnnKernel({ backend: job.kernel, threads: job.threads });
  const plan = await planClusters(job.input, job.params, kernel, job.mode, (phase, done, total) =>
    port.postMessage({ type: 'progress', phase, done, total } satisfies WorkerReply),
  );
  await kernel.close();
  port.postMessage({ type: 'done', plan, kernel: kernel.name } satisfies WorkerReply, [plan.assign.buffer as ArrayBuffer]);
} catch (e) {
  port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e) } satisfies WorkerReply);
}
