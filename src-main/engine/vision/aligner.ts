/**
 * Aligns a face to the standard 112x112 ArcFace template with a least-squares similarity transform,
 * and measures how face-like the five points are (a cheap false-positive filter).
 */
import { applySimilarity, estimateSimilarity, invertSimilarity } from './geometry';
import type { Point, Similarity } from './geometry';
import type { Affine } from './raster';

export const ALIGNED_SIZE = 112;

/** insightface's arcface_dst: where the five points sit in a 112x112 aligned face. */
export const ARCFACE_TEMPLATE: readonly Point[] = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];

export interface Alignment {
  /** Image → template. */
  toTemplate: Similarity;
  /** Aligned-output pixel → image pixel, for the warp. */
  warp: Affine;
  /** RMS distance of the mapped points from the template, as a share of the template's eye distance. */
  residual: number;
  /** Image pixels per template pixel (face scale). */
  scale: number;
}

const TEMPLATE_EYE_DISTANCE = 35.2372;

export function align(points: readonly Point[]): Alignment {
  const t = estimateSimilarity(points, ARCFACE_TEMPLATE);
  const inv = invertSimilarity(t);
  let sq = 0;
  for (let i = 0; i < points.length; i++) {
    const p = applySimilarity(t, points[i]!);
    const q = ARCFACE_TEMPLATE[i]!;
    sq += (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2;
  }
  return {
    toTemplate: t,
    warp: { a: inv.a, b: -inv.b, c: inv.tx, d: inv.b, e: inv.a, f: inv.ty },
    residual: Math.sqrt(sq / points.length) / TEMPLATE_EYE_DISTANCE,
    scale: Math.hypot(inv.a, inv.b),
  };
}

/**
 * Head yaw proxy in -1..1: the nose's sideways offset from the eye/mouth midline in template space,
 * relative to half the eye distance. ~0 frontal, |v| > 0.6 a strong profile.
 */
export function yawProxy(points: readonly Point[], t: Similarity): number {
  const p = points.map((q) => applySimilarity(t, q));
  const midX = (p[0]![0] + p[1]![0] + p[3]![0] + p[4]![0]) / 4;
  const half = Math.max(1e-6, (p[1]![0] - p[0]![0]) / 2);
  return Math.max(-1, Math.min(1, (p[2]![0] - midX) / half));
}

/** In-plane rotation of the face in the image (radians, clockwise positive in image coordinates): the template is upright. */
export function rollOf(al: Alignment): number {
  return Math.atan2(-al.toTemplate.b, al.toTemplate.a);
}
