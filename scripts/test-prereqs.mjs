#!/usr/bin/env node
// The test suite needs a few system tools the npm registry cannot ship: heif-enc (to make a real
// HEIC photo) and Chromium (end-to-end UI tests). Installs them with apt when we are root on a
// Debian/Ubuntu machine (CI), otherwise says exactly what to install. Never skips silently.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const NEEDS = [
  { what: 'heif-enc (HEIC test photos)', check: () => onPath('heif-enc'), apt: ['libheif-examples'] },
  { what: 'Chromium (UI tests)', check: () => existsSync('/usr/bin/chromium') || onPath('chromium'), apt: ['chromium'] },
];

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

if (process.platform !== 'linux') process.exit(0); // macOS/Windows developers install these themselves; see README

const missing = NEEDS.filter((n) => !n.check());
if (missing.length === 0) process.exit(0);
const packages = [...new Set(missing.flatMap((n) => n.apt))];
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (isRoot && onPath('apt-get')) {
  console.log(`test-prereqs: installing ${packages.join(' ')} (missing: ${missing.map((m) => m.what).join(', ')})`);
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    // Debian trixie and later split HEVC encoding into a plugin; bookworm builds it in.
    const extra = spawnSync('apt-cache', ['show', 'libheif-plugin-x265'], { stdio: 'ignore' }).status === 0 ? ['libheif-plugin-x265'] : [];
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages, ...(packages.includes('libheif-examples') ? extra : [])], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch {
    console.error(`test-prereqs: apt-get failed; install these packages and run the tests again: ${packages.join(' ')}`);
    process.exit(1);
  }
  process.exit(0);
}
console.error(`test-prereqs: missing ${missing.map((m) => m.what).join(', ')}.\nInstall them first, e.g.: sudo apt-get install ${packages.join(' ')}`);
process.exit(1);
