/**
 * The names the Electron smoke script relies on: where electron-builder leaves each build target's
 * unpacked app, which provider each OS's engine should report, and reading fuses back from a binary
 * (a stand-in fuse wire flipped by @electron/fuses, as electron-builder does after packing).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flipFuses, FuseV1Options, FuseVersion } from '@electron/fuses';
import { describe, expect, it } from 'vitest';
import { builderNames, expectedProviders, packagedExecutable, readPackagedFuses } from '../../scripts/smoke-electron-lib';
import { gpuCandidates } from '../../src-main/engine/vision/onnx-runtime';
import { REPO_ROOT, tempDir } from '../helpers/paths';

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

/** A file holding Electron's fuse sentinel and a v1 wire of eight fuses in Electron's default states. */
function fakeElectronBinary(file: string): void {
  const defaults = '10110001';
  writeFileSync(file, Buffer.concat([Buffer.alloc(32, 1), Buffer.from(SENTINEL), Buffer.from([1, defaults.length]), Buffer.from(defaults), Buffer.alloc(32, 1)]));
}

describe('smoke script names', () => {
  it('reads productName and the versioned output folder from the builder config', () => {
    expect(builderNames(REPO_ROOT)).toEqual({ productName: 'Face Organizer', outputDir: 'release/0.1.0' });
  });

  it('finds the unpacked app where electron-builder --dir puts it for each target', () => {
    const out = join(REPO_ROOT, 'release', '0.1.0');
    expect(packagedExecutable(REPO_ROOT, 'darwin', 'arm64')).toBe(join(out, 'mac-arm64', 'Face Organizer.app', 'Contents', 'MacOS', 'Face Organizer'));
    expect(packagedExecutable(REPO_ROOT, 'win32', 'x64')).toBe(join(out, 'win-unpacked', 'Face Organizer.exe'));
    expect(packagedExecutable(REPO_ROOT, 'linux', 'x64')).toBe(join(out, 'linux-unpacked', 'face-organizer'));
  });

  it('expects the GPU provider the engine prefers on macOS and Windows, CPU or WebGPU on Linux runners', () => {
    expect(expectedProviders('darwin')).toEqual([gpuCandidates('darwin')[0]]);
    expect(expectedProviders('win32')).toEqual([gpuCandidates('win32')[0]]);
    expect(expectedProviders('linux')).toEqual(['cpu', 'webgpu']);
  });
});

describe('reading a packaged app\'s fuses', () => {
  it('names each fuse and its state, after flipping as the release build does', async () => {
    const exe = join(tempDir('fuses'), 'face-organizer');
    fakeElectronBinary(exe);
    expect(await readPackagedFuses(exe)).toMatchObject({ RunAsNode: true, OnlyLoadAppFromAsar: false, GrantFileProtocolExtraPrivileges: true });
    await flipFuses(exe, {
      version: FuseVersion.V1,
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    });
    expect(await readPackagedFuses(exe)).toMatchObject({
      RunAsNode: false,
      EnableNodeCliInspectArguments: false,
      OnlyLoadAppFromAsar: true,
      GrantFileProtocolExtraPrivileges: false,
      EnableNodeOptionsEnvironmentVariable: true,
    });
  });

  it('reads a macOS bundle\'s fuses from its Electron Framework, given the executable inside the .app', async () => {
    const app = join(tempDir('fuses-mac'), 'Face Organizer.app');
    const framework = join(app, 'Contents', 'Frameworks', 'Electron Framework.framework');
    mkdirSync(framework, { recursive: true });
    mkdirSync(join(app, 'Contents', 'MacOS'), { recursive: true });
    writeFileSync(join(app, 'Contents', 'MacOS', 'Face Organizer'), 'launcher without fuses');
    fakeElectronBinary(join(framework, 'Electron Framework'));
    expect((await readPackagedFuses(join(app, 'Contents', 'MacOS', 'Face Organizer')))['RunAsNode']).toBe(true);
  });
});
