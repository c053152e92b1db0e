/**
 * Container and video-stream facts (size, duration, rotation, creation time, place) from the report that
 * `ffmpeg -i` prints: the bundled static ffmpeg 4.1 has no ffprobe.
 */
import { cancelled } from './fs-errors';
import { checkFile, decodeFailed, startFfmpeg } from './ffmpeg';

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
