/**
 * npm run bench:index [-- --n 2000 --restart 10000 --watch 100]
 * Builds a library of N photos (fixtures re-encoded, resized and rotated so every file differs) in a
 * temp folder and prints JSON: files/s of the first index, seconds for a no-change restart over a
 * 10k-file library, seconds to pick up 100 new files while watching, peak RSS, DB size per 1,000 faces.
 *
 * The 10k restart library is the N photos plus hard links to them, its media rows seeded as indexed
 * (indexing 10k photos takes ~20 minutes on 2 cores); a restart's cost is the scan, the stats and the
 * comparison with the database, which the seeding leaves real.
 */
import { linkSync, mkdirSync, readdirSync, rmSync, statSync, mkdtempSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { Engine } from '../../src-main/engine/engine';
import type { IndexSummary } from '../../src-main/engine/library/indexer';
import type { LibraryStore } from '../../src-main/engine/store/library-store';
import type { MediaRow } from '../../src-main/engine/store/rows';
import { defaultModelsDir } from '../../src-main/engine/vision/models/manifest';
import { FIXTURES } from '../helpers/paths';

const { values } = parseArgs({ options: { n: { type: 'string', default: '2000' }, restart: { type: 'string', default: '10000' }, watch: { type: 'string', default: '100' } } });
const N = Number(values.n);
const RESTART = Number(values.restart);
const WATCH = Number(values.watch);

const work = mkdtempSync(join(tmpdir(), 'fo-bench-index-'));
const sources = [
  ...readdirSync(join(FIXTURES, 'groups')).map((f) => join(FIXTURES, 'groups', f)),
  ...readdirSync(join(FIXTURES, 'people')).flatMap((id) => readdirSync(join(FIXTURES, 'people', id)).map((f) => join(FIXTURES, 'people', id, f))),
];

async function makePhotos(dir: string, count: number, offset: number): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const k = i + offset;
    const src = sources[k % sources.length]!;
    const sub = join(dir, `set-${Math.floor(k / 250)}`);
    mkdirSync(sub, { recursive: true });
    const file = join(sub, `photo-${k}.jpg`);
    const width = 480 + ((k * 37) % 1100);
    await sharp(src).rotate().flatten({ background: '#ffffff' }).resize({ width, withoutEnlargement: false }).rotate(((k >> 2) % 4) * 90).jpeg({ quality: 70 + (k % 25) }).toFile(file);
    out.push(file);
  }
  return out;
}

async function indexAndWait(engine: Engine): Promise<IndexSummary> {
  const { done } = await engine.library.index();
  const t = await done;
  if (t.status !== 'succeeded') throw new Error(`index ${t.status}: ${JSON.stringify(t.error)}`);
  return t.result as IndexSummary;
}

const storeOf = (e: Engine) => (e as unknown as { library: { store: LibraryStore } }).library.store;
const open = (library: string) => Engine.open({ library, modelsDir: defaultModelsDir(), detector: 'default', fetchModels: false, settings: { vision: { provider: 'auto' } } });

try {
  const photos = join(work, 'photos');
  let t = performance.now();
  await makePhotos(photos, N, 0);
  const generateSeconds = (performance.now() - t) / 1000;

  // First index.
  const library = join(work, 'library');
  const engine = await open(library);
  await engine.library.addFolders([photos]);
  t = performance.now();
  const first = await indexAndWait(engine);
  const firstSeconds = (performance.now() - t) / 1000;
  await storeOf(engine).optimize(0);
  const faces = await storeOf(engine).faces.count();
  const bytes = await storeOf(engine).sizeOnDisk();

  // Watch: N new files copied in while watching.
  await engine.library.startWatching();
  const incoming = join(work, 'incoming');
  const newFiles = await makePhotos(incoming, WATCH, N);
  const before = (await storeOf(engine).media.indexed(['id'])).length;
  t = performance.now();
  for (const f of newFiles) copyFileSync(f, join(photos, `new-${f.split('/').pop()}`));
  while ((await storeOf(engine).media.indexed(['id'])).length < before + WATCH) {
    if (performance.now() - t > 600_000) throw new Error('watch pick-up timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
  const watchSeconds = (performance.now() - t) / 1000;
  await engine.library.stopWatching();
  await engine.close();

  // No-change restart over RESTART files: the photos plus hard links, seeded as indexed.
  const big = join(work, 'big');
  const bigLibrary = join(work, 'big-library');
  mkdirSync(big);
  const all = readdirSync(photos, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name));
  const seedEngine = await open(bigLibrary);
  const [folder] = await seedEngine.library.addFolders([big]);
  const rows: MediaRow[] = [];
  for (let i = 0; i < RESTART; i++) {
    const dir = join(big, `d${Math.floor(i / 500)}`);
    mkdirSync(dir, { recursive: true });
    const p = join(dir, `img-${i}.jpg`);
    linkSync(all[i % all.length]!, p);
    const st = statSync(p);
    rows.push({
      id: randomUUID(), path: p, folder_id: folder!.id, content_hash: `seed-${i}`, kind: 'image', bytes: st.size, mtime: st.mtimeMs,
      captured_at: st.mtimeMs, captured_at_source: 'file-time', width: 100, height: 100, duration: null, camera: null, rating: null,
      tags: null, gps_lat: null, gps_lon: null, status: 'ok', error_code: null, error_text: null, face_count: 0, indexed_at: Date.now(), model_id: 'seed',
    });
  }
  for (let i = 0; i < rows.length; i += 2000) await storeOf(seedEngine).media.upsert(rows.slice(i, i + 2000));
  await seedEngine.close();
  t = performance.now();
  const restarted = await open(bigLibrary);
  const restart = await indexAndWait(restarted);
  const restartSeconds = (performance.now() - t) / 1000;
  await restarted.close();
  if (restart.unchanged !== RESTART) throw new Error(`restart re-did work: ${JSON.stringify(restart)}`);

  const r2 = (v: number) => Math.round(v * 100) / 100;
  console.log(JSON.stringify({
    bench: 'index',
    photos: N,
    generateSeconds: r2(generateSeconds),
    firstIndex: { seconds: r2(firstSeconds), filesPerSecond: r2(N / firstSeconds), faces, errors: first.errors },
    noChangeRestart: { files: RESTART, seconds: r2(restartSeconds), note: 'engine open + scan + compare; includes loading the models' },
    watchPickUp: { files: WATCH, seconds: r2(watchSeconds) },
    dbBytesPer1000Faces: faces ? Math.round((bytes / faces) * 1000) : null,
    dbBytes: bytes,
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  }, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}
