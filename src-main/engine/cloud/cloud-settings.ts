/**
 * Tunables of the cloud sync, each with its default and the reason for it. (They belong with the
 * engine's other settings in settings.ts; kept here until that file gains a `cloud` slice.)
 */
import { EngineError } from '../errors';
import type { RetryPolicy } from './http';
import { DEFAULT_RETRY_POLICY } from './http';

export interface CloudSettings {
  retry: RetryPolicy;
  /** Parallel PutObject requests. 4 fills a home uplink without tripping OSS per-connection limits. */
  uploadConcurrency: number;
  /** Files per BatchIndexFileMeta call (the API allows 1-100). 50 keeps the query string near 20 KB. */
  indexBatchSize: number;
  /** GetTask polling: first wait, growth factor and ceiling. Clustering takes seconds to minutes. */
  pollInitialMs: number;
  pollFactor: number;
  pollMaxMs: number;
  /** Give up waiting for a cloud task after this long (the task goes on in the cloud). */
  taskTimeoutMs: number;
  /**
   * Indexing is asynchronous: BatchIndexFileMeta answers before the files are searchable. The push
   * waits until SimpleQuery sees them (or this long) before clustering, so the task covers them.
   */
  indexWaitTimeoutMs: number;
  /** Lifetime of the presigned URL ICE fetches the query face from. */
  presignSeconds: number;
  /** Page size for QueryFigureClusters and SimpleQuery (API maximum 100). */
  pageSize: number;
}

export const DEFAULT_CLOUD_SETTINGS: CloudSettings = {
  retry: DEFAULT_RETRY_POLICY,
  uploadConcurrency: 4,
  indexBatchSize: 50,
  pollInitialMs: 1000,
  pollFactor: 1.5,
  pollMaxMs: 15_000,
  taskTimeoutMs: 30 * 60_000,
  indexWaitTimeoutMs: 5 * 60_000,
  presignSeconds: 900,
  pageSize: 100,
};

export function cloudSettings(overrides: Partial<Omit<CloudSettings, 'retry'>> & { retry?: Partial<RetryPolicy> } = {}): CloudSettings {
  return { ...DEFAULT_CLOUD_SETTINGS, ...overrides, retry: { ...DEFAULT_CLOUD_SETTINGS.retry, ...(overrides.retry ?? {}) } };
}

/**
 * Developer and test setting: send every cloud call to a local stand-in (the test emulator) instead
 * of Alibaba Cloud. Only loopback addresses are accepted, so it can never point signed requests at
 * another machine.
 */
export const CLOUD_ENDPOINT_ENV = 'FACE_ORGANIZER_CLOUD_ENDPOINT';

export function loopbackEndpointFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env[CLOUD_ENDPOINT_ENV];
  if (!raw) return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new EngineError('INVALID_ARGUMENT', `${CLOUD_ENDPOINT_ENV} is not a URL: "${raw}".`);
  }
  if (u.protocol !== 'http:' || !['127.0.0.1', '[::1]', 'localhost'].includes(u.hostname) || u.pathname !== '/' || u.search) {
    throw new EngineError('INVALID_ARGUMENT', `${CLOUD_ENDPOINT_ENV} must be a loopback address like http://127.0.0.1:8080, got "${raw}".`);
  }
  return u.origin;
}
