/**
 * Face quality in 0..1: how much to trust a face for recognition. It is the geometric mean of three
 * parts, so one bad part (a tiny, a blurred or a profile face) pulls the whole score down:
 * - size: shorter box side in original pixels; 0 at <= 16 px, 1 at >= 80 px (embedders are trained at 112),
 *   times the share of the face inside the frame (visibleShare): a face cut by the edge is a smaller face.
 * - sharpness: variance of the Laplacian of the aligned gray crop, v / (v + SHARPNESS_HALF).
 * - frontalness: 1 - |yaw proxy| (see aligner.ts), 1 for a frontal face, ~0.2 for a strong profile.
 */
import { ALIGNED_SIZE } from './aligner';
import type { Alignment } from './aligner';

export interface QualityParts {
  size: number;
  sharpness: number;
  frontalness: number;
}

/** Laplacian variance (0..255 gray) at which sharpness is 0.5; measured between blurred and crisp fixture crops. */
const SHARPNESS_HALF = 60;

/** Floors per quality-control level (0 none, 1 low, 2 normal, 3 high, 4 very high), as the cloud APIs. */
export const QUALITY_FLOORS: Readonly<Record<0 | 1 | 2 | 3 | 4, number>> = { 0: 0, 1: 0.15, 2: 0.3, 3: 0.45, 4: 0.6 };

export function sizeScore(side: number): number {
  return Math.max(0, Math.min(1, (side - 16) / (80 - 16)));
}

/** `aligned` is the embedder's normalized CHW crop ((x-127)/128). */
export function sharpnessScore(aligned: Float32Array): number {
  const S = ALIGNED_SIZE;
  const plane = S * S;
  const g = new Float32Array(plane);
  for (let i = 0; i < plane; i++) {
    g[i] = (0.299 * aligned[i]! + 0.587 * aligned[plane + i]! + 0.114 * aligned[2 * plane + i]!) * 128 + 127;
  }
  // Only the central face region: the template's margins hold hair and background.
  let sum = 0, sq = 0, n = 0;
  for (let y = 24; y < S - 16; y++) {
    for (let x = 24; x < S - 24; x++) {
      const i = y * S + x;
      const l = 4 * g[i]! - g[i - 1]! - g[i + 1]! - g[i - S]! - g[i + S]!;
      sum += l; sq += l * l; n++;
    }
  }
  const v = sq / n - (sum / n) ** 2;
  return v / (v + SHARPNESS_HALF);
}

export function frontalnessScore(yaw: number): number {
  return Math.max(0, 1 - Math.abs(yaw));
}

export function combineQuality(p: QualityParts): number {
  return Math.cbrt(Math.max(0, p.size) * Math.max(0, p.sharpness) * Math.max(0, p.frontalness));
}

/**
 * Share of the aligned face region (the template's central part, as in sharpnessScore) that lies inside
 * the image: a face cut by the frame edge is embedded from padding where the cut part should be.
 */
export function visibleShare(al: Alignment, width: number, height: number): number {
  const w = al.warp;
  let inside = 0, n = 0;
  for (let v = 24; v < ALIGNED_SIZE - 16; v += 8) {
    for (let u = 24; u < ALIGNED_SIZE - 24; u += 8) {
      const x = w.a * u + w.b * v + w.c, y = w.d * u + w.e * v + w.f;
      if (x >= -0.5 && y >= -0.5 && x <= width - 0.5 && y <= height - 0.5) inside++;
      n++;
    }
  }
  return inside / n;
}
