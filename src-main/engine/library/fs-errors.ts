/** File-system errors of library work as coded EngineErrors, with the path and errno kept in details. */
import { EngineError } from '../errors';

export function errnoOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * `listed`: the path came from a scan or a watch event, so its absence now means it vanished in between
 * (FILE_VANISHED, usually harmless: the watcher reports the removal) rather than a wrong path (FILE_NOT_FOUND).
 */
export function libraryFsError(path: string, e: unknown, what: 'file' | 'folder', listed: boolean): EngineError {
  if (e instanceof EngineError) return e;
  const errno = errnoOf(e);
  const reason = e instanceof Error ? e.message : String(e);
  const details = { path, ...(errno ? { errno } : {}) };
  if (errno === 'ENOENT' || errno === 'ENOTDIR') {
    return listed
      ? new EngineError('FILE_VANISHED', `The ${what} ${path} disappeared before it could be read`, details, { cause: e })
      : new EngineError('FILE_NOT_FOUND', `The ${what} ${path} does not exist`, details, { cause: e });
  }
  if (errno === 'EACCES' || errno === 'EPERM') {
    return new EngineError('FILE_UNREADABLE', `Cannot read the ${what} ${path}: permission denied`, details, { cause: e });
  }
  return new EngineError('FILE_UNREADABLE', `Cannot read the ${what} ${path}: ${reason}`, details, { cause: e });
}

export function cancelled(what: string): EngineError {
  return new EngineError('CANCELLED', `${what} was cancelled`);
}
