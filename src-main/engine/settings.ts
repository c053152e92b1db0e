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

/** Tunables of the library: scanning, hashing, watching, video sampling and face tracks in videos. */
export interface LibrarySettings {
  /**
   * Bytes read at the start, the middle and the end of a file for its quick content hash (together with
   * its size). 64 KiB covers a JPEG's EXIF block and first scans and an MP4's moov box in most phone videos;
   * three reads cost about the same as one on a disk or SSD. Files up to 3x this are hashed whole.
   */
  quickHashSampleBytes: number;
  /** Concurrent stat calls per folder while scanning; hides latency on network shares, harmless locally. */
  scanStatConcurrency: number;
  /**
   * A file counts as written (copied, downloaded) once its size and mtime stayed the same for this long.
   * 1.5 s: a USB 2 stick or a Wi-Fi share pauses well under a second between chunks; every photo waits this
   * long before it is indexed, which nobody notices.
   */
  writeFinishMs: number;
  /** How often files waiting for write-finish are checked. */
  writeFinishPollMs: number;
  /** A batch of changes is handed over after this much quiet, so a burst (a folder copied in) becomes one batch. */
  watchDebounceMs: number;
  /** A batch is handed over at the latest this long after its first change, even while changes keep coming. */
  watchMaxBatchWaitMs: number;
  /** ...or once it holds this many paths. */
  watchMaxBatchFiles: number;
  /** Video frames are decoded so their longer side is at most this (a 1080p frame is scaled to 1280x720). */
  videoFrameMaxSide: number;
  /** Clips up to this long are sampled at videoFpsShort. */
  videoShortSec: number;
  /** 2 fps: a face on screen for one second in a phone clip is seen twice. */
  videoFpsShort: number;
  /** Videos up to this long (and longer than videoShortSec) are sampled at videoFpsMedium. */
  videoMediumSec: number;
  videoFpsMedium: number;
  /** Longer videos: this rate, lowered further so that the regular samples stay within half of videoMaxFrames. */
  videoFpsLong: number;
  /**
   * Upper bound of analyzed frames per video (regular samples plus scene changes). 1200 frames is about
   * 2-4 minutes of analysis on two CPU cores; a two-hour film gets a frame every 12 s plus its scene cuts.
   */
  videoMaxFrames: number;
  /**
   * ffmpeg scene-change score (0..1) above which a frame is taken between regular samples (0 = off). Scene
   * frames are at least half a sample interval apart, so they at most double the frame count. 0.2: the three
   * cuts of the fixture clip score 0.24-0.29, camera and people moving within a shot at most 0.13. Cost: every
   * decoded frame is converted to RGB for the score, about doubling ffmpeg's CPU time (1080p30: 2 ms per frame).
   */
  videoSceneThreshold: number;
  /** Longer side of the poster frame JPEG. */
  videoPosterMaxSide: number;
  /** Frames analyzed concurrently per video: one decoding ahead while one is analyzed. */
  videoFramesInFlight: number;
  /** Box overlap (IoU) with a track's last box that, with trackLinkSimilarity, continues the track. */
  trackIou: number;
  /** Cosine similarity to the track needed to link on overlap. Lower than sameFaceThreshold: overlap is strong evidence. */
  trackLinkSimilarity: number;
  /**
   * Similarity that links a face to a track without overlap (the person moved, or came back after a gap).
   * Above the different-person maximum measured on the fixtures (0.35) with a margin.
   */
  trackRejoinSimilarity: number;
  /** A person missing from the samples for at most this long (or 1.5 sample intervals) stays in the same time range. */
  trackGapSec: number;
  /** The track's embedding: its best face's, or the normalized mean of its trackMeanTopK best faces. */
  trackEmbedding: 'best' | 'mean';
  trackMeanTopK: number;
}

export const DEFAULT_LIBRARY_SETTINGS: LibrarySettings = {
  quickHashSampleBytes: 64 * 1024,
  scanStatConcurrency: 16,
  writeFinishMs: 1500,
  writeFinishPollMs: 250,
  watchDebounceMs: 500,
  watchMaxBatchWaitMs: 10_000,
  watchMaxBatchFiles: 2000,
  videoFrameMaxSide: 1280,
  videoShortSec: 30,
  videoFpsShort: 2,
  videoMediumSec: 300,
  videoFpsMedium: 1,
  videoFpsLong: 0.5,
  videoMaxFrames: 1200,
  videoSceneThreshold: 0.2,
  videoPosterMaxSide: 640,
  videoFramesInFlight: 2,
  trackIou: 0.3,
  trackLinkSimilarity: 0.25,
  trackRejoinSimilarity: 0.5,
  trackGapSec: 2,
  trackEmbedding: 'mean',
  trackMeanTopK: 5,
};

export function librarySettings(overrides: Partial<LibrarySettings> = {}): LibrarySettings {
  return { ...DEFAULT_LIBRARY_SETTINGS, ...overrides };
}

/** The indexing queue and the library database's upkeep. */
export interface IndexingSettings {
  /** Files whose faces and media rows are written in one batch (one LanceDB commit per table). */
  writeBatchFiles: number;
  /** Finished tasks are listed this long (IMM keeps tasks 7 days). */
  taskRetentionDays: number;
  /** Compaction keeps LanceDB versions younger than this (readers in other processes may use them). */
  keepVersionsMs: number;
  /** Compaction runs this long after the last indexing run that changed something. */
  optimizeDelayMs: number;
  /** Watching: a vanished file waits this long for its renamed twin before its faces are deleted. */
  removalGraceMs: number;
}

export const DEFAULT_INDEXING_SETTINGS: IndexingSettings = {
  writeBatchFiles: 32,
  taskRetentionDays: 7,
  keepVersionsMs: 5 * 60_000,
  optimizeDelayMs: 30_000,
  removalGraceMs: 4_000,
};
