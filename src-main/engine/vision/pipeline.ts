/**
 * The face pipeline: photo → faces with boxes, landmarks, quality and 512-d embeddings, served by a
 * small pool of analyzers. onnxruntime-node runs inference on the calling JavaScript thread, so each
 * analyzer lives in a worker thread: the pool uses every core, and the engine's own thread stays free
 * for queries while a library is indexed. One pipeline serves a whole library.
 */
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { EngineError } from '../errors';
import type { ErrorCode } from '../errors';
import type { VisionSettings } from '../settings';
import { startWorker } from '../workers';
import { decodeImage } from './decoder';
import { FaceAnalyzer } from './face-analyzer';
import type { AnalyzeOptions, Face, PipelineModels, StageTimings } from './face-analyzer';
import type { ProviderReport } from './onnx-runtime';
import type { SerializedError, WorkerReply, WorkerRequest } from './analyzer-protocol';
import { rasterOptions } from './analyzer-protocol';

export interface AnalyzeResult {
  image: { width: number; height: number; orientation: number; format: string };
  faces: Face[];
  timings: StageTimings;
}

export interface AnalyzeItem {
  input: string;
  result?: AnalyzeResult;
  error?: unknown;
}

/** Packed RGB (3 bytes per pixel, no padding), upright: a decoded video frame. */
export interface RgbRaster {
  data: Uint8Array;
  width: number;
  height: number;
}

interface Analyzer {
  readonly provider: ProviderReport;
  analyze(input: string | Buffer, options: Partial<AnalyzeOptions>): Promise<AnalyzeResult>;
  analyzeRaster(raster: RgbRaster, options: Partial<AnalyzeOptions>): Promise<AnalyzeResult>;
  close(): Promise<void>;
}

/**
 * Analyzer count and threads each. `analyzers` 0 = one per core, up to 4, on CPU: the models are
 * small, so one inference uses two threads poorly (a detector pass: 3.0 ms on one thread, 2.4 ms on
 * two) while two single-threaded analyzers keep both cores busy.
 */
export function poolShape(settings: VisionSettings, cores = os.availableParallelism()): { analyzers: number; threads: number } {
  const analyzers = settings.analyzers > 0 ? settings.analyzers : Math.max(1, Math.min(4, cores));
  const threads = settings.threads > 0 ? settings.threads : Math.max(1, Math.floor(cores / analyzers));
  return { analyzers, threads };
}

/** Analyzer on the calling thread: for one-off work and for measuring pure inference. */
class LocalAnalyzer implements Analyzer {
  private constructor(private readonly analyzer: FaceAnalyzer, private readonly settings: VisionSettings) {}

  static async create(models: PipelineModels, settings: VisionSettings): Promise<LocalAnalyzer> {
    return new LocalAnalyzer(await FaceAnalyzer.create(models, settings), settings);
  }

  get provider(): ProviderReport {
    return this.analyzer.provider;
  }

  async analyze(input: string | Buffer, options: Partial<AnalyzeOptions>): Promise<AnalyzeResult> {
    const timings: StageTimings = { decode: 0, detect: 0, landmarks: 0, embed: 0 };
    const t = performance.now();
    const decoded = await decodeImage(input, { maxSide: this.settings.detectMaxSide, maxPixels: this.settings.maxPixels });
    timings.decode = performance.now() - t;
    const faces = await this.analyzer.facesOf(decoded, this.analyzer.resolveOptions(options), timings);
    return {
      image: { width: decoded.originalWidth, height: decoded.originalHeight, orientation: decoded.orientation, format: decoded.format },
      faces,
      timings,
    };
  }

  async analyzeRaster(raster: RgbRaster, options: Partial<AnalyzeOptions>): Promise<AnalyzeResult> {
    const timings: StageTimings = { decode: 0, detect: 0, landmarks: 0, embed: 0 };
    const decoded = { data: raster.data, width: raster.width, height: raster.height, scale: 1, orientation: 1 };
    const faces = await this.analyzer.facesOf(decoded, this.analyzer.resolveOptions(rasterOptions(options)), timings);
    return { image: { width: raster.width, height: raster.height, orientation: 1, format: 'raw' }, faces, timings };
  }

  close(): Promise<void> {
    return this.analyzer.close();
  }
}

class WorkerAnalyzer implements Analyzer {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: AnalyzeResult) => void; reject: (e: unknown) => void }>();
  private dead: EngineError | null = null;

  private constructor(private readonly worker: Worker, readonly provider: ProviderReport) {
    worker.on('message', (msg: WorkerReply) => {
      if (msg.type !== 'result' && msg.type !== 'error') return;
      const w = this.waiting.get(msg.id);
      if (!w) return;
      this.waiting.delete(msg.id);
      if (msg.type === 'result') w.resolve(msg.result);
      else w.reject(toError(msg.error));
    });
    const fail = (e: unknown) => {
      this.dead = new EngineError('INTERNAL', `The face analyzer stopped: ${e instanceof Error ? e.message : String(e)}`);
      for (const w of this.waiting.values()) w.reject(this.dead);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => code !== 0 && fail(new Error(`exit code ${code}`)));
  }

  static create(models: PipelineModels, settings: VisionSettings): Promise<WorkerAnalyzer> {
    const worker = startWorker(import.meta.url, 'analyzer-worker', { workerData: { models, settings } });
    return new Promise((resolve, reject) => {
      const onMessage = (msg: WorkerReply) => {
        if (msg.type === 'ready') {
          worker.off('message', onMessage);
          worker.off('error', reject);
          resolve(new WorkerAnalyzer(worker, msg.provider));
        } else if (msg.type === 'failed') {
          void worker.terminate();
          reject(toError(msg.error));
        }
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  }

  analyze(input: string | Buffer, options: Partial<AnalyzeOptions>): Promise<AnalyzeResult> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const payload = typeof input === 'string' ? input : new Uint8Array(input);
      const msg: WorkerRequest = { type: 'analyze', id, input: payload, options };
      this.worker.postMessage(msg);
    });
  }

  analyzeRaster(raster: RgbRaster, options: Partial<AnalyzeOptions>): Promise<AnalyzeResult> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const { data, width, height } = raster;
      // A frame is megabytes: move its buffer to the worker instead of copying it, when it owns the whole buffer.
      const owned = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
      const payload = owned ? new Uint8Array(data.buffer) : new Uint8Array(data);
      const msg: WorkerRequest = { type: 'analyze-raster', id, data: payload, width, height, options };
      this.worker.postMessage(msg, [payload.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    this.worker.postMessage({ type: 'close' } satisfies WorkerRequest);
    await new Promise((r) => this.worker.once('exit', r));
  }
}

function toError(e: SerializedError): EngineError {
  return new EngineError(e.code as ErrorCode, e.message, e.details);
}

export interface PipelineOptions {
  /** Run the analyzer on the calling thread instead of worker threads (one analyzer). */
  inProcess?: boolean;
}

export class FacePipeline {
  private readonly pending: number[];

  private constructor(private readonly analyzers: Analyzer[]) {
    this.pending = analyzers.map(() => 0);
  }

  static async create(models: PipelineModels, settings: VisionSettings, options: PipelineOptions = {}): Promise<FacePipeline> {
    const shape = poolShape(settings);
    if (options.inProcess) return new FacePipeline([await LocalAnalyzer.create(models, { ...settings, threads: settings.threads || os.availableParallelism() })]);
    const first = await WorkerAnalyzer.create(models, { ...settings, threads: shape.threads });
    // A GPU provider serves every request through one session set; the pool is for CPU cores.
    const n = first.provider.active === 'cpu' ? shape.analyzers : 1;
    const rest = await Promise.all(
      Array.from({ length: n - 1 }, () => WorkerAnalyzer.create(models, { ...settings, provider: 'cpu', threads: shape.threads })),
    );
    return new FacePipeline([first, ...rest]);
  }

  get provider(): ProviderReport {
    return this.analyzers[0]!.provider;
  }

  get poolSize(): number {
    return this.analyzers.length;
  }

  async analyze(input: string | Buffer, options: Partial<AnalyzeOptions> = {}): Promise<AnalyzeResult> {
    const i = this.pending.indexOf(Math.min(...this.pending));
    this.pending[i]!++;
    try {
      return await this.analyzers[i]!.analyze(input, options);
    } finally {
      this.pending[i]!--;
    }
  }

  /**
   * Faces of one decoded, upright RGB frame (video frames), on the least busy analyzer. The frame's buffer
   * is transferred to the worker, not copied, when `data` spans a whole ArrayBuffer: the caller's `data` is
   * then detached (empty) and must not be used again. Boxes are in the raster's pixels. The rotated-photo
   * retry is off unless options.detectRotated asks for it.
   */
  async analyzeRaster(raster: RgbRaster, options: Partial<AnalyzeOptions> = {}): Promise<AnalyzeResult> {
    const { width, height, data } = raster;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data.length !== width * height * 3) {
      throw new EngineError('INVALID_ARGUMENT', `A raster of ${width}x${height} RGB needs ${width * height * 3} bytes, got ${data.length}`);
    }
    const i = this.pending.indexOf(Math.min(...this.pending));
    this.pending[i]!++;
    try {
      return await this.analyzers[i]!.analyzeRaster(raster, options);
    } finally {
      this.pending[i]!--;
    }
  }

  /**
   * Analyzes many photos, yielded in input order, with up to pool size + 1 photos in flight so every
   * analyzer always has its next photo. The source may be async: a paused indexer simply stops
   * yielding paths. Errors are yielded per photo, never thrown, so one bad file does not stop a batch.
   */
  async *analyzeMany(inputs: Iterable<string> | AsyncIterable<string>, options: Partial<AnalyzeOptions> = {}): AsyncGenerator<AnalyzeItem> {
    const window = this.analyzers.length + 1;
    const inflight: Promise<AnalyzeItem>[] = [];
    const it: AsyncIterator<string> | Iterator<string> =
      Symbol.asyncIterator in inputs ? inputs[Symbol.asyncIterator]() : inputs[Symbol.iterator]();
    let exhausted = false;
    const fill = async () => {
      while (!exhausted && inflight.length < window) {
        const n = await it.next();
        if (n.done) {
          exhausted = true;
          return;
        }
        const input = n.value;
        inflight.push(this.analyze(input, options).then((result) => ({ input, result }), (error: unknown) => ({ input, error })));
      }
    };
    await fill();
    while (inflight.length > 0) {
      const item = await inflight.shift()!;
      // Start the next photo before handing this one out, unless the source has to wait (paused).
      const refill = fill();
      yield item;
      await refill;
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.analyzers.map((a) => a.close()));
  }
}
