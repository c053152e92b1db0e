import { describe, expect, it } from 'vitest';
import { applySimilarity, estimateSimilarity, invertSimilarity, iou } from '../../src-main/engine/vision/geometry';
import type { Point } from '../../src-main/engine/vision/geometry';
import { align, ARCFACE_TEMPLATE, yawProxy } from '../../src-main/engine/vision/aligner';
import { planWindows, touchesInterior } from '../../src-main/engine/vision/detectors/tiling';
import { nms } from '../../src-main/engine/vision/detectors/detector';

describe('similarity alignment', () => {
  it('recovers a known rotation, scale and shift exactly', () => {
    const angle = 0.4, s = 2.5, tx = 100, ty = -40;
    const a = s * Math.cos(angle), b = s * Math.sin(angle);
    const src: Point[] = ARCFACE_TEMPLATE.map(([x, y]) => [x, y]);
    const dst = src.map(([x, y]) => [a * x - b * y + tx, b * x + a * y + ty] as Point);
    const t = estimateSimilarity(src, dst);
    expect(t.a).toBeCloseTo(a, 6);
    expect(t.b).toBeCloseTo(b, 6);
    const back = applySimilarity(invertSimilarity(t), dst[2]!);
    expect(back[0]).toBeCloseTo(src[2]![0], 6);
    expect(back[1]).toBeCloseTo(src[2]![1], 6);
  });

  it('maps a face seen at 3x scale and rotated onto the template with ~zero residual', () => {
    const pts = ARCFACE_TEMPLATE.map(([x, y]) => [300 + 3 * (x * Math.cos(0.3) - y * Math.sin(0.3)), 200 + 3 * (x * Math.sin(0.3) + y * Math.cos(0.3))] as Point);
    const al = align(pts);
    expect(al.residual).toBeLessThan(1e-6);
    expect(al.scale).toBeCloseTo(3, 6);
    // The warp sends the template's nose back onto the photo's nose.
    const n = ARCFACE_TEMPLATE[2]!;
    expect(al.warp.a * n[0] + al.warp.b * n[1] + al.warp.c).toBeCloseTo(pts[2]![0], 4);
    expect(al.warp.d * n[0] + al.warp.e * n[1] + al.warp.f).toBeCloseTo(pts[2]![1], 4);
    expect(Math.abs(yawProxy(pts, al.toTemplate))).toBeLessThan(0.05);
  });

  it('flags a profile (nose far off the midline) and a non-face point layout', () => {
    const profile = ARCFACE_TEMPLATE.map(([x, y], i) => (i === 2 ? [x + 15, y] : [x, y]) as Point);
    expect(Math.abs(yawProxy(profile, align(profile).toTemplate))).toBeGreaterThan(0.5);
    const scrambled: Point[] = [[10, 10], [12, 60], [80, 20], [15, 15], [90, 90]];
    expect(align(scrambled).residual).toBeGreaterThan(0.35);
  });
});

describe('tiling plan', () => {
  const opts = { tileWidth: 320, tileHeight: 240, maxScale: 1, overlap: 72, maxFaceFine: 64, paddedPass: true };

  it('covers every pixel of each finer level and stops at native resolution', () => {
    const wins = planWindows(1600, 1200, opts);
    const scales = [...new Set(wins.map((w) => +w.scale.toFixed(4)))];
    expect(scales).toEqual([0.2, 0.12, 0.4, 0.8]);
    for (const s of [0.4, 0.8]) {
      const level = wins.filter((w) => Math.abs(w.scale - s) < 1e-6);
      for (let y = 0; y < 1200 * s; y += 7) {
        for (let x = 0; x < 1600 * s; x += 7) {
          expect(level.some((w) => x >= w.x && x < w.x + 320 && y >= w.y && y < w.y + 240)).toBe(true);
        }
      }
      // Neighbours overlap by at least the largest trusted face, so no trusted face is cut everywhere.
      const xs = [...new Set(level.map((w) => w.x))].sort((a, b) => a - b);
      for (let i = 1; i < xs.length; i++) expect(xs[i - 1]! + 320 - xs[i]!).toBeGreaterThanOrEqual(64);
    }
  });

  it('runs a single window (plus the padded pass) for a small photo', () => {
    expect(planWindows(150, 150, opts)).toHaveLength(2);
  });

  it('treats only interior window edges as cuts', () => {
    const [first] = planWindows(1600, 1200, opts).filter((w) => w.scale > 0.5);
    expect(touchesInterior(first!, { x: 0, y: 0, width: 20, height: 20 }, 320, 240)).toBe(false);
    expect(touchesInterior(first!, { x: 300, y: 10, width: 20, height: 20 }, 320, 240)).toBe(true);
  });
});

describe('nms', () => {
  it('keeps the best of overlapping boxes and drops partial boxes nested in a whole one', () => {
    const kept = nms([
      { score: 0.95, box: { x: 0, y: 0, width: 100, height: 100 } },
      { score: 0.8, box: { x: 10, y: 10, width: 100, height: 100 } },
      { score: 0.9, box: { x: 0, y: 0, width: 40, height: 100 } },
      { score: 0.7, box: { x: 300, y: 0, width: 50, height: 50 } },
    ], 0.4, 0.8);
    expect(kept.map((k) => k.score)).toEqual([0.95, 0.7]);
    expect(iou({ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: 0, width: 10, height: 10 })).toBeCloseTo(1 / 3, 6);
  });
});
