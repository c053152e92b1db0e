/** The shape of one CLI command; main.ts parses the common flags, opens the engine and dispatches. */
import type { ParseArgsConfig } from 'node:util';
import type { Engine } from '../engine/engine';

export interface CommandContext {
  engine: Engine;
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
  json: boolean;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream & { isTTY?: boolean };
  /** Aborted on Ctrl-C: long commands stop cleanly and still print their summary. */
  signal: AbortSignal;
}

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** `name <args>` as shown in help. */
  synopsis: string;
  /** Extra options of this command, with their help lines. */
  options?: NonNullable<ParseArgsConfig['options']>;
  optionHelp?: string[];
  /** Opens the library database (default false: vision-only commands work without one). */
  library?: boolean;
  run(ctx: CommandContext): Promise<number>;
}

export class UsageError extends Error {}

export function int(v: unknown, flag: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be an integer from ${min} to ${max}`);
  return n;
}

export function num(v: unknown, flag: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new UsageError(`${flag} must be a number from ${min} to ${max}`);
  return n;
}

export function printJson(out: NodeJS.WritableStream, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}
