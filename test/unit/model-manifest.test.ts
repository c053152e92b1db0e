import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../src-main/engine/errors';
import {
  ManifestSchema,
  MODEL_ROLES,
  bundledModelsDir,
  defaultManifestPath,
  defaultModelsDir,
  loadManifest,
} from '../../src-main/engine/vision/models/manifest';
import { REPO_ROOT, tempDir } from '../helpers/paths';

describe('model manifest', () => {
  it('validates and describes every model completely', async () => {
    const manifest = await loadManifest();
    expect(manifest.models.length).toBeGreaterThanOrEqual(5);
    for (const e of manifest.models) {
      expect(e.sha256, e.id).toMatch(/^[0-9a-f]{64}$/);
      expect(e.bytes, e.id).toBeGreaterThan(0);
      expect(e.license.length, e.id).toBeGreaterThan(0);
      expect(e.input.layout, e.id).toBe('NCHW');
      expect(e.outputs.length, e.id).toBeGreaterThan(0);
      expect(e.file, e.id).not.toMatch(/[\\/]/);
    }
  });

  it('covers every role in the default pack and offers YuNet detectors with the dynamic export preferred', async () => {
    const manifest = await loadManifest();
    for (const role of MODEL_ROLES) {
      expect(manifest.models.filter((e) => e.pack === 'default' && e.role === role)).toHaveLength(1);
    }
    const yunet = manifest.models.filter((e) => e.pack === 'yunet');
    expect(yunet.map((e) => e.role)).toEqual(['detector', 'detector']);
    expect(yunet.every((e) => e.optional)).toBe(true);
    expect(yunet.filter((e) => e.preferred).map((e) => e.file)).toEqual(['face_detection_yunet_2023mar_dynamic.onnx']);
    const withUrl = yunet.filter((e) => e.source.type === 'url');
    expect(withUrl.map((e) => e.id)).toEqual(['yunet-2023mar']);
    // The default pack comes from one pinned npm tarball.
    const npm = manifest.packs.default.npm;
    expect(npm?.integrity).toMatch(/^sha512-/);
    for (const e of manifest.models.filter((m) => m.pack === 'default')) {
      expect(e.source).toMatchObject({ type: 'npm', package: npm?.package, version: npm?.version });
    }
  });

  it('rejects entries that could write outside the models folder, duplicates and bad checksums', () => {
    const raw = JSON.parse(readFileSync(defaultManifestPath(), 'utf8')) as { models: Record<string, unknown>[] };
    const bad = (mutate: (m: typeof raw) => void) => {
      const copy = structuredClone(raw);
      mutate(copy);
      return ManifestSchema.safeParse(copy).success;
    };
    expect(bad(() => undefined)).toBe(true);
    expect(bad((m) => void ((m.models[0] as Record<string, unknown>).file = '../evil.onnx'))).toBe(false);
    expect(bad((m) => void ((m.models[0] as Record<string, unknown>).sha256 = 'abc'))).toBe(false);
    expect(bad((m) => void m.models.push(structuredClone(m.models[0] as Record<string, unknown>)))).toBe(false);
    expect(bad((m) => void m.models.splice(2, 1))).toBe(false);
  });

  it('loadManifest reports a malformed file as MODEL_INVALID', async () => {
    const dir = tempDir('manifest');
    const path = join(dir, 'manifest.json');
    writeFileSync(path, JSON.stringify({ version: 1, packs: {}, models: [] }));
    const err = await loadManifest(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('MODEL_INVALID');
    const missing = await loadManifest(join(dir, 'nope.json')).catch((e: unknown) => e);
    expect((missing as EngineError).code).toBe('MODEL_MISSING');
  });

  it('finds the models folder from the package root, and lets FACE_ORGANIZER_MODELS_DIR override it', () => {
    expect(bundledModelsDir()).toBe(join(REPO_ROOT, 'resources', 'models'));
    expect(defaultManifestPath()).toBe(join(REPO_ROOT, 'resources', 'models', 'manifest.json'));
    const saved = process.env.FACE_ORGANIZER_MODELS_DIR;
    try {
      process.env.FACE_ORGANIZER_MODELS_DIR = '/somewhere/else';
      expect(defaultModelsDir()).toBe(resolve('/somewhere/else'));
      // The manifest ships with the app, wherever the model files are.
      expect(defaultManifestPath()).toBe(join(REPO_ROOT, 'resources', 'models', 'manifest.json'));
      delete process.env.FACE_ORGANIZER_MODELS_DIR;
      expect(defaultModelsDir()).toBe(join(REPO_ROOT, 'resources', 'models'));
    } finally {
      if (saved === undefined) delete process.env.FACE_ORGANIZER_MODELS_DIR;
      else process.env.FACE_ORGANIZER_MODELS_DIR = saved;
    }
  });
});
