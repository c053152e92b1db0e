/**
 * What can be checked of the packaging here without Electron's downloads: the config passes
 * electron-builder's own schema, the fuses it sets flip the right bits (through electron-builder's
 * fuse mapping and @electron/fuses, on a stand-in fuse wire), every build target has its native
 * packages in the lock file, each platform ships only its own ONNX Runtime binaries, every native
 * binary of a production dependency lies under an asarUnpack pattern, the files patterns cover the
 * built entries (main, its engine chunks and worker entries, preload, renderer), the models ship as
 * extra resources, and the icons and entitlements exist. Patterns are matched with electron-builder's
 * own rules (minimatch with dots, the last matching pattern wins).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths';

type Platform = 'darwin' | 'win32' | 'linux';
interface Target { target: string; arch: string[] }
interface PlatformConfig { target: Target[]; icon: string; files?: string[] }

interface BuilderConfig {
  appId: string;
  productName: string;
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  extraResources: { from: string; to: string; filter: string[] }[];
  npmRebuild: boolean;
  directories: { output: string; buildResources: string };
  mac: PlatformConfig & { entitlements: string; hardenedRuntime: boolean };
  win: PlatformConfig;
  linux: PlatformConfig & { category: string };
  electronFuses: Record<string, boolean>;
}

const require = createRequire(import.meta.url);
// js-yaml comes with eslint; its types are not installed.
const yaml = require('js-yaml') as { load(text: string): unknown };
const config = yaml.load(readFileSync(join(REPO_ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { main: string; dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string> };

// electron-builder's own pieces: its minimatch, its schema check, its fuse mapping.
const builderRequire = createRequire(require.resolve('app-builder-lib/package.json'));
type MinimatchLike = { negate: boolean; match(path: string): boolean };
const { Minimatch } = builderRequire('minimatch') as { Minimatch: new (pattern: string, options: { dot: boolean }) => MinimatchLike };

/** electron-builder's filter (util/filter.js minimatchAll): with a match only exclusions are retried, without one only inclusions. */
const compiled = new Map<string, MinimatchLike>();
function covered(patterns: string[], file: string): boolean {
  let match = false;
  for (const raw of patterns) {
    let pattern = compiled.get(raw);
    if (!pattern) compiled.set(raw, (pattern = new Minimatch(raw, { dot: true })));
    if (match !== pattern.negate) continue;
    match = pattern.match(file);
  }
  return match;
}

const PLATFORMS: Array<{ key: 'mac' | 'win' | 'linux'; os: Platform }> = [
  { key: 'mac', os: 'darwin' },
  { key: 'win', os: 'win32' },
  { key: 'linux', os: 'linux' },
];

/** Every (os, arch) the config builds, e.g. darwin/arm64, win32/x64, linux/x64. */
function buildTargets(): Array<{ key: 'mac' | 'win' | 'linux'; os: Platform; arch: string }> {
  const out = new Map<string, { key: 'mac' | 'win' | 'linux'; os: Platform; arch: string }>();
  for (const { key, os } of PLATFORMS) {
    for (const t of config[key].target) for (const arch of t.arch) out.set(`${os}/${arch}`, { key, os, arch });
  }
  return [...out.values()];
}

/**
 * electron-builder's file macros as used here: `${platform}` is the building OS (process.platform;
 * each OS builds for itself) and `${arch}` the target architecture.
 */
function expand(pattern: string, os: string, arch: string): string {
  return pattern.replaceAll('${platform}', os).replaceAll('${arch}', arch);
}

/** What reaches node_modules in the package built on `os` for `arch`: electron-builder puts `**\/*` before the exclusions of `files`. */
function shippedModuleFile(os: string, arch: string, file: string): boolean {
  const exclusions = config.files.filter((p) => p.startsWith('!')).map((p) => expand(p, os, arch));
  return covered(['**/*', ...exclusions], file);
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Production dependencies, transitively, as installed. */
function productionPackages(): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    const dir = join(REPO_ROOT, 'node_modules', name);
    if (!existsSync(join(dir, 'package.json'))) return;
    seen.add(name);
    const p = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const d of Object.keys({ ...p.dependencies, ...p.optionalDependencies })) visit(d);
  };
  Object.keys(pkg.dependencies).forEach(visit);
  return [...seen];
}

describe('electron-builder config', () => {
  it('names the app and its targets: dmg per arch, nsis, AppImage and deb', () => {
    expect(config.productName).toBe('Face Organizer');
    expect(config.appId).toMatch(/^[a-z0-9.-]+$/);
    expect(config.mac.target.map((t) => t.target)).toEqual(['dmg']);
    expect(config.mac.target[0]!.arch).toEqual(['arm64']);
    expect(config.win.target.map((t) => t.target)).toEqual(['nsis']);
    expect(config.linux.target.map((t) => t.target)).toEqual(['AppImage', 'deb']);
    expect(config.npmRebuild).toBe(false);
    expect(config.directories.output.startsWith('release/')).toBe(true);
  });

  it('packs the built entries the app runs', () => {
    expect(pkg.main).toBe('out/main/index.js');
    for (const f of ['out/main/index.js', 'out/main/analyzer-worker.js', 'out/main/chunks/engine-abc.js', 'out/preload/index.cjs', 'out/renderer/index.html', 'out/renderer/assets/index-x.js', 'package.json']) {
      expect(covered(config.files, f), f).toBe(true);
    }
    for (const f of ['src-main/engine/engine.ts', 'test/unit/x.test.ts', 'resources/models/fr_detect.onnx', 'out/main/index.js.map']) {
      expect(covered(config.files, f), f).toBe(false);
    }
  });

  it('unpacks every native binary of a production dependency from the asar', () => {
    const natives: string[] = [];
    // Packages the files patterns leave out are not shipped at all.
    const shipped = productionPackages().filter((name) => shippedModuleFile(process.platform, process.arch, `node_modules/${name}/package.json`));
    expect(shipped).not.toContain('@huggingface/transformers');
    for (const name of shipped) {
      for (const file of walk(join(REPO_ROOT, 'node_modules', name))) {
        if (!shippedModuleFile(process.platform, process.arch, relative(REPO_ROOT, file).split(sep).join('/'))) continue;
        const isNative = file.endsWith('.node') || /\.(so(\.\d+)*|dylib|dll)$/.test(file) || (name.startsWith('@ffmpeg-installer/') && /ffmpeg(\.exe)?$/.test(file));
        if (isNative) natives.push(relative(REPO_ROOT, file).split(sep).join('/'));
      }
    }
    expect(natives.some((f) => f.includes('onnxruntime-node'))).toBe(true);
    expect(natives.some((f) => f.includes('sharp') || f.includes('@img'))).toBe(true);
    expect(natives.some((f) => f.includes('@lancedb'))).toBe(true);
    const packed = natives.filter((f) => !covered(config.asarUnpack, f));
    expect(packed).toEqual([]);
  });

  it('ships the models as extra resources next to the app', () => {
    const models = config.extraResources.find((r) => r.to === 'models')!;
    expect(models.from).toBe('resources/models');
    expect(existsSync(join(REPO_ROOT, models.from, 'manifest.json'))).toBe(true);
    expect(models.filter).toEqual(expect.arrayContaining(['manifest.json', '*.onnx']));
  });

  it('has the icons and macOS entitlements it names', async () => {
    for (const icon of [config.mac.icon, config.win.icon, config.linux.icon]) {
      const meta = await sharp(join(REPO_ROOT, icon)).metadata();
      expect(meta.width).toBeGreaterThanOrEqual(1024);
      expect(meta.width).toBe(meta.height);
    }
    const plist = readFileSync(join(REPO_ROOT, config.mac.entitlements), 'utf8');
    expect(plist).toContain('com.apple.security.cs.allow-jit');
    expect(plist).not.toContain('com.apple.security.device.camera');
    expect(config.mac.hardenedRuntime).toBe(true);
    expect(statSync(join(REPO_ROOT, config.directories.buildResources)).isDirectory()).toBe(true);
  });

  it('has release scripts for each platform', () => {
    for (const s of ['dist', 'dist:mac', 'dist:win', 'dist:linux', 'dist:dir']) {
      expect(pkg.scripts[s]).toContain('electron-builder --config electron-builder.yml');
    }
  });
});

describe('native packages per build target', () => {
  interface LockEntry { version: string; optional?: boolean; os?: string[]; cpu?: string[]; libc?: string[]; dev?: boolean; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const entry = (name: string): LockEntry | undefined => lock.packages[`node_modules/${name}`];
  /** Optional dependencies published per platform (they carry `os`/`cpu` in the lock). */
  const platformChildren = (name: string): string[] => Object.keys(entry(name)?.optionalDependencies ?? {}).filter((d) => entry(d)?.cpu);
  const fits = (e: LockEntry, os: Platform, arch: string): boolean =>
    !!e.os?.includes(os) && !!e.cpu?.includes(arch) && (os !== 'linux' || !e.libc || e.libc.includes('glibc'));

  /** Production packages (from the lock) that ship their native code as per-platform packages. */
  function nativeFamilies(): string[] {
    const seen = new Set<string>();
    const visit = (name: string) => {
      const e = entry(name);
      if (!e || seen.has(name)) return;
      seen.add(name);
      for (const d of Object.keys({ ...e.dependencies, ...e.optionalDependencies })) visit(d);
    };
    Object.keys(pkg.dependencies).forEach(visit);
    // LanceDB's embedding helpers are left out of the package (files patterns), so their natives are not needed.
    // The per-platform packages themselves are optional; their parents are not.
    return [...seen].filter((name) => !entry(name)!.optional && platformChildren(name).length > 0 && shippedModuleFile('linux', 'x64', `node_modules/${name}/package.json`));
  }

  it('finds the native families the app loads', () => {
    expect(nativeFamilies()).toEqual(expect.arrayContaining(['@lancedb/lancedb', 'sharp', '@ffmpeg-installer/ffmpeg']));
    expect(entry('@lancedb/lancedb')?.dev).toBeUndefined();
  });

  it('has, for every OS and architecture built, each native package in the lock file (npm ci installs it there)', () => {
    const missing: string[] = [];
    const check = (name: string, os: Platform, arch: string, path: string[]) => {
      const children = platformChildren(name);
      if (children.length === 0) return;
      const fitting = children.filter((c) => fits(entry(c)!, os, arch));
      if (fitting.length === 0) missing.push(`${[...path, name].join(' > ')}: nothing for ${os}-${arch}`);
      for (const c of fitting) check(c, os, arch, [...path, name]);
    };
    const targets = buildTargets();
    expect(targets.map((t) => `${t.os}/${t.arch}`).sort()).toEqual(['darwin/arm64', 'linux/x64', 'win32/x64']);
    for (const family of nativeFamilies()) for (const { os, arch } of targets) check(family, os, arch, []);
    expect(missing).toEqual([]);
  });

  it('ships only the platform\'s own ONNX Runtime binaries in each package', () => {
    const binDir = join(REPO_ROOT, 'node_modules', 'onnxruntime-node', 'bin');
    const binaries = walk(binDir).map((f) => `node_modules/onnxruntime-node/bin/${relative(binDir, f).split(sep).join('/')}`);
    expect(binaries.length).toBeGreaterThan(6);
    for (const { os, arch } of buildTargets()) {
      const shipped = binaries.filter((f) => shippedModuleFile(os, arch, f));
      expect(shipped.some((f) => f.includes(`/${os}/${arch}/onnxruntime_binding.node`)), `${os}/${arch}`).toBe(true);
      expect(shipped.filter((f) => !f.includes(`/${os}/${arch}/`)), `${os}/${arch}`).toEqual([]);
      // The binding stays loadable: what ships is unpacked from the asar.
      for (const f of shipped) expect(covered(config.asarUnpack, f), f).toBe(true);
    }
    // The JavaScript of the package ships everywhere.
    for (const { os, arch } of buildTargets()) expect(shippedModuleFile(os, arch, 'node_modules/onnxruntime-node/dist/index.js')).toBe(true);
  });

  it('keeps one files list: platform-level `files` would replace it, not add to it', () => {
    // Seen in a real electron-builder 26 run (docs/packaging.md): with linux.files set, the
    // top-level list was dropped and the whole checkout was packed into app.asar.
    for (const { key } of PLATFORMS) expect(config[key]).not.toHaveProperty('files');
  });

  it('leaves out only packages that nothing shipped depends on', () => {
    const excluded = (name: string) => !shippedModuleFile('linux', 'x64', `node_modules/${name}/package.json`);
    const left = Object.keys(lock.packages)
      .filter((path) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) && !lock.packages[path]!.dev)
      .map((path) => path.slice('node_modules/'.length));
    const out = left.filter(excluded);
    expect(out).toEqual(expect.arrayContaining(['@huggingface/transformers', 'onnxruntime-web']));
    const needers = left.filter((name) => !excluded(name)).flatMap((name) => {
      const e = entry(name)!;
      return Object.keys({ ...e.dependencies, ...e.optionalDependencies }).filter((d) => out.includes(d) && !(e.optionalDependencies ?? {})[d]).map((d) => `${name} -> ${d}`);
    });
    expect(needers).toEqual([]);
  });
});

describe('Electron fuses', () => {
  it('are set in the build: RunAsNode, NODE_OPTIONS and --inspect off, asar integrity and asar-only on, no file:// privileges', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
      enableCookieEncryption: false,
      loadBrowserProcessSpecificV8Snapshot: false,
    });
    // asar integrity needs the archive and its hash: neither may be switched off.
    expect(config.asar).toBe(true);
    expect(config).not.toHaveProperty('disableAsarIntegrity');
  });

  it('pass electron-builder\'s configuration schema (a misspelt option fails the build there)', async () => {
    const { validateConfiguration } = builderRequire('./out/util/config/config') as { validateConfiguration(c: unknown, log: { isEnabled: boolean; add(): void }): Promise<void> };
    const log = { isEnabled: false, add: () => undefined };
    await expect(validateConfiguration(config, log)).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...config, electronFuses: { ...config.electronFuses, runAsNod: false } }, log)).rejects.toThrow(/electronFuses/);
  });

  it('flip the intended bits of an Electron fuse wire through electron-builder\'s mapping', async () => {
    const { PlatformPackager } = builderRequire('app-builder-lib') as { PlatformPackager: { prototype: { generateFuseConfig(f: unknown): Promise<Record<string, unknown>> } } };
    const fuses = builderRequire('@electron/fuses') as {
      flipFuses(path: string, config: Record<string, unknown>): Promise<unknown>;
      getCurrentFuseWire(path: string): Promise<Record<string, unknown>>;
      FuseV1Options: Record<string, number>;
    };
    const { SENTINEL, FuseState } = builderRequire('@electron/fuses/dist/constants') as { SENTINEL: string; FuseState: Record<string, number> };
    const O = fuses.FuseV1Options;
    // A stand-in binary: Electron's sentinel, wire version 1, length 8, then Electron's defaults
    // (RunAsNode, NODE_OPTIONS, --inspect and file:// privileges on; the rest off).
    const defaults = [1, 0, 1, 1, 0, 0, 0, 1].map((on) => (on ? FuseState['ENABLE']! : FuseState['DISABLE']!));
    const dir = mkdtempSync(join(tmpdir(), 'fo-fuses-'));
    try {
      const binary = join(dir, 'face-organizer');
      writeFileSync(binary, Buffer.concat([Buffer.alloc(64, 7), Buffer.from(SENTINEL), Buffer.from([1, defaults.length, ...defaults]), Buffer.alloc(64, 7)]));
      const fuseConfig = await PlatformPackager.prototype.generateFuseConfig.call({}, config.electronFuses);
      await fuses.flipFuses(binary, fuseConfig);
      const wire = await fuses.getCurrentFuseWire(binary);
      const on = (o: string) => wire[String(O[o])] === FuseState['ENABLE'];
      expect(on('RunAsNode')).toBe(false);
      expect(on('EnableNodeOptionsEnvironmentVariable')).toBe(false);
      expect(on('EnableNodeCliInspectArguments')).toBe(false);
      expect(on('EnableEmbeddedAsarIntegrityValidation')).toBe(true);
      expect(on('OnlyLoadAppFromAsar')).toBe(true);
      expect(on('GrantFileProtocolExtraPrivileges')).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('release tooling', () => {
  it('has electron-builder and the newest supported Electron as exact devDependencies', () => {
    expect(pkg.devDependencies['electron-builder']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Number(pkg.devDependencies['electron']!.split('.')[0])).toBeGreaterThanOrEqual(45);
    expect(pkg.dependencies).not.toHaveProperty('electron');
  });
});
