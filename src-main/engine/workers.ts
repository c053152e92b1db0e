/**
 * Starts a worker thread from a module next to the caller. Built apps run the compiled .js beside
 * the caller; source checkouts run the .ts through tsx, registered inside the worker first (loader
 * flags given to the parent are not applied to worker threads on Node 20).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerOptions } from 'node:worker_threads';

export function startWorker(callerUrl: string, baseName: string, options: WorkerOptions = {}): Worker {
  for (const ext of ['.js', '.mjs']) {
    const url = new URL(`./${baseName}${ext}`, callerUrl);
    if (existsSync(fileURLToPath(url))) return new Worker(url, options);
  }
  const ts = new URL(`./${baseName}.ts`, callerUrl);
  if (!existsSync(fileURLToPath(ts))) throw new Error(`worker module ${baseName} not found next to ${callerUrl}`);
  const tsxCjs = createRequire(callerUrl).resolve('tsx/esm/api');
  const tsxEsm = pathToFileURL(join(dirname(tsxCjs), 'index.mjs')).href;
  const boot = `import { register } from ${JSON.stringify(tsxEsm)}; register(); await import(${JSON.stringify(ts.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), { ...options, execArgv: [] });
}
