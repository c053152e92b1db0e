/** Unpacks the wanted model files from an npm tarball into `.partial` files, streaming, never the whole archive. */
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { t as listTar } from 'tar';
import type { ReadEntry } from 'tar';
import { EngineError } from '../../errors';
import { partialPath } from './folder-layout';
import type { ModelEntry } from './manifest';

/** Streams the wanted entries of `tarball` into `.partial` files; returns partial path per tar path. */
export async function extractEntries(tarball: string, modelsDir: string, wanted: Map<string, ModelEntry>): Promise<Map<string, string>> {
  const partials = new Map<string, string>();
  const writes: Promise<void>[] = [];
  const problems: string[] = [];
  await listTar({
    file: tarball,
    filter: (p) => wanted.has(p),
    onReadEntry: (entry: ReadEntry) => {
      const model = wanted.get(entry.path);
      if (!model || entry.type !== 'File' || partials.has(entry.path)) {
        entry.resume();
        return;
      }
      if (entry.size !== model.bytes) {
        problems.push(`${entry.path} is ${entry.size} bytes, expected ${model.bytes}`);
        entry.resume();
        return;
      }
      const partial = partialPath(modelsDir, model.file);
      partials.set(entry.path, partial);
      const out = createWriteStream(partial);
      writes.push(
        new Promise<void>((res, rej) => {
          out.on('finish', () => res());
          out.on('error', rej);
          entry.on('error', rej);
          entry.pipe(out);
        }),
      );
    },
  });
  const results = await Promise.allSettled(writes);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed || problems.length > 0) {
    await Promise.all([...partials.values()].map((p) => rm(p, { force: true })));
    if (failed) throw failed.reason;
    throw new EngineError('MODEL_CHECKSUM', `the npm package does not hold the expected models: ${problems.join('; ')}`);
  }
  return partials;
}
