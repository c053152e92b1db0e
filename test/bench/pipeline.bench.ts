/**
 * npm run bench:pipeline [-- --detector default|yunet --images N]
 * End-to-end photo analysis speed on 12-megapixel JPEGs made from the fixtures (upscaled in a temp
 * folder), per-stage times, faces found, peak RSS, the provider; and the floor: the same photos'
 * model inference alone (warm sessions, the recorded inputs replayed) with the ratio end-to-end/floor.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { Engine } from '../../src-main/engine/engine';
import { setInferenceRecorder } from '../../src-main/engine/vision/onnx-runtime';
import type { Session, TensorT } from '../../src-main/engine/vision/onnx-runtime';
import { Tensor } from '../../src-main/engine/vision/onnx-runtime';
import { FIXTURES } from '../helpers/paths';
import { modelsDirFor } from '../helpers/engines';
import type { Pack } from '../helpers/engines';

const { values } = parseArgs({ options: { detector: { type: 'string', default: 'default' }, images: { type: 'string', default: '24' } } });
const pack = (values.detector === 'yunet' ? 'yunet' : 'default') as Pack;
const count = Number(values.images);

const work = mkdtempSync(join(tmpdir(), 'fo-bench-pipeline-'));
try {
  // 12 MP copies: group photos first (the small-face cases), then full-size people photos.
  const sources = [
    ...readdirSync(join(FIXTURES, 'groups')).map((f) => join(FIXTURES, 'groups', f)),
    ...['obama', 'biden', 'alex_lacamoire', 'kit_harington', 'rose_leslie'].flatMap((id) =>
      readdirSync(join(FIXTURES, 'people', id)).filter((f) => f.endsWith('.jpg') || f.endsWith('.jpeg')).map((f) => join(FIXTURES, 'people', id, f))),
  ];
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const src = sources[i % sources.length]!;
    const m = await sharp(src).rotate().metadata();
    const rotated = (m.orientation ?? 1) >= 5;
    const w0 = rotated ? m.height! : m.width!, h0 = rotated ? m.width! : m.height!;
    const s = Math.sqrt(12e6 / (w0 * h0));
    const out = join(work, `img${i}.jpg`);
    await sharp(src).rotate().flatten({ background: '#ffffff' }).resize(Math.round(w0 * s), Math.round(h0 * s), { kernel: 'cubic' }).jpeg({ quality: 90 }).toFile(out);
    files.push(out);
  }

  const engine = await Engine.open({ modelsDir: await modelsDirFor(pack), detector: pack, fetchModels: false, settings: { vision: { provider: 'auto' } } });
  await engine.analyze(files[0]!); // warm-up: first runs allocate arenas

  const stage = { decode: 0, detect: 0, landmarks: 0, embed: 0 };
  let faces = 0;
  const t0 = performance.now();
  for await (const r of engine.analyzeMany(files)) {
    if (!r.result) throw r.error;
    faces += r.result.faces.length;
    for (const k of Object.keys(stage) as (keyof typeof stage)[]) stage[k] += r.result.timings[k];
  }
  const wall = performance.now() - t0;

  // Floor: record every model input of one pass on an in-process analyzer (the recorder sees only this
  // thread), then replay the inputs alone on warm sessions using every core.
  const local = await Engine.open({ modelsDir: await modelsDirFor(pack), detector: pack, fetchModels: false, inProcess: true, settings: { vision: { provider: 'auto' } } });
  await local.analyze(files[0]!);
  const calls: { session: Session; feeds: Record<string, TensorT> }[] = [];
  setInferenceRecorder({
    record(session, feeds) {
      const copy: Record<string, TensorT> = {};
      for (const [k, v] of Object.entries(feeds)) copy[k] = new Tensor('float32', Float32Array.from(v.data as Float32Array), v.dims);
      calls.push({ session, feeds: copy });
    },
  });
  for await (const r of local.analyzeMany(files)) if (!r.result) throw r.error;
  setInferenceRecorder(null);
  // Replayed grouped by model (one session's thread pool busy at a time), twice; the faster pass counts.
  const sessions = [...new Set(calls.map((c) => c.session))];
  const grouped = sessions.flatMap((s) => calls.filter((c) => c.session === s));
  let floor = Infinity;
  let perModel = new Map<Session, { calls: number; ms: number }>();
  for (let pass = 0; pass < 2; pass++) {
    const stats = new Map<Session, { calls: number; ms: number }>();
    const f0 = performance.now();
    for (const c of grouped) {
      const t = performance.now();
      await c.session.run(c.feeds);
      const m = stats.get(c.session) ?? { calls: 0, ms: 0 };
      m.calls++;
      m.ms += performance.now() - t;
      stats.set(c.session, m);
    }
    const ms = performance.now() - f0;
    if (ms < floor) { floor = ms; perModel = stats; }
  }
  await local.close();

  const n = files.length;
  const round = (v: number) => Math.round(v * 10) / 10;
  console.log(JSON.stringify({
    bench: 'pipeline',
    detector: engine.visionStatus().detector,
    provider: engine.visionStatus().provider.active,
    analyzers: engine.poolSize,
    images: n,
    megapixelsPerImage: 12,
    imagesPerSecond: round((n / wall) * 1000),
    msPerImage: round(wall / n),
    stageMsPerImage: { decode: round(stage.decode / n), detect: round(stage.detect / n), landmarks: round(stage.landmarks / n), embed: round(stage.embed / n) },
    facesFound: faces,
    inferenceCalls: calls.length,
    floorMsPerImage: round(floor / n),
    floorByModel: [...perModel.values()].map((m) => ({ callsPerImage: round(m.calls / n), msPerCall: round(m.ms / m.calls) })),
    ratioEndToEndToFloor: Math.round((wall / floor) * 100) / 100,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    note: 'stage times overlap: decoding of the next photos runs while the models work on the current one',
  }, null, 2));
  await engine.close();
} finally {
  rmSync(work, { recursive: true, force: true });
}
