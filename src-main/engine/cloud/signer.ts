/**
 * Alibaba Cloud OpenAPI signature V3 (ACS3-HMAC-SHA256), used by IMM 2020-09-30 and ICE 2020-11-09.
 * Implemented from "Request syntax and signature method V3" (help.aliyun.com, document 2593177)
 * because the IMM and ICE SDK packages are not on the npm registry this project installs from;
 * test/cloud/signer.test.ts reproduces the document's worked example byte for byte.
 *
 *   CanonicalRequest = Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n HexSHA256(body)
 *   StringToSign     = "ACS3-HMAC-SHA256" \n HexSHA256(CanonicalRequest)
 *   Signature        = Hex(HMAC-SHA256(AccessKeySecret, StringToSign))
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';

export const ACS3_ALGORITHM = 'ACS3-HMAC-SHA256';

export interface SigningCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** STS token; sent as x-acs-security-token (and signed) when present. */
  securityToken?: string;
}

/**
 * RFC 3986 percent-encoding as the V3 document prescribes: only A-Z a-z 0-9 - _ . ~ stay literal,
 * space is %20 (never +), and * is %2A (encodeURIComponent leaves ! ' ( ) * alone, so they are
 * escaped by hand).
 */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Canonical URI: each path segment encoded, slashes kept. RPC-style APIs always use "/". */
export function canonicalUri(pathname: string): string {
  if (!pathname || pathname === '/') return '/';
  return pathname.split('/').map(percentEncode).join('/');
}

/**
 * Canonical query: parameters sorted by name (code-unit order of the raw names, as the document's
 * reference code does with a TreeMap), names and values encoded, "name=value" joined with "&"; a
 * parameter without a value still gets "=".
 */
export function canonicalQueryString(query: Readonly<Record<string, string>>): string {
  return Object.keys(query)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((k) => `${percentEncode(k)}=${percentEncode(query[k] ?? '')}`)
    .join('&');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hmacSha256Hex(key: string | Uint8Array, data: string): string {
  return createHmac('sha256', key).update(data, 'utf8').digest('hex');
}

/** Headers that take part in the signature: host, content-type and every x-acs-* header. */
export function isSignedAcsHeader(lowerName: string): boolean {
  return lowerName === 'host' || lowerName === 'content-type' || lowerName.startsWith('x-acs-');
}

export function canonicalHeaders(headers: Readonly<Record<string, string>>): { canonical: string; signedHeaders: string } {
  const entries = Object.entries(headers)
    .map(([k, v]) => [k.toLowerCase(), v.trim()] as const)
    .filter(([k]) => isSignedAcsHeader(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    canonical: entries.map(([k, v]) => `${k}:${v}\n`).join(''),
    signedHeaders: entries.map(([k]) => k).join(';'),
  };
}

export interface CanonicalRequestInput {
  method: string;
  pathname: string;
  query: Readonly<Record<string, string>>;
  /** All headers to send except Authorization; non-signed ones are ignored here. */
  headers: Readonly<Record<string, string>>;
  hashedPayload: string;
}

export function buildCanonicalRequest(input: CanonicalRequestInput): { canonicalRequest: string; signedHeaders: string } {
  const { canonical, signedHeaders } = canonicalHeaders(input.headers);
  const canonicalRequest = [
    input.method.toUpperCase(),
    canonicalUri(input.pathname),
    canonicalQueryString(input.query),
    canonical,
    signedHeaders,
    input.hashedPayload,
  ].join('\n');
  return { canonicalRequest, signedHeaders };
}

export function stringToSign(canonicalRequest: string): string {
  return `${ACS3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
}

/** ISO 8601 UTC to the second, the only form x-acs-date accepts ("2023-10-26T10:22:32Z"). */
export function acsDate(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

export interface Acs3SignInput {
  method: string;
  /** Host header value exactly as it goes on the wire (with ":port" for non-default ports). */
  host: string;
  pathname?: string;
  query?: Readonly<Record<string, string>>;
  body?: string | Uint8Array;
  contentType?: string;
  action: string;
  version: string;
  credentials: SigningCredentials;
  /** Fixed date and nonce make the signature reproducible in tests; both default to "now" and random. */
  date?: Date | string;
  nonce?: string;
  /** Extra x-acs-* headers to send and sign. */
  extraHeaders?: Readonly<Record<string, string>>;
}

export interface Acs3Signed {
  /** Every header to send, Authorization included (Host too; fetch sets it to the same value). */
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
  authorization: string;
  /** The query string to put after "?" (same encoding as signed). */
  queryString: string;
}

export function signAcs3(input: Acs3SignInput): Acs3Signed {
  const query = input.query ?? {};
  const hashedPayload = sha256Hex(input.body ?? '');
  const date = typeof input.date === 'string' ? input.date : acsDate(input.date ?? new Date());
  const headers: Record<string, string> = {
    host: input.host,
    'x-acs-action': input.action,
    'x-acs-version': input.version,
    'x-acs-date': date,
    'x-acs-signature-nonce': input.nonce ?? newNonce(),
    'x-acs-content-sha256': hashedPayload,
    ...(input.extraHeaders ?? {}),
  };
  if (input.contentType) headers['content-type'] = input.contentType;
  if (input.credentials.securityToken) headers['x-acs-security-token'] = input.credentials.securityToken;

  const { canonicalRequest, signedHeaders } = buildCanonicalRequest({
    method: input.method,
    pathname: input.pathname ?? '/',
    query,
    headers,
    hashedPayload,
  });
  const sts = stringToSign(canonicalRequest);
  const signature = hmacSha256Hex(input.credentials.accessKeySecret, sts);
  const authorization = `${ACS3_ALGORITHM} Credential=${input.credentials.accessKeyId},SignedHeaders=${signedHeaders},Signature=${signature}`;
  return {
    headers: { ...headers, authorization },
    canonicalRequest,
    stringToSign: sts,
    signature,
    authorization,
    queryString: canonicalQueryString(query),
  };
}

/**
 * Request parameters that are arrays or objects travel as JSON strings (the SDKs' "shrink" style
 * with style "json"); scalars as their string form. Undefined values are dropped.
 */
export function toQueryParams(params: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    out[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}
