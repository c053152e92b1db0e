/**
 * Writes into the models folder that a reader never sees half done: bytes go to a `.partial` file, are
 * verified and synced, and only then renamed over the final name.
 */
import { mkdir, open, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../../errors';
import { STALE_LOCK_MS } from './file-lock';
import { CACHE_DIR, VERIFIED_CACHE, uniqueToken } from './folder-layout';
import type { ModelEntry } from './manifest';
import type { InstalledModel } from './model-store-types';
import { verifyFile } from './verification';

async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Verifies `partial` as `entry`, then renames it into place. Removes it when it does not verify. */
export async function commitPartial(partial: string, modelsDir: string, entry: ModelEntry): Promise<InstalledModel> {
  const path = join(modelsDir, entry.file);
  try {
    await verifyFile(partial, entry);
    await fsyncFile(partial);
    await rename(partial, path);
  } catch (e) {
    await rm(partial, { force: true });
    if (e instanceof EngineError && e.code === 'MODEL_CHECKSUM') {
      // Name the model file, not the temporary one the bytes were in.
      throw new EngineError('MODEL_CHECKSUM', e.message.replace(partial, `${path} (as downloaded)`), e.details, { cause: e });
    }
    throw e;
  }
  return { entry, path };
}

export async function ensureWritableDir(dir: string, hint: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const probe = join(dir, `.probe.${uniqueToken()}`);
    await writeFile(probe, '');
    await unlink(probe);
  } catch (e) {
    throw new EngineError('MODEL_FETCH_FAILED', `the models folder ${dir} is not writable (${(e as Error).message}); ${hint}`, { modelsDir: dir }, { cause: e });
  }
}

/** Leftovers of a process that died mid-write: only touched while holding the lock. */
export async function removeStaleLeftovers(modelsDir: string): Promise<void> {
  const cutoff = Date.now() - STALE_LOCK_MS;
  const candidates: string[] = [];
  for (const name of await readdir(modelsDir).catch(() => [] as string[])) {
    if (name.endsWith('.partial') || (name.startsWith(VERIFIED_CACHE) && name.endsWith('.tmp'))) candidates.push(join(modelsDir, name));
  }
  for (const name of await readdir(join(modelsDir, CACHE_DIR)).catch(() => [] as string[])) candidates.push(join(modelsDir, CACHE_DIR, name));
  for (const p of candidates) {
    const st = await stat(p).catch(() => undefined);
    if (st && st.mtimeMs < cutoff) await rm(p, { recursive: true, force: true });
  }
}
