/** Checks on arguments and image size that refuse work before any pixel is decoded, with typed errors. */
import { EngineError } from '../../errors';
import type { Source } from './image-source';
import type { DecodeOptions } from './types';

// ---------------------------------------------------------------------------------------------------------
// Guards

export function checkOptions(opts: DecodeOptions): void {
  if (!opts || !Number.isFinite(opts.maxSide) || opts.maxSide < 1) {
    throw new EngineError('INVALID_ARGUMENT', `maxSide must be a number >= 1, got ${opts?.maxSide}`);
  }
  checkMaxPixels(opts.maxPixels);
}

export function checkMaxPixels(maxPixels: number): void {
  if (!Number.isFinite(maxPixels) || maxPixels < 1) {
    throw new EngineError('INVALID_ARGUMENT', `maxPixels must be a number >= 1, got ${maxPixels}`);
  }
}

export function checkPixels(src: Source, width: number, height: number, maxPixels: number): void {
  const pixels = width * height;
  if (pixels > maxPixels) {
    throw new EngineError(
      'IMAGE_TOO_LARGE',
      `${src.name} is ${width}x${height} = ${pixels.toLocaleString('en-US')} pixels, over the limit of ${maxPixels.toLocaleString('en-US')} pixels`,
      { path: src.path, width, height, pixels, maxPixels },
    );
  }
}

export function unsupported(src: Source, what: string): EngineError {
  return new EngineError('UNSUPPORTED_FORMAT', `${src.name}: ${what} is not a supported image format`, {
    path: src.path,
    format: what,
  });
}

export function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
