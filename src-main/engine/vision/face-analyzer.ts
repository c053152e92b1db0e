/**
 * Faces of a decoded raster: detect (tiled) → 68 landmarks → 5 points → similarity alignment →
 * embedding → quality. Sessions are created once and reused for every photo and video frame.
 */
import { EngineError } from '../errors';
import type { VisionSettings } from '../settings';
import { MipRaster, rotateRaster } from './raster';
import type { RgbImage } from './raster';
import { createSessions } from './onnx-runtime';
import type { ProviderReport, Session } from './onnx-runtime';
import type { Detection, FaceDetector } from './detectors/detector';
import { FacepluginDetector } from './detectors/faceplugin-detector';
import { YunetDetector } from './detectors/yunet-detector';
import { LandmarkModel, fivePoints } from './landmarks';
import { align, rollOf, yawProxy } from './aligner';
import type { Alignment } from './aligner';
import { Embedder } from './embedder';
import { QUALITY_FLOORS, combineQuality, frontalnessScore, sharpnessScore, sizeScore, visibleShare } from './quality';
import type { QualityParts } from './quality';
import { clampBox } from './geometry';
import type { Box, Point } from './geometry';

export interface ModelRef {
  id: string;
  path: string;
}

export interface PipelineModels {
  detector: ModelRef;
  landmarks: ModelRef;
  embedder: ModelRef;
}

export type Rotation = 0 | 90 | 180 | 270;

export interface Face {
  /** Oriented-image pixels (as a viewer shows the photo). */
  box: Box;
  /** Detector confidence, 0..1. */
  score: number;
  /** Five points (image-left eye, image-right eye, nose, mouth corners), oriented-image pixels. */
  landmarks: Point[];
  /** 0..1, see quality.ts for its meaning. */
  quality: number;
  qualityParts: QualityParts;
  /** L2-normalized. */
  embedding: Float32Array;
  /** Embedder model id: embeddings of different models are never compared. */
  modelId: string;
  detectorId: string;
  /** Clockwise rotation the photo needed before this face was found (rotated-image detection). */
  rotation: Rotation;
}

export interface StageTimings {
  decode: number;
  detect: number;
  landmarks: number;
  embed: number;
}


export type AnalyzeOptions = Pick<VisionSettings, 'maxFaces' | 'minFaceSize' | 'qualityControl' | 'detectRotated'>;

/** A detector factory per model id: adding a detector is one entry here plus its class. */
type DetectorFactory = (session: Session, id: string, s: VisionSettings) => FaceDetector;
const DETECTORS: Record<string, DetectorFactory> = {
  'faceplugin-detect': (session, id, s) =>
    new FacepluginDetector(session, id, { scoreThreshold: s.detectScoreThreshold, nmsIou: s.nmsIou, maxScale: 1, cascadeScore: s.detectCascadeScore }),
  'yunet-2023mar-dynamic': (session, id, s) =>
    new YunetDetector(session, id, { scoreThreshold: s.yunetScoreThreshold, nmsIou: s.nmsIou, maxSide: 1280, fixedSize: null }),
  'yunet-2023mar': (session, id, s) =>
    new YunetDetector(session, id, { scoreThreshold: s.yunetScoreThreshold, nmsIou: s.nmsIou, maxSide: 640, fixedSize: 640 }),
};

/** Landmark passes on de-rotated crops, and the roll change (radians) below which a pass is not repeated. */
const ROLL_PASSES = 3;
const ROLL_SETTLED = (8 * Math.PI) / 180;
/** Five-point geometry further than this from the template (share of eye distance) is not a face. */
const MAX_ALIGN_RESIDUAL = 0.35;

/** The raster as the analyzer needs it: decoded pixels plus how they map to the oriented original. */
export interface DecodedRaster {
  data: Uint8Array;
  width: number;
  height: number;
  /** Decoded px per oriented-original px. */
  scale: number;
  orientation: number;
}

export class FaceAnalyzer {
  private constructor(
    private readonly settings: VisionSettings,
    private readonly detector: FaceDetector,
    private readonly landmarks: LandmarkModel,
    private readonly embedder: Embedder,
    private readonly embedderId: string,
    readonly provider: ProviderReport,
    private readonly sessions: Session[],
  ) {}

  static async create(models: PipelineModels, settings: VisionSettings): Promise<FaceAnalyzer> {
    const factory = DETECTORS[models.detector.id];
    if (!factory) {
      throw new EngineError('MODEL_INVALID', `No detector implementation for model "${models.detector.id}"`, {
        known: Object.keys(DETECTORS),
      });
    }
    const { sessions, report } = await createSessions(
      { detector: models.detector.path, landmarks: models.landmarks.path, embedder: models.embedder.path },
      settings.provider,
      settings.threads,
    );
    return new FaceAnalyzer(
      settings,
      factory(sessions.detector, models.detector.id, settings),
      new LandmarkModel(sessions.landmarks),
      new Embedder(sessions.embedder, settings.embedFlip),
      models.embedder.id,
      report,
      [sessions.detector, sessions.landmarks, sessions.embedder],
    );
  }

  get detectorId(): string {
    return this.detector.id;
  }

  resolveOptions(options: Partial<AnalyzeOptions>): AnalyzeOptions {
    return {
      maxFaces: options.maxFaces ?? this.settings.maxFaces,
      minFaceSize: options.minFaceSize ?? this.settings.minFaceSize,
      qualityControl: options.qualityControl ?? this.settings.qualityControl,
      detectRotated: options.detectRotated ?? this.settings.detectRotated,
    };
  }

  /**
   * Faces of a decoded raster (photos via FacePipeline, video frames directly). Calls are serialized:
   * the models reuse their input buffers, and the CPU is saturated by one analysis anyway; decoding of
   * other photos still overlaps.
   */
  facesOf(decoded: DecodedRaster, opts: AnalyzeOptions, timings: StageTimings): Promise<Face[]> {
    const run = this.queue.then(() => this.facesOfNow(decoded, opts, timings));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private queue: Promise<unknown> = Promise.resolve();

  private async facesOfNow(decoded: DecodedRaster, opts: AnalyzeOptions, timings: StageTimings): Promise<Face[]> {
    const base: RgbImage = { data: decoded.data, width: decoded.width, height: decoded.height };
    let rotation: Rotation = 0;
    let faces = await this.findIn(new MipRaster(base), timings);
    // A photo without usable EXIF orientation may be sideways. Detectors also fire, more weakly, on faces
    // turned 90° or upside down, so every turn is tried and the one with the most confident faces wins
    // (summed score logits: upright faces scored 2-5x higher logits than turned ones on the fixtures).
    if (faces.length === 0 && opts.detectRotated && decoded.orientation <= 1) {
      let best = 0;
      for (const r of [90, 180, 270] as const) {
        const found = await this.findIn(new MipRaster(rotateRaster(base, r)), timings);
        const confidence = found.reduce((sum, f) => sum + logit(f.score), 0);
        if (found.length > 0 && confidence > best) {
          best = confidence;
          rotation = r;
          faces = found.map((f) => unrotateFace(f, r, base.width, base.height));
        }
      }
    }
    const s = decoded.scale;
    const ow = decoded.width / s, oh = decoded.height / s;
    let out: Face[] = faces.map((f) => ({
      ...f,
      rotation,
      // Detectors may place a box partly outside the photo (a face cut by the frame); keep it inside.
      box: clampBox({ x: f.box.x / s, y: f.box.y / s, width: f.box.width / s, height: f.box.height / s }, ow, oh),
      landmarks: f.landmarks.map(([x, y]) => [x / s, y / s] as Point),
    }));
    for (const f of out) {
      // describe() left the face's share inside the frame here; usable size is the two together.
      f.qualityParts.size *= sizeScore(Math.min(f.box.width, f.box.height));
      f.quality = combineQuality(f.qualityParts);
    }
    const floor = QUALITY_FLOORS[opts.qualityControl];
    out = out.filter((f) => Math.min(f.box.width, f.box.height) >= opts.minFaceSize && f.quality >= floor);
    out.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
    if (opts.maxFaces > 0) out = out.slice(0, opts.maxFaces);
    return out;
  }

  private async findIn(raster: MipRaster, timings: StageTimings): Promise<Face[]> {
    const t = performance.now();
    const dets = await this.detector.detect(raster);
    timings.detect += performance.now() - t;
    return this.describe(raster, dets, timings);
  }

  /**
   * Landmarks for every box, then embeddings for every face: grouping the calls per model keeps one
   * session's thread pool busy at a time instead of alternating between two.
   */
  private async describe(raster: MipRaster, dets: Detection[], timings: StageTimings): Promise<Face[]> {
    let t = performance.now();
    const located: { d: Detection; pts: Point[]; al: ReturnType<typeof align> }[] = [];
    for (const d of dets) {
      const { pts, al } = await this.locate(raster, d.box);
      // A box whose landmarks do not form a face (texture, hand, pattern) is a false positive.
      if (al.residual <= MAX_ALIGN_RESIDUAL) located.push({ d, pts, al });
    }
    timings.landmarks += performance.now() - t;
    t = performance.now();
    const faces: Face[] = [];
    for (const { d, pts, al } of located) {
      const { embedding, aligned } = await this.embedder.embed(raster, al);
      faces.push({
        box: d.box,
        score: d.score,
        landmarks: pts,
        quality: 0,
        qualityParts: { size: visibleShare(al, raster.base.width, raster.base.height), sharpness: sharpnessScore(aligned), frontalness: frontalnessScore(yawProxy(pts, al.toTemplate)) },
        embedding,
        modelId: this.embedderId,
        detectorId: this.detector.id,
        rotation: 0,
      });
    }
    timings.embed += performance.now() - t;
    return faces;
  }


  /**
   * Five points of the face in `box`, de-rotated: the landmark model follows faces rolled up to ~30°,
   * so its roll estimate turns the crop upright and it runs again until the roll settles. A face rolled
   * 60° is found in two or three steps. Quarter-turned faces are not: tried starts at ±90° and let the
   * detector's confidence on each de-rotated crop pick, but the detector is as sure of a face turned
   * half-way round (docs/vision.md), so only whole sideways photos are turned (facesOfNow).
   */
  private async locate(raster: MipRaster, box: Box): Promise<{ pts: Point[]; al: Alignment }> {
    let roll = 0;
    let pts = fivePoints(await this.landmarks.predict(raster, box, roll));
    let al = align(pts);
    for (let i = 0; i < ROLL_PASSES; i++) {
      const r = rollOf(al);
      if (Math.abs(angleDiff(r, roll)) < ROLL_SETTLED) break;
      roll = r;
      pts = fivePoints(await this.landmarks.predict(raster, box, roll));
      al = align(pts);
    }
    return { pts, al };
  }

  async close(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.release()));
  }
}

function angleDiff(a: number, b: number): number {
  return Math.atan2(Math.sin(a - b), Math.cos(a - b));
}

function logit(p: number): number {
  const q = Math.min(1 - 1e-7, Math.max(1e-7, p));
  return Math.max(0, Math.log(q / (1 - q)));
}

/** Maps a face found in a raster turned clockwise by r back into the unturned raster's pixels. */
function unrotateFace(f: Face, r: Rotation, w: number, h: number): Face {
  const back = (p: Point): Point => {
    const [x, y] = p;
    if (r === 90) return [y, h - 1 - x];
    if (r === 180) return [w - 1 - x, h - 1 - y];
    if (r === 270) return [w - 1 - y, x];
    return p;
  };
  const c1 = back([f.box.x, f.box.y]);
  const c2 = back([f.box.x + f.box.width, f.box.y + f.box.height]);
  const x = Math.min(c1[0], c2[0]), y = Math.min(c1[1], c2[1]);
  return {
    ...f,
    box: { x, y, width: Math.abs(c2[0] - c1[0]), height: Math.abs(c2[1] - c1[1]) },
    landmarks: f.landmarks.map(back),
  };
}
