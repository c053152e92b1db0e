/**
 * Worker thread: decodes photos and runs the face models. onnxruntime-node runs inference on the
 * calling JavaScript thread, so analyzers live here, one per worker, and the engine's own thread stays
 * free for queries while a library is being indexed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { decodeImage } from './decoder';
import { FaceAnalyzer } from './face-analyzer';
import type { AnalyzeOptions, PipelineModels, StageTimings } from './face-analyzer';
import type { VisionSettings } from '../settings';
import { isEngineError } from '../errors';
import type { WorkerReply, WorkerRequest } from './analyzer-protocol';
import { rasterOptions } from './analyzer-protocol';

const { models, settings } = workerData as { models: PipelineModels; settings: VisionSettings };
const port = parentPort!;

const ready = FaceAnalyzer.create(models, settings);
ready.then(
  (a) => port.postMessage({ type: 'ready', provider: a.provider } satisfies WorkerReply),
  (e: unknown) => port.postMessage({ type: 'failed', error: serializeError(e) } satisfies WorkerReply),
);

port.on('message', async (msg: WorkerRequest) => {
  if (msg.type === 'close') {
    await (await ready).close();
    port.close();
    return;
  }
  if (msg.type === 'analyze-raster') {
    await analyzeRaster(msg);
    return;
  }
  try {
    const analyzer = await ready;
    const timings: StageTimings = { decode: 0, detect: 0, landmarks: 0, embed: 0 };
    const t = performance.now();
    const input = typeof msg.input === 'string' ? msg.input : Buffer.from(msg.input);
    const decoded = await decodeImage(input, { maxSide: settings.detectMaxSide, maxPixels: settings.maxPixels });
    timings.decode = performance.now() - t;
    const faces = await analyzer.facesOf(decoded, analyzer.resolveOptions(msg.options as Partial<AnalyzeOptions>), timings);
    const reply: WorkerReply = {
      type: 'result',
      id: msg.id,
      result: {
        image: { width: decoded.originalWidth, height: decoded.originalHeight, orientation: decoded.orientation, format: decoded.format },
        faces,
        timings,
      },
    };
    port.postMessage(reply, faces.map((f) => f.embedding.buffer as ArrayBuffer));
  } catch (e) {
    port.postMessage({ type: 'error', id: msg.id, error: serializeError(e) } satisfies WorkerReply);
  }
});

/** Video frames arrive decoded and upright (ffmpeg applies the rotation), so there is nothing to decode. */
async function analyzeRaster(msg: Extract<WorkerRequest, { type: 'analyze-raster' }>): Promise<void> {
  try {
    const analyzer = await ready;
    const timings: StageTimings = { decode: 0, detect: 0, landmarks: 0, embed: 0 };
    const decoded = { data: msg.data, width: msg.width, height: msg.height, scale: 1, orientation: 1 };
    const faces = await analyzer.facesOf(decoded, analyzer.resolveOptions(rasterOptions(msg.options)), timings);
    const reply: WorkerReply = {
      type: 'result',
      id: msg.id,
      result: { image: { width: msg.width, height: msg.height, orientation: 1, format: 'raw' }, faces, timings },
    };
    port.postMessage(reply, faces.map((f) => f.embedding.buffer as ArrayBuffer));
  } catch (e) {
    port.postMessage({ type: 'error', id: msg.id, error: serializeError(e) } satisfies WorkerReply);
  }
}

function serializeError(e: unknown): { code: string; message: string; details?: Record<string, unknown> } {
  if (isEngineError(e)) return { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}
