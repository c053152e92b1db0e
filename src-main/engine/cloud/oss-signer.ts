/**
 * OSS request signatures, implemented from the OSS documents "Include a V4 signature in the
 * Authorization header (recommended)" and "Include a V1 signature in the Authorization header".
 * V4 (OSS4-HMAC-SHA256) is what the client uses; V1 (HMAC-SHA1) is kept for endpoints that still
 * require it (some private deployments). test/cloud/oss-signer.test.ts reproduces the signatures
 * that Alibaba's own OSS SDK tests publish for both versions.
 *
 * V4:
 *   CanonicalRequest = Method \n URI(/bucket/key) \n Query \n Headers \n AdditionalHeaders \n "UNSIGNED-PAYLOAD"
 *   StringToSign     = "OSS4-HMAC-SHA256" \n yyyymmddThhmmssZ \n date/region/oss/aliyun_v4_request \n HexSHA256(CanonicalRequest)
 *   SigningKey       = HMAC chain over "aliyun_v4"+secret: date, region, "oss", "aliyun_v4_request"
 */
import { createHmac } from 'node:crypto';
import { hmacSha256Hex, percentEncode, sha256Hex } from './signer';
import type { SigningCredentials } from './signer';

export const OSS_V4_ALGORITHM = 'OSS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** "/bucket/key" with every byte outside A-Z a-z 0-9 - . _ ~ percent-encoded except "/". */
export function ossCanonicalUri(bucket: string | undefined, key: string | undefined): string {
  let uri = '/';
  if (bucket) uri += `${bucket}/`;
  if (key) uri += key;
  return uri.split('/').map(percentEncode).join('/');
}

/**
 * Query as sent and as signed: names and values RFC 3986-encoded, sorted by encoded name; a
 * parameter with an empty value is signed as the bare name.
 */
export function ossCanonicalQuery(query: Readonly<Record<string, string>>): string {
  return Object.entries(query)
    .map(([k, v]) => [percentEncode(k), percentEncode(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => (v ? `${k}=${v}` : k))
    .join('&');
}

/** The query string to put on the URL: same encoding, "name=" kept for empty values. */
export function ossQueryString(query: Readonly<Record<string, string>>): string {
  return Object.entries(query)
    .map(([k, v]) => [percentEncode(k), percentEncode(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function isDefaultSignedOssHeader(lower: string): boolean {
  return lower.startsWith('x-oss-') || lower === 'content-type' || lower === 'content-md5';
}

function lowerHeaders(headers: Readonly<Record<string, string>>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of Object.entries(headers)) m.set(k.toLowerCase(), v);
  return m;
}

/** Additional headers: lower-cased, present in the request, not already signed by default, sorted. */
export function ossAdditionalHeaders(headers: Readonly<Record<string, string>>, additional: readonly string[] = []): string[] {
  const present = lowerHeaders(headers);
  const keys = new Set<string>();
  for (const k of additional) {
    const low = k.toLowerCase();
    if (!isDefaultSignedOssHeader(low) && present.get(low)) keys.add(low);
  }
  return [...keys].sort();
}

export function ossV4CanonicalRequest(input: {
  method: string;
  bucket?: string;
  key?: string;
  query: Readonly<Record<string, string>>;
  headers: Readonly<Record<string, string>>;
  additionalHeaders: readonly string[];
}): string {
  const lower = lowerHeaders(input.headers);
  const add = new Set(input.additionalHeaders);
  const names = [...lower.keys()].filter((k) => isDefaultSignedOssHeader(k) || add.has(k)).sort();
  const canonicalHeaders = names.map((k) => `${k}:${(lower.get(k) ?? '').trim()}\n`).join('');
  const payload = lower.get('x-oss-content-sha256') || UNSIGNED_PAYLOAD;
  return [
    input.method.toUpperCase(),
    ossCanonicalUri(input.bucket, input.key),
    ossCanonicalQuery(input.query),
    canonicalHeaders,
    input.additionalHeaders.join(';'),
    payload,
  ].join('\n');
}

/** 20231216T162057Z */
export function ossV4DateTime(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

export function ossV4Scope(date: string, region: string, product = 'oss'): string {
  return `${date}/${region}/${product}/aliyun_v4_request`;
}

export function ossV4SigningKey(secret: string, date: string, region: string, product = 'oss'): Buffer {
  let key: Buffer = createHmac('sha256', `aliyun_v4${secret}`).update(date).digest();
  for (const part of [region, product, 'aliyun_v4_request']) key = createHmac('sha256', key).update(part).digest();
  return key;
}

export interface OssSignInput {
  method: string;
  bucket?: string;
  key?: string;
  /** Raw (unencoded) query parameters; '' for a parameter without a value. */
  query?: Readonly<Record<string, string>>;
  /** Headers to send (content-type, content-md5, x-oss-meta-*, …); signing adds its own. */
  headers?: Readonly<Record<string, string>>;
  credentials: SigningCredentials;
  region: string;
  /** Sign time; defaults to now. */
  date?: Date;
  /** Extra headers to sign beyond the default x-oss-*, content-type and content-md5. */
  additionalHeaders?: readonly string[];
  product?: string;
}

export interface OssSigned {
  headers: Record<string, string>;
  authorization: string;
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
  queryString: string;
}

/** Signs with V4 in the Authorization header; returns the headers to send. */
export function signOssV4(input: OssSignInput): OssSigned {
  const date = input.date ?? new Date();
  const datetime = ossV4DateTime(date);
  const day = datetime.slice(0, 8);
  const product = input.product ?? 'oss';
  const query = input.query ?? {};
  const headers: Record<string, string> = { ...(input.headers ?? {}) };
  headers['x-oss-date'] = datetime;
  headers['x-oss-content-sha256'] = UNSIGNED_PAYLOAD;
  if (input.credentials.securityToken) headers['x-oss-security-token'] = input.credentials.securityToken;

  const additional = ossAdditionalHeaders(headers, input.additionalHeaders);
  const canonicalRequest = ossV4CanonicalRequest({ method: input.method, bucket: input.bucket, key: input.key, query, headers, additionalHeaders: additional });
  const scope = ossV4Scope(day, input.region, product);
  const sts = `${OSS_V4_ALGORITHM}\n${datetime}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  const signature = hmacSha256Hex(ossV4SigningKey(input.credentials.accessKeySecret, day, input.region, product), sts);
  const authorization =
    `${OSS_V4_ALGORITHM} Credential=${input.credentials.accessKeyId}/${scope}` +
    (additional.length ? `,AdditionalHeaders=${additional.join(';')}` : '') +
    `,Signature=${signature}`;
  headers.authorization = authorization;
  return { headers, authorization, canonicalRequest, stringToSign: sts, signature, queryString: ossQueryString(query) };
}

/**
 * A presigned V4 URL query: anyone holding the URL can perform that one request until it expires.
 * ICE's SearchMediaByFace takes the query face as an HTTP URL, and a private bucket's object is
 * only reachable that way.
 */
export function presignOssV4(input: OssSignInput & { expiresSeconds: number }): { queryString: string; signature: string; canonicalRequest: string } {
  const date = input.date ?? new Date();
  const datetime = ossV4DateTime(date);
  const day = datetime.slice(0, 8);
  const product = input.product ?? 'oss';
  const headers = { ...(input.headers ?? {}) };
  const additional = ossAdditionalHeaders(headers, input.additionalHeaders);
  const scope = ossV4Scope(day, input.region, product);
  const query: Record<string, string> = { ...(input.query ?? {}) };
  if (input.credentials.securityToken) query['x-oss-security-token'] = input.credentials.securityToken;
  query['x-oss-signature-version'] = OSS_V4_ALGORITHM;
  query['x-oss-date'] = datetime;
  query['x-oss-expires'] = String(Math.round(input.expiresSeconds));
  query['x-oss-credential'] = `${input.credentials.accessKeyId}/${scope}`;
  if (additional.length) query['x-oss-additional-headers'] = additional.join(';');
  const canonicalRequest = ossV4CanonicalRequest({ method: input.method, bucket: input.bucket, key: input.key, query, headers, additionalHeaders: additional });
  const sts = `${OSS_V4_ALGORITHM}\n${datetime}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  const signature = hmacSha256Hex(ossV4SigningKey(input.credentials.accessKeySecret, day, input.region, product), sts);
  return { queryString: ossQueryString({ ...query, 'x-oss-signature': signature }), signature, canonicalRequest };
}

/** Sub-resources that V1 puts into the CanonicalizedResource (the rest of the query is not signed). */
const V1_SUB_RESOURCES = new Set([
  'acl', 'uploads', 'location', 'cors', 'logging', 'website', 'referer', 'lifecycle', 'delete', 'append', 'tagging',
  'objectMeta', 'uploadId', 'partNumber', 'security-token', 'position', 'img', 'style', 'styleName', 'replication',
  'replicationProgress', 'replicationLocation', 'cname', 'bucketInfo', 'comp', 'qos', 'live', 'status', 'vod',
  'startTime', 'endTime', 'symlink', 'x-oss-process', 'response-content-type', 'response-content-language',
  'response-expires', 'response-cache-control', 'response-content-disposition', 'response-content-encoding',
  'restore', 'callback', 'callback-var', 'policy', 'encryption', 'versions', 'versioning', 'versionId',
  'continuation-token', 'resourceGroup', 'stat', 'inventory', 'inventoryId', 'worm', 'wormId', 'wormExtend',
]);

/**
 * V1: Authorization = "OSS " + AccessKeyId + ":" + Base64(HMAC-SHA1(secret,
 *   VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedOSSHeaders + CanonicalizedResource)).
 * `date` is the Date header value (RFC 7231), which the caller must also send.
 */
export function signOssV1(input: {
  method: string;
  bucket?: string;
  key?: string;
  query?: Readonly<Record<string, string>>;
  headers: Readonly<Record<string, string>>;
  date: string;
  credentials: SigningCredentials;
  /** Query names to treat as sub-resources; defaults to the documented list. */
  subResources?: readonly string[];
}): { authorization: string; stringToSign: string } {
  const lower = lowerHeaders(input.headers);
  if (input.credentials.securityToken) lower.set('x-oss-security-token', input.credentials.securityToken);
  const ossHeaders = [...lower.keys()]
    .filter((k) => k.startsWith('x-oss-'))
    .sort()
    .map((k) => `${k}:${(lower.get(k) ?? '').trim()}\n`)
    .join('');
  const allowed = input.subResources ? new Set(input.subResources) : V1_SUB_RESOURCES;
  const sub = Object.entries(input.query ?? {})
    .filter(([k]) => allowed.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => (v ? `${k}=${v}` : k));
  let resource = '/';
  if (input.bucket) resource += `${input.bucket}/`;
  if (input.key) resource += input.key;
  if (sub.length) resource += `?${sub.join('&')}`;
  const sts = [input.method.toUpperCase(), lower.get('content-md5') ?? '', lower.get('content-type') ?? '', input.date, `${ossHeaders}${resource}`].join('\n');
  const signature = createHmac('sha1', input.credentials.accessKeySecret).update(sts, 'utf8').digest('base64');
  return { authorization: `OSS ${input.credentials.accessKeyId}:${signature}`, stringToSign: sts };
}
