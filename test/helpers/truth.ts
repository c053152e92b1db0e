/** Ground truth of the fixtures: labels.json (counts, identities) and the checked face boxes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, REPO_ROOT } from './paths';

export interface Labels {
  identities: string[];
  groups: Record<string, { faces: number; present: string[] }>;
  video: Record<string, Record<string, unknown>>;
  same_person_across_groups: string[][];
}

export const LABELS: Labels = JSON.parse(readFileSync(join(FIXTURES, 'labels.json'), 'utf8'));

export type BoxTuple = [number, number, number, number];
export const GROUP_FACES: Record<string, BoxTuple[]> = JSON.parse(
  readFileSync(join(REPO_ROOT, 'test', 'truth', 'group-faces.json'), 'utf8'),
).faces;

export function iou(a: BoxTuple, b: BoxTuple): number {
  const x1 = Math.max(a[0], b[0]), y1 = Math.max(a[1], b[1]);
  const x2 = Math.min(a[0] + a[2], b[0] + b[2]), y2 = Math.min(a[1] + a[3], b[1] + b[3]);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  return inter / (a[2] * a[3] + b[2] * b[3] - inter);
}

/** Greedy one-to-one matching at IoU >= minIou; returns matched truth indices per detection. */
export function matchBoxes(dets: BoxTuple[], truth: BoxTuple[], minIou = 0.3): { tp: number; fp: BoxTuple[]; missed: BoxTuple[] } {
  const used = new Set<number>();
  const fp: BoxTuple[] = [];
  for (const d of dets) {
    let best = -1, bestIou = minIou;
    truth.forEach((t, i) => {
      const v = iou(d, t);
      if (!used.has(i) && v >= bestIou) { best = i; bestIou = v; }
    });
    if (best >= 0) used.add(best);
    else fp.push(d);
  }
  return { tp: used.size, fp, missed: truth.filter((_, i) => !used.has(i)) };
}
