/**
 * Boxes are in the coordinates a viewer shows: a photo stored sideways with an EXIF orientation tag gives
 * the same boxes as the upright photo, and a sideways photo without a tag is still searched (rotated
 * detection) with its boxes reported in the stored image's pixels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Engine } from '../../src-main/engine/engine';
import { FIXTURES, tempDir } from '../helpers/paths';
import { openEngine } from '../helpers/engines';
import { iou } from '../helpers/truth';
import type { BoxTuple } from '../helpers/truth';

const SRC = join(FIXTURES, 'groups', 'two_people.jpg');
const tuple = (b: { x: number; y: number; width: number; height: number }): BoxTuple => [b.x, b.y, b.width, b.height];

describe('orientation', () => {
  let engine: Engine;
  let dir: string;
  beforeAll(async () => {
    engine = await openEngine('default');
    dir = tempDir('orientation');
  });
  afterAll(() => engine?.close());

  it('reports boxes in oriented pixels for a photo stored sideways with EXIF orientation 6', async () => {
    const upright = await engine.detect({ path: SRC });
    // Store the pixels turned 90° counter-clockwise and tag them "rotate 90° clockwise to view".
    const sideways = join(dir, 'sideways-tagged.jpg');
    await sharp(SRC).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toFile(sideways);
    const tagged = await engine.detect({ path: sideways });
    expect(tagged.image.orientation).toBe(6);
    expect([tagged.image.width, tagged.image.height]).toEqual([upright.image.width, upright.image.height]);
    expect(tagged.faces).toHaveLength(upright.faces.length);
    for (const f of upright.faces) {
      expect(Math.max(...tagged.faces.map((g) => iou(tuple(f.box), tuple(g.box))))).toBeGreaterThan(0.7);
    }
    expect(tagged.faces.every((f) => f.rotation === 0)).toBe(true);
  });

  it('finds faces in a sideways photo without EXIF by trying rotations, boxes in stored pixels', async () => {
    const upright = await engine.detect({ path: SRC });
    const untagged = join(dir, 'sideways-untagged.jpg');
    await sharp(SRC).rotate(90).jpeg({ quality: 95 }).toFile(untagged); // no orientation tag
    const r = await engine.detect({ path: untagged });
    expect(r.image.orientation).toBe(1);
    expect(r.faces.length).toBe(upright.faces.length);
    expect(r.faces[0]!.rotation).toBe(270);
    // A face at (x, y, w, h) upright sits at (H - y - h, x, h, w) after a clockwise turn.
    const H = upright.image.height;
    for (const f of upright.faces) {
      const expected: BoxTuple = [H - f.box.y - f.box.height, f.box.x, f.box.height, f.box.width];
      expect(Math.max(...r.faces.map((g) => iou(expected, tuple(g.box))))).toBeGreaterThan(0.6);
    }
    const off = await engine.detect({ path: untagged, options: { detectRotated: false } });
    expect(off.faces.length).toBeLessThan(upright.faces.length);
  });
});
