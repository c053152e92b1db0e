/**
 * Keeps face ids stable when a photo is analyzed again (new model, new settings, edited file): new
 * boxes are matched to old ones by overlap, and a matched face keeps its id, person, assignment and
 * rejections — so names and corrections survive every re-index.
 */

export interface BoxLike {
  x: number;
  y: number;
  w: number;
  h: number;
}

function iou(a: BoxLike, b: BoxLike): number {
  const x1 = Math.max(a.x, b.x), y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.w, b.x + b.w), y2 = Math.min(a.y + a.h, b.y + b.h);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  return inter <= 0 ? 0 : inter / (a.w * a.h + b.w * b.h - inter);
}

/** Greedy one-to-one matching, best overlap first; returns new index → old index. */
export function matchByOverlap(oldBoxes: readonly BoxLike[], newBoxes: readonly BoxLike[], minIou = 0.4): Map<number, number> {
  const pairs: { o: number; n: number; v: number }[] = [];
  oldBoxes.forEach((o, oi) => newBoxes.forEach((n, ni) => {
    const v = iou(o, n);
    if (v >= minIou) pairs.push({ o: oi, n: ni, v });
  }));
  pairs.sort((a, b) => b.v - a.v);
  const usedO = new Set<number>(), usedN = new Set<number>();
  const out = new Map<number, number>();
  for (const p of pairs) {
    if (usedO.has(p.o) || usedN.has(p.n)) continue;
    usedO.add(p.o);
    usedN.add(p.n);
    out.set(p.n, p.o);
  }
  return out;
}
