/**
 * A face cut out of a photo (or a video frame's JPEG), encoded: the one crop used by face thumbnails, export
 * crops and the cloud search query. It goes through the engine's decoder, so it sees the photo exactly as
 * indexing did: HEIC through heic-decode, EXIF orientation and HEIF irot/imir applied (face boxes are in
 * those upright pixels), the pixel limit enforced before decoding.
 */
import sharp from 'sharp';
import { decodeRegion } from './decoder';

/** A face box in upright (oriented) original pixels. */
export interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface CropFaceOptions {
  /** The box is grown by this share of its size on every side (each caller's margin is a setting, see settings.ts). */
  margin: number;
  /** Longest side of the output in px. */
  side: number;
  format: 'jpeg' | 'webp';
  quality: number;
  /**
   * `square`: a square around the box's centre, its side the box's longer side plus the margins, output exactly
   * side x side (a grid cell). `box` (default): the grown box as it is, output at most side px, never enlarged.
   */
  shape?: 'square' | 'box';
  /** Refuse images whose stored width x height exceeds this (VisionSettings.maxPixels). */
  maxPixels: number;
}

/** The region cropFace cuts for `box`, in the same pixels (it may reach past the image; the decoder clips it). */
export function cropRegion(box: CropBox, margin: number, shape: 'square' | 'box' = 'box'): CropBox {
  if (shape === 'square') {
    const side = Math.max(box.width, box.height) * (1 + 2 * margin);
    return { x: box.x + box.width / 2 - side / 2, y: box.y + box.height / 2 - side / 2, width: side, height: side };
  }
  return { x: box.x - box.width * margin, y: box.y - box.height * margin, width: box.width * (1 + 2 * margin), height: box.height * (1 + 2 * margin) };
}

/** The face crop of `input` (a path or an encoded image), encoded as asked. Decoder errors (EngineError) pass through. */
export async function cropFace(input: string | Buffer, box: CropBox, opts: CropFaceOptions): Promise<Buffer> {
  const shape = opts.shape ?? 'box';
  const decoded = await decodeRegion(input, cropRegion(box, opts.margin, shape), { maxSide: opts.side, maxPixels: opts.maxPixels });
  let img = sharp(decoded.data, { raw: { width: decoded.width, height: decoded.height, channels: 3 } });
  if (shape === 'square') img = img.resize(opts.side, opts.side, { fit: 'cover' });
  return opts.format === 'webp' ? img.webp({ quality: opts.quality }).toBuffer() : img.jpeg({ quality: opts.quality }).toBuffer();
}
