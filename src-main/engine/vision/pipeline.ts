/**
 * The face pipeline: photo → faces with boxes, landmarks, quality and 512-d embeddings.
 * Decoding (shrink-on-load, EXIF orientation) feeds the analyzer; one instance serves a whole library.
 */
import type { VisionSettings } from '../settings';
import { decodeImage } from './decoder';
import type { DecodedImage } from './decoder';
import { FaceAnalyzer } from './face-analyzer';
import type { AnalyzeOptions, Face, PipelineModels, StageTimings } from './face-analyzer';
import type { ProviderReport } from './onnx-runtime';

export interface AnalyzeResult {
  image: { width: number; height: number; orientation: number; format: string };
  faces: Face[];
  timings: StageTimings;
}

export class FacePipeline {
  private constructor(
    private readonly settings: VisionSettings,
    readonly analyzer: FaceAnalyzer,
  ) {}

  static async create(models: PipelineModels, settings: VisionSettings): Promise<FacePipeline> {
    return new FacePipeline(settings, await FaceAnalyzer.create(models, settings));
  }

  get provider(): ProviderReport {
    return this.analyzer.provider;
  }

  async analyze(input: string | Buffer, options: Partial<AnalyzeOptions> = {}): Promise<AnalyzeResult> {
    const opts = this.analyzer.resolveOptions(options);
    const timings: StageTimings = { decode: 0, detect: 0, landmarks: 0, embed: 0 };
    const t = performance.now();
    const decoded = await decodeImage(input, { maxSide: this.settings.detectMaxSide, maxPixels: this.settings.maxPixels });
    timings.decode = performance.now() - t;
    const faces = await this.analyzer.facesOf(decoded, opts, timings);
    return {
      image: { width: decoded.originalWidth, height: decoded.originalHeight, orientation: decoded.orientation, format: decoded.format },
      faces,
      timings,
    };
  }

  /**
   * Analyzes many photos in order, decoding up to `prefetch` photos ahead: decoding runs on libuv's
   * threads while the models run, which is where a 2-core machine gets its throughput. Errors are
   * yielded per photo, never thrown, so one bad file does not stop a batch.
   */
  async *analyzeMany(
    inputs: Iterable<string>,
    options: Partial<AnalyzeOptions> = {},
    prefetch = 2,
  ): AsyncGenerator<{ input: string; result?: AnalyzeResult; error?: unknown }> {
    const opts = this.analyzer.resolveOptions(options);
    const decodeOpts = { maxSide: this.settings.detectMaxSide, maxPixels: this.settings.maxPixels };
    const queue: { input: string; decoded: Promise<{ d?: DecodedImage; error?: unknown; ms: number }> }[] = [];
    const it = inputs[Symbol.iterator]();
    const fill = () => {
      while (queue.length < prefetch) {
        const n = it.next();
        if (n.done) return;
        const t = performance.now();
        queue.push({
          input: n.value,
          decoded: decodeImage(n.value, decodeOpts).then(
            (d) => ({ d, ms: performance.now() - t }),
            (error: unknown) => ({ error, ms: 0 }),
          ),
        });
      }
    };
    fill();
    while (queue.length > 0) {
      const next = queue.shift()!;
      const { d, error, ms } = await next.decoded;
      fill();
      if (!d) {
        yield { input: next.input, error };
        continue;
      }
      const timings: StageTimings = { decode: ms, detect: 0, landmarks: 0, embed: 0 };
      try {
        const faces = await this.analyzer.facesOf(d, opts, timings);
        yield {
          input: next.input,
          result: { image: { width: d.originalWidth, height: d.originalHeight, orientation: d.orientation, format: d.format }, faces, timings },
        };
      } catch (e) {
        yield { input: next.input, error: e };
      }
    }
  }

  close(): Promise<void> {
    return this.analyzer.close();
  }
}
