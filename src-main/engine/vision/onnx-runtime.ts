/**
 * ONNX Runtime sessions and execution-provider choice. Sessions are created once per model and reused;
 * the provider actually in use is recorded so the engine can report it.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { EngineError } from '../errors';
import type { ProviderChoice } from '../settings';

export type ActiveProvider = 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu';

export interface ProviderReport {
  requested: ProviderChoice;
  active: ActiveProvider;
  /** Why a GPU provider was not used, when `auto` fell back or a request failed. */
  fallbackReason?: string;
}

/** GPU providers worth trying on each platform, best first. CUDA needs libraries the user installs. */
export function gpuCandidates(platform: NodeJS.Platform = process.platform): ActiveProvider[] {
  if (platform === 'win32') return ['dml', 'webgpu'];
  if (platform === 'darwin') return ['coreml', 'webgpu'];
  return ['cuda', 'webgpu'];
}

/** Intra-op threads: all physical-ish cores, since sessions run one inference at a time. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(8, os.availableParallelism()));
}

/**
 * Why a GPU provider cannot work here, checked without loading it: a failed probe makes the native
 * library print errors to the user's console, and CUDA's probe alone costs a second.
 * Returns null when the provider is worth trying.
 */
export function providerObstacle(p: ActiveProvider, platform: NodeJS.Platform = process.platform): string | null {
  if (p === 'cpu') return null;
  const bin = ortBinaryDir();
  if (p === 'cuda') {
    if (platform !== 'linux' && platform !== 'win32') return 'CUDA is only available on Linux and Windows';
    const lib = platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    return bin && existsSync(join(bin, lib)) ? null : 'CUDA provider libraries are not installed (run `ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js` on a machine with CUDA 12)';
  }
  if (p === 'dml') return platform === 'win32' ? null : 'DirectML is only available on Windows';
  if (p === 'coreml') return platform === 'darwin' ? null : 'CoreML is only available on macOS';
  if (p === 'webgpu' && platform === 'linux' && !vulkanLoaderPresent()) return 'no Vulkan loader (libvulkan.so.1) found for WebGPU';
  return null;
}

function ortBinaryDir(): string | null {
  try {
    const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
    return join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
}

function vulkanLoaderPresent(): boolean {
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib', '/lib/x86_64-linux-gnu',
  ];
  return dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')));
}

let quieted = false;
function quietRuntimeLogs(): void {
  if (quieted) return;
  quieted = true;
  // Provider probing fails noisily by design on machines without a GPU; keep the user's console clean.
  ort.env.logLevel = 'error';
}

function sessionOptions(provider: ActiveProvider, threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [provider === 'cpu' ? 'cpu' : provider],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    // Three sessions run in turn, each with its own thread pool: spinning idle threads of one
    // session steal the cores the next one needs (measured: embedder 11 ms/call instead of 3.8).
    extra: { session: { intra_op: { allow_spinning: '1' }, inter_op: { allow_spinning: '0' } } },
  };
}

/**
 * Creates sessions for a set of models on one provider. With `auto`, the first GPU provider that loads
 * every model wins; any failure falls back to CPU, and the reason is kept for the report.
 */
export async function createSessions<K extends string>(
  files: Record<K, string>,
  requested: ProviderChoice,
  threads = 0,
): Promise<{ sessions: Record<K, ort.InferenceSession>; report: ProviderReport }> {
  quietRuntimeLogs();
  const n = threads > 0 ? threads : defaultThreads();
  const candidates: ActiveProvider[] =
    requested === 'auto' ? [...gpuCandidates(), 'cpu'] : requested === 'cpu' ? ['cpu'] : [requested, 'cpu'];
  const reasons: string[] = [];
  for (const provider of candidates) {
    const obstacle = providerObstacle(provider);
    if (obstacle) {
      reasons.push(`${provider}: ${obstacle}`);
      continue;
    }
    try {
      const sessions = {} as Record<K, ort.InferenceSession>;
      for (const key of Object.keys(files) as K[]) {
        sessions[key] = await ort.InferenceSession.create(files[key], sessionOptions(provider, n));
      }
      const report: ProviderReport = { requested, active: provider };
      if (reasons.length > 0) report.fallbackReason = reasons.join('; ');
      return { sessions, report };
    } catch (e) {
      const msg = e instanceof Error ? e.message.split('\n')[0]!.slice(0, 200) : String(e);
      if (provider === 'cpu') {
        throw new EngineError('MODEL_INVALID', `Could not load the face models on CPU: ${msg}`, { files });
      }
      reasons.push(`${provider}: ${msg}`);
    }
  }
  throw new EngineError('PROVIDER_UNAVAILABLE', `No execution provider could load the models (${reasons.join('; ')})`);
}

/**
 * Every inference goes through here, so a benchmark can record the exact inputs of a real run and
 * replay them alone (the "floor": pure model time with inputs prepared in advance).
 */
export interface InferenceRecorder {
  record(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>): void;
}
let recorder: InferenceRecorder | null = null;

export function setInferenceRecorder(r: InferenceRecorder | null): void {
  recorder = r;
}

export function runSession(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>): Promise<ort.InferenceSession.ReturnType> {
  recorder?.record(session, feeds);
  return session.run(feeds);
}

export type Session = ort.InferenceSession;
export const Tensor = ort.Tensor;
export type TensorT = ort.Tensor;
