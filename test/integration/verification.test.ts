/**
 * Face verification on people/: every photo yields its main face (tight 150 px crops too), every
 * same-identity pair scores at or above the default threshold and every different-identity pair
 * below it. The margins are printed so regressions show before they fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../../src-main/engine/engine';
import { cosine } from '../../src-main/engine/vision/embedder';
import { FIXTURES } from '../helpers/paths';
import { openEngine } from '../helpers/engines';
import type { Pack } from '../helpers/engines';

const PEOPLE = join(FIXTURES, 'people');
const photos = readdirSync(PEOPLE).flatMap((id) => readdirSync(join(PEOPLE, id)).map((f) => ({ id, path: join(PEOPLE, id, f) })));

for (const pack of ['default', 'yunet'] as Pack[]) {
  describe(`verification with the ${pack} detector`, () => {
    let engine: Engine;
    const embeddings: { id: string; path: string; e: Float32Array | null }[] = [];

    beforeAll(async () => {
      engine = await openEngine(pack);
      for (const p of photos) {
        const faces = await engine.analyze(p.path);
        embeddings.push({ ...p, e: faces[0]?.embedding ?? null });
      }
    });
    afterAll(() => engine?.close());

    it('finds the main face in every people/ photo', () => {
      const missing = embeddings.filter((x) => !x.e).map((x) => x.path);
      expect(missing).toEqual([]);
      expect(embeddings.length).toBe(photos.length);
    });

    it('separates same from different identities at the default threshold', () => {
      const t = engine.settings.sameFaceThreshold;
      let minSame = Infinity, maxDiff = -Infinity;
      const wrong: string[] = [];
      for (let i = 0; i < embeddings.length; i++) {
        for (let j = i + 1; j < embeddings.length; j++) {
          const a = embeddings[i]!, b = embeddings[j]!;
          if (!a.e || !b.e) continue;
          const s = cosine(a.e, b.e);
          if (a.id === b.id) { minSame = Math.min(minSame, s); if (s < t) wrong.push(`same ${a.path} ${b.path} ${s.toFixed(3)}`); }
          else { maxDiff = Math.max(maxDiff, s); if (s >= t) wrong.push(`diff ${a.path} ${b.path} ${s.toFixed(3)}`); }
        }
      }
      console.log(`[${pack}] threshold ${t}: min same ${minSame.toFixed(3)} (margin ${(minSame - t).toFixed(3)}), max different ${maxDiff.toFixed(3)} (margin ${(t - maxDiff).toFixed(3)})`);
      expect(wrong).toEqual([]);
    });

    it('puts the largest face first and says which models made it', async () => {
      const r = await engine.detect({ path: join(FIXTURES, 'groups', 'obama_and_biden.jpg') });
      const areas = r.faces.map((f) => f.box.width * f.box.height);
      expect(areas).toEqual([...areas].sort((a, b) => b - a));
      expect(r.faces[0]!.modelId).toBe('faceplugin-arcface512');
      expect(r.faces[0]!.detectorId).toBe(pack === 'yunet' ? 'yunet-2023mar-dynamic' : 'faceplugin-detect');
    });
  });
}
