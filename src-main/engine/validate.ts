/** Request validation shared by every engine operation: a zod failure becomes INVALID_ARGUMENT with the field. */
import type { z } from 'zod';
import { EngineError } from './errors';

export function parseRequest<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new EngineError('INVALID_ARGUMENT', `${issue?.path.join('.') || 'request'}: ${issue?.message ?? 'invalid'}`, {
      issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return r.data;
}
