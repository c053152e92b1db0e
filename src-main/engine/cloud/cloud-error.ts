/**
 * The one error type the cloud module lets out. It is an EngineError (stable CLOUD_* code for the
 * doors to switch on) that also carries what Alibaba Cloud said: the service's own error Code,
 * Message and RequestId, and the HTTP status. Support tickets need the RequestId; people need the
 * message; retry logic needs the code.
 */
import { EngineError } from '../errors';
import type { ErrorCode } from '../errors';
import { redact } from './redact';

export type CloudErrorCode = Extract<ErrorCode, `CLOUD_${string}`>;
export type CloudServiceName = 'imm' | 'ice' | 'oss' | 'local';

export interface CloudErrorInfo {
  service: CloudServiceName;
  /** The service's error code, e.g. "SignatureDoesNotMatch", "Throttling.User". */
  serviceCode?: string;
  serviceMessage?: string;
  requestId?: string;
  httpStatus?: number;
  /** API action or OSS operation, e.g. "CreateFigureClusteringTask", "PutObject". */
  operation?: string;
  /** How many attempts were made before giving up. */
  attempts?: number;
}

export class CloudError extends EngineError {
  declare readonly code: CloudErrorCode;
  readonly info: CloudErrorInfo;

  constructor(code: CloudErrorCode, message: string, info: CloudErrorInfo, options?: { cause?: unknown }) {
    const safeInfo: CloudErrorInfo = { ...info, ...(info.serviceMessage ? { serviceMessage: redact(info.serviceMessage) } : {}) };
    const details: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(safeInfo)) if (v !== undefined) details[k] = v;
    super(code, redact(message), details, options);
    this.name = 'CloudError';
    this.info = safeInfo;
  }

  get serviceCode(): string | undefined {
    return this.info.serviceCode;
  }

  get requestId(): string | undefined {
    return this.info.requestId;
  }

  get httpStatus(): number | undefined {
    return this.info.httpStatus;
  }
}

export function isCloudError(e: unknown): e is CloudError {
  return e instanceof CloudError;
}

export function cancelled(operation?: string): CloudError {
  return new CloudError('CLOUD_CANCELLED', 'The cloud operation was cancelled.', { service: 'local', ...(operation ? { operation } : {}) });
}

/** Throws CLOUD_CANCELLED when the signal is aborted; a cheap check between steps of a flow. */
export function throwIfAborted(signal: AbortSignal | undefined, operation?: string): void {
  if (signal?.aborted) throw cancelled(operation);
}
