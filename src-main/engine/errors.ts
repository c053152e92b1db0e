/**
 * Every error the engine lets out is an EngineError with a stable code. The UI, the CLI and the
 * HTTP server show `message` to people and switch on `code`; nothing else leaks as a stack trace.
 */
export const ERROR_CODES = {
  FILE_NOT_FOUND: 'the file does not exist',
  FILE_UNREADABLE: 'the file exists but cannot be read',
  FILE_EMPTY: 'the file is empty',
  NOT_AN_IMAGE: 'the file is not an image this app can decode',
  IMAGE_CORRUPT: 'the image is truncated or corrupt',
  IMAGE_TOO_LARGE: 'the image is larger than the pixel limit',
  UNSUPPORTED_FORMAT: 'the file format is not supported',
  NO_FACE: 'no face was found',
  MODEL_MISSING: 'a model file is missing',
  MODEL_CHECKSUM: 'a model file does not match its checksum',
  MODEL_FETCH_FAILED: 'a model could not be downloaded',
  MODEL_INVALID: 'a model file could not be loaded',
  PROVIDER_UNAVAILABLE: 'the requested execution provider is not available',
  INVALID_ARGUMENT: 'an argument is out of range or malformed',
  INTERNAL: 'an unexpected internal error',
  LIBRARY_CORRUPT: 'the library database cannot be read',
  LIBRARY_TOO_NEW: 'the library was written by a newer version of the app',
  NOT_FOUND: 'no item with that id exists',
  CLOUD_DISABLED: 'cloud sync is off or no credentials are saved',
  CLOUD_AUTH: 'the cloud service rejected the credentials or the request signature',
  CLOUD_TOKEN_EXPIRED: 'the STS security token has expired',
  CLOUD_THROTTLED: 'the cloud service kept throttling the requests',
  CLOUD_NETWORK: 'the cloud service could not be reached',
  CLOUD_TIMEOUT: 'the cloud service did not answer in time',
  CLOUD_SERVICE: 'the cloud service returned an error',
  CLOUD_TASK_FAILED: 'a cloud task ended in failure',
  CLOUD_CANCELLED: 'the cloud operation was cancelled',
  CLOUD_CREDENTIALS: 'the stored cloud credentials cannot be read',
  FILE_VANISHED: 'the file was listed but disappeared before it could be read',
  VIDEO_DECODE_FAILED: 'the video could not be decoded',
  CANCELLED: 'the operation was cancelled',
  EXPORT_TARGET_UNWRITABLE: 'the export folder cannot be created or written to',
  QUERY_NO_FACE: 'the query image has no usable face',
  LIBRARY_EMPTY: 'the library has no faces to search yet',
  SEARCH_TOKEN_INVALID: 'the search token is malformed or belongs to another library',
  NOTHING_TO_UNDO: 'there is no change to undo or redo',
  HISTORY_CONFLICT: 'the change named is not the latest one to undo or redo',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class EngineError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
    this.code = code;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

export function isEngineError(e: unknown): e is EngineError {
  return e instanceof EngineError;
}

/** Wraps anything thrown into an EngineError so doors never print raw stacks. */
export function toEngineError(e: unknown): EngineError {
  if (e instanceof EngineError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new EngineError('INTERNAL', message, undefined, { cause: e });
}
