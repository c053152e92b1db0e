/**
 * Is a model file the one the manifest names? Hashes files against their sha256, and remembers files
 * that verified (size, mtime, ctime in `.verified.json`) so an unchanged file is not hashed every start.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { EngineError } from '../../errors';
import { VERIFIED_CACHE, uniqueToken } from './folder-layout';
import type { Manifest, ModelEntry } from './manifest';
import type { InstalledModel, ModelStatus } from './model-store-types';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

export async function sha512Base64(path: string): Promise<string> {
  const hash = createHash('sha512');
  await pipeline(createReadStream(path), hash);
  return hash.digest('base64');
}

/** Hashes the whole file. Throws MODEL_MISSING when absent, MODEL_CHECKSUM when it is not `entry`'s model. */
export async function verifyFile(path: string, entry: ModelEntry): Promise<void> {
  let st: Stats;
  try {
    st = await stat(path);
  } catch (e) {
    throw new EngineError('MODEL_MISSING', `model file ${path} (${entry.id}) does not exist`, { path, id: entry.id }, { cause: e });
  }
  if (!st.isFile()) throw new EngineError('MODEL_MISSING', `model file ${path} (${entry.id}) is not a file`, { path, id: entry.id });
  const actual = await sha256File(path);
  if (actual !== entry.sha256 || st.size !== entry.bytes) {
    throw new EngineError(
      'MODEL_CHECKSUM',
      `model file ${path} (${entry.id}) does not match its checksum: expected sha256 ${entry.sha256} (${entry.bytes} bytes), ` +
        `got sha256 ${actual} (${st.size} bytes)`,
      { path, id: entry.id, expected: entry.sha256, actual, expectedBytes: entry.bytes, actualBytes: st.size },
    );
  }
}

interface VerifiedRecord {
  bytes: number;
  mtimeMs: number;
  ctimeMs: number;
  sha256: string;
}

type VerifiedCache = Record<string, VerifiedRecord>;

async function readVerifiedCache(modelsDir: string): Promise<VerifiedCache> {
  try {
    const json = JSON.parse(await readFile(join(modelsDir, VERIFIED_CACHE), 'utf8')) as { version?: number; files?: VerifiedCache };
    return json.version === 1 && json.files && typeof json.files === 'object' ? json.files : {};
  } catch {
    return {};
  }
}

async function writeVerifiedCache(modelsDir: string, files: VerifiedCache): Promise<void> {
  const tmp = join(modelsDir, `${VERIFIED_CACHE}.${uniqueToken()}.tmp`);
  try {
    await writeFile(tmp, JSON.stringify({ version: 1, files }, null, 2));
    await rename(tmp, join(modelsDir, VERIFIED_CACHE));
  } catch {
    // Only a cache: a read-only models folder just means hashing again next start.
    await rm(tmp, { force: true });
  }
}

function cacheMatches(rec: VerifiedRecord | undefined, st: Stats, entry: ModelEntry): boolean {
  // ctime as well as mtime: a byte flipped and the mtime restored still moves ctime.
  return !!rec && rec.sha256 === entry.sha256 && rec.bytes === st.size && rec.mtimeMs === st.mtimeMs && rec.ctimeMs === st.ctimeMs;
}

function record(st: Stats, entry: ModelEntry): VerifiedRecord {
  return { bytes: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, sha256: entry.sha256 };
}

/**
 * State of each entry on disk. A file whose size, mtime and ctime match the last successful verification
 * (kept in `<modelsDir>/.verified.json`) is trusted without hashing; any other is hashed in full.
 */
export async function modelStatus(manifest: Manifest, modelsDir: string, entries: ModelEntry[] = manifest.models): Promise<ModelStatus[]> {
  const cache = await readVerifiedCache(modelsDir);
  let changed = false;
  const out: ModelStatus[] = [];
  for (const entry of entries) {
    const path = join(modelsDir, entry.file);
    let st: Stats;
    try {
      st = await stat(path);
    } catch {
      out.push({ entry, path, state: 'missing' });
      continue;
    }
    if (!st.isFile()) {
      out.push({ entry, path, state: 'missing' });
      continue;
    }
    if (st.size !== entry.bytes) {
      out.push({ entry, path, state: 'wrong-size', actualBytes: st.size });
      continue;
    }
    if (cacheMatches(cache[entry.file], st, entry)) {
      out.push({ entry, path, state: 'ok', actualBytes: st.size });
      continue;
    }
    const actual = await sha256File(path);
    if (actual === entry.sha256) {
      cache[entry.file] = record(st, entry);
      out.push({ entry, path, state: 'ok', actualBytes: st.size });
    } else {
      delete cache[entry.file];
      out.push({ entry, path, state: 'bad-checksum', actualBytes: st.size, actualSha256: actual });
    }
    changed = true;
  }
  if (changed && existsSync(modelsDir)) await writeVerifiedCache(modelsDir, cache);
  return out;
}

/** The manifest entries whose files are present and verified. */
export async function installedModels(manifest: Manifest, modelsDir: string): Promise<InstalledModel[]> {
  return (await modelStatus(manifest, modelsDir)).filter((s) => s.state === 'ok').map(({ entry, path }) => ({ entry, path }));
}

export async function rememberVerified(modelsDir: string, installed: InstalledModel[]): Promise<void> {
  if (installed.length === 0) return;
  const cache = await readVerifiedCache(modelsDir);
  for (const { entry, path } of installed) cache[entry.file] = record(await stat(path), entry);
  await writeVerifiedCache(modelsDir, cache);
}

export function statusError(s: ModelStatus, hint: string): EngineError {
  if (s.state === 'missing') {
    return new EngineError('MODEL_MISSING', `model file ${s.path} (${s.entry.id}) is missing; ${hint}`, { path: s.path, id: s.entry.id });
  }
  const actual = s.actualSha256 ? `sha256 ${s.actualSha256}` : 'a different size';
  return new EngineError(
    'MODEL_CHECKSUM',
    `model file ${s.path} (${s.entry.id}) does not match its checksum: expected sha256 ${s.entry.sha256} (${s.entry.bytes} bytes), ` +
      `got ${actual} (${s.actualBytes ?? 0} bytes); ${hint}`,
    { path: s.path, id: s.entry.id, expected: s.entry.sha256, actual: s.actualSha256, actualBytes: s.actualBytes },
  );
}
