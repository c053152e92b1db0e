/**
 * Real engines for the integration tests: the default pack alone, or the default pack plus YuNet
 * installed from ../shared/models the way a user's "models folder" install works.
 */
import { linkSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine } from '../../src-main/engine/engine';
import type { VisionSettings } from '../../src-main/engine/settings';
import { defaultModelsDir, loadManifest } from '../../src-main/engine/vision/models/manifest';
import { installYunet } from '../../src-main/engine/vision/models/model-store';
import { SHARED_MODELS, tempDir } from './paths';

export type Pack = 'default' | 'yunet';

export async function modelsDirFor(pack: Pack): Promise<string> {
  if (pack === 'default') return defaultModelsDir();
  const manifest = await loadManifest();
  const dir = tempDir('models-yunet');
  for (const e of manifest.models.filter((m) => m.pack === 'default')) {
    const from = join(defaultModelsDir(), e.file);
    try { linkSync(from, join(dir, e.file)); } catch { copyFileSync(from, join(dir, e.file)); }
  }
  await installYunet({ modelsDir: dir, manifest, from: join(SHARED_MODELS, 'yunet') });
  return dir;
}

export async function openEngine(pack: Pack, vision: Partial<VisionSettings> = {}): Promise<Engine> {
  return Engine.open({
    modelsDir: await modelsDirFor(pack),
    detector: pack === 'yunet' ? 'yunet' : 'default',
    fetchModels: false,
    settings: { vision: { provider: 'cpu', ...vision } },
  });
}
