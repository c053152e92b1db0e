/**
 * What the model store keeps beside the models in the models folder, and how it names its temporary files:
 * every process writes under a name of its own (`.<pid>-<random>.partial`), so concurrent writers never collide.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export const VERIFIED_CACHE = '.verified.json';
export const LOCK_FILE = '.fetch.lock';
export const CACHE_DIR = 'cache';

export function uniqueToken(): string {
  return `${process.pid}-${randomBytes(4).toString('hex')}`;
}

export function partialPath(modelsDir: string, file: string): string {
  return join(modelsDir, `${file}.${uniqueToken()}.partial`);
}
