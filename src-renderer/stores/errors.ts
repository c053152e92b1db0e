import { ApiError } from '../api/client';

/** What a person reads when something failed: the engine's message, never a stack. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
