/**
 * Video frames through the ffmpeg binary that @ffmpeg-installer/ffmpeg ships (a static ffmpeg 4.1; no
 * ffprobe, so the container is probed by parsing `ffmpeg -i`'s report).
 *
 * Sampling is one ffmpeg pass per video: decode every frame, keep a frame per sample interval (adaptive to
 * the length, see sampleInterval) plus frames right after scene cuts (ffmpeg's `scene` score, in the same
 * `select` filter), scale so the longer side is at most videoFrameMaxSide, and pipe packed RGB to us. Frame
 * times come from a `showinfo` filter after the `select`, read from stderr. ffmpeg applies the stream's
 * rotation itself (autorotate), so frames are upright and sized as a player shows them.
 *
 * Why not seek per sample (`-ss t -frames:v 1`, one process per frame)? It decodes from the previous
 * keyframe each time, which costs as much as decoding straight through once samples are less than a
 * keyframe interval apart (phone videos: 1-2 s), it starts a process per frame, and it cannot see scene cuts.
 */
import { EngineError } from '../errors';
import { librarySettings } from '../settings';
import type { LibrarySettings } from '../settings';
import { cancelled } from './fs-errors';
import { checkFile, decodeFailed, startFfmpeg } from './ffmpeg';
import { probeVideo } from './video-probe';
import type { VideoProbe } from './video-probe';

export interface VideoFrame {
  /** Seconds from the start of the video. */
  timeSec: number;
  /** Packed RGB24, width*height*3 bytes, in its own ArrayBuffer (transferable to a worker). */
  data: Buffer;
  width: number;
  height: number;
  /** Taken because of a scene cut rather than the regular interval. */
  scene: boolean;
}

export interface SampleOptions {
  settings?: Partial<LibrarySettings>;
  /** A probe already made for this file (saves one ffmpeg start). */
  probe?: VideoProbe;
  signal?: AbortSignal;
  /** Overrides the adaptive interval. */
  intervalSec?: number;
}

export interface SamplePlan {
  intervalSec: number;
  /** Minimum spacing of a scene-cut frame from the previous frame; 0 = scene frames off. */
  sceneGapSec: number;
  sceneThreshold: number;
  /** Hard stop: ffmpeg is stopped after this many frames. */
  maxFrames: number;
}

/** Frames are never enlarged; scaled frames keep the display aspect ratio. */
export function frameSize(width: number, height: number, maxSide: number): { width: number; height: number } {
  const s = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(2, Math.round(width * s)), height: Math.max(2, Math.round(height * s)) };
}

/**
 * Regular sample interval for a video of this length: videoFpsShort up to videoShortSec, videoFpsMedium up
 * to videoMediumSec, then videoFpsLong, and never more regular samples than half of videoMaxFrames (all of
 * it without scene frames) so that scene frames, at most one per half interval, keep the total bounded.
 */
export function samplePlan(durationSec: number | null, s: LibrarySettings): SamplePlan {
  const scene = s.videoSceneThreshold > 0;
  const budget = Math.max(1, scene ? Math.floor(s.videoMaxFrames / 2) : s.videoMaxFrames);
  let base: number;
  if (durationSec === null) base = 1 / s.videoFpsMedium;
  else if (durationSec <= s.videoShortSec) base = 1 / s.videoFpsShort;
  else if (durationSec <= s.videoMediumSec) base = 1 / s.videoFpsMedium;
  else base = 1 / s.videoFpsLong;
  const intervalSec = durationSec === null ? base : Math.max(base, durationSec / budget);
  return { intervalSec, sceneGapSec: scene ? intervalSec / 2 : 0, sceneThreshold: s.videoSceneThreshold, maxFrames: s.videoMaxFrames };
}

// ---------------------------------------------------------------------------------------------------------
// Frames

const SHOWINFO_RE = /\bn:\s*\d+\s+pts:\s*-?\d+\s+pts_time:(-?[\d.]+(?:e[+-]?\d+)?)/;

/**
 * Sampled frames in time order as packed RGB. ffmpeg decodes only as fast as frames are taken: the pipe's
 * back-pressure pauses it while the consumer works, so memory stays at a frame or two. Breaking out of the
 * loop or aborting stops ffmpeg. Throws VIDEO_DECODE_FAILED (with ffmpeg's reason) when the video cannot be
 * decoded or yields no frame at all, CANCELLED on abort.
 */
export async function* sampleFrames(file: string, opts: SampleOptions = {}): AsyncGenerator<VideoFrame> {
  const s = librarySettings(opts.settings);
  const probe = opts.probe ?? (await probeVideo(file, opts.signal ? { signal: opts.signal } : {}));
  const plan = samplePlan(probe.durationSec, s);
  if (opts.intervalSec !== undefined) {
    plan.intervalSec = opts.intervalSec;
    plan.sceneGapSec = plan.sceneThreshold > 0 ? opts.intervalSec / 2 : 0;
  }
  const { width, height } = frameSize(probe.width, probe.height, s.videoFrameMaxSide);
  const frameBytes = width * height * 3;

  const I = plan.intervalSec.toFixed(4);
  let pick = `isnan(prev_selected_t)+gte(t-prev_selected_t\\,${I})`;
  // Resize in YUV, then convert at the final size: swscale's unscaled YUV->RGB path is SIMD, its combined
  // resize+convert is not (1080p30, 30 s: 3.9 s of CPU for the scene chain this way, 8.1 s in one step).
  const toRgb = `scale=${width}:${height}:flags=bilinear,format=yuv420p,scale=flags=bilinear,format=rgb24`;
  let chain: string;
  if (plan.sceneGapSec > 0) {
    // The scene score needs RGB frames (ffmpeg 4.1), so every decoded frame is scaled and converted first.
    pick += `+gt(scene\\,${plan.sceneThreshold})*gte(t-prev_selected_t\\,${plan.sceneGapSec.toFixed(4)})`;
    chain = `${toRgb},select='gt(${pick}\\,0)',showinfo`;
  } else {
    chain = `select='gt(${pick}\\,0)',${toRgb},showinfo`;
  }
  const args = [
    '-i', file,
    '-map', `0:${probe.streamIndex}`,
    '-an', '-sn', '-dn',
    '-vf', chain,
    // Passthrough: one output frame per selected frame; the default (constant rate for rawvideo) would duplicate frames.
    '-vsync', '0',
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
  ];

  const tail: string[] = [];
  const times: number[] = [];
  let partial = false;
  let timeWaiter: (() => void) | null = null;
  const run = startFfmpeg(args, (line) => {
    const m = SHOWINFO_RE.exec(line);
    if (m) {
      times.push(Number(m[1]));
      timeWaiter?.();
      return;
    }
    if (/partial file/.test(line)) partial = true;
    tail.push(line);
    if (tail.length > 30) tail.shift();
  });
  let stderrClosed = false;
  void run.done.then(() => {
    stderrClosed = true;
    timeWaiter?.();
  });
  const onAbort = () => run.stop();
  if (opts.signal?.aborted) run.stop();
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  // showinfo logs a frame before ffmpeg writes it, but the two pipes are read independently.
  const nextTime = async (index: number): Promise<number> => {
    while (times.length === 0 && !stderrClosed) await new Promise<void>((r) => (timeWaiter = r));
    timeWaiter = null;
    const t = times.shift();
    return t === undefined ? probe.startSec + index * plan.intervalSec : t;
  };

  let count = 0;
  let lastTime: number | null = null;
  let finished = false;
  try {
    let cur = Buffer.allocUnsafeSlow(frameBytes);
    let filled = 0;
    for await (const chunk of run.proc.stdout! as AsyncIterable<Buffer>) {
      let off = 0;
      while (off < chunk.length) {
        const n = Math.min(frameBytes - filled, chunk.length - off);
        chunk.copy(cur, filled, off, off + n);
        filled += n;
        off += n;
        if (filled < frameBytes) continue;
        const pts = await nextTime(count);
        const timeSec = Math.max(0, pts - probe.startSec);
        const scene = lastTime !== null && timeSec - lastTime < plan.intervalSec - 1e-3;
        lastTime = timeSec;
        count++;
        yield { timeSec, data: cur, width, height, scene };
        if (count >= plan.maxFrames) {
          finished = true;
          return;
        }
        cur = Buffer.allocUnsafeSlow(frameBytes);
        filled = 0;
      }
    }
    const { code, signal } = await run.done;
    if (opts.signal?.aborted) throw cancelled(`Decoding ${file}`);
    if (code !== 0) throw decodeFailed(file, tail, { exitCode: code, signal });
    if (count === 0) throw decodeFailed(file, tail.length ? tail : ['no frame could be decoded'], { frames: 0 });
    // The demuxer ran out of data well before the stated end: an interrupted copy or download. Like a
    // truncated photo it is refused (and retried when the file changes), not indexed as a shorter video.
    const end = probe.durationSec;
    if (partial && end !== null && lastTime !== null && lastTime < end - Math.max(1, 2 * plan.intervalSec)) {
      throw new EngineError('VIDEO_DECODE_FAILED', `${file} is truncated: frames end at ${lastTime.toFixed(1)} s of ${end.toFixed(1)} s`, {
        path: file,
        truncated: true,
        decodedSec: lastTime,
        durationSec: end,
      });
    }
    finished = true;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    // Early exit (the consumer broke out, the frame cap, an error): ffmpeg must not outlive the iteration.
    if (!finished || (run.proc.exitCode === null && run.proc.signalCode === null)) run.stop();
    await run.done;
  }
}

/**
 * One frame as JPEG, for a poster. Seeks to `atSec` (input seeking: fast, exact to the frame after the
 * preceding keyframe); when that is past the last frame, the first frame is taken instead.
 */
export async function posterFrame(
  file: string,
  atSec: number,
  opts: { maxSide?: number; probe?: VideoProbe; signal?: AbortSignal; settings?: Partial<LibrarySettings> } = {},
): Promise<Buffer> {
  await checkFile(file);
  const maxSide = opts.maxSide ?? librarySettings(opts.settings).videoPosterMaxSide;
  const grab = async (t: number): Promise<{ jpeg: Buffer; lines: string[]; code: number | null }> => {
    const lines: string[] = [];
    const run = startFfmpeg(
      [
        '-ss', Math.max(0, t).toFixed(3),
        '-i', file,
        '-map', opts.probe ? `0:${opts.probe.streamIndex}` : '0:v:0',
        '-frames:v', '1',
        '-vf', `scale=w='min(iw\\,${maxSide})':h='min(ih\\,${maxSide})':force_original_aspect_ratio=decrease`,
        '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '3', 'pipe:1',
      ],
      (l) => lines.push(l),
    );
    const onAbort = () => run.stop();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const chunks: Buffer[] = [];
    run.proc.stdout!.on('data', (c: Buffer) => chunks.push(c));
    try {
      const { code } = await run.done;
      return { jpeg: Buffer.concat(chunks), lines, code };
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  };
  let r = await grab(atSec);
  if (opts.signal?.aborted) throw cancelled(`Decoding ${file}`);
  if (r.code === 0 && r.jpeg.length === 0 && atSec > 0) r = await grab(0);
  if (r.code !== 0 || r.jpeg.length === 0) throw decodeFailed(file, r.lines.length ? r.lines : ['no frame could be decoded'], { atSec });
  return r.jpeg;
}
