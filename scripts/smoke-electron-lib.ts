/**
 * The parts of the Electron smoke script that depend only on names: where electron-builder leaves
 * the unpacked app for a platform, which execution providers each OS's engine is expected to pick,
 * and reading a packaged binary's fuses back. Unit-tested (test/unit/smoke-electron.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';

/** @electron/fuses' FuseState.ENABLE (not exported from its index): the ASCII '1' in the fuse wire. */
const FUSE_ENABLED = '1'.charCodeAt(0);

interface BuilderNames {
  productName: string;
  outputDir: string;
}

/** productName and directories.output (`${version}` expanded) from electron-builder.yml and package.json. */
export function builderNames(repoRoot: string): BuilderNames {
  const text = readFileSync(join(repoRoot, 'electron-builder.yml'), 'utf8');
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { name: string; version: string };
  const field = (re: RegExp): string => {
    const m = re.exec(text);
    if (!m?.[1]) throw new Error(`electron-builder.yml: ${re.source} not found`);
    return m[1].trim().replace(/^["']|["']$/g, '');
  };
  return {
    productName: field(/^productName:\s*(.+)$/m),
    outputDir: field(/^\s+output:\s*(.+)$/m).replace('${version}', pkg.version),
  };
}

/**
 * electron-builder's `--dir` output: `<output>/<mac|win|linux>[-<arch> unless x64][-unpacked unless
 * mac]`, holding `<productName>.app` (macOS), `<productName>.exe` (Windows), or the package name
 * lower-cased (Linux executableName default).
 */
export function packagedExecutable(repoRoot: string, platform: NodeJS.Platform, arch: string): string {
  const { productName, outputDir } = builderNames(repoRoot);
  const pkgName = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { name: string }).name;
  const suffix = arch === 'x64' ? '' : `-${arch}`;
  const out = join(repoRoot, outputDir);
  if (platform === 'darwin') return join(out, `mac${suffix}`, `${productName}.app`, 'Contents', 'MacOS', productName);
  if (platform === 'win32') return join(out, `win${suffix}-unpacked`, `${productName}.exe`);
  return join(out, `linux${suffix}-unpacked`, pkgName.toLowerCase());
}

/** What the engine's `auto` provider should settle on per OS (see engine/vision/onnx-runtime.ts). */
export function expectedProviders(platform: NodeJS.Platform): string[] {
  if (platform === 'darwin') return ['coreml'];
  if (platform === 'win32') return ['dml'];
  return ['cpu', 'webgpu'];
}

/** Each fuse of a packaged app by name, true when on. `executable` may be inside a .app bundle. */
export async function readPackagedFuses(executable: string): Promise<Record<string, boolean>> {
  const wire = (await getCurrentFuseWire(executable)) as unknown as Record<string, number>;
  const out: Record<string, boolean> = {};
  for (const [index, state] of Object.entries(wire)) {
    if (index === 'version') continue;
    const name = FuseV1Options[Number(index)] ?? `fuse${index}`;
    out[name] = state === FUSE_ENABLED;
  }
  return out;
}
