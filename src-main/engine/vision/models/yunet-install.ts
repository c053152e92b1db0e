/** The optional YuNet detector: downloaded from a URL or copied from a file or folder, sha256-verified before it lands. */
import { createWriteStream } from 'node:fs';
import { copyFile, readFile, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { EngineError } from '../../errors';
import { commitPartial, ensureWritableDir } from './atomic-write';
import { partialPath, uniqueToken } from './folder-layout';
import type { Manifest, ModelEntry } from './manifest';
import type { InstallYunetOptions, InstallYunetResult, InstalledModel } from './model-store-types';
import { isFile } from './npm-pack';
import { modelStatus, rememberVerified, sha256File } from './verification';

const DOWNLOAD_TIMEOUT_MS = 2 * 60_000;

function yunetEntries(manifest: Manifest): ModelEntry[] {
  return manifest.models.filter((e) => e.pack === 'yunet');
}

function fileNameOfUrl(url: string): string {
  try {
    return decodeURIComponent(basename(new URL(url).pathname));
  } catch {
    return '';
  }
}

/** Hashes a candidate file and returns the entry it is, or throws MODEL_CHECKSUM naming what it expected. */
async function matchEntry(path: string, candidates: ModelEntry[], what: string): Promise<ModelEntry> {
  const [actual, st] = await Promise.all([sha256File(path), stat(path)]);
  const match = candidates.find((e) => e.sha256 === actual && e.bytes === st.size);
  if (match) return match;
  let lfs = '';
  if (st.size < 1024) {
    const head = (await readFile(path, 'utf8')).slice(0, 40);
    if (head.startsWith('version https://git-lfs')) lfs = ' (it is a Git LFS pointer, not the model: use the media.githubusercontent.com or /raw/ URL)';
  }
  const expected = candidates.map((e) => `${e.file} sha256 ${e.sha256} (${e.bytes} bytes)`).join(' or ');
  throw new EngineError(
    'MODEL_CHECKSUM',
    `${what} does not match its checksum: expected ${expected}, got sha256 ${actual} (${st.size} bytes)${lfs}`,
    { source: what, actual, actualBytes: st.size, expected: candidates.map((e) => e.sha256) },
  );
}

async function downloadYunet(url: string, modelsDir: string, candidates: ModelEntry[], timeoutMs: number): Promise<InstalledModel> {
  const cap = Math.max(...candidates.map((e) => e.bytes));
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (e as Error).message;
    throw new EngineError(
      'MODEL_FETCH_FAILED',
      `could not download ${url}: ${reason}; check the network, or download the file elsewhere and run \`npm run models -- --yunet <folder>\``,
      { url },
      { cause: e },
    );
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    throw new EngineError('MODEL_FETCH_FAILED', `could not download ${url}: the server answered HTTP ${response.status} ${response.statusText}`.trim(), {
      url,
      status: response.status,
    });
  }
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > cap) {
    await response.body.cancel().catch(() => undefined);
    throw new EngineError('MODEL_CHECKSUM', `${url} is ${declared} bytes; a YuNet model is at most ${cap} bytes`, { url, actualBytes: declared });
  }
  const partial = join(modelsDir, `yunet-download.${uniqueToken()}.partial`);
  let received = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      received += chunk.length;
      if (received > cap) cb(new EngineError('MODEL_CHECKSUM', `${url} sent more than ${cap} bytes, more than any YuNet model`, { url }));
      else cb(null, chunk);
    },
  });
  try {
    try {
      await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), limiter, createWriteStream(partial));
    } catch (e) {
      if (e instanceof EngineError) throw e;
      throw new EngineError('MODEL_FETCH_FAILED', `download of ${url} broke off: ${(e as Error).message}`, { url }, { cause: e });
    }
    const entry = await matchEntry(partial, candidates, url);
    return await commitPartial(partial, modelsDir, entry);
  } finally {
    await rm(partial, { force: true });
  }
}

async function copyYunet(source: string, modelsDir: string, entry: ModelEntry): Promise<InstalledModel> {
  const partial = partialPath(modelsDir, entry.file);
  try {
    await copyFile(source, partial);
    return await commitPartial(partial, modelsDir, entry);
  } finally {
    await rm(partial, { force: true });
  }
}

/**
 * Installs the optional YuNet detector into `modelsDir`, from a URL (default: the manifest's), a folder
 * holding either or both exports, or a single file. Everything is sha256-verified before it lands.
 */
export async function installYunet(opts: InstallYunetOptions): Promise<InstallYunetResult> {
  const { modelsDir, manifest, log } = opts;
  const all = yunetEntries(manifest);
  if (all.length === 0) throw new EngineError('MODEL_INVALID', 'the manifest lists no YuNet model');
  const timeoutMs = opts.timeoutMs ?? DOWNLOAD_TIMEOUT_MS;
  await ensureWritableDir(modelsDir, 'set FACE_ORGANIZER_MODELS_DIR to a writable folder');
  const present = new Set((await modelStatus(manifest, modelsDir, all)).filter((s) => s.state === 'ok').map((s) => s.entry.id));
  const result: InstallYunetResult = { installed: [], alreadyPresent: [] };
  const skip = (e: ModelEntry) => {
    if (!present.has(e.id)) return false;
    result.alreadyPresent.push({ entry: e, path: join(modelsDir, e.file) });
    log?.(`${e.file} is already installed`);
    return true;
  };

  const from = opts.from;
  if (from === undefined || /^https?:\/\//i.test(from)) {
    const jobs: { url: string; candidates: ModelEntry[] }[] = [];
    if (from === undefined) {
      for (const e of all) if (e.source.type === 'url') jobs.push({ url: e.source.url, candidates: [e] });
    } else {
      const named = all.filter((e) => e.file === fileNameOfUrl(from));
      jobs.push({ url: from, candidates: named.length > 0 ? named : all });
    }
    for (const job of jobs) {
      if (job.candidates.length === 1 && skip(job.candidates[0] as ModelEntry)) continue;
      log?.(`downloading ${job.url}…`);
      const got = await downloadYunet(job.url, modelsDir, job.candidates, timeoutMs);
      log?.(`installed ${got.entry.file} (${got.entry.id}, sha256 verified)`);
      result.installed.push(got);
    }
  } else {
    const st = await stat(from).catch(() => undefined);
    if (!st) {
      throw new EngineError('FILE_NOT_FOUND', `${from} is neither an http(s) URL nor an existing file or folder`, { from });
    }
    let sources: { path: string; entry: ModelEntry }[];
    if (st.isDirectory()) {
      sources = all.map((e) => ({ path: join(from, e.file), entry: e })).filter((s) => isFile(s.path));
      if (sources.length === 0) {
        throw new EngineError('MODEL_MISSING', `${from} holds no YuNet model; expected ${all.map((e) => e.file).join(' or ')}`, { from });
      }
      // All or nothing: a corrupt export in the folder stops the install before anything is copied.
      for (const s of sources) await matchEntry(s.path, [s.entry], s.path);
    } else {
      sources = [{ path: from, entry: await matchEntry(from, all, from) }];
    }
    for (const s of sources) {
      if (skip(s.entry)) continue;
      const got = await copyYunet(s.path, modelsDir, s.entry);
      log?.(`installed ${got.entry.file} (${got.entry.id}, sha256 verified)`);
      result.installed.push(got);
    }
  }
  await rememberVerified(modelsDir, result.installed);
  return result;
}
