/**
 * The analyzer pool: photos come back in input order, a bad file yields its own coded error without
 * stopping the batch, and the results match a single in-process analyzer exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Engine } from '../../src-main/engine/engine';
import { EngineError } from '../../src-main/engine/errors';
import { defaultModelsDir } from '../../src-main/engine/vision/models/manifest';
import { poolShape } from '../../src-main/engine/vision/pipeline';
import { visionSettings } from '../../src-main/engine/settings';
import { FIXTURES, tempDir } from '../helpers/paths';
import { writeBadFiles } from '../helpers/bad-files';

describe('analyzer pool', () => {
  let pooled: Engine;
  let local: Engine;
  beforeAll(async () => {
    const common = { modelsDir: defaultModelsDir(), detector: 'default' as const, fetchModels: false };
    pooled = await Engine.open({ ...common, settings: { vision: { provider: 'cpu', analyzers: 2 } } });
    local = await Engine.open({ ...common, inProcess: true, settings: { vision: { provider: 'cpu' } } });
  });
  afterAll(async () => {
    await pooled?.close();
    await local?.close();
  });

  it('keeps input order and isolates a bad file in the middle of a batch', async () => {
    const bad = writeBadFiles(tempDir('pool-bad'));
    const good = ['bbt1.jpg', 'bbt3.jpg', 'two_people.jpg'].map((f) => join(FIXTURES, 'groups', f));
    const inputs = [good[0]!, bad[0]!.path, good[1]!, bad[3]!.path, good[2]!];
    const items = [];
    for await (const item of pooled.analyzeMany(inputs)) items.push(item);
    expect(items.map((i) => i.input)).toEqual(inputs);
    expect(items[1]!.error).toBeInstanceOf(EngineError);
    expect((items[1]!.error as EngineError).code).toBe('FILE_EMPTY');
    expect((items[3]!.error as EngineError).code).toBe('IMAGE_TOO_LARGE');
    expect(items.filter((i) => i.result).map((i) => i.result!.faces.length)).toEqual([4, 5, 2]);
  });

  it('gives the same faces and embeddings from a worker as on the calling thread', async () => {
    const path = join(FIXTURES, 'groups', 'bbt4.jpg');
    const [a] = await Promise.all([pooled.analyze(path)]);
    const b = await local.analyze(path);
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) {
      expect(a[i]!.box.x).toBeCloseTo(b[i]!.box.x, 3);
      let dot = 0;
      for (let k = 0; k < 512; k++) dot += a[i]!.embedding[k]! * b[i]!.embedding[k]!;
      expect(dot).toBeGreaterThan(0.9999);
    }
  });

  it('sizes the pool to the cores: one single-threaded analyzer per core, up to four', () => {
    expect(poolShape(visionSettings(), 2)).toEqual({ analyzers: 2, threads: 1 });
    expect(poolShape(visionSettings(), 16)).toEqual({ analyzers: 4, threads: 4 });
    expect(poolShape(visionSettings({ analyzers: 1 }), 8)).toEqual({ analyzers: 1, threads: 8 });
  });
});
