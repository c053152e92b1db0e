/**
 * Any photo → packed RGB for the face pipeline, in the coordinates a viewer shows (orientation applied),
 * shrunk on load to the detector's working size, and refused early when it is not something we should decode.
 *
 * sharp (libvips) reads JPEG, PNG, WebP, TIFF, GIF and AVIF. Its prebuilt libheif has no HEVC decoder, so
 * HEIC/HEIF (iPhone photos) goes through heic-decode (libheif compiled to WebAssembly) and then through sharp
 * as raw RGBA for flattening and resizing.
 *
 * Orientation: for JPEG/PNG/WebP/TIFF the EXIF Orientation tag is applied. In HEIF containers (HEIC and AVIF)
 * the irot/imir item properties are the authoritative transform and libheif applies them while decoding; the
 * EXIF tag there is informational (ISO/IEC 23008-12, MIAF) and is ignored, as libvips and libheif do; applying
 * both would turn an iPhone portrait twice. `orientation` then reports the EXIF code equivalent to irot/imir.
 */
import { createRequire } from 'node:module';
import { open, readFile, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Metadata, Sharp } from 'sharp';
import { EngineError } from '../errors';
import type { ErrorCode } from '../errors';

export interface DecodedImage {
  /** Packed RGB, 3 bytes per pixel, row-major, no padding, no alpha. */
  data: Buffer;
  /** Decoded width after orientation and shrink. */
  width: number;
  height: number;
  /** Decoded px per oriented-original px (<= 1); boxes map back to the original by dividing. */
  scale: number;
  /** Oriented (as a viewer shows it) full-size width. */
  originalWidth: number;
  originalHeight: number;
  /** EXIF orientation that was applied (1..8; 1 when none). For HEIF, the EXIF code equal to its irot/imir. */
  orientation: number;
  /** 'jpeg' | 'png' | 'webp' | 'tiff' | 'gif' | 'avif' | 'heic' */
  format: string;
  /**
   * decodeRegion only: the crop actually taken, in oriented original px (the requested one rounded outward to
   * whole pixels and clipped to the image). A point (u, v) of the output is at (region.x + u / scale, region.y + v / scale).
   */
  region?: { x: number; y: number; width: number; height: number };
}

export interface DecodeOptions {
  /** Longest side of the output; smaller images are never enlarged. */
  maxSide: number;
  /** Refuse images whose stored width x height exceeds this, before decoding any pixel. */
  maxPixels: number;
}

export interface ImageRegion {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ImageProbe {
  /** Oriented width and height (as a viewer shows the image). */
  width: number;
  height: number;
  orientation: number;
  format: string;
  hasAlpha: boolean;
}

// libvips keeps recently used operations and their open files (default 50 MB, 20 files, 100 ops) so that
// repeating work on one image is cheap. An indexer opens each file once, so the cache never hits; it only
// makes memory and descriptors grow over thousands of files. Off, process-wide (it is a libvips global).
sharp.cache(false);

/**
 * Transparent pixels are flattened onto mid-grey. Detectors normalize input around 127.5, so grey is the
 * "no signal" value; white or black backgrounds make hard edges around a cut-out head that can read as
 * contours, and the RGB hidden under alpha 0 is often arbitrary garbage.
 */
const FLATTEN_BACKGROUND = { r: 128, g: 128, b: 128 };

/**
 * 'linear' reduce after libjpeg/libwebp shrink-on-load: measured fastest among the anti-aliased kernels
 * (12 MP JPEG to 1600 px: linear ~40 ms, cubic ~55 ms, lanczos3 ~63 ms). The remaining reduction after
 * the DCT shrink is below 2x, where kernel choice makes no difference a face detector can see.
 */
const RESIZE_KERNEL = 'linear' as const;

/**
 * Truncated files (interrupted copies, partial downloads) are refused: a grey lower half would be indexed
 * as a valid photo with no faces and never retried. 'truncated' rather than 'error' or 'warning' so that
 * in-stream damage that still yields a whole image (bad CRC in an ancillary PNG chunk, the "Corrupt JPEG
 * data: extraneous bytes" warning common in camera files) still decodes: most of such a photo is fine.
 */
const FAIL_ON = 'truncated' as const;

/** Formats handed to sharp. 'heif' is only AV1 (AVIF); HEVC goes to heic-decode. */
const SHARP_FORMATS = new Set(['jpeg', 'png', 'webp', 'tiff', 'gif', 'heif']);

/** Camera RAW: mostly TIFF containers whose first image is a thumbnail or undemosaiced sensor data. */
const RAW_EXTENSIONS = new Set([
  '.dng', '.cr2', '.cr3', '.crw', '.nef', '.nrw', '.arw', '.srf', '.sr2', '.orf', '.rw2', '.raf', '.pef', '.srw',
  '.3fr', '.erf', '.kdc', '.dcr', '.mrw', '.x3f', '.iiq', '.mos', '.rwl',
]);

const HEVC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs']);
const AVIF_BRANDS = new Set(['avif', 'avis']);
const GENERIC_HEIF_BRANDS = new Set(['mif1', 'msf1', 'miaf', 'mif2']);

const HEAD_BYTES = 4096;
/** The HEIF meta box (item properties) is read for orientation; bigger than this is not a photo we know. */
const MAX_HEIF_META_BYTES = 16 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------
// Public API

export async function decodeImage(input: string | Buffer, opts: DecodeOptions): Promise<DecodedImage> {
  checkOptions(opts);
  const src = await openSource(input);
  const kind = await classify(src);
  if (kind.type === 'heic') {
    const px = await heicPixels(src, opts.maxPixels);
    const img = sharp(px.rgba, { raw: { width: px.width, height: px.height, channels: 4 } });
    const out = await run(src, finish(img, opts.maxSide));
    return result(out, px.width, px.height, px.orientation, 'heic', px.width, px.height);
  }
  const { meta, format, orientation } = kind;
  checkPixels(src, meta.width ?? 0, meta.height ?? 0, opts.maxPixels);
  const { width, height } = orientedSize(meta);
  const img = sharpInput(src, opts.maxPixels).rotate();
  const out = await run(src, finish(img, opts.maxSide));
  return result(out, width, height, orientation, format, width, height);
}

/** Crop of the oriented full-resolution image, resized so its longest side is at most maxSide: used to re-read small faces at full resolution. */
export async function decodeRegion(
  input: string | Buffer,
  region: ImageRegion,
  opts: DecodeOptions,
): Promise<DecodedImage> {
  checkOptions(opts);
  for (const k of ['x', 'y', 'width', 'height'] as const) {
    if (!Number.isFinite(region[k])) throw new EngineError('INVALID_ARGUMENT', `region.${k} must be a finite number, got ${region[k]}`);
  }
  const src = await openSource(input);
  const kind = await classify(src);

  let origW: number;
  let origH: number;
  let img: Sharp;
  let orientation: number;
  let format: string;
  if (kind.type === 'heic') {
    const px = await heicPixels(src, opts.maxPixels);
    origW = px.width;
    origH = px.height;
    img = sharp(px.rgba, { raw: { width: px.width, height: px.height, channels: 4 } });
    orientation = px.orientation;
    format = 'heic';
  } else {
    checkPixels(src, kind.meta.width ?? 0, kind.meta.height ?? 0, opts.maxPixels);
    ({ width: origW, height: origH } = orientedSize(kind.meta));
    // Auto-orient is applied before the extract, so the region is in viewer coordinates.
    img = sharpInput(src, opts.maxPixels).rotate();
    orientation = kind.orientation;
    format = kind.format;
  }

  const x0 = clamp(Math.floor(region.x), 0, origW);
  const y0 = clamp(Math.floor(region.y), 0, origH);
  const x1 = clamp(Math.ceil(region.x + region.width), 0, origW);
  const y1 = clamp(Math.ceil(region.y + region.height), 0, origH);
  if (x1 - x0 < 1 || y1 - y0 < 1) {
    throw new EngineError(
      'INVALID_ARGUMENT',
      `Region ${JSON.stringify(region)} does not overlap the ${origW}x${origH} image ${src.name}`,
      { path: src.path, region, width: origW, height: origH },
    );
  }
  const crop = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  img = img.extract({ left: crop.x, top: crop.y, width: crop.width, height: crop.height });
  const out = await run(src, finish(img, opts.maxSide));
  const decoded = result(out, crop.width, crop.height, orientation, format, origW, origH);
  decoded.region = crop;
  return decoded;
}

/** Header-only look at an image: no pixel is decoded (for HEIC the container is parsed, not the HEVC data). */
export async function probeImage(
  input: string | Buffer,
  opts: { maxPixels?: number } = {},
): Promise<ImageProbe> {
  if (opts.maxPixels !== undefined) checkMaxPixels(opts.maxPixels);
  const src = await openSource(input);
  const kind = await classify(src);
  if (kind.type === 'heic') {
    const buf = await wholeFile(src);
    const { width, height } = await heicSize(src, buf, opts.maxPixels);
    const props = heifProperties(buf);
    return { width, height, orientation: props.orientation, format: 'heic', hasAlpha: props.hasAlpha };
  }
  const { width, height } = orientedSize(kind.meta);
  if (opts.maxPixels !== undefined) checkPixels(src, kind.meta.width ?? 0, kind.meta.height ?? 0, opts.maxPixels);
  return { width, height, orientation: kind.orientation, format: kind.format, hasAlpha: kind.meta.hasAlpha ?? false };
}

// ---------------------------------------------------------------------------------------------------------
// Sources: a path or a buffer, checked before any decoder sees it

interface Source {
  /** For messages: the path, or "image buffer". */
  name: string;
  path: string | undefined;
  buffer: Buffer | undefined;
  stats: Stats | undefined;
  /** The first bytes, for signature sniffing. */
  head: Buffer;
}

async function openSource(input: string | Buffer): Promise<Source> {
  if (Buffer.isBuffer(input)) {
    const name = 'image buffer';
    if (input.length === 0) throw new EngineError('FILE_EMPTY', `The ${name} is empty (0 bytes)`);
    return { name, path: undefined, buffer: input, stats: undefined, head: input.subarray(0, HEAD_BYTES) };
  }
  if (typeof input !== 'string' || input.length === 0) {
    throw new EngineError('INVALID_ARGUMENT', 'Image input must be a file path or a Buffer');
  }
  const file = input;
  let stats: Stats;
  try {
    stats = await stat(file);
  } catch (e) {
    throw fsError(file, e);
  }
  if (stats.isDirectory()) {
    throw new EngineError('FILE_UNREADABLE', `Cannot read ${file}: it is a directory, not a file`, { path: file });
  }
  // FIFOs and devices would block or never end; a photo is a regular file.
  if (!stats.isFile()) {
    throw new EngineError('FILE_UNREADABLE', `Cannot read ${file}: it is not a regular file`, { path: file });
  }
  if (stats.size === 0) throw new EngineError('FILE_EMPTY', `${file} is empty (0 bytes)`, { path: file });
  let head: Buffer;
  try {
    const fh = await open(file, 'r');
    try {
      const buf = Buffer.alloc(Math.min(HEAD_BYTES, stats.size));
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      head = buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw fsError(file, e);
  }
  return { name: file, path: file, buffer: undefined, stats, head };
}

function fsError(file: string, e: unknown): EngineError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const reason = e instanceof Error ? e.message : String(e);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new EngineError('FILE_NOT_FOUND', `${file} does not exist`, { path: file }, { cause: e });
  }
  if (code === 'EISDIR') {
    return new EngineError('FILE_UNREADABLE', `Cannot read ${file}: it is a directory, not a file`, { path: file }, { cause: e });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new EngineError('FILE_UNREADABLE', `Cannot read ${file}: permission denied`, { path: file }, { cause: e });
  }
  return new EngineError('FILE_UNREADABLE', `Cannot read ${file}: ${reason}`, { path: file, errno: code }, { cause: e });
}

async function wholeFile(src: Source): Promise<Buffer> {
  if (src.buffer) return src.buffer;
  const file = src.path ?? src.name;
  try {
    return await readFile(file);
  } catch (e) {
    throw fsError(file, e);
  }
}

/** The ftyp + meta boxes of a HEIF file, which hold the item properties (irot, imir, auxC). */
async function heifHeader(src: Source): Promise<Buffer> {
  if (src.buffer) return src.buffer;
  let end = 0;
  for (const box of boxes(src.head, 0, src.head.length, true)) {
    end = box.end;
    if (box.type === 'meta') break;
  }
  if (end <= src.head.length) return src.head;
  if (end > MAX_HEIF_META_BYTES) return src.head;
  const file = src.path ?? src.name;
  try {
    const fh = await open(file, 'r');
    try {
      const buf = Buffer.alloc(end);
      const { bytesRead } = await fh.read(buf, 0, end, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw fsError(file, e);
  }
}

// ---------------------------------------------------------------------------------------------------------
// What is it?

type Classified =
  | { type: 'heic' }
  | { type: 'sharp'; meta: Metadata; format: string; orientation: number };

type Sniffed =
  | { type: 'sharp' }
  | { type: 'isobmff-av1' }
  | { type: 'heic' }
  | { type: 'heif-generic' }
  | { type: 'refuse'; what: string }
  | { type: 'unknown' };

/**
 * Decides the decoder from the signature, then confirms with sharp's header parse. Vector and document
 * formats are refused before any parser sees them: a face app has no business rasterizing SVG (an XML
 * parser on untrusted input) or PDF pages.
 */
async function classify(src: Source): Promise<Classified> {
  const sniffed = sniff(src.head, src.path);
  if (sniffed.type === 'refuse') throw unsupported(src, sniffed.what);
  if (sniffed.type === 'heic') return { type: 'heic' };

  let meta: Metadata;
  try {
    // Header only, so no limit here: checkPixels then refuses with the real numbers in the message.
    meta = await sharp(src.buffer ?? src.path, { failOn: FAIL_ON, limitInputPixels: false }).metadata();
  } catch (e) {
    throw sharpError(src, e, 'read');
  }
  const format = String(meta.format);
  if (format === 'heif' && meta.compression === 'hevc') return { type: 'heic' };
  if (!SHARP_FORMATS.has(format) || (format === 'heif' && meta.compression !== 'av1')) {
    throw unsupported(src, format === 'heif' ? `HEIF with ${String(meta.compression)} compression` : format.toUpperCase());
  }
  let orientation = 1;
  if (format === 'heif') {
    orientation = heifProperties(await heifHeader(src)).orientation;
  } else if (meta.orientation !== undefined && meta.orientation >= 1 && meta.orientation <= 8) {
    orientation = meta.orientation;
  }
  return { type: 'sharp', meta, format: format === 'heif' ? 'avif' : format, orientation };
}

function sniff(head: Buffer, file: string | undefined): Sniffed {
  const ascii = (start: number, end: number): string => head.toString('latin1', start, end);
  const ext = file ? path.extname(file).toLowerCase() : '';
  const b = (i: number): number => head[i] ?? -1;

  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return { type: 'sharp' };
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return { type: 'sharp' };
  }
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return { type: 'sharp' };
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return { type: 'sharp' };

  const tiff = ascii(0, 4);
  if (tiff === 'II*\0' || tiff === 'MM\0*' || tiff === 'II+\0' || tiff === 'MM\0+') {
    if (RAW_EXTENSIONS.has(ext) || ascii(8, 10) === 'CR') return { type: 'refuse', what: 'camera RAW' };
    return { type: 'sharp' };
  }
  if (tiff === 'IIRO' || tiff === 'IIRS' || tiff === 'IIU\0' || ascii(0, 15) === 'FUJIFILMCCD-RAW') {
    return { type: 'refuse', what: 'camera RAW' };
  }

  if (ascii(4, 8) === 'ftyp') {
    const size = head.readUInt32BE(0);
    const brands = [ascii(8, 12)];
    for (let o = 16; o + 4 <= Math.min(size, head.length); o += 4) brands.push(ascii(o, o + 4));
    if (brands.some((x) => AVIF_BRANDS.has(x))) return { type: 'isobmff-av1' };
    if (brands.some((x) => HEVC_BRANDS.has(x))) return { type: 'heic' };
    if (brands.some((x) => GENERIC_HEIF_BRANDS.has(x))) return { type: 'heif-generic' };
    if (brands.includes('crx ')) return { type: 'refuse', what: 'camera RAW (CR3)' };
    if (brands.includes('jxl ')) return { type: 'refuse', what: 'JPEG XL' };
    if (brands.includes('jp2 ')) return { type: 'refuse', what: 'JPEG 2000' };
    return { type: 'refuse', what: 'video or other ISO media file' };
  }
  if (b(0) === 0 && b(1) === 0 && b(2) === 0 && b(3) === 0x0c) {
    if (ascii(4, 8) === 'JXL ') return { type: 'refuse', what: 'JPEG XL' };
    if (ascii(4, 8) === 'jP  ') return { type: 'refuse', what: 'JPEG 2000' };
  }
  if (b(0) === 0xff && b(1) === 0x0a) return { type: 'refuse', what: 'JPEG XL' };
  if (b(0) === 0xff && b(1) === 0x4f && b(2) === 0xff && b(3) === 0x51) return { type: 'refuse', what: 'JPEG 2000' };

  if (ascii(0, 5) === '%PDF-') return { type: 'refuse', what: 'PDF' };
  if (ascii(0, 4) === '%!PS' || (b(0) === 0xc5 && b(1) === 0xd0 && b(2) === 0xd3 && b(3) === 0xc6)) {
    return { type: 'refuse', what: 'PostScript' };
  }
  if (ascii(0, 4) === '8BPS') return { type: 'refuse', what: 'Photoshop PSD' };
  if (ascii(0, 2) === 'BM' && [12, 40, 52, 56, 64, 108, 124].includes(head.length >= 18 ? head.readUInt32LE(14) : -1)) {
    return { type: 'refuse', what: 'BMP' };
  }
  if (looksLikeSvg(head)) return { type: 'refuse', what: 'SVG' };
  return { type: 'unknown' };
}

function looksLikeSvg(head: Buffer): boolean {
  const text = head.toString('utf8').replace(/^\uFEFF/, '').trimStart();
  return text.startsWith('<') && /<svg[\s>]/i.test(text);
}

// ---------------------------------------------------------------------------------------------------------
// sharp path

function sharpInput(src: Source, maxPixels: number): Sharp {
  return sharp(src.buffer ?? src.path, {
    failOn: FAIL_ON,
    // Second line of defence behind checkPixels: libvips enforces it too, should a header lie.
    limitInputPixels: Math.floor(maxPixels),
  });
}

/**
 * The common tail: flatten, shrink, 8-bit sRGB, raw. Resizing right after input lets libvips pick
 * JPEG DCT scaling / WebP shrink-on-load, so a 24 MP photo is never decoded at full size for 1600 px.
 */
function finish(img: Sharp, maxSide: number): Sharp {
  return img
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true, kernel: RESIZE_KERNEL })
    .flatten({ background: FLATTEN_BACKGROUND })
    .removeAlpha()
    .toColourspace('srgb')
    .raw({ depth: 'uchar' });
}

interface RawOut {
  data: Buffer;
  width: number;
  height: number;
}

async function run(src: Source, img: Sharp): Promise<RawOut> {
  let out: { data: Buffer; info: sharp.OutputInfo };
  try {
    out = await img.toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw sharpError(src, e, 'decode');
  }
  const { width, height, channels } = out.info;
  if (channels !== 3 || out.data.length !== width * height * 3) {
    throw new EngineError('INTERNAL', `Decoding ${src.name} gave ${channels} channels, ${out.data.length} bytes for ${width}x${height}`, {
      path: src.path,
    });
  }
  return { data: out.data, width, height };
}

function result(
  out: RawOut,
  srcW: number,
  srcH: number,
  orientation: number,
  format: string,
  originalWidth: number,
  originalHeight: number,
): DecodedImage {
  // The longer side carries the least relative rounding error of the shrink.
  const scale = srcW >= srcH ? out.width / srcW : out.height / srcH;
  return {
    data: out.data,
    width: out.width,
    height: out.height,
    scale,
    originalWidth,
    originalHeight,
    orientation,
    format,
  };
}

function orientedSize(meta: Metadata): { width: number; height: number } {
  if (meta.autoOrient) return { width: meta.autoOrient.width, height: meta.autoOrient.height };
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  return (meta.orientation ?? 1) >= 5 ? { width: h, height: w } : { width: w, height: h };
}

/** Translates a sharp/libvips failure into an EngineError; nothing from libvips leaks raw. */
function sharpError(src: Source, e: unknown, stage: 'read' | 'decode'): EngineError {
  if (e instanceof EngineError) return e;
  const msg = (e instanceof Error ? e.message : String(e)).trim();
  const details = { path: src.path, reason: msg };
  const opts = { cause: e };
  let code: ErrorCode;
  let text: string;
  if (/unsupported image format/i.test(msg)) {
    code = 'NOT_AN_IMAGE';
    text = `${src.name} is not an image (no known image signature)`;
  } else if (/Input file is missing/i.test(msg)) {
    code = 'FILE_NOT_FOUND';
    text = `${src.name} does not exist`;
  } else if (/exceeds pixel limit/i.test(msg)) {
    code = 'IMAGE_TOO_LARGE';
    text = `${src.name} is larger than the pixel limit (${msg})`;
  } else if (/premature end|truncated|unexpected end|end of stream|read error|end of file|out of data/i.test(msg)) {
    code = 'IMAGE_CORRUPT';
    text = `${src.name} is truncated: ${firstLine(msg)}`;
  } else {
    code = 'IMAGE_CORRUPT';
    text = `${src.name} is corrupt and could not be ${stage === 'read' ? 'read' : 'decoded'}: ${firstLine(msg)}`;
  }
  return new EngineError(code, text, details, opts);
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

// ---------------------------------------------------------------------------------------------------------
// HEIC path (heic-decode: libheif in WebAssembly, with libde265)

interface HeicImageHandle {
  width: number;
  height: number;
  decode(): Promise<{ width: number; height: number; data: Uint8ClampedArray }>;
}
interface HeicDecodeModule {
  all(input: { buffer: Buffer | Uint8Array }): Promise<HeicImageHandle[] & { dispose(): void }>;
}

let heicModule: HeicDecodeModule | undefined;

/** Loaded on the first HEIC: the WebAssembly bundle is a few MB that most libraries never need. */
function heic(): HeicDecodeModule {
  if (!heicModule) {
    const require = createRequire(import.meta.url);
    heicModule = require('heic-decode') as HeicDecodeModule;
  }
  return heicModule;
}

interface HeicPixels {
  rgba: Buffer;
  width: number;
  height: number;
  orientation: number;
}

/**
 * One decoded HEIC is kept for a few seconds: libheif-wasm takes about 1.2 s for 12 MP on one core, and
 * the pipeline asks for the same photo again (decodeRegion, once per small face) right after decodeImage.
 * One entry bounds memory to one photo's RGBA.
 */
const HEIC_CACHE_MS = 5000;
let heicCache: { key: string | Buffer; pixels: HeicPixels; timer: NodeJS.Timeout } | undefined;

function heicCacheKey(src: Source): string | Buffer {
  if (src.buffer) return src.buffer;
  return `${src.path ?? ''}\0${src.stats?.size ?? 0}\0${src.stats?.mtimeMs ?? 0}`;
}

async function heicPixels(src: Source, maxPixels: number): Promise<HeicPixels> {
  const key = heicCacheKey(src);
  if (heicCache && heicCache.key === key) {
    const px = heicCache.pixels;
    checkPixels(src, px.width, px.height, maxPixels);
    return px;
  }
  const buf = await wholeFile(src);
  const images = await heicImages(src, buf);
  let pixels: HeicPixels;
  try {
    // heic-decode's default is the first top-level image too; for a camera photo that is the primary one.
    const first = images[0];
    if (!first) throw new EngineError('IMAGE_CORRUPT', `${src.name} is a HEIF file with no image in it`, { path: src.path });
    // Width and height come from the container (ispe + transforms) before any HEVC data is decoded.
    checkPixels(src, first.width, first.height, maxPixels);
    let decoded: { width: number; height: number; data: Uint8ClampedArray };
    try {
      decoded = await first.decode();
    } catch (e) {
      throw new EngineError('IMAGE_CORRUPT', `${src.name} is a corrupt or truncated HEIC: ${errText(e)}`, { path: src.path }, { cause: e });
    }
    const rgba = Buffer.from(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength);
    if (rgba.length !== decoded.width * decoded.height * 4) {
      throw new EngineError('IMAGE_CORRUPT', `${src.name}: HEIC decoder returned ${rgba.length} bytes for ${decoded.width}x${decoded.height}`, {
        path: src.path,
      });
    }
    pixels = { rgba, width: decoded.width, height: decoded.height, orientation: heifProperties(buf).orientation };
  } finally {
    images.dispose();
  }
  if (heicCache) clearTimeout(heicCache.timer);
  const timer = setTimeout(() => {
    heicCache = undefined;
  }, HEIC_CACHE_MS);
  timer.unref();
  heicCache = { key, pixels, timer };
  return pixels;
}

async function heicImages(src: Source, buf: Buffer): Promise<HeicImageHandle[] & { dispose(): void }> {
  let images: HeicImageHandle[] & { dispose(): void };
  try {
    images = await heic().all({ buffer: buf });
  } catch (e) {
    throw new EngineError('IMAGE_CORRUPT', `${src.name} looks like HEIC but its container cannot be parsed: ${errText(e)}`, { path: src.path }, { cause: e });
  }
  return images;
}

async function heicSize(src: Source, buf: Buffer, maxPixels: number | undefined): Promise<{ width: number; height: number }> {
  const images = await heicImages(src, buf);
  try {
    const first = images[0];
    if (!first) throw new EngineError('IMAGE_CORRUPT', `${src.name} is a HEIF file with no image in it`, { path: src.path });
    if (maxPixels !== undefined) checkPixels(src, first.width, first.height, maxPixels);
    return { width: first.width, height: first.height };
  } finally {
    images.dispose();
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---------------------------------------------------------------------------------------------------------
// HEIF item properties: the primary item's irot/imir as an EXIF orientation code, and whether it has alpha

interface Box {
  type: string;
  /** Offset of the payload (after size, type and any 64-bit size). */
  body: number;
  end: number;
}

/** ISO-BMFF boxes between start and end; with `partial`, a box running past `end` is still listed. */
function boxes(buf: Buffer, start: number, end: number, partial = false): Box[] {
  const out: Box[] = [];
  let o = start;
  while (o + 8 <= end) {
    let size = buf.readUInt32BE(o);
    const type = buf.toString('latin1', o + 4, o + 8);
    let body = o + 8;
    if (size === 1) {
      if (o + 16 > end) break;
      size = Number(buf.readBigUInt64BE(o + 8));
      body = o + 16;
    } else if (size === 0) {
      size = end - o;
    }
    if (size < body - o) break;
    if (o + size > end && !partial) break;
    out.push({ type, body, end: o + size });
    o += size;
  }
  return out;
}

/** Display = M · stored, on (x right, y down) coordinates; EXIF orientation n is row n-1. */
const EXIF_MATRICES: ReadonlyArray<readonly [number, number, number, number]> = [
  [1, 0, 0, 1],
  [-1, 0, 0, 1],
  [-1, 0, 0, -1],
  [1, 0, 0, -1],
  [0, 1, 1, 0],
  [0, -1, 1, 0],
  [0, -1, -1, 0],
  [0, 1, -1, 0],
];

type Mat = [number, number, number, number];
const mul = (a: Mat, b: Mat): Mat => [
  a[0] * b[0] + a[1] * b[2],
  a[0] * b[1] + a[1] * b[3],
  a[2] * b[0] + a[3] * b[2],
  a[2] * b[1] + a[3] * b[3],
];
/** irot: one step of 90 degrees anti-clockwise. */
const ROT_CCW: Mat = [0, 1, -1, 0];
/**
 * imir, as libheif (and so every decoder we use) applies it: 0 flips top and bottom, 1 flips left and right.
 * The 2017 edition worded `axis` the other way round; the 2022 edition (`mode`) matches libheif.
 */
const MIRROR: Record<number, Mat> = { 0: [1, 0, 0, -1], 1: [-1, 0, 0, 1] };

/** Never throws: a container we cannot walk reports orientation 1 and no alpha; libheif does the real work. */
function heifProperties(buf: Buffer): { orientation: number; hasAlpha: boolean } {
  const none = { orientation: 1, hasAlpha: false };
  try {
    const meta = boxes(buf, 0, buf.length, true).find((b) => b.type === 'meta');
    if (!meta) return none;
    const metaEnd = Math.min(meta.end, buf.length);
    const kids = boxes(buf, meta.body + 4, metaEnd);
    const pitm = kids.find((b) => b.type === 'pitm');
    const iprp = kids.find((b) => b.type === 'iprp');
    if (!pitm || !iprp) return none;
    const primary = buf[pitm.body] === 0 ? buf.readUInt16BE(pitm.body + 4) : buf.readUInt32BE(pitm.body + 4);
    const iprpKids = boxes(buf, iprp.body, iprp.end);
    const ipco = iprpKids.find((b) => b.type === 'ipco');
    if (!ipco) return none;
    const props = boxes(buf, ipco.body, ipco.end);
    const hasAlpha = props.some((p) => {
      if (p.type !== 'auxC') return false;
      const urn = buf.toString('latin1', p.body + 4, p.end).split('\0')[0] ?? '';
      return urn.endsWith(':alpha') || urn === 'urn:mpeg:hevc:2015:auxid:1';
    });
    let m: Mat = [1, 0, 0, 1];
    for (const ipma of iprpKids.filter((b) => b.type === 'ipma')) {
      const version = buf[ipma.body] ?? 0;
      const wide = ((buf[ipma.body + 3] ?? 0) & 1) === 1;
      let o = ipma.body + 4;
      const count = buf.readUInt32BE(o);
      o += 4;
      for (let i = 0; i < count; i++) {
        const id = version < 1 ? buf.readUInt16BE(o) : buf.readUInt32BE(o);
        o += version < 1 ? 2 : 4;
        const n = buf[o++] ?? 0;
        for (let k = 0; k < n; k++) {
          const index = (wide ? buf.readUInt16BE(o) & 0x7fff : (buf[o] ?? 0) & 0x7f) - 1;
          o += wide ? 2 : 1;
          if (id !== primary || index < 0) continue;
          const p = props[index];
          if (p?.type === 'irot') {
            const steps = (buf[p.body] ?? 0) & 3;
            for (let s = 0; s < steps; s++) m = mul(ROT_CCW, m);
          } else if (p?.type === 'imir') {
            const mir = MIRROR[(buf[p.body] ?? 0) & 1];
            if (mir) m = mul(mir, m);
          }
        }
      }
    }
    const index = EXIF_MATRICES.findIndex((e) => e.every((v, i) => v === m[i]));
    return { orientation: index + 1, hasAlpha };
  } catch {
    return none;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Guards

function checkOptions(opts: DecodeOptions): void {
  if (!opts || !Number.isFinite(opts.maxSide) || opts.maxSide < 1) {
    throw new EngineError('INVALID_ARGUMENT', `maxSide must be a number >= 1, got ${opts?.maxSide}`);
  }
  checkMaxPixels(opts.maxPixels);
}

function checkMaxPixels(maxPixels: number): void {
  if (!Number.isFinite(maxPixels) || maxPixels < 1) {
    throw new EngineError('INVALID_ARGUMENT', `maxPixels must be a number >= 1, got ${maxPixels}`);
  }
}

function checkPixels(src: Source, width: number, height: number, maxPixels: number): void {
  const pixels = width * height;
  if (pixels > maxPixels) {
    throw new EngineError(
      'IMAGE_TOO_LARGE',
      `${src.name} is ${width}x${height} = ${pixels.toLocaleString('en-US')} pixels, over the limit of ${maxPixels.toLocaleString('en-US')} pixels`,
      { path: src.path, width, height, pixels, maxPixels },
    );
  }
}

function unsupported(src: Source, what: string): EngineError {
  return new EngineError('UNSUPPORTED_FORMAT', `${src.name}: ${what} is not a supported image format`, {
    path: src.path,
    format: what,
  });
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
