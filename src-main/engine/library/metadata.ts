/**
 * What a photo or video says about itself: when it was taken, with what, where, how the user rated and
 * tagged it. Photos through exifr (EXIF, XMP, IPTC; reads only the header chunks), videos through the
 * container report of ffmpeg (video-frames.ts). Never throws for missing or broken metadata: every field is
 * optional except the capture time, which falls back to the file's mtime.
 */
import { stat } from 'node:fs/promises';
import exifr from 'exifr';
import { mediaKindOf } from './media-types';
import type { MediaKind } from './media-types';
import { probeVideo } from './video-probe';
import type { VideoProbe } from './video-probe';

export type CapturedAtSource =
  /** EXIF DateTimeOriginal: the shutter. */
  | 'exif-original'
  /** EXIF CreateDate (DateTimeDigitized): a scan's digitization, or the shutter on cameras that write only this. */
  | 'exif-digitized'
  /** XMP photoshop:DateCreated / xmp:CreateDate (editors and some phones). */
  | 'xmp'
  /** A video container's creation time. */
  | 'container'
  /** Nothing in the file: its modification time. */
  | 'mtime';

/**
 * How the capture time was placed on the UTC time line:
 * - 'offset': the file gave the zone offset (EXIF OffsetTime*, XMP with offset, Apple's video creationdate);
 * - 'gps': no offset, but the GPS UTC time stamp fixed it (offset = local - GPS time, rounded to 15 min);
 * - 'local': no offset at all: the wall-clock time was read as this computer's local time zone, which is
 *   wrong by the zone difference for photos taken elsewhere (EXIF before 2.31 has no zone);
 * - 'utc': stored as UTC (video creation_time, file mtime).
 */
export type CapturedAtZone = 'offset' | 'gps' | 'local' | 'utc';

export interface MediaMetadata {
  kind: MediaKind;
  /** UTC milliseconds. */
  capturedAt: number;
  capturedAtSource: CapturedAtSource;
  capturedAtZone: CapturedAtZone;
  /** The zone offset of the capture place ("+02:00") when known. */
  capturedAtOffset?: string;
  cameraMake?: string;
  cameraModel?: string;
  /** 0-5 stars; -1 means "rejected" (XMP). */
  rating?: number;
  latitude?: number;
  longitude?: number;
  /** XMP dc:subject, IPTC Keywords and Windows XPKeywords, de-duplicated. */
  keywords: string[];
  /** EXIF orientation 1-8 (photos). */
  orientation?: number;
  /** Videos: from the container. */
  durationSec?: number;
  width?: number;
  height?: number;
}

export interface ReadMetadataOptions {
  /** The file's mtime if the caller has it (saves a stat). */
  mtimeMs?: number;
  /** A probe already made for this video. */
  probe?: VideoProbe;
}

/** exifr's output with raw values (reviveValues/translateValues off): strings as written, numbers as numbers. */
type Raw = Record<string, unknown>;

const EXIFR_OPTIONS = {
  tiff: true,
  exif: true,
  gps: true,
  xmp: true,
  iptc: true,
  ifd1: false, // the thumbnail's IFD
  icc: false,
  jfif: false,
  ihdr: false,
  makerNote: false,
  userComment: false,
  // Raw strings: revived dates would be read in this process's time zone and lose the offset question.
  reviveValues: false,
  translateValues: false,
  translateKeys: true,
  mergeOutput: true,
  silentErrors: true,
} as const;

export async function readMetadata(file: string, opts: ReadMetadataOptions = {}): Promise<MediaMetadata> {
  const kind = mediaKindOf(file) ?? 'image';
  let mtimeMs = opts.mtimeMs;
  if (mtimeMs === undefined) {
    try {
      mtimeMs = (await stat(file)).mtimeMs;
    } catch {
      mtimeMs = Date.now();
    }
  }
  const fallback: MediaMetadata = { kind, capturedAt: Math.round(mtimeMs), capturedAtSource: 'mtime', capturedAtZone: 'utc', keywords: [] };
  if (kind === 'video') return videoMetadata(file, fallback, opts.probe);

  let raw: Raw | undefined;
  try {
    raw = (await exifr.parse(file, EXIFR_OPTIONS)) as Raw | undefined;
  } catch {
    // Formats exifr does not read (GIF, WebP) and damaged headers: the file still indexes, with its mtime.
    raw = undefined;
  }
  if (!raw) return fallback;
  return { ...fallback, ...photoFields(raw) };
}

/** The metadata fields of exifr's raw output. Exported for tests. */
export function photoFields(raw: Raw): Partial<MediaMetadata> {
  const out: Partial<MediaMetadata> = {};
  const time = captureTime(raw);
  if (time) Object.assign(out, time);
  const make = cleanText(raw.Make);
  const model = cleanText(raw.Model);
  if (make) out.cameraMake = make;
  if (model) out.cameraModel = model;
  const rating = ratingOf(raw);
  if (rating !== undefined) out.rating = rating;
  const gps = gpsOf(raw);
  if (gps) {
    out.latitude = gps[0];
    out.longitude = gps[1];
  }
  out.keywords = keywordsOf(raw);
  const o = typeof raw.Orientation === 'number' ? raw.Orientation : Number.NaN;
  if (o >= 1 && o <= 8) out.orientation = o;
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Capture time

const EXIF_DATE = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?/;
const OFFSET = /^([+-])(\d{2}):?(\d{2})$/;

function captureTime(raw: Raw): Pick<MediaMetadata, 'capturedAt' | 'capturedAtSource' | 'capturedAtZone' | 'capturedAtOffset'> | null {
  const candidates: [CapturedAtSource, unknown, unknown, unknown][] = [
    ['exif-original', raw.DateTimeOriginal, raw.OffsetTimeOriginal, raw.SubSecTimeOriginal],
    ['exif-digitized', raw.CreateDate, raw.OffsetTimeDigitized, raw.SubSecTimeDigitized],
  ];
  for (const [source, date, offset, subsec] of candidates) {
    const wall = parseExifDate(date, subsec);
    if (!wall) continue;
    const off = parseOffset(offset) ?? parseOffset(raw.OffsetTime);
    if (off) return { capturedAt: wall.utcIfZero - off.minutes * 60_000, capturedAtSource: source, capturedAtZone: 'offset', capturedAtOffset: off.text };
    const gpsOff = offsetFromGps(raw, wall.utcIfZero);
    if (gpsOff) {
      return { capturedAt: wall.utcIfZero - gpsOff.minutes * 60_000, capturedAtSource: source, capturedAtZone: 'gps', capturedAtOffset: gpsOff.text };
    }
    return { capturedAt: wall.local, capturedAtSource: source, capturedAtZone: 'local' };
  }
  // XMP dates are ISO 8601, usually with an offset (photoshop:DateCreated, xmp:CreateDate).
  for (const v of [raw.DateCreated, raw.CreateDate]) {
    if (typeof v !== 'string') continue;
    const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:\d{2})?$/.exec(v.trim());
    if (!m) continue;
    if (m[2]) {
      const t = Date.parse(`${m[1]}${m[2]}`);
      if (plausible(t)) {
        return { capturedAt: t, capturedAtSource: 'xmp', capturedAtZone: 'offset', capturedAtOffset: m[2] === 'Z' ? '+00:00' : m[2] };
      }
    } else {
      const t = Date.parse(m[1]!); // no zone: ECMAScript reads a date-time without offset as local time
      if (plausible(t)) return { capturedAt: t, capturedAtSource: 'xmp', capturedAtZone: 'local' };
    }
  }
  return null;
}

/** EXIF "YYYY:MM:DD HH:MM:SS" as UTC-if-no-offset and as this machine's local time; null for blanks ("0000:00:00 ..."). */
function parseExifDate(v: unknown, subsec: unknown): { utcIfZero: number; local: number } | null {
  if (typeof v !== 'string') return null;
  const m = EXIF_DATE.exec(v.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (y < 1800 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60) return null;
  const frac = m[7] ?? (typeof subsec === 'string' || typeof subsec === 'number' ? String(subsec).trim() : '');
  const ms = /^\d+$/.test(frac) ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  const utcIfZero = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const local = new Date(y, mo - 1, d, h, mi, s, ms).getTime();
  return { utcIfZero, local };
}

function parseOffset(v: unknown): { minutes: number; text: string } | null {
  if (typeof v !== 'string') return null;
  const m = OFFSET.exec(v.trim());
  if (!m) return null;
  const minutes = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  if (Math.abs(minutes) > 14 * 60) return null;
  return { minutes, text: `${m[1]}${m[2]}:${m[3]}` };
}

/**
 * GPS receivers stamp UTC (GPSDateStamp + GPSTimeStamp). Local wall-clock minus that, rounded to a quarter
 * hour, is the zone offset — when the two are within 14 hours (a stale GPS fix is not).
 */
function offsetFromGps(raw: Raw, wallAsUtc: number): { minutes: number; text: string } | null {
  const ds = typeof raw.GPSDateStamp === 'string' ? /^(\d{4}):(\d{2}):(\d{2})$/.exec(raw.GPSDateStamp.trim()) : null;
  const ts = raw.GPSTimeStamp;
  if (!ds || !Array.isArray(ts) || ts.length < 3) return null;
  const [h, mi, s] = ts.map(Number) as [number, number, number];
  if (![h, mi, s].every(Number.isFinite)) return null;
  const gps = Date.UTC(Number(ds[1]), Number(ds[2]) - 1, Number(ds[3]), 0, 0, 0) + (h * 3600 + mi * 60 + s) * 1000;
  const minutes = Math.round((wallAsUtc - gps) / 60_000 / 15) * 15;
  if (Math.abs(minutes) > 14 * 60 || Math.abs(wallAsUtc - gps - minutes * 60_000) > 10 * 60_000) return null;
  const sign = minutes < 0 ? '-' : '+';
  const a = Math.abs(minutes);
  return { minutes, text: `${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}` };
}

function plausible(t: number): boolean {
  return Number.isFinite(t) && t > Date.UTC(1800, 0, 1);
}

// ---------------------------------------------------------------------------------------------------------
// Other fields

function cleanText(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  // Camera firmware pads with NULs and spaces.
  const s = v.replace(/\0+$/g, '').trim();
  return s || undefined;
}

/**
 * XMP xmp:Rating and EXIF Rating (0x4746) share exifr's merged key `Rating` (both 0-5, XMP allows -1 for
 * rejected); EXIF RatingPercent (0x4749, Windows) maps 1/25/50/75/99 to 1-5 stars as Windows does.
 */
function ratingOf(raw: Raw): number | undefined {
  const r = Number(raw.Rating);
  if (raw.Rating !== undefined && Number.isFinite(r) && r >= -1 && r <= 5) return Math.round(r);
  const p = Number(raw.RatingPercent);
  if (raw.RatingPercent !== undefined && Number.isFinite(p) && p >= 0 && p <= 100) return p === 0 ? 0 : Math.min(5, Math.round(p / 25) + 1);
  return undefined;
}

function gpsOf(raw: Raw): [number, number] | null {
  // exifr computes signed decimal degrees from GPSLatitude/Ref even with raw values.
  const lat = Number(raw.latitude);
  const lon = Number(raw.longitude);
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  // 0,0 is what some apps write when there was no fix.
  if (lat === 0 && lon === 0) return null;
  return [lat, lon];
}

function keywordsOf(raw: Raw): string[] {
  const out = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === 'string') {
      for (const k of v.split(/[;,]/)) {
        const t = k.replace(/\0/g, '').trim();
        if (t) out.add(t);
      }
    } else if (typeof v === 'number') out.add(String(v));
    else if (Array.isArray(v)) v.forEach(add);
    else if (v && typeof v === 'object' && 'value' in v) add((v as { value: unknown }).value);
  };
  add(raw.subject); // XMP dc:subject
  add(raw.Keywords); // IPTC
  // Windows XPKeywords: UCS-2 little-endian bytes when values are not revived.
  if (raw.XPKeywords instanceof Uint8Array) add(Buffer.from(raw.XPKeywords).toString('utf16le'));
  else add(raw.XPKeywords);
  return [...out];
}

async function videoMetadata(file: string, base: MediaMetadata, probe?: VideoProbe): Promise<MediaMetadata> {
  let p = probe;
  if (!p) {
    try {
      p = await probeVideo(file);
    } catch {
      return base;
    }
  }
  const out: MediaMetadata = { ...base };
  if (p.creationTime !== null) {
    out.capturedAt = p.creationTime;
    out.capturedAtSource = 'container';
    out.capturedAtZone = p.creationTimeOffset ? 'offset' : 'utc';
    if (p.creationTimeOffset) out.capturedAtOffset = p.creationTimeOffset;
  }
  if (p.make) out.cameraMake = p.make;
  if (p.model) out.cameraModel = p.model;
  if (p.latitude !== null && p.longitude !== null) {
    out.latitude = p.latitude;
    out.longitude = p.longitude;
  }
  if (p.durationSec !== null) out.durationSec = p.durationSec;
  out.width = p.width;
  out.height = p.height;
  return out;
}
