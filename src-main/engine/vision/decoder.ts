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
import sharp from 'sharp';
import type { Sharp } from 'sharp';
import { EngineError } from '../errors';
import { checkMaxPixels, checkOptions, checkPixels, clamp } from './decode/guards';
import { heicPixels, heicSize } from './decode/heic';
import { heifProperties } from './decode/heif-properties';
import { openSource, wholeFile } from './decode/image-source';
import { finish, orientedSize, result, run, sharpInput } from './decode/sharp-decode';
import { classify } from './decode/sniff';
import type { DecodeOptions, DecodedImage, ImageProbe, ImageRegion } from './decode/types';
export type { DecodedImage, DecodeOptions, ImageProbe, ImageRegion } from './decode/types';

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
