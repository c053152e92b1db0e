/**
 * The detector interface: a new detector (SCRFD, RetinaFace...) is one file implementing it plus a
 * manifest entry. Detections are in the pixel space of the raster handed in.
 */
import type { MipRaster } from '../raster';
import { containment, iou } from '../geometry';
import type { Box, Point } from '../geometry';

export interface Detection {
  box: Box;
  score: number;
  /** Five keypoints (subject's right eye, left eye, nose, right mouth corner, left mouth corner), if the model gives them. */
  keypoints?: Point[];
}

export interface FaceDetector {
  readonly id: string;
  detect(raster: MipRaster): Promise<Detection[]>;
}

/**
 * Greedy NMS, best score first. `containmentMax` also drops a box lying mostly inside a kept one:
 * tiling produces partial faces cut by a tile edge that plain IoU lets through.
 */
export function nms(dets: Detection[], iouMax: number, containmentMax = 1.01): Detection[] {
  const sorted = [...dets].sort((p, q) => q.score - p.score);
  const kept: Detection[] = [];
  for (const d of sorted) {
    if (kept.every((k) => iou(k.box, d.box) <= iouMax && containment(k.box, d.box) <= containmentMax)) kept.push(d);
  }
  return kept;
}
