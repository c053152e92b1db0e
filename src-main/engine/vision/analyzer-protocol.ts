/** Messages between the pipeline and its analyzer workers. */
import type { AnalyzeOptions, Face, StageTimings } from './face-analyzer';
import type { ProviderReport } from './onnx-runtime';

export interface WorkerAnalyzeResult {
  image: { width: number; height: number; orientation: number; format: string };
  faces: Face[];
  timings: StageTimings;
}

export type WorkerRequest =
  | { type: 'analyze'; id: number; input: string | Uint8Array; options: Partial<AnalyzeOptions> }
  | { type: 'close' };

export interface SerializedError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export type WorkerReply =
  | { type: 'ready'; provider: ProviderReport }
  | { type: 'failed'; error: SerializedError }
  | { type: 'result'; id: number; result: WorkerAnalyzeResult }
  | { type: 'error'; id: number; error: SerializedError };
