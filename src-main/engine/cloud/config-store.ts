/**
 * The cloud panel's non-secret settings (enabled, region, project, dataset, bucket, prefix), kept
 * as JSON beside the credentials in the config folder. Secrets never go here.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CloudConfigPatchSchema, CloudConfigSchema } from '../../contract/cloud';
import type { CloudConfig, CloudConfigPatch } from '../../contract/cloud';
import { EngineError } from '../errors';

export const CONFIG_FILE = 'cloud-config.json';

export class CloudConfigStore {
  constructor(private readonly configDir: string) {}

  get filePath(): string {
    return join(this.configDir, CONFIG_FILE);
  }

  async read(): Promise<CloudConfig> {
    let text: string;
    try {
      text = await readFile(this.filePath, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return CloudConfigSchema.parse({});
      throw e;
    }
    const r = CloudConfigSchema.safeParse(JSON.parse(text));
    // A hand-edited or older file that no longer validates falls back to "off", never to "on".
    return r.success ? r.data : CloudConfigSchema.parse({});
  }

  async update(patch: CloudConfigPatch): Promise<CloudConfig> {
    const p = CloudConfigPatchSchema.safeParse(patch);
    if (!p.success) {
      const issue = p.error.issues[0];
      throw new EngineError('INVALID_ARGUMENT', `Cloud settings: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`.trim());
    }
    // Keys present but undefined change nothing; null clears an optional setting.
    const merged: Record<string, unknown> = { ...(await this.read()) };
    for (const [k, v] of Object.entries(p.data)) {
      if (v === null) delete merged[k];
      else if (v !== undefined) merged[k] = v;
    }
    const next = CloudConfigSchema.parse(merged);
    await mkdir(this.configDir, { recursive: true, mode: 0o700 });
    const tmp = `${this.filePath}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(next, null, 2), { mode: 0o600 });
    await rename(tmp, this.filePath);
    return next;
  }
}
