/**
 * Faces rolled in the image plane (a tilted head or camera) with the photo itself upright: each people/
 * photo turned by 30 and 60 degrees (canvas grown, grey fill) must still yield its face with an
 * embedding that matches the upright one. Before de-rotated landmarks, 5 of 14 faces at 60° reached the
 * same-person threshold; now 12. Faces turned 90° inside an otherwise upright photo are not solved yet
 * (5 of 14, the ones whose photo has no other face and is turned whole): see docs/vision.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Engine } from '../../src-main/engine/engine';
import { cosine } from '../../src-main/engine/vision/embedder';
import { FIXTURES } from '../helpers/paths';
import { openEngine } from '../helpers/engines';

const PEOPLE = join(FIXTURES, 'people');
/** The first photo of every identity. */
const photos = readdirSync(PEOPLE).sort().map((id) => join(PEOPLE, id, readdirSync(join(PEOPLE, id)).sort()[0]!));

describe('in-plane rotation', () => {
  let engine: Engine;
  const upright = new Map<string, Float32Array>();
  beforeAll(async () => {
    engine = await openEngine('default');
    for (const p of photos) {
      const face = (await engine.analyze(p))[0];
      if (face) upright.set(p, face.embedding);
    }
  });
  afterAll(() => engine?.close());

  for (const angle of [30, 60]) {
    it(`matches faces turned by ${angle}° to their upright embedding`, async () => {
      const t = engine.settings.sameFaceThreshold;
      const sims: number[] = [];
      for (const p of photos) {
        const turned = await sharp(p).rotate().flatten({ background: '#808080' }).rotate(angle, { background: '#808080' }).png().toBuffer();
        const faces = await engine.analyze(turned);
        sims.push(Math.max(-1, ...faces.map((f) => cosine(f.embedding, upright.get(p)!))));
      }
      sims.sort((a, b) => a - b);
      console.log(`${angle}°: similarity to upright, sorted: ${sims.map((s) => s.toFixed(2)).join(' ')}`);
      expect(upright.size).toBe(photos.length);
      // Most faces as close as two photos of one person; the median as close as the same photo re-encoded.
      expect(sims.filter((s) => s >= t).length).toBeGreaterThanOrEqual(Math.ceil(photos.length * 0.75));
      expect(sims[Math.floor(sims.length / 2)]!).toBeGreaterThan(0.9);
    });
  }
});
