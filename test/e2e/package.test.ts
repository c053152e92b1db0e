/**
 * electron-builder itself, run on the real build: `electron-builder --dir` for this OS with a
 * stand-in Electron distribution (`electronDist`: Electron's binary cannot be downloaded here; the
 * stand-in carries Electron's fuse wire in its default states). Checks what the unit tests can only
 * reason about: what lands in app.asar and beside it, that only this platform's ONNX Runtime ships,
 * the models as extra resources, and the fuses flipped in the packaged executable.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../helpers/paths';

const builderRequire = createRequire(createRequire(import.meta.url).resolve('app-builder-lib/package.json'));
const asar = builderRequire('@electron/asar') as { listPackage(archive: string, options?: object): string[] };
const fuses = builderRequire('@electron/fuses') as { getCurrentFuseWire(path: string): Promise<Record<string, unknown>>; FuseV1Options: Record<string, number> };

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ON = '1'.charCodeAt(0);

function standInElectron(dir: string): void {
  mkdirSync(join(dir, 'resources'), { recursive: true });
  // Electron's defaults: RunAsNode, NODE_OPTIONS, --inspect and file:// privileges on, the rest off.
  writeFileSync(join(dir, 'electron'), Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n'), Buffer.from(SENTINEL), Buffer.from([1, 8]), Buffer.from('10110001'), Buffer.alloc(16)]));
  chmodSync(join(dir, 'electron'), 0o755);
  writeFileSync(join(dir, 'LICENSE'), 'stand-in');
  writeFileSync(join(dir, 'version'), '45.5.0');
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

describe.skipIf(process.platform !== 'linux')('electron-builder --dir on the real build', () => {
  it('packs the built app, unpacks the natives of this platform only, ships the models and flips the fuses', async () => {
    if (!existsSync(join(REPO_ROOT, 'out', 'main', 'index.js'))) {
      const build = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'electron-vite'), ['build'], { cwd: REPO_ROOT, encoding: 'utf8' });
      expect(build.status, build.stderr).toBe(0);
    }
    const electronDist = tempDir('electron-dist');
    standInElectron(electronDist);
    const output = tempDir('builder-out');
    const run = spawnSync(join(REPO_ROOT, 'node_modules', '.bin', 'electron-builder'), [
      '--linux', '--dir', '--publish', 'never', '--config', 'electron-builder.yml',
      `-c.electronDist=${electronDist}`, `-c.directories.output=${output}`,
    ], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000 });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);

    const app = join(output, 'linux-unpacked');
    const resources = join(app, 'resources');
    const packed = asar.listPackage(join(resources, 'app.asar'), { isPack: false }).map((p) => p.replace(/\\/g, '/'));
    expect(new Set(packed.map((p) => p.split('/')[1]))).toEqual(new Set(['out', 'node_modules', 'package.json']));
    for (const f of ['/out/main/index.js', '/out/preload/index.cjs', '/out/renderer/index.html']) expect(packed).toContain(f);
    for (const gone of ['/node_modules/@huggingface', '/node_modules/onnxruntime-web', '/node_modules/openai']) expect(packed).not.toContain(gone);

    const unpacked = walk(join(resources, 'app.asar.unpacked')).map((f) => relative(join(resources, 'app.asar.unpacked'), f).split(sep).join('/'));
    const onnx = unpacked.filter((f) => f.startsWith('node_modules/onnxruntime-node/bin/'));
    expect(onnx.some((f) => f.endsWith(`/linux/${process.arch}/onnxruntime_binding.node`))).toBe(true);
    expect(onnx.filter((f) => !f.includes(`/linux/${process.arch}/`))).toEqual([]);
    expect(unpacked.some((f) => /^node_modules\/@img\/sharp-linux[^/]*\/lib\/.*\.node$/.test(f))).toBe(true);
    expect(unpacked.some((f) => /^node_modules\/@lancedb\/lancedb-linux-[^/]+\/.*\.node$/.test(f))).toBe(true);
    expect(unpacked).toContain('out/main/analyzer-worker.js');

    const models = readdirSync(join(resources, 'models'));
    expect(models).toContain('manifest.json');
    expect(models.filter((f) => f.endsWith('.onnx')).length).toBeGreaterThanOrEqual(3);

    const wire = await fuses.getCurrentFuseWire(join(app, 'face-organizer'));
    const on = (name: string) => wire[String(fuses.FuseV1Options[name])] === ON;
    expect({
      RunAsNode: on('RunAsNode'),
      EnableNodeOptionsEnvironmentVariable: on('EnableNodeOptionsEnvironmentVariable'),
      EnableNodeCliInspectArguments: on('EnableNodeCliInspectArguments'),
      EnableEmbeddedAsarIntegrityValidation: on('EnableEmbeddedAsarIntegrityValidation'),
      OnlyLoadAppFromAsar: on('OnlyLoadAppFromAsar'),
      GrantFileProtocolExtraPrivileges: on('GrantFileProtocolExtraPrivileges'),
    }).toEqual({
      RunAsNode: false,
      EnableNodeOptionsEnvironmentVariable: false,
      EnableNodeCliInspectArguments: false,
      EnableEmbeddedAsarIntegrityValidation: true,
      OnlyLoadAppFromAsar: true,
      GrantFileProtocolExtraPrivileges: false,
    });
  }, 600_000);
});
