/** Which installed, verified file serves each role (detector, landmarks, embedder). */
import { EngineError } from '../../errors';
import { defaultPackEntries, defaultPackHint } from './default-pack';
import type { Manifest, ModelEntry, ModelRole } from './manifest';
import type { DetectorChoice, ModelStatus, ResolvedModel, ResolvedModels } from './model-store-types';
import { modelStatus, statusError } from './verification';

function detectorOrder(manifest: Manifest, choice: DetectorChoice): ModelEntry[] {
  const detectors = manifest.models.filter((e) => e.role === 'detector');
  const rank = (e: ModelEntry) => (e.pack === 'default' ? 2 : 0) + (e.preferred ? 0 : 1);
  const ordered = [...detectors].sort((a, b) => rank(a) - rank(b));
  if (choice === 'default') return ordered.filter((e) => e.pack === 'default');
  if (choice === 'yunet') return ordered.filter((e) => e.pack === 'yunet');
  return ordered;
}

/**
 * Which installed file serves each role. Landmarks and embedder always come from the default pack;
 * the detector follows `detector` (default `auto`). Throws MODEL_MISSING or MODEL_CHECKSUM, with what
 * to do, when a needed file is absent or corrupt.
 */
export async function resolveModelPaths(opts: { modelsDir: string; manifest: Manifest; detector?: DetectorChoice }): Promise<ResolvedModels> {
  const { modelsDir, manifest } = opts;
  const choice = opts.detector ?? 'auto';
  const statuses = await modelStatus(manifest, modelsDir);
  const byId = new Map(statuses.map((s) => [s.entry.id, s]));
  const hint = defaultPackHint(manifest, modelsDir);
  const warnings: string[] = [];

  const required = (role: ModelRole): ResolvedModel => {
    const entry = defaultPackEntries(manifest).find((e) => e.role === role) as ModelEntry;
    const s = byId.get(entry.id) as ModelStatus;
    if (s.state !== 'ok') throw statusError(s, hint);
    return { entry, path: s.path };
  };
  const landmarks = required('landmarks');
  const embedder = required('embedder');

  let detector: ResolvedModel | undefined;
  const order = detectorOrder(manifest, choice);
  for (const entry of order) {
    const s = byId.get(entry.id) as ModelStatus;
    if (s.state === 'ok') {
      detector = { entry, path: s.path };
      break;
    }
    if (s.state !== 'missing') warnings.push(statusError(s, 'skipped it').message);
  }
  if (!detector) {
    if (choice === 'yunet') {
      throw new EngineError(
        'MODEL_MISSING',
        `no usable YuNet detector in ${modelsDir}; run \`npm run models -- --yunet\` (or \`--yunet <folder>\`)` +
          (warnings.length ? `; ${warnings.join('; ')}` : ''),
        { modelsDir },
      );
    }
    const fallback = defaultPackEntries(manifest).find((e) => e.role === 'detector') as ModelEntry;
    throw statusError(byId.get(fallback.id) as ModelStatus, hint);
  }
  return { detector, landmarks, embedder, warnings };
}
