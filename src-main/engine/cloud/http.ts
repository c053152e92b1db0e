/**
 * Transport to Alibaba Cloud: region endpoints, one fetch per attempt with a time-out, retries with
 * exponential backoff and full jitter on throttling and server errors, and every failure turned
 * into a CloudError that carries the service's Code, Message, RequestId and HTTP status.
 *
 * Requests are rebuilt (and so re-signed, with a fresh date and nonce) for every attempt: a retried
 * V3 request with a reused nonce would be refused as a replay.
 */
import { CloudError, cancelled } from './cloud-error';
import type { CloudErrorCode, CloudServiceName } from './cloud-error';
import { redact } from './redact';
import { DEFAULT_RETRY_POLICY } from '../settings';
import type { RetryPolicy } from '../settings';
import { xmlText } from './oss-xml';

export type CloudApi = 'imm' | 'ice' | 'oss';

/** Base URLs that replace the region endpoints, e.g. the loopback emulator in tests. */
export type EndpointOverride = string | Partial<Record<CloudApi, string>>;

const REGION_RE = /^[a-z]{2,}(-[a-z0-9]+)+$/;
const BUCKET_RE = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

export function assertRegion(region: string): void {
  if (!REGION_RE.test(region)) throw new CloudError('CLOUD_SERVICE', `"${region}" is not a region id like "cn-hangzhou".`, { service: 'local' });
}

export function assertBucketName(bucket: string): void {
  if (!BUCKET_RE.test(bucket)) {
    throw new CloudError('CLOUD_SERVICE', `"${bucket}" is not a valid OSS bucket name (3-63 lower-case letters, digits, hyphens).`, { service: 'local' });
  }
}

function overrideFor(api: CloudApi, override: EndpointOverride | undefined): string | undefined {
  if (!override) return undefined;
  const base = typeof override === 'string' ? override : override[api];
  return base?.replace(/\/+$/, '');
}

/** https://imm.<region>.aliyuncs.com or https://ice.<region>.aliyuncs.com (or the override). */
export function openApiEndpoint(api: 'imm' | 'ice', region: string, override?: EndpointOverride): string {
  assertRegion(region);
  return overrideFor(api, override) ?? `https://${api}.${region}.aliyuncs.com`;
}

/**
 * Where an OSS request for `bucket` goes: the virtual-hosted https://<bucket>.oss-<region>.aliyuncs.com,
 * or, with an override, path-style <override>/<bucket>/… (the emulator serves every bucket on one
 * port). The V4 signature covers /bucket/key either way, so both forms sign identically.
 */
export function ossEndpoint(bucket: string, region: string, override?: EndpointOverride): { origin: string; pathPrefix: string } {
  assertRegion(region);
  assertBucketName(bucket);
  const o = overrideFor('oss', override);
  if (o) return { origin: o, pathPrefix: `/${bucket}` };
  return { origin: `https://${bucket}.oss-${region}.aliyuncs.com`, pathPrefix: '' };
}

export interface HttpRequestSpec {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** A stream body must come with a content-length header (OSS needs it; fetch cannot know it). */
  body?: Uint8Array | string | ReadableStream<Uint8Array>;
}

export interface CloudResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  attempts: number;
}

export interface CloudRequest {
  service: Exclude<CloudServiceName, 'local'>;
  operation: string;
  /**
   * Safe to repeat when the outcome of an attempt is unknown (reset connection, time-out). Creating
   * a task is not: a repeat could start a second task. Connection failures before anything was sent
   * and explicit throttling answers are retried either way.
   */
  idempotent: boolean;
  signal?: AbortSignal;
  /** Builds (and signs) the request; called once per attempt. */
  build: () => Promise<HttpRequestSpec> | HttpRequestSpec;
  /** Extra secrets to scrub from error messages (e.g. a presigned URL). */
  secrets?: readonly string[];
}

interface ServiceErrorBody {
  code?: string;
  message?: string;
  requestId?: string;
}

export function parseServiceError(service: CloudApi, headers: Headers, body: Buffer): ServiceErrorBody {
  const text = body.toString('utf8');
  const fromHeaders = headers.get('x-oss-request-id') ?? headers.get('x-acs-request-id') ?? undefined;
  if (service === 'oss' || text.trimStart().startsWith('<')) {
    const code = xmlText(text, 'Code');
    const message = xmlText(text, 'Message');
    // HEAD answers carry no body, so only the status and the request id are known for them.
    const requestId = xmlText(text, 'RequestId') ?? fromHeaders;
    return { ...(code ? { code } : {}), ...(message ? { message } : {}), ...(requestId ? { requestId } : {}) };
  }
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    const pick = (k: string): string | undefined => (typeof j[k] === 'string' ? (j[k] as string) : undefined);
    const code = pick('Code') ?? pick('code');
    const message = pick('Message') ?? pick('message');
    const requestId = pick('RequestId') ?? pick('requestId') ?? fromHeaders;
    return { ...(code ? { code } : {}), ...(message ? { message } : {}), ...(requestId ? { requestId } : {}) };
  } catch {
    return fromHeaders ? { requestId: fromHeaders } : {};
  }
}

export function isThrottle(status: number, code: string | undefined): boolean {
  return status === 429 || (!!code && (code.startsWith('Throttling') || code === 'TooManyRequests' || code === 'QpsLimitExceeded'));
}

function isRetryableStatus(status: number, code: string | undefined): boolean {
  return isThrottle(status, code) || status >= 500 || code === 'ServiceUnavailable' || code === 'InternalError';
}

const AUTH_CODES = new Set([
  'InvalidAccessKeyId', 'InvalidAccessKeyId.NotFound', 'InvalidAccessKeyId.Inactive', 'SignatureDoesNotMatch',
  'IncompleteSignature', 'InvalidSecurityToken.Malformed', 'InvalidSecurityToken.MismatchWithAccessKey',
  'Forbidden.AccessKeyDisabled', 'InvalidTimeStamp.Expired', 'RequestTimeTooSkewed', 'AccessDenied', 'Forbidden.RAM', 'NoPermission',
]);

export function classifyServiceCode(status: number, code: string | undefined): CloudErrorCode {
  if (code && (code === 'InvalidSecurityToken.Expired' || code === 'SecurityTokenExpired' || /Token.*Expired|Expired.*Token/i.test(code))) return 'CLOUD_TOKEN_EXPIRED';
  if (code && AUTH_CODES.has(code)) return 'CLOUD_AUTH';
  if (isThrottle(status, code)) return 'CLOUD_THROTTLED';
  if (!code && (status === 401 || status === 403)) return 'CLOUD_AUTH';
  return 'CLOUD_SERVICE';
}

function humanMessage(kind: CloudErrorCode, service: string, operation: string, err: ServiceErrorBody, status: number): string {
  const what = `${service.toUpperCase()} ${operation}`;
  const said = err.code ? `${err.code}${err.message ? `: ${err.message.replace(/\.+$/, '')}` : ''}` : `HTTP ${status}`;
  switch (kind) {
    case 'CLOUD_TOKEN_EXPIRED':
      return `${what} was refused because the STS security token has expired (${said}). Save fresh credentials.`;
    case 'CLOUD_AUTH':
      return `${what} was refused: check the AccessKey id and secret (${said}).`;
    case 'CLOUD_THROTTLED':
      return `${what} is being throttled by Alibaba Cloud; try again later (${said}).`;
    default:
      return `${what} failed: ${said}.`;
  }
}

/** Errors from the connect phase: nothing reached the server, so any request may be retried. */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'EADDRNOTAVAIL']);

function networkCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur && typeof cur === 'object'; i++) {
    const c = (cur as { code?: unknown }).code;
    if (typeof c === 'string') return c;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

function networkMessage(code: string | undefined, url: string): string {
  let where = url;
  try {
    where = new URL(url).host;
  } catch {
    /* keep the raw string */
  }
  const reason: Record<string, string> = {
    ECONNREFUSED: 'the connection was refused',
    ENOTFOUND: 'the host name does not resolve',
    EAI_AGAIN: 'DNS lookup failed (no network?)',
    EHOSTUNREACH: 'the host is unreachable',
    ENETUNREACH: 'the network is unreachable',
    ECONNRESET: 'the connection was reset',
    UND_ERR_CONNECT_TIMEOUT: 'connecting timed out',
    UND_ERR_SOCKET: 'the connection broke',
  };
  return `Could not reach ${where}: ${(code && reason[code]) ?? code ?? 'network error'}.`;
}

export interface CloudHttpOptions {
  policy?: Partial<RetryPolicy>;
  /** Source of randomness for jitter (tests pin it). */
  random?: () => number;
  /** Observes each attempt; never given headers or bodies, so it cannot leak secrets. */
  onAttempt?: (info: { service: string; operation: string; attempt: number; status?: number; error?: string }) => void;
}

export class CloudHttp {
  readonly policy: RetryPolicy;
  private readonly random: () => number;
  private readonly onAttempt: CloudHttpOptions['onAttempt'];

  constructor(opts: CloudHttpOptions = {}) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...(opts.policy ?? {}) };
    this.random = opts.random ?? Math.random;
    this.onAttempt = opts.onAttempt;
  }

  backoffMs(attempt: number, retryAfterMs?: number): number {
    const cap = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (attempt - 1));
    const jittered = Math.floor(this.random() * cap);
    return retryAfterMs !== undefined ? Math.min(this.policy.maxDelayMs, Math.max(jittered, retryAfterMs)) : jittered;
  }

  async request(req: CloudRequest): Promise<CloudResponse> {
    const { service, operation, signal } = req;
    let lastError: CloudError | undefined;
    for (let attempt = 1; attempt <= this.policy.maxAttempts; attempt++) {
      if (attempt > 1) await sleep(this.backoffMs(attempt - 1, lastRetryAfter(lastError)), signal, operation);
      if (signal?.aborted) throw cancelled(operation);
      const spec = await req.build();
      const timeout = AbortSignal.timeout(this.policy.timeoutMs);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      const init: RequestInit & { duplex?: 'half' } = { method: spec.method, headers: spec.headers, signal: combined, redirect: 'manual' };
      if (spec.body !== undefined) {
        init.body = spec.body as BodyInit;
        // Streamed uploads need half-duplex mode in Node's fetch.
        if (typeof spec.body === 'object' && 'getReader' in spec.body) init.duplex = 'half';
      }

      let res: Response;
      let body: Buffer;
      try {
        res = await fetch(spec.url, init);
        body = Buffer.from(await res.arrayBuffer());
      } catch (e) {
        if (signal?.aborted) throw cancelled(operation);
        const code = networkCode(e);
        this.onAttempt?.({ service, operation, attempt, error: timeout.aborted ? 'timeout' : (code ?? 'network') });
        if (timeout.aborted) {
          lastError = new CloudError('CLOUD_TIMEOUT', `${service.toUpperCase()} ${operation} did not answer within ${this.policy.timeoutMs} ms.`, { service, operation, attempts: attempt }, { cause: e });
          // The request may have been carried out; repeating a non-idempotent one could duplicate it.
          if (!req.idempotent) throw lastError;
        } else {
          lastError = new CloudError('CLOUD_NETWORK', redact(networkMessage(code, spec.url), req.secrets), { service, operation, attempts: attempt, ...(code ? { serviceCode: code } : {}) }, { cause: e });
          if (!req.idempotent && !(code && CONNECT_CODES.has(code))) throw lastError;
        }
        continue;
      }

      this.onAttempt?.({ service, operation, attempt, status: res.status });
      if (res.status >= 200 && res.status < 300) return { status: res.status, headers: res.headers, body, attempts: attempt };

      const err = parseServiceError(service, res.headers, body);
      const kind = classifyServiceCode(res.status, err.code);
      const ra = res.headers.get('retry-after');
      lastError = new CloudError(kind, humanMessage(kind, service, operation, err, res.status), {
        service,
        operation,
        httpStatus: res.status,
        attempts: attempt,
        ...(err.code ? { serviceCode: err.code } : {}),
        ...(err.message ? { serviceMessage: redact(err.message, req.secrets) } : {}),
        ...(err.requestId ? { requestId: err.requestId } : {}),
      });
      if (ra && /^\d+$/.test(ra)) retryAfterByError.set(lastError, Number(ra) * 1000);
      if (!isRetryableStatus(res.status, err.code)) throw lastError;
    }
    throw lastError ?? new CloudError('CLOUD_SERVICE', `${service.toUpperCase()} ${operation} failed.`, { service, operation });
  }
}

const retryAfterByError = new WeakMap<CloudError, number>();

function lastRetryAfter(e: CloudError | undefined): number | undefined {
  return e ? retryAfterByError.get(e) : undefined;
}

/** Waits `ms`, or throws CLOUD_CANCELLED as soon as the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal, operation?: string): Promise<void> {
  if (signal?.aborted) return Promise.reject(cancelled(operation));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(cancelled(operation));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
