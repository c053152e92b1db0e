/** Decoding through sharp (libvips): JPEG, PNG, WebP, TIFF, GIF, AVIF, and the raw RGBA that the HEIC path hands over. */
import sharp from 'sharp';
import type { Metadata, Sharp } from 'sharp';
import { EngineError } from '../../errors';
import type { ErrorCode } from '../../errors';
import type { Source } from './image-source';
import type { DecodedImage } from './types';

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
export const FAIL_ON = 'truncated' as const;

// ---------------------------------------------------------------------------------------------------------
// sharp path

export function sharpInput(src: Source, maxPixels: number): Sharp {
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
export function finish(img: Sharp, maxSide: number): Sharp {
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

export async function run(src: Source, img: Sharp): Promise<RawOut> {
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

export function result(
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

export function orientedSize(meta: Metadata): { width: number; height: number } {
  if (meta.autoOrient) return { width: meta.autoOrient.width, height: meta.autoOrient.height };
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  return (meta.orientation ?? 1) >= 5 ? { width: h, height: w } : { width: w, height: h };
}

/** Translates a sharp/libvips failure into an EngineError; nothing from libvips leaks raw. */
export function sharpError(src: Source, e: unknown, stage: 'read' | 'decode'): EngineError {
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
