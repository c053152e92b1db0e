/**
 * scripts/ensure-electron.mjs, run as `npm start` runs it, against a stand-in electron package
 * (FACE_ORGANIZER_ELECTRON_DIR) whose install.js succeeds or fails on demand: no network involved.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../scripts/ensure-electron.mjs', import.meta.url));
const EXE = process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron';
let dir: string;

function fakeElectron(installJs: string): void {
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'electron', version: '39.2.3' }));
  writeFileSync(join(dir, 'install.js'), installJs);
}

/** What a successful download leaves behind, as electron's install.js writes it. */
const INSTALL_OK = `
const fs = require('fs'); const path = require('path');
const exe = ${JSON.stringify(EXE)};
fs.mkdirSync(path.dirname(path.join(__dirname, 'dist', exe)), { recursive: true });
fs.writeFileSync(path.join(__dirname, 'dist', exe), '');
fs.writeFileSync(path.join(__dirname, 'dist', 'version'), 'v39.2.3');
fs.writeFileSync(path.join(__dirname, 'path.txt'), exe);
`;

/** What electron's install.js prints when GitHub is unreachable. */
const INSTALL_OFFLINE = `
const err = new Error('getaddrinfo ENOTFOUND github.com');
console.error(err.stack);
process.exit(1);
`;

function run(env: Record<string, string> = {}) {
  const childEnv: Record<string, string | undefined> = { ...process.env, FACE_ORGANIZER_ELECTRON_DIR: dir, ...env };
  delete childEnv['ELECTRON_EXEC_PATH'];
  if (env['ELECTRON_EXEC_PATH']) childEnv['ELECTRON_EXEC_PATH'] = env['ELECTRON_EXEC_PATH'];
  const result = spawnSync(process.execPath, [SCRIPT], { env: childEnv, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fo-ensure-electron-'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ensure-electron', () => {
  it('fails cleanly, without a stack trace, when the download cannot happen', () => {
    fakeElectron(INSTALL_OFFLINE);
    const { status, stderr } = run();
    expect(status).toBe(1);
    expect(stderr).toContain('could not download Electron 39.2.3');
    expect(stderr).toContain('getaddrinfo ENOTFOUND github.com');
    expect(stderr).toContain('ELECTRON_MIRROR');
    expect(stderr).toMatch(/CLI|command-line interface/);
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('downloads once, then starts straight away', () => {
    fakeElectron(INSTALL_OK);
    const first = run();
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('Electron 39.2.3 is ready');
    writeFileSync(join(dir, 'install.js'), INSTALL_OFFLINE);
    const second = run();
    expect(second.status).toBe(0);
    expect(second.stdout).not.toContain('downloading');
  });

  it('downloads again when the binary on disk is another version', () => {
    fakeElectron(INSTALL_OK);
    mkdirSync(join(dir, 'dist'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'version'), 'v38.0.0');
    const { status, stdout } = run();
    expect(status).toBe(0);
    expect(stdout).toContain('downloading');
  });

  it('trusts an existing ELECTRON_EXEC_PATH and rejects a missing one', () => {
    fakeElectron(INSTALL_OFFLINE);
    const exe = join(dir, 'my-electron');
    writeFileSync(exe, '');
    expect(run({ ELECTRON_EXEC_PATH: exe }).status).toBe(0);
    const missing = run({ ELECTRON_EXEC_PATH: join(dir, 'nope') });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('ELECTRON_EXEC_PATH');
  });
});
