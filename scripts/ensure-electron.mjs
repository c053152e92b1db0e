#!/usr/bin/env node
/**
 * Makes sure Electron's binary is present before `npm start` / `npm run dev` launch it.
 *
 * No install step downloads it: .npmrc sets ignore-scripts=true so that nothing reaches GitHub
 * during install, and from Electron 45 on the package has no install script anyway (its index.js
 * downloads on first require, with a stack trace when that fails). This script runs the package's
 * installer (node_modules/electron/install.js) once, on first start, and turns its failure into a
 * short explanation instead.
 *
 * The "installed" test mirrors install.js's isInstalled() and the way electron-vite finds the
 * binary (ELECTRON_EXEC_PATH, else dist/<path.txt>), so this script never disagrees with either.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const TAG = 'ensure-electron:';

/** Same mapping as node_modules/electron/install.js getPlatformPath(). */
function executableRelativePath(platform) {
  switch (platform) {
    case 'mas':
    case 'darwin':
      return 'Electron.app/Contents/MacOS/Electron';
    case 'freebsd':
    case 'openbsd':
    case 'linux':
      return 'electron';
    case 'win32':
      return 'electron.exe';
    default:
      return null;
  }
}

function readText(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Where electron's package lives; FACE_ORGANIZER_ELECTRON_DIR points tests at a stand-in. */
function findElectronDir() {
  if (process.env.FACE_ORGANIZER_ELECTRON_DIR) return process.env.FACE_ORGANIZER_ELECTRON_DIR;
  try {
    return dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return null;
  }
}

function isInstalled(electronDir, version, relativePath) {
  const distVersion = readText(join(electronDir, 'dist', 'version'));
  if (distVersion === null || distVersion.trim().replace(/^v/, '') !== version) return false;
  if (readText(join(electronDir, 'path.txt')) !== relativePath) return false;
  return existsSync(join(electronDir, 'dist', relativePath));
}

/** The first line of the installer's error (its stack's headline), without the stack. */
function headline(stderr) {
  const line = stderr.split(/\r?\n/).map((l) => l.trim()).find((l) => l.length > 0);
  return line ? line.replace(/^(Error|RequestError|HTTPError):\s*/, '') : 'the installer exited without saying why';
}

function fail(lines) {
  console.error([`${TAG} ${lines[0]}`, ...lines.slice(1).map((l) => `  ${l}`)].join('\n'));
  process.exit(1);
}

const WITHOUT_ELECTRON = 'The command-line interface (npm run cli) and web mode work without Electron.';

/**
 * Linux only: Chromium's sandbox needs either user namespaces or a setuid-root chrome-sandbox.
 * Distributions that restrict user namespaces (Ubuntu 23.10+) make a fresh download crash at
 * launch, so say how to fix it now rather than leave the user with Electron's FATAL line.
 */
function warnAboutLinuxSandbox(electronDir) {
  if (process.platform !== 'linux') return;
  const restricted = readText('/proc/sys/kernel/apparmor_restrict_unprivileged_userns')?.trim() === '1'
    || readText('/proc/sys/kernel/unprivileged_userns_clone')?.trim() === '0';
  if (!restricted) return;
  const helper = join(electronDir, 'dist', 'chrome-sandbox');
  let configured = false;
  try {
    const stat = statSync(helper);
    configured = stat.uid === 0 && (stat.mode & 0o4000) !== 0;
  } catch {
    return;
  }
  if (configured) return;
  console.warn([
    `${TAG} this system restricts user namespaces, so Electron's sandbox needs its helper set up once:`,
    `  sudo chown root:root ${helper} && sudo chmod 4755 ${helper}`,
  ].join('\n'));
}

function main() {
  const execPath = process.env.ELECTRON_EXEC_PATH;
  if (execPath) {
    if (existsSync(execPath)) return;
    fail([`ELECTRON_EXEC_PATH is set to ${execPath}, which does not exist.`, 'Unset it to use the Electron from node_modules.']);
  }

  const electronDir = findElectronDir();
  if (!electronDir || !existsSync(join(electronDir, 'package.json'))) {
    fail(['the electron package is not installed.', 'Run npm install (or npm ci) first.', WITHOUT_ELECTRON]);
  }
  const version = JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8')).version;
  const relativePath = executableRelativePath(process.env.npm_config_platform || process.platform);
  if (!relativePath) fail([`Electron has no build for this platform (${process.platform}).`, WITHOUT_ELECTRON]);

  if (!isInstalled(electronDir, version, relativePath)) {
    const target = `${process.platform}-${process.env.npm_config_arch || process.arch}`;
    console.log(`${TAG} downloading Electron ${version} for ${target} (first start only, about 100 MB)…`);
    const installer = spawnSync(process.execPath, [join(electronDir, 'install.js')], {
      cwd: electronDir,
      stdio: ['ignore', 'inherit', 'pipe'],
      encoding: 'utf8',
    });
    const reason = installer.error ? installer.error.message : headline(installer.stderr ?? '');
    if (installer.status !== 0 || !isInstalled(electronDir, version, relativePath)) {
      fail([
        `could not download Electron ${version} for ${target}: ${reason}`,
        installer.status === 0 && process.env.ELECTRON_SKIP_BINARY_DOWNLOAD
          ? 'ELECTRON_SKIP_BINARY_DOWNLOAD is set, so the installer skipped the download; unset it and run again.'
          : 'The app window needs it, downloaded once from GitHub (github.com/electron/electron/releases).',
        'Allow network access to that host, or set ELECTRON_MIRROR to a mirror of it, and run again.',
        WITHOUT_ELECTRON,
      ]);
    }
    console.log(`${TAG} Electron ${version} is ready.`);
  }
  warnAboutLinuxSandbox(electronDir);
}

main();
