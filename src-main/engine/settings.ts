/**
 * Every tunable of the engine, in one typed place, each with its default and the reason for it.
 * Modules receive the slice they need; nothing reads thresholds from literals elsewhere.
 */

export type ProviderChoice = 'auto' | 'cpu' | 'cuda' | 'dml' | 'coreml' | 'webgpu';

export interface VisionSettings {
  /** Execution provider. `auto` tries the platform's GPU provider, then falls back to CPU. */
  provider: ProviderChoice;
  /**
   * Analyzers working in parallel, each with its own model sessions (7 MB each); 0 = one per core, up
   * to 4, on CPU (one on a GPU). Measured on 2 cores: 2 analyzers x 1 thread beat 1 x 2 threads.
   */
  analyzers: number;
  /** Intra-op threads per ONNX session; 0 = cores / analyzers. */
  threads: number;
  /** Decoded pixel limit. Refuses decompression bombs before any pixel is decoded. 200 MP covers medium-format cameras. */
  maxPixels: number;
  /**
   * Longest side the image is decoded to for detection (shrink-on-load). 1600 px keeps a 25 px face of a
   * 4000 px photo at >= 10 px, the smallest the tiled detector finds, while decoding 6x fewer pixels.
   */
  detectMaxSide: number;
  /** Default-pack detector score floor. Real faces score >= 0.91 on the fixtures; clothing and hair textures 0.72-0.87. */
  detectScoreThreshold: number;
  /**
   * Default-pack detector: a small box scoring at least this one level up makes the finest tiles around it
   * run; 0 runs every finest tile. Measured on groups/: recall unchanged from 0 up to 0.7, windows 427 -> ~260;
   * 0.3 keeps a wide margin. See faceplugin-detector.ts.
   */
  detectCascadeScore: number;
  /** YuNet score floor; its scores are calibrated differently (sqrt(cls*obj)). */
  yunetScoreThreshold: number;
  /** IoU above which two detections are the same face. */
  nmsIou: number;
  /** Tiles overlap by this fraction of a tile so a face on a seam is whole in one of them. */
  tileOverlap: number;
  /** Faces smaller than this (shorter box side, oriented pixels) are dropped. Cloud APIs' default is 0 / 20. */
  minFaceSize: number;
  /** At most this many faces per image, largest first (0 = no limit). IMM's limit is 100. */
  maxFaces: number;
  /**
   * Quality control, as the cloud APIs: 0 none, 1 low, 2 normal, 3 high, 4 very high. Each level raises the
   * quality floor a face needs to be returned (see QUALITY_FLOORS in quality.ts).
   */
  qualityControl: 0 | 1 | 2 | 3 | 4;
  /** Try 90/180/270 rotations when an image without EXIF orientation yields no face. */
  detectRotated: boolean;
  /**
   * Cosine similarity at or above which two faces are judged the same person. Measured on the 54 people/
   * fixture photos (1431 pairs): same-person >= 0.366, different-person <= 0.277 with the default pack;
   * 0.410 / 0.279 with YuNet boxes. 0.32 sits in both gaps (docs/thresholds.md).
   */
  sameFaceThreshold: number;
  /** Average each embedding with its mirror image's. Measured: no wider same/different gap on the fixtures, twice the embed time; off. */
  embedFlip: boolean;
}

export const DEFAULT_VISION_SETTINGS: VisionSettings = {
  provider: 'auto',
  analyzers: 0,
  threads: 0,
  maxPixels: 200_000_000,
  detectMaxSide: 1600,
  detectScoreThreshold: 0.9,
  detectCascadeScore: 0.3,
  yunetScoreThreshold: 0.6,
  nmsIou: 0.4,
  tileOverlap: 0.25,
  minFaceSize: 0,
  maxFaces: 0,
  qualityControl: 0,
  detectRotated: true,
  sameFaceThreshold: 0.32,
  embedFlip: false,
};

export interface Settings {
  vision: VisionSettings;
  /** Folder holding model files; defaults to resources/models in the app. */
  modelsDir?: string;
}

export function visionSettings(overrides: Partial<VisionSettings> = {}): VisionSettings {
  return { ...DEFAULT_VISION_SETTINGS, ...overrides };
}
