/**
 * Shared set-up for the cloud tests: a temp config folder, small "photo" files whose names drive
 * the emulator's fake face clustering, and a CloudService pointed at the emulator.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { LocalMedia } from '../../src-main/contract/cloud';
import { CloudService } from '../../src-main/engine/cloud/service';
import type { CloudServiceOptions } from '../../src-main/engine/cloud/service';
import { CloudEmulator } from './emulator';
import type { EmulatorOptions } from './emulator';

export const KEY = { accessKeyId: 'LTAI5tTestKeyId0001', accessKeySecret: 'TestSecret-0123456789abcdefABCDEF' };
export const STS_KEY = { accessKeyId: 'STS.NTestStsKeyId02', accessKeySecret: 'StsSecret-0123456789abcdefABCDEF', securityToken: 'CAIStestSecurityTokenValue0123456789' };

export const TARGET = { region: 'cn-hangzhou', projectName: 'test-project', datasetName: 'test-dataset', bucket: 'test-bucket', prefix: 'library/' };

/** Fast polling and retries: the emulator answers instantly, tests must stay well under 20 s. */
export const FAST: NonNullable<CloudServiceOptions['settings']> = {
  pollInitialMs: 5,
  pollMaxMs: 20,
  indexWaitTimeoutMs: 2_000,
  taskTimeoutMs: 5_000,
  retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20, timeoutMs: 3_000 },
};

export async function tempDir(prefix = 'fo-cloud-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Writes files with distinct content under `root`; returns them as LocalMedia. */
export async function makeLibrary(root: string, names: string[]): Promise<LocalMedia[]> {
  const out: LocalMedia[] = [];
  for (const name of names) {
    const path = join(root, name);
    await mkdir(dirname(path), { recursive: true });
    const data = Buffer.from(`fake image bytes of ${name}\n`.repeat(20));
    await writeFile(path, data);
    out.push({ path, contentHash: createHash('sha256').update(data).digest('hex') });
  }
  return out;
}

export interface Harness {
  emu: CloudEmulator;
  dir: string;
  service: CloudService;
  close(): Promise<void>;
}

export async function harness(opts: {
  emulator?: Partial<EmulatorOptions>;
  service?: Partial<CloudServiceOptions>;
  credentials?: { accessKeyId: string; accessKeySecret: string; securityToken?: string } | null;
  enabled?: boolean;
} = {}): Promise<Harness> {
  const emu = await CloudEmulator.start({ keys: [KEY, STS_KEY], ...(opts.emulator ?? {}) });
  const dir = await tempDir();
  const service = new CloudService({ configDir: join(dir, 'config'), endpointOverride: emu.url, settings: FAST, ...(opts.service ?? {}) });
  await service.updateConfig({ ...TARGET, enabled: opts.enabled ?? true });
  if (opts.credentials !== null) await service.saveCredentials(opts.credentials ?? KEY);
  return {
    emu,
    dir,
    service,
    async close() {
      await emu.close();
      await removeDir(dir);
    },
  };
}
