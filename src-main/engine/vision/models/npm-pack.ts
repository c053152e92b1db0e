/**
 * Fetches an npm package tarball with the user's own npm (`npm pack`), so registry, proxy and cache
 * settings apply as they do for npm itself.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { basename, delimiter, dirname, join } from 'node:path';
import type { EnsureDefaultPackOptions } from './model-store-types';

const NPM_TIMEOUT_MS = 10 * 60_000;

export interface NpmCommand {
  command: string;
  prefixArgs: string[];
  shell: boolean;
  env: NodeJS.ProcessEnv;
  describe: string;
}

export function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

export function findNpm(): NpmCommand | undefined {
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

export interface PackResult {
  filename: string;
  integrity: string;
}

export async function npmPack(spec: string, dest: string, opts: EnsureDefaultPackOptions, npm: NpmCommand): Promise<PackResult> {
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

export function sha512Of(integrity: string): string | undefined {
  // SRI may list several hashes; the sha512 one is what npm and the registry agree on.
  return integrity
    .split(/\s+/)
    .find((h) => h.startsWith('sha512-'))
    ?.slice('sha512-'.length);
}
