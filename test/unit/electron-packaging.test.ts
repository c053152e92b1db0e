/**
 * What can be checked of the packaging here without electron-builder or Electron's downloads: the
 * config parses, every native binary of a production dependency lies under an asarUnpack pattern,
 * the files patterns cover the built entries (main, its engine chunks and worker entries, preload,
 * renderer), the models ship as extra resources, and the icons and entitlements exist.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths';

interface BuilderConfig {
  appId: string;
  productName: string;
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  extraResources: { from: string; to: string; filter: string[] }[];
  npmRebuild: boolean;
  directories: { output: string; buildResources: string };
  mac: { target: { target: string; arch: string[] }[]; icon: string; entitlements: string; hardenedRuntime: boolean };
  win: { target: { target: string }[]; icon: string };
  linux: { target: { target: string }[]; icon: string; category: string };
}

// js-yaml comes with eslint; its types are not installed.
const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };
const config = yaml.load(readFileSync(join(REPO_ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { main: string; dependencies: Record<string, string>; scripts: Record<string, string> };

/** electron-builder's patterns as used here: `dir/**\/*`, exact files, and `!` exclusions. */
function covered(patterns: string[], file: string): boolean {
  let hit = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const p = negate ? raw.slice(1) : raw;
    const re = new RegExp(`^${p.split('**/*').map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')).join('.*')}$`);
    if (re.test(file)) hit = !negate;
  }
  return hit;
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
    expect(config.mac.target[0]!.arch).toEqual(expect.arrayContaining(['arm64', 'x64']));
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
    const exclusions = config.files.filter((p) => p.startsWith('!'));
    const shipped = productionPackages().filter((name) => covered(['node_modules/**/*', ...exclusions], `node_modules/${name}/package.json`));
    expect(shipped).not.toContain('@huggingface/transformers');
    for (const name of shipped) {
      for (const file of walk(join(REPO_ROOT, 'node_modules', name))) {
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
