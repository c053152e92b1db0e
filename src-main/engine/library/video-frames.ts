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
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { EngineError } from '../errors';
import { librarySettings } from '../settings';
import type { LibrarySettings } from '../settings';
import { cancelled, libraryFsError } from './fs-errors';

export interface VideoProbe {
  /** Seconds; null when the container does not say (some streamed WebM/MKV). */
  durationSec: number | null;
  /** Container start time; frame times are reported relative to it, as `-ss` seeks. */
  startSec: number;
  /** As displayed: the rotation is applied (a portrait phone video is taller than wide). */
  width: number;
  height: number;
  /** Stored (coded) size, before rotation. */
  codedWidth: number;
  codedHeight: number;
  fps: number | null;
  /** Clockwise degrees a player turns the stored frames. */
  rotation: 0 | 90 | 180 | 270;
  codec: string;
  /** ffmpeg's index of the video stream used (cover-art "attached pic" streams are skipped). */
  streamIndex: number;
  hasAudio: boolean;
  /** Container creation time, UTC ms; null when absent or a placeholder (1904/1970 epochs). */
  creationTime: number | null;
  /** Where creationTime came from: Apple's creationdate carries the local offset, creation_time is UTC. */
  creationTimeSource: 'quicktime-creationdate' | 'creation_time' | null;
  /** Offset of the place it was shot, e.g. "+02:00", when the container says (Apple's creationdate). */
  creationTimeOffset: string | null;
  make: string | null;
  model: string | null;
  latitude: number | null;
  longitude: number | null;
}

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
// ffmpeg binary

let resolvedFfmpeg: string | undefined;

/** The bundled binary; FACE_ORGANIZER_FFMPEG points elsewhere (a system ffmpeg, a packaged app's copy). */
export function ffmpegPath(): string {
  const fromEnv = process.env.FACE_ORGANIZER_FFMPEG;
  if (fromEnv) return fromEnv;
  if (resolvedFfmpeg) return resolvedFfmpeg;
  try {
    const req = createRequire(import.meta.url);
    const p = (req('@ffmpeg-installer/ffmpeg') as { path: string }).path;
    // In a packaged Electron app the binary must be unpacked from the asar archive to be executable.
    resolvedFfmpeg = p.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
    return resolvedFfmpeg;
  } catch (e) {
    throw new EngineError('VIDEO_DECODE_FAILED', `No ffmpeg binary for this platform: ${String(e)}`, { reason: 'ffmpeg-missing' });
  }
}

interface Run {
  proc: ChildProcess;
  /** Resolves when the process has exited and its pipes are closed. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stops ffmpeg: SIGTERM (it exits cleanly), then SIGKILL if it is still there after 2 s. */
  stop(): void;
  stopped(): boolean;
}

function startFfmpeg(args: string[], onStderrLine: (line: string) => void): Run {
  let proc: ChildProcess;
  try {
    proc = spawn(ffmpegPath(), ['-hide_banner', '-nostdin', ...args], { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  } catch (e) {
    throw new EngineError('VIDEO_DECODE_FAILED', `Could not start ffmpeg: ${e instanceof Error ? e.message : String(e)}`);
  }
  let stopRequested = false;
  let pending = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (chunk: string) => {
    pending += chunk;
    // ffmpeg ends progress lines with \r, log lines with \n.
    const lines = pending.split(/\r\n|\n|\r/);
    pending = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) onStderrLine(l);
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('error', (e) => {
      onStderrLine(`spawn failed: ${e.message}`);
      resolve({ code: -1, signal: null });
    });
    proc.once('close', (code, signal) => {
      if (pending.trim()) onStderrLine(pending);
      pending = '';
      resolve({ code, signal });
    });
  });
  let killTimer: NodeJS.Timeout | undefined;
  void done.then(() => clearTimeout(killTimer));
  return {
    proc,
    done,
    stop() {
      if (stopRequested || proc.exitCode !== null || proc.signalCode !== null) return;
      stopRequested = true;
      proc.kill('SIGTERM');
      killTimer = setTimeout(() => proc.kill('SIGKILL'), 2000);
      killTimer.unref();
    },
    stopped: () => stopRequested,
  };
}

/** The line of ffmpeg's report that says what went wrong (not its usage complaint, not per-frame logs). */
function lastMeaningful(lines: string[]): string {
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!.trim();
    if (!l || l.startsWith('At least one output file') || /Parsed_showinfo/.test(l)) continue;
    return l;
  }
  return 'ffmpeg gave no reason';
}

async function checkFile(file: string): Promise<void> {
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new EngineError('FILE_UNREADABLE', `${file} is not a regular file`, { path: file });
    if (st.size === 0) throw new EngineError('FILE_EMPTY', `${file} is empty (0 bytes)`, { path: file });
  } catch (e) {
    throw libraryFsError(file, e, 'file', true);
  }
}

function decodeFailed(file: string, lines: string[], extra: Record<string, unknown> = {}): EngineError {
  const line = lastMeaningful(lines);
  const reason = line.startsWith(`${file}: `) ? line.slice(file.length + 2) : line;
  return new EngineError('VIDEO_DECODE_FAILED', `${file}: ${reason}`, { path: file, ...extra });
}

// ---------------------------------------------------------------------------------------------------------
// Probe

const PROBE_TIMEOUT_MS = 30_000;

/** Container and video-stream facts from `ffmpeg -i` (header only; nothing is decoded). */
export async function probeVideo(file: string, opts: { signal?: AbortSignal } = {}): Promise<VideoProbe> {
  await checkFile(file);
  const lines: string[] = [];
  const run = startFfmpeg(['-i', file], (l) => lines.push(l));
  const timer = setTimeout(() => run.stop(), PROBE_TIMEOUT_MS);
  const onAbort = () => run.stop();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    run.proc.stdout!.resume();
    await run.done;
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
  if (opts.signal?.aborted) throw cancelled(`Probing ${file}`);
  const probe = parseProbe(lines);
  if (!probe) throw decodeFailed(file, lines);
  return probe;
}

const STREAM_RE = /^\s*Stream #\d+:(\d+)(?:\[[^\]]*\])?(?:\([^)]*\))?: (Video|Audio|Subtitle|Data|Attachment): (.*)$/;
const KV_RE = /^\s*([^:]+?)\s*: (.*)$/;

/** Parses ffmpeg's input report; null when it holds no decodable video stream. Exported for tests. */
export function parseProbe(lines: string[]): VideoProbe | null {
  let section: 'none' | 'format' | 'stream' = 'none';
  const format = new Map<string, string>();
  let durationSec: number | null = null;
  let startSec = 0;
  interface S { index: number; type: string; desc: string; meta: Map<string, string> }
  const streams: S[] = [];
  for (const line of lines) {
    if (/^Input #0/.test(line)) {
      section = 'format';
      continue;
    }
    if (/^Input #[1-9]|^Output #/.test(line)) break;
    const dm = /^\s*Duration: (?:(\d+):(\d+):(\d+(?:\.\d+)?)|N\/A)(?:, start: (-?\d+(?:\.\d+)?))?/.exec(line);
    if (dm) {
      if (dm[1] !== undefined) durationSec = Number(dm[1]) * 3600 + Number(dm[2]) * 60 + Number(dm[3]);
      if (dm[4] !== undefined) startSec = Number(dm[4]);
      continue;
    }
    const sm = STREAM_RE.exec(line);
    if (sm) {
      streams.push({ index: Number(sm[1]), type: sm[2]!, desc: sm[3]!, meta: new Map() });
      section = 'stream';
      continue;
    }
    if (/^\s*(Metadata|Side data|Chapters?)\b.*:\s*$/.test(line)) continue;
    const kv = KV_RE.exec(line);
    if (!kv) continue;
    const key = kv[1]!.trim();
    const value = kv[2]!.trim();
    if (section === 'format') {
      if (!format.has(key)) format.set(key, value);
    } else if (section === 'stream') {
      const s = streams[streams.length - 1]!;
      if (!s.meta.has(key)) s.meta.set(key, value);
    }
  }

  const video = streams.find((s) => s.type === 'Video' && !/\(attached pic\)/.test(s.desc));
  if (!video) return null;
  const size = /(?:^|[\s,])(\d{1,6})x(\d{1,6})(?=[\s,[]|$)/.exec(video.desc);
  if (!size) return null;
  const codedWidth = Number(size[1]);
  const codedHeight = Number(size[2]);
  if (codedWidth <= 0 || codedHeight <= 0) return null;
  const codec = /^([^\s,(]+)/.exec(video.desc)?.[1] ?? 'unknown';
  const fps = parseRate(/([\d.]+k?) fps/.exec(video.desc)?.[1]) ?? parseRate(/([\d.]+k?) tbr/.exec(video.desc)?.[1]);

  let rotation = 0;
  const rotateTag = video.meta.get('rotate');
  const matrix = /rotation of (-?[\d.]+) degrees/.exec(video.meta.get('displaymatrix') ?? '');
  if (rotateTag !== undefined && Number.isFinite(Number(rotateTag))) rotation = Number(rotateTag);
  else if (matrix) rotation = -Number(matrix[1]); // the matrix states counter-clockwise degrees
  const quarter = (((Math.round(rotation / 90) * 90) % 360) + 360) % 360 as 0 | 90 | 180 | 270;
  const swap = quarter === 90 || quarter === 270;

  const created = creationTimeOf(format, video.meta);
  const location = parseIso6709(format.get('com.apple.quicktime.location.ISO6709') ?? format.get('location') ?? format.get('location-eng'));
  return {
    durationSec,
    startSec,
    width: swap ? codedHeight : codedWidth,
    height: swap ? codedWidth : codedHeight,
    codedWidth,
    codedHeight,
    fps,
    rotation: quarter,
    codec,
    streamIndex: video.index,
    hasAudio: streams.some((s) => s.type === 'Audio'),
    ...created,
    make: format.get('com.apple.quicktime.make') ?? format.get('make') ?? null,
    model: format.get('com.apple.quicktime.model') ?? format.get('model') ?? null,
    latitude: location?.[0] ?? null,
    longitude: location?.[1] ?? null,
  };
}

function parseRate(v: string | undefined): number | null {
  if (!v) return null;
  const n = v.endsWith('k') ? Number(v.slice(0, -1)) * 1000 : Number(v);
  return Number.isFinite(n) && n > 0 ? n : null;
}

/**
 * Apple's com.apple.quicktime.creationdate ("2019-05-03T14:22:11+0200") is the local capture time with its
 * offset; creation_time is UTC (many cameras write local time there as if it were UTC — nothing in the file
 * tells, so it is taken as written). Years before 1971 are muxers' zero dates.
 */
function creationTimeOf(format: Map<string, string>, stream: Map<string, string>): Pick<VideoProbe, 'creationTime' | 'creationTimeSource' | 'creationTimeOffset'> {
  const apple = format.get('com.apple.quicktime.creationdate');
  if (apple) {
    const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:?\d{2})$/.exec(apple);
    if (m) {
      const offset = m[2] === 'Z' ? '+00:00' : `${m[2]!.slice(0, 3)}:${m[2]!.slice(-2)}`;
      const t = Date.parse(`${m[1]}${offset}`);
      if (plausible(t)) return { creationTime: t, creationTimeSource: 'quicktime-creationdate', creationTimeOffset: offset };
    }
  }
  for (const v of [format.get('creation_time'), stream.get('creation_time')]) {
    if (!v) continue;
    const iso = /[zZ]|[+-]\d{2}:?\d{2}$/.test(v) ? v : `${v.replace(' ', 'T')}Z`;
    const t = Date.parse(iso);
    if (plausible(t)) return { creationTime: t, creationTimeSource: 'creation_time', creationTimeOffset: null };
  }
  return { creationTime: null, creationTimeSource: null, creationTimeOffset: null };
}

function plausible(t: number): boolean {
  return Number.isFinite(t) && t >= Date.UTC(1971, 0, 1);
}

/** "+48.8583+002.2945+035.000/" → [lat, lon]. */
function parseIso6709(v: string | undefined): [number, number] | null {
  if (!v) return null;
  const m = /^([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)/.exec(v.trim());
  if (!m) return null;
  const lat = Number(m[1]);
  const lon = Number(m[2]);
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  return [lat, lon];
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
