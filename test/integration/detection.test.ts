/**
 * Detection quality on real group photos against the checked boxes in test/truth/group-faces.json,
 * with each detector: every labelled face found (>= 95 % overall, >= 27 of 29 in solvay1927.jpg),
 * false positives <= 5 % of detections, and never fewer faces than labels.json counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Engine } from '../../src-main/engine/engine';
import { FIXTURES } from '../helpers/paths';
import { GROUP_FACES, LABELS, matchBoxes } from '../helpers/truth';
import type { BoxTuple } from '../helpers/truth';
import { openEngine } from '../helpers/engines';
import type { Pack } from '../helpers/engines';

for (const pack of ['default', 'yunet'] as Pack[]) {
  describe(`detection with the ${pack} detector`, () => {
    let engine: Engine;
    const perImage: Record<string, { dets: BoxTuple[]; tp: number; fp: BoxTuple[]; missed: BoxTuple[] }> = {};

    beforeAll(async () => {
      engine = await openEngine(pack);
      for (const rel of Object.keys(LABELS.groups)) {
        const r = await engine.detect({ path: join(FIXTURES, rel) });
        const dets = r.faces.map((f) => [f.box.x, f.box.y, f.box.width, f.box.height] as BoxTuple);
        perImage[rel] = { dets, ...matchBoxes(dets, GROUP_FACES[rel] ?? []) };
      }
    });
    afterAll(() => engine?.close());

    it('finds >= 95 % of the checked faces overall', () => {
      const truth = Object.values(GROUP_FACES).reduce((n, b) => n + b.length, 0);
      const tp = Object.values(perImage).reduce((n, r) => n + r.tp, 0);
      const missed = Object.entries(perImage).flatMap(([k, r]) => r.missed.map((b) => `${k} ${b.map(Math.round).join(',')}`));
      expect(tp / truth, `missed: ${missed.join('; ')}`).toBeGreaterThanOrEqual(0.95);
    });

    it('finds at least 27 of the 29 faces in solvay1927.jpg (small faces, EXIF orientation)', () => {
      expect(perImage['groups/solvay1927.jpg']!.tp).toBeGreaterThanOrEqual(27);
    });

    it('finds at least 95 % of the faces labels.json counts in each photo set', () => {
      const labelled = Object.values(LABELS.groups).reduce((n, g) => n + g.faces, 0);
      const found = Object.entries(LABELS.groups).reduce((n, [k, g]) => n + Math.min(g.faces, perImage[k]!.tp), 0);
      expect(found / labelled).toBeGreaterThanOrEqual(0.95);
    });

    it('keeps false positives at or below 5 % of detections', () => {
      const dets = Object.values(perImage).reduce((n, r) => n + r.dets.length, 0);
      const fps = Object.entries(perImage).flatMap(([k, r]) => r.fp.map((b) => `${k} ${b.map(Math.round).join(',')}`));
      expect(fps.length / dets, `false positives: ${fps.join('; ')}`).toBeLessThanOrEqual(0.05);
    });
  });
}
