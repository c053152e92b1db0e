/**
 * Every tunable of the engine, in one typed place, each with its default and the reason for it.
 * Engine.open builds one EngineSettings tree (defaults + the caller's overrides) and hands each service
 * the slice it needs; nothing reads thresholds from literals elsewhere.
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
  /**
   * How folders are watched: 'auto' polls folders on a network file system (NFS, SMB/CIFS, sshfs and other
   * FUSE mounts, 9p; detected on Linux only) and uses change events everywhere else; 'always' polls every
   * folder (for shares the detection misses); 'never' never polls.
   */
  watchPolling: 'auto' | 'always' | 'never';
  /** How often a polled folder's files are stat-ed (chokidar's interval); a share answers each stat over the network. */
  watchPollIntervalMs: number;
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
  /**
   * The track's embedding: its best face's, or the normalized mean of its trackMeanTopK best faces (by
   * quality). Measured against the people/ photos: 53 five-second clips made from the fixture photos (zoom,
   * pan, noise, x264 crf 30), similarity of the track to the same person's other photos / to everyone else:
   * best face mean 0.614, min 0.234, different max 0.312; mean of 3: 0.642 / 0.253 / 0.298; of 5: 0.649 /
   * 0.294 / 0.283; of 10: 0.658 / 0.336 / 0.282. The fixture clip's Lin-Manuel Miranda track against his
   * photo: best 0.678, mean of 3 0.680, of 5 0.714, of 10 (all 9 faces) 0.720. Averaging cancels per-frame
   * blur, noise and pose; the quality ranking keeps poor frames out of long tracks.
   */
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
  watchPolling: 'auto',
  watchPollIntervalMs: 10_000,
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
  trackMeanTopK: 10,
};

export function librarySettings(overrides: Partial<LibrarySettings> = {}): LibrarySettings {
  return { ...DEFAULT_LIBRARY_SETTINGS, ...overrides };
}

/** The indexing queue and the library database's upkeep. */
export interface IndexingSettings {
  /** Files whose faces and media rows are written in one batch (one LanceDB commit per table). */
  writeBatchFiles: number;
  /** ...or whatever is pending once this long has passed since the last write, so slow files (videos) show up in the app while the run goes on. */
  writeFlushMs: number;
  /** Finished tasks are listed this long (IMM keeps tasks 7 days). */
  taskRetentionDays: number;
  /** Compaction keeps LanceDB versions younger than this (readers in other processes may use them). */
  keepVersionsMs: number;
  /** Compaction runs this long after the last indexing run that changed something. */
  optimizeDelayMs: number;
  /** Watching: a vanished file waits this long for its renamed twin before its faces are deleted. */
  removalGraceMs: number;
  /**
   * Keep-current mode: how often a library folder that is missing (an unplugged drive, an unmounted share)
   * is looked for again. One stat per missing folder, so cheap; when it is back it is rescanned and watched.
   */
  missingFolderPollMs: number;
}

export const DEFAULT_INDEXING_SETTINGS: IndexingSettings = {
  writeBatchFiles: 32,
  writeFlushMs: 2000,
  taskRetentionDays: 7,
  keepVersionsMs: 5 * 60_000,
  optimizeDelayMs: 30_000,
  removalGraceMs: 4_000,
  missingFolderPollMs: 5_000,
};

/**
 * People: clustering faces into persons, suggestions, interop and export (src-main/engine/people,
 * docs/people.md). Similarities are cosines of the 512-d embeddings. Measured on the fixtures (people/
 * and groups/ together, 155 faces, default pack): same-person pairs mean 0.670 (sd 0.113, min 0.366),
 * different-person pairs mean 0.001 (sd 0.095, max 0.277 between people/ photos, 0.399 counting the
 * group photos); faces of one photo reach 0.52 (solvay1927: small monochrome faces look alike).
 */
export interface PeopleSettings {
  /** Neighbours kept per face. The fixtures gave identical persons for 8, 16 and 24; 24 leaves room for big persons in big libraries. */
  knnK: number;
  /**
   * Join rule: the mean of a face's top three similarities to a person's faces (its score) must reach this.
   * Leave-one-out on the fixtures: a face's score for its own person >= 0.393 (stuart_5, the recurring man's
   * weakest face 0.398), for any other person <= 0.306. 0.35 is the middle; 0.32-0.38 gave the same persons
   * over 20 random arrival orders, 0.40 lost the recurring man in 11 of 20.
   */
  joinSim: number;
  /** Neighbours in the person a join needs (fewer when the person is smaller): one look-alike face is not evidence. */
  joinMinNeighbours: number;
  /** A single neighbour this similar, with joinCentroidSim to the person's mean, also joins (a person whose other faces are far in the list). Other-person best single match on the fixtures: 0.399. */
  joinStrongSim: number;
  joinCentroidSim: number;
  /** A second person scoring within this of the best makes the face undecided (a suggestion instead of a guess). */
  joinMargin: number;
  /** Unassigned faces at least this similar to a new face are decided again in the same run (order independence). Same value as joinSim. */
  revisitSim: number;
  /**
   * Average linkage at which clusters of new faces merge. Fixtures from scratch: every identity one person
   * for 0.30-0.38; at 0.42 and above two Leonard faces of bbt1/bbt5 form a separate pair. The top of the
   * safe range is kept because errors above it split (fixable by merge suggestions) while errors below it merge.
   */
  linkageSim: number;
  /**
   * A two-face cluster needs this similarity to become a person (larger clusters only linkageSim). Lowest
   * same-identity pair of two photos on the fixtures: biden 0.521; highest different-person pair across
   * photos: 0.399.
   */
  pairSim: number;
  /** Smallest new person. 2, because several fixture identities have only two photos; the pair rule above keeps pairs strict. */
  minClusterSize: number;
  /**
   * Faces below this quality (quality.ts: size x sharpness x frontalness) never seed a person, but may join
   * one. Every people/ face scores >= 0.60; below 0.35 on the fixtures are a profile (bbt2, 0.00), a 28 px
   * background face and a blurred Solvay face.
   */
  seedQuality: number;
  /**
   * Cohesion (cohesion.ts), for persons a run formed: a face whose mean similarity to the rest of its
   * person is below outlierSim leaves it, and a person whose two halves (2-means) have a mean cross
   * similarity below splitSim is split. On the eval subsets (docs/people.md) 0.05-0.20 / 0.10-0.30 gave
   * the same persons (nothing was split), so these defaults are not yet tuned on real data.
   */
  outlierSim: number;
  splitSim: number;
  /** Neighbour search is exact up to this many query x face cells (~1 s with the ONNX kernel per 1e8); above it an inverted file. */
  exactMaxCells: number;
  /**
   * Inverted-file lists (sqrt(faces) of them) searched per query. Synthetic 20,000 faces, BCubed F of the
   * persons: exact search 0.9986; nprobe 4: 0.9924, 8: 0.9962, 12: 0.9972 (1.6x the time of 8).
   */
  nprobe: number;
  /** 'agglomerative' (kept, see docs/people.md) or 'density' (DBSCAN-like, the measured alternative). */
  algorithm: 'agglomerative' | 'density';
  /** Density alternative: eps similarity and minimum points. Perfect on the fixtures only for 0.40-0.50 with 2 points; 0.38 merged identities. */
  densityEps: number;
  densityMinPoints: number;
  /**
   * Runs whose neighbour search exceeds this many query x face cells go to a worker thread. 5e8 is ~5 s of
   * one-thread GEMM, done on the engine thread in slices of at most ~0.4 s; an incremental run of 1,000
   * faces into 100,000 (1e8) stays in process, because starting the worker and copying the snapshot to it
   * cost more (measured 5.1 s planned in a worker vs ~1.2 s in process, benchmark). Full re-clusters of big
   * libraries always go to the worker.
   */
  workerMinCells: number;
  /** Neighbour kernel: ONNX Runtime's GEMM (~45 GMAC/s per core here) or typed arrays (~1.1); auto falls back to typed arrays. */
  kernel: 'auto' | 'onnx' | 'js';
  /**
   * Vectors of the last run are kept this long for the next one (the indexer hands faces over in batches):
   * the next run reads only the new and unclustered faces' vectors. 100,000 faces hold 200 MB; 0 = off.
   */
  snapshotKeepMs: number;
  /** Threads of the GEMM kernel (0 = all cores). The calling thread waits for it either way, so more threads only shorten the wait. */
  kernelThreads: number;
  /** "Is this <name>?" lists unassigned faces whose score for a named person is at least this (below the join rule). Other-person scores on the fixtures reach 0.306. */
  suggestMinSim: number;
  /** Merge suggestions: median similarity of sampled faces of the two persons at least this. Same-person pairs median 0.686; different-person 0.002. */
  mergeSuggestMinSim: number;
  /** Faces sampled per person for merge suggestions (the median of up to n x n pairs). */
  mergeSampleFaces: number;
  /** Read MWG / Microsoft regions from new photos (and their sidecars) and use the named ones as user assignments. */
  readRegions: boolean;
  /** Box overlap (IoU) of a face with a region for the region's name to apply. */
  regionMinIou: number;
  /** Sidecar name: 'append' photo.jpg.xmp (digiKam, darktable; no clash between a.jpg and a.png) or 'replace' photo.xmp (Lightroom). */
  xmpSidecarNaming: 'append' | 'replace';
  /** Export: hard links where the file system allows (no extra space; editing the export edits the original), else copies. */
  exportMode: 'link' | 'copy';
  /**
   * Export face crops: the box grown by this share of its size on every side, saved at most cropSize px.
   * 0.4 shows the whole head and some hair (a detector box ends at the brow and the chin), for a person's
   * folder of portraits; less than the cloud query's, more than the grid's cells.
   */
  cropMargin: number;
  cropSize: number;
  /** JPEG quality of export crops: 90 keeps skin and hair detail for printing or re-use (crops are small either way). */
  cropQuality: number;
  /**
   * Undo history (history.json in the library folder): corrections kept, oldest dropped first. 100 covers a
   * long session of clicking through People; the file is rewritten on every correction.
   */
  historyMaxEntries: number;
  /**
   * Face records kept across all entries (before and after of each changed face, ~250 bytes): 200,000 is
   * ~50 MB of JSON. A merge of two persons with 10,000 faces each is one entry of 20,000; the newest entry
   * is always kept, however large.
   */
  historyMaxFaces: number;
}

export const DEFAULT_PEOPLE_SETTINGS: PeopleSettings = {
  knnK: 24,
  joinSim: 0.35,
  joinMinNeighbours: 2,
  joinStrongSim: 0.55,
  joinCentroidSim: 0.45,
  joinMargin: 0.05,
  revisitSim: 0.35,
  linkageSim: 0.38,
  pairSim: 0.48,
  minClusterSize: 2,
  seedQuality: 0.35,
  outlierSim: 0.15,
  splitSim: 0.2,
  exactMaxCells: 2e8,
  nprobe: 8,
  algorithm: 'agglomerative',
  densityEps: 0.45,
  densityMinPoints: 2,
  workerMinCells: 5e8,
  kernel: 'auto',
  kernelThreads: 0,
  snapshotKeepMs: 120_000,
  suggestMinSim: 0.25,
  mergeSuggestMinSim: 0.3,
  mergeSampleFaces: 16,
  readRegions: true,
  regionMinIou: 0.3,
  xmpSidecarNaming: 'append',
  exportMode: 'link',
  cropMargin: 0.4,
  cropSize: 256,
  cropQuality: 90,
  historyMaxEntries: 100,
  historyMaxFaces: 200_000,
};

export function peopleSettings(overrides: Partial<PeopleSettings> = {}): PeopleSettings {
  return { ...DEFAULT_PEOPLE_SETTINGS, ...overrides };
}

/**
 * Search (src-main/engine/search, docs/search.md). Scores and thresholds are cosine similarities of the
 * 512-d embeddings. Measured on the fixtures (default pack): different-person pairs across photos
 * (5119: people/ x people/, people/ x strangers of groups/) reach 0.312; same-person people/ pairs
 * start at 0.366; faces of one photo reach 0.52 (small monochrome faces of solvay1927 look alike).
 */
export interface SearchSettings {
  /**
   * Default score floor of face search. 0.32: no cross-photo different-person pair of the fixtures
   * reaches it while every same-person pair does (docs/search.md has the table); 0 gives the cloud's
   * plain top-N.
   */
  faceThreshold: number;
  /**
   * Default faceMatchThreshold of person search: query face vs a person's fused feature (normalized mean
   * of their faces). Fixtures, leave-one-out: own person >= 0.449 (mean 0.756; a mean is steadier than
   * one face), any other person or a stranger <= 0.296. 0.37 is the middle of that gap.
   */
  personThreshold: number;
  /** Default match floor of media and clip search (image and token queries): face vs face, as faceThreshold. */
  mediaThreshold: number;
  /**
   * Faces before the vector index is built. Below it LanceDB scans every vector (about 2.5 ms per 1000
   * rows on 2 cores), so 5000 rows cost ~12 ms; the index answers 100k rows in under 10 ms.
   */
  annMinRows: number;
  /** Retrain the index (new partitions) when the table grew by this share since the last training. */
  annRebuildGrowth: number;
  /**
   * Rows added since the last training that may stay unindexed (LanceDB scans them exactly, ~2.5 ms
   * per 1000); beyond it the new rows are added to the existing index (table.optimize) in the background.
   */
  annMaxUnindexedRows: number;
  /**
   * Index kind. `ivf_rq` (IVF + RaBitQ codes) with exact re-ranking: at 1M synthetic faces, recall@10
   * 1.0, p95 37 ms for the index query, 54 s to build, 128 MB of codes (docs/search.md). Measured against
   * it at 100k: `ivf_pq` recall@10 <= 0.79 even probing everything (its codes cannot order the many
   * near-equal distances of unrelated faces); `ivf_hnsw_sq` 0.988 at ef 800 but 80 s to build (~15 min
   * at 1M); `ivf_flat` exact when probing all partitions, but 85 ms and a 2 GB cache at 1M.
   */
  annIndexType: 'ivf_rq' | 'ivf_pq' | 'ivf_flat' | 'ivf_hnsw_sq';
  /** RaBitQ bits per dimension (ivf_rq). 2: recall@10 1.0 at 1M with 1000 candidates; 1 bit needed 3000 for 0.998 (as fast). */
  annBits: number;
  /** IVF partitions; 0 = sqrt(rows) at training time (LanceDB's default rule). */
  annPartitions: number;
  /**
   * Share of the partitions probed. 1 (all): face embeddings have no cluster structure that keeps a
   * person's faces in one partition (half the partitions found 0.97-0.99 of true matches at 1M), and
   * the compact RaBitQ codes make probing everything cheap.
   */
  annProbeShare: number;
  /**
   * Candidates re-ranked with exact distances per query (LanceDB refineFactor = candidates / limit):
   * one per 1000 faces, at least annCandidatesMin and at most annCandidates. With 2-bit codes, 500 gave
   * recall@10 1.0 at 100k and 1000 gave 1.0 at 1M (1-bit codes: 0.987 at 1M with 1000).
   */
  annCandidates: number;
  annCandidatesMin: number;
  /**
   * ...and at least this many per result, for long lists: 10 per result missed near-ties of the top 100
   * on 20k faces; 20 per result keeps recall@100 >= 0.99 (test/integration/search-ann.test.ts).
   */
  annRefineMin: number;
  /** HNSW search breadth (ivf_hnsw_sq only). */
  annHnswEf: number;
  /** The index policy is checked at most this often (each check counts rows; a search never waits for a build). */
  annCheckIntervalMs: number;
  /** Most matching faces (or video tracks) one media or clip search collects before grouping them by media. */
  mediaMaxFaces: number;
  /**
   * Clip search: ranges of a person's tracks in one video closer than this are one clip. The tracker
   * already widens each sighting by half a sample interval, so 1 s joins only cuts shorter than a second.
   */
  clipMergeGapSec: number;
}

export const DEFAULT_SEARCH_SETTINGS: SearchSettings = {
  faceThreshold: 0.32,
  personThreshold: 0.37,
  mediaThreshold: 0.32,
  annMinRows: 5000,
  annRebuildGrowth: 0.2,
  annMaxUnindexedRows: 5000,
  annIndexType: 'ivf_rq',
  annBits: 2,
  annPartitions: 0,
  annProbeShare: 1,
  annCandidates: 1000,
  annCandidatesMin: 500,
  annRefineMin: 20,
  annHnswEf: 800,
  annCheckIntervalMs: 10_000,
  mediaMaxFaces: 20_000,
  clipMergeGapSec: 1,
};

export function searchSettings(overrides: Partial<SearchSettings> = {}): SearchSettings {
  return { ...DEFAULT_SEARCH_SETTINGS, ...overrides };
}

/**
 * What the media routes serve (thumbnails, previews, face crops). Derived images are generated once per file
 * content and cached under the library folder, so changing a size here only costs regenerating them.
 */
export interface MediaSettings {
  /** Grid thumbnails: the shorter side (cells are square crops ~180 CSS px, ~360 device px on HiDPI). */
  thumbSide: number;
  thumbQuality: number;
  /**
   * A photo is decoded to at most this before its thumbnail is cut: 1024 px leaves a portrait's shorter side
   * at >= 360 px for the cover crop, at a fraction of a full decode.
   */
  thumbDecodeSide: number;
  /** The viewer's image: longest side. 2048 fills a 4K-wide window at its usual size. */
  previewSide: number;
  previewQuality: number;
  /** Face crops: square side. */
  faceSide: number;
  /**
   * Face crops: the box padded by this share of its size on each side. 0.35: a grid cell shows the face with
   * its outline and a little hair, large enough to recognise at 100 px.
   */
  faceMargin: number;
  faceQuality: number;
  /** Video thumbnails: the poster frame's longer side (a thumbnail cell needs 360 px; 720 leaves room for the cover crop). */
  videoThumbPosterSide: number;
  /** Video previews: the poster frame's longer side (720p is what a viewer shows before the video plays). */
  videoPreviewPosterSide: number;
  /** Generation jobs at once: decodes are CPU and memory bound, video posters start ffmpeg. */
  concurrency: number;
  /** "Search by face" query images kept at once (the oldest go first): a session's worth, a few MB each. */
  uploadMaxEntries: number;
  /** ...and for at most this long (6 h: the page may keep showing one through an afternoon). */
  uploadMaxAgeMs: number;
}

export const DEFAULT_MEDIA_SETTINGS: MediaSettings = {
  thumbSide: 360,
  thumbQuality: 76,
  thumbDecodeSide: 1024,
  previewSide: 2048,
  previewQuality: 84,
  faceSide: 224,
  faceMargin: 0.35,
  faceQuality: 82,
  videoThumbPosterSide: 720,
  videoPreviewPosterSide: 1280,
  concurrency: 3,
  uploadMaxEntries: 32,
  uploadMaxAgeMs: 6 * 3600_000,
};

export function mediaSettings(overrides: Partial<MediaSettings> = {}): MediaSettings {
  return { ...DEFAULT_MEDIA_SETTINGS, ...overrides };
}

/** Retries of one cloud HTTP call (cloud/http.ts). */
export interface RetryPolicy {
  /** Attempts in total, first included. */
  maxAttempts: number;
  /** Backoff before attempt n (n >= 1) is random in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))]. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Per-attempt time-out covering connect, upload and the whole response body. */
  timeoutMs: number;
}

/**
 * Four attempts over roughly 0.3-2 s of backoff ride out the short throttling bursts the OpenAPI
 * gateway produces; 60 s per attempt leaves room to upload a 100 MB video on a slow uplink.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 300, maxDelayMs: 8000, timeoutMs: 60_000 };

/** Alibaba Cloud IMM/ICE sync (src-main/engine/cloud, docs/cloud.md). */
export interface CloudSettings {
  retry: RetryPolicy;
  /** Parallel PutObject requests. 4 fills a home uplink without tripping OSS per-connection limits. */
  uploadConcurrency: number;
  /** Files per BatchIndexFileMeta call (the API allows 1-100). 50 keeps the query string near 20 KB. */
  indexBatchSize: number;
  /** GetTask polling: first wait, growth factor and ceiling. Clustering takes seconds to minutes. */
  pollInitialMs: number;
  pollFactor: number;
  pollMaxMs: number;
  /** Give up waiting for a cloud task after this long (the task goes on in the cloud). */
  taskTimeoutMs: number;
  /**
   * Indexing is asynchronous: BatchIndexFileMeta answers before the files are searchable. The push
   * waits until SimpleQuery sees them (or this long) before clustering, so the task covers them.
   */
  indexWaitTimeoutMs: number;
  /** Lifetime of the presigned URL ICE fetches the query face from. */
  presignSeconds: number;
  /** Page size for QueryFigureClusters and SimpleQuery (API maximum 100). */
  pageSize: number;
  /**
   * Face search: the query face is cut out with this margin (share of the box on every side), so the cloud
   * sees one face and nothing else of the photo leaves the computer. 0.6: the cloud detectors want the
   * whole head and some context to find the face again.
   */
  searchCropMargin: number;
  /** ...at most this many px on its longer side (the services' detectors work below 1000 px) and this JPEG quality. */
  searchCropSide: number;
  searchCropQuality: number;
}

export const DEFAULT_CLOUD_SETTINGS: CloudSettings = {
  retry: DEFAULT_RETRY_POLICY,
  uploadConcurrency: 4,
  indexBatchSize: 50,
  pollInitialMs: 1000,
  pollFactor: 1.5,
  pollMaxMs: 15_000,
  taskTimeoutMs: 30 * 60_000,
  indexWaitTimeoutMs: 5 * 60_000,
  presignSeconds: 900,
  pageSize: 100,
  searchCropMargin: 0.6,
  searchCropSide: 800,
  searchCropQuality: 92,
};

export type CloudSettingsOverrides = Partial<Omit<CloudSettings, 'retry'>> & { retry?: Partial<RetryPolicy> };

export function cloudSettings(overrides: CloudSettingsOverrides = {}): CloudSettings {
  return { ...DEFAULT_CLOUD_SETTINGS, ...overrides, retry: { ...DEFAULT_CLOUD_SETTINGS.retry, ...(overrides.retry ?? {}) } };
}

/** The whole tree, one slice per domain. Engine.open builds it once and passes the slices down. */
export interface EngineSettings {
  vision: VisionSettings;
  library: LibrarySettings;
  indexing: IndexingSettings;
  people: PeopleSettings;
  search: SearchSettings;
  media: MediaSettings;
  cloud: CloudSettings;
}

/** Per-slice overrides, as callers (CLI flags, tests, benchmarks) give them. */
export interface EngineSettingsOverrides {
  vision?: Partial<VisionSettings>;
  library?: Partial<LibrarySettings>;
  indexing?: Partial<IndexingSettings>;
  people?: Partial<PeopleSettings>;
  search?: Partial<SearchSettings>;
  media?: Partial<MediaSettings>;
  cloud?: CloudSettingsOverrides;
}

export function engineSettings(o: EngineSettingsOverrides = {}): EngineSettings {
  return {
    vision: visionSettings(o.vision),
    library: librarySettings(o.library),
    indexing: { ...DEFAULT_INDEXING_SETTINGS, ...o.indexing },
    people: peopleSettings(o.people),
    search: searchSettings(o.search),
    media: mediaSettings(o.media),
    cloud: cloudSettings(o.cloud),
  };
}
