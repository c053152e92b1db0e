/** The shape of one CLI command; main.ts parses the common flags, opens the engine and dispatches. */
import type { ParseArgsConfig } from 'node:util';
import { z } from 'zod';
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

/**
 * The [min, max] a contract's number field accepts (optional wrappers unwrapped), so a flag checks
 * exactly what the engine checks and says so in the flag's own name.
 */
export function boundsOf(field: z.ZodType): [number, number] {
  let s: z.ZodType = field;
  while (s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  if (!(s instanceof z.ZodNumber)) throw new Error('boundsOf: not a number field');
  return [s.minValue ?? -Number.MAX_SAFE_INTEGER, s.maxValue ?? Number.MAX_SAFE_INTEGER];
}

/** A whole-number flag within the bounds of a contract field. */
export function intFlag(v: unknown, flag: string, field: z.ZodType): number {
  return int(v, flag, ...boundsOf(field));
}

/** A number flag within the bounds of a contract field. */
export function numFlag(v: unknown, flag: string, field: z.ZodType): number {
  return num(v, flag, ...boundsOf(field));
}

/** "lo-hi" of a contract field, for help lines. */
export function rangeText(field: z.ZodType): string {
  const [lo, hi] = boundsOf(field);
  return `${lo}-${hi}`;
}

export function printJson(out: NodeJS.WritableStream, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}
