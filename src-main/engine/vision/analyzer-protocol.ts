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
  /** An already decoded upright frame (video): packed RGB, analyzed at scale 1, orientation 1. */
  | { type: 'analyze-raster'; id: number; data: Uint8Array; width: number; height: number; options: Partial<AnalyzeOptions> }
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

/**
 * Options for an already upright raster (a video frame): the rotated-photo retry is off unless asked for,
 * since ffmpeg has applied the stream's rotation and a faceless frame would otherwise cost four detections.
 */
export function rasterOptions(options: Partial<AnalyzeOptions>): Partial<AnalyzeOptions> {
  return { ...options, detectRotated: options.detectRotated ?? false };
}
