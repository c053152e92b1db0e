/** What the decoder takes and returns. */

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
