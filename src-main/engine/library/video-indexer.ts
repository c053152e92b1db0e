/**
 * A video's faces as tracks: probe → sampled frames (video-frames.ts) → faces of each frame on the
 * analyzer pool → tracks (video-tracks.ts) → poster. What the indexer stores for a video.
 */
import { EngineError } from '../errors';
import { librarySettings } from '../settings';
import type { LibrarySettings } from '../settings';
import type { AnalyzeOptions, Face } from '../vision/face-analyzer';
import type { AnalyzeResult, RgbRaster } from '../vision/pipeline';
import type { Point } from '../vision/geometry';
import { cancelled } from './fs-errors';
import { posterFrame, samplePlan, sampleFrames } from './video-frames';
import { probeVideo } from './video-probe';
import type { VideoProbe } from './video-probe';
import { FaceTracker, trackOptions } from './video-tracks';
import type { FaceTrack } from './video-tracks';

/** The Engine (faces) or a FacePipeline (full results): anything that analyzes an RGB frame. */
export interface RasterAnalyzer {
  analyzeRaster(raster: RgbRaster, options?: Partial<AnalyzeOptions>): Promise<Face[] | AnalyzeResult>;
}

export interface VideoAnalysis {
  durationSec: number | null;
  /** Display size (rotation applied); face boxes and landmarks are in these pixels. */
  width: number;
  height: number;
  fps: number | null;
  rotation: 0 | 90 | 180 | 270;
  probe: VideoProbe;
  posterJpeg: Buffer;
  posterTimeSec: number;
  tracks: FaceTrack[];
  /** Regular sample interval used. */
  sampleIntervalSec: number;
  framesAnalyzed: number;
  /** Of framesAnalyzed, those taken at a scene cut. */
  sceneFrames: number;
  /** Faces over all frames before merging into tracks. */
  facesSeen: number;
}

export interface AnalyzeVideoOptions {
  settings?: Partial<LibrarySettings>;
  /** Face analysis options per frame (quality control, minimum face size...). */
  analyze?: Partial<AnalyzeOptions>;
  signal?: AbortSignal;
  probe?: VideoProbe;
  /** After each analyzed frame. */
  onProgress?: (p: { timeSec: number; durationSec: number | null; frames: number; faces: number }) => void;
}

export async function analyzeVideo(analyzer: RasterAnalyzer, file: string, opts: AnalyzeVideoOptions = {}): Promise<VideoAnalysis> {
  const s = librarySettings(opts.settings);
  const signal = opts.signal;
  const probe = opts.probe ?? (await probeVideo(file, signal ? { signal } : {}));
  const plan = samplePlan(probe.durationSec, s);
  const tracker = new FaceTracker(trackOptions(s, plan.intervalSec, probe.durationSec));
  const window = Math.max(1, s.videoFramesInFlight);

  interface InFlight { timeSec: number; scale: number; result: Promise<Face[]> }
  const inflight: InFlight[] = [];
  let frames = 0;
  let sceneFrames = 0;
  const settle = async (item: InFlight) => {
    const faces = await item.result;
    // Frames are scaled to at most videoFrameMaxSide; faces are stored in the video's display pixels.
    tracker.push({ timeSec: item.timeSec, faces: item.scale === 1 ? faces : faces.map((f) => unscale(f, item.scale)) });
    frames++;
    opts.onProgress?.({ timeSec: item.timeSec, durationSec: probe.durationSec, frames, faces: tracker.facesSeen });
  };

  try {
    for await (const frame of sampleFrames(file, { settings: s, probe, ...(signal ? { signal } : {}) })) {
      if (frame.scene) sceneFrames++;
      const scale = frame.width / probe.width;
      // The frame's buffer moves to an analyzer worker; `frame.data` is not touched again.
      const result = analyzer
        .analyzeRaster({ data: frame.data, width: frame.width, height: frame.height }, opts.analyze ?? {})
        .then((r) => (Array.isArray(r) ? r : r.faces));
      result.catch(() => undefined); // observed by settle(); this keeps an early failure from being "unhandled"
      inflight.push({ timeSec: frame.timeSec, scale, result });
      if (inflight.length >= window) await settle(inflight.shift()!);
    }
    while (inflight.length > 0) await settle(inflight.shift()!);
  } catch (e) {
    await Promise.allSettled(inflight.map((i) => i.result));
    if (signal?.aborted) throw cancelled(`Analyzing ${file}`);
    throw e;
  }
  if (signal?.aborted) throw cancelled(`Analyzing ${file}`);

  const tracks = tracker.finish();
  const posterTimeSec = posterTime(tracks, probe.durationSec);
  let posterJpeg: Buffer;
  try {
    posterJpeg = await posterFrame(file, posterTimeSec, { probe, settings: s, ...(signal ? { signal } : {}) });
  } catch (e) {
    if (signal?.aborted) throw cancelled(`Analyzing ${file}`);
    throw e instanceof EngineError ? e : new EngineError('VIDEO_DECODE_FAILED', `${file}: no poster frame: ${String(e)}`, { path: file });
  }
  return {
    durationSec: probe.durationSec,
    width: probe.width,
    height: probe.height,
    fps: probe.fps,
    rotation: probe.rotation,
    probe,
    posterJpeg,
    posterTimeSec,
    tracks,
    sampleIntervalSec: plan.intervalSec,
    framesAnalyzed: frames,
    sceneFrames,
    facesSeen: tracker.facesSeen,
  };
}

/**
 * The poster shows the person the video is most about: the best face of the track seen most often. A video
 * without faces gets the frame at a tenth of its length, past fade-ins and black leaders.
 */
function posterTime(tracks: FaceTrack[], durationSec: number | null): number {
  let top: FaceTrack | null = null;
  for (const t of tracks) if (!top || t.faceCount > top.faceCount) top = t;
  if (top) return top.bestFace.timeSec;
  return durationSec ? durationSec / 10 : 0;
}

function unscale(f: Face, scale: number): Face {
  return {
    ...f,
    box: { x: f.box.x / scale, y: f.box.y / scale, width: f.box.width / scale, height: f.box.height / scale },
    landmarks: f.landmarks.map(([x, y]) => [x / scale, y / scale] as Point),
  };
}
