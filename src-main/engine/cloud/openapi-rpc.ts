/**
 * One RPC-style OpenAPI call (IMM, ICE): parameters in the query string, empty POST body, V3
 * signature, JSON answer. This mirrors what the official SDKs send for these two products
 * (method POST, pathname "/", parameters "in: query", objects and arrays as JSON strings).
 */
import { CloudError } from './cloud-error';
import type { CloudHttp, EndpointOverride } from './http';
import { openApiEndpoint } from './http';
import { signAcs3, toQueryParams } from './signer';
import type { SigningCredentials } from './signer';

export type CredentialsProvider = () => Promise<SigningCredentials>;

export interface OpenApiContext {
  http: CloudHttp;
  region: string;
  credentials: CredentialsProvider;
  endpointOverride?: EndpointOverride;
  userAgent?: string;
}

export interface RpcCall {
  api: 'imm' | 'ice';
  version: string;
  action: string;
  params: Readonly<Record<string, unknown>>;
  /** Reads and lookups are; Create*Task and indexing are not (see CloudRequest.idempotent). */
  idempotent: boolean;
  signal?: AbortSignal;
}

export interface RpcResult<T> {
  body: T;
  requestId?: string;
  attempts: number;
}

export async function callRpc<T extends object>(ctx: OpenApiContext, call: RpcCall): Promise<RpcResult<T>> {
  const base = openApiEndpoint(call.api, ctx.region, ctx.endpointOverride);
  const query = toQueryParams(call.params);
  const res = await ctx.http.request({
    service: call.api,
    operation: call.action,
    idempotent: call.idempotent,
    ...(call.signal ? { signal: call.signal } : {}),
    build: async () => {
      const credentials = await ctx.credentials();
      const url = new URL(base);
      const signed = signAcs3({ method: 'POST', host: url.host, pathname: '/', query, action: call.action, version: call.version, credentials });
      // fetch sets Host itself from the URL, to the same value that was signed.
      const { host: _host, ...headers } = signed.headers;
      return {
        method: 'POST',
        url: `${url.origin}/${signed.queryString ? `?${signed.queryString}` : ''}`,
        headers: { ...headers, accept: 'application/json', 'user-agent': ctx.userAgent ?? 'face-organizer-cloud/1' },
      };
    },
  });
  let body: T;
  try {
    body = JSON.parse(res.body.toString('utf8') || '{}') as T;
  } catch (e) {
    throw new CloudError('CLOUD_SERVICE', `${call.api.toUpperCase()} ${call.action} answered with something that is not JSON.`, { service: call.api, operation: call.action, httpStatus: res.status }, { cause: e });
  }
  const record = body as Record<string, unknown>;
  // ICE reports some failures inside a 200 answer ({"Success": "false", "Code": ...}).
  if (record.Success === false || record.Success === 'false') {
    const code = typeof record.Code === 'string' ? record.Code : undefined;
    const message = typeof record.Message === 'string' ? record.Message : undefined;
    throw new CloudError('CLOUD_SERVICE', `${call.api.toUpperCase()} ${call.action} failed: ${code ?? 'unknown error'}${message ? `: ${message}` : ''}.`, {
      service: call.api,
      operation: call.action,
      httpStatus: res.status,
      ...(code ? { serviceCode: code } : {}),
      ...(message ? { serviceMessage: message } : {}),
      ...(typeof record.RequestId === 'string' ? { requestId: record.RequestId } : {}),
    });
  }
  return { body, ...(typeof record.RequestId === 'string' ? { requestId: record.RequestId } : {}), attempts: res.attempts };
}
