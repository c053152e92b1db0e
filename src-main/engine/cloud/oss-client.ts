/**
 * Object Storage Service: the four things the sync needs — PutObject (with Content-MD5, so OSS
 * refuses a body corrupted on the way), HeadObject (to read back the content hash stored in user
 * metadata), ListObjectsV2, and presigned GET URLs. Signed with V4; see oss-signer.ts.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { CloudError } from './cloud-error';
import type { CloudHttp, EndpointOverride } from './http';
import { assertBucketName, ossEndpoint } from './http';
import { presignOssV4, signOssV4 } from './oss-signer';
import { xmlBlocks, xmlText } from './oss-xml';
import type { CredentialsProvider } from './openapi-rpc';
import { percentEncode } from './signer';

export interface OssUri {
  bucket: string;
  key: string;
}

/** Parses "oss://bucket/path/to/object" (the form IMM takes); the key may be empty ("oss://bucket/"). */
export function parseOssUri(uri: string): OssUri {
  const m = /^oss:\/\/([^/]+)(?:\/(.*))?$/.exec(uri);
  if (!m) throw new CloudError('CLOUD_SERVICE', `"${uri}" is not an oss://bucket/key URI.`, { service: 'local' });
  const bucket = m[1] ?? '';
  assertBucketName(bucket);
  return { bucket, key: m[2] ?? '' };
}

export function formatOssUri(bucket: string, key: string): string {
  assertBucketName(bucket);
  return `oss://${bucket}/${key.replace(/^\/+/, '')}`;
}

/**
 * The oss:// URI of an object named by an oss:// URI or by a bucket-domain URL
 * (https://<bucket>.oss-<region>[-internal].aliyuncs.com/<key>, as ICE reports InputURL), or
 * undefined for anything else (a CDN domain, another host).
 */
export function ossUriFromUrl(url: string): string | undefined {
  if (url.startsWith('oss://')) return url;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const m = /^([a-z0-9][a-z0-9-]{1,61}[a-z0-9])\.oss-[a-z0-9-]+\.aliyuncs\.com$/.exec(u.hostname);
  if (!m || (u.protocol !== 'https:' && u.protocol !== 'http:')) return undefined;
  let key: string;
  try {
    key = decodeURIComponent(u.pathname.replace(/^\/+/, ''));
  } catch {
    return undefined;
  }
  return key ? `oss://${m[1]}/${key}` : undefined;
}

/** Object keys are at most 1023 bytes of UTF-8, not starting with "/" or "\\". */
export function assertObjectKey(key: string): void {
  if (!key || Buffer.byteLength(key, 'utf8') > 1023 || key.startsWith('/') || key.startsWith('\\')) {
    throw new CloudError('CLOUD_SERVICE', `"${key}" is not a valid OSS object key.`, { service: 'local' });
  }
}

export interface OssObjectSummary {
  key: string;
  size: number;
  etag: string;
  lastModified?: string;
}

export interface ListObjectsV2Result {
  objects: OssObjectSummary[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextContinuationToken?: string;
  keyCount: number;
}

export interface HeadObjectResult {
  exists: boolean;
  etag?: string;
  size?: number;
  /** User metadata (x-oss-meta-*), names without the prefix, lower-case. */
  meta: Record<string, string>;
}

export type PutBody = { data: Uint8Array } | { path: string; size: number };

export interface OssClientOptions {
  http: CloudHttp;
  region: string;
  credentials: CredentialsProvider;
  endpointOverride?: EndpointOverride;
}

export class OssClient {
  constructor(private readonly opts: OssClientOptions) {}

  private url(bucket: string, key: string, queryString: string): string {
    const { origin, pathPrefix } = ossEndpoint(bucket, this.opts.region, this.opts.endpointOverride);
    const path = `${pathPrefix}/${key.split('/').map(percentEncode).join('/')}`;
    return `${origin}${path}${queryString ? `?${queryString}` : ''}`;
  }

  /**
   * Uploads one object. `contentMd5` is the base64 MD5 of the body: OSS recomputes it and answers
   * InvalidDigest/BadDigest when the bytes changed in transit. Returns the ETag OSS assigned.
   */
  async putObject(
    req: { bucket: string; key: string; body: PutBody; contentMd5: string; contentType?: string; meta?: Record<string, string> },
    opts: { signal?: AbortSignal } = {},
  ): Promise<{ etag?: string; requestId?: string }> {
    assertObjectKey(req.key);
    const size = 'data' in req.body ? req.body.data.byteLength : req.body.size;
    const res = await this.opts.http.request({
      service: 'oss',
      operation: 'PutObject',
      // Writing the same bytes to the same key twice has the same outcome.
      idempotent: true,
      ...(opts.signal ? { signal: opts.signal } : {}),
      build: async () => {
        const headers: Record<string, string> = {
          'content-md5': req.contentMd5,
          'content-type': req.contentType ?? 'application/octet-stream',
          'content-length': String(size),
        };
        for (const [k, v] of Object.entries(req.meta ?? {})) headers[`x-oss-meta-${k.toLowerCase()}`] = v;
        const signed = signOssV4({ method: 'PUT', bucket: req.bucket, key: req.key, headers, credentials: await this.opts.credentials(), region: this.opts.region });
        const body = 'data' in req.body ? req.body.data : (Readable.toWeb(createReadStream(req.body.path)) as ReadableStream<Uint8Array>);
        return { method: 'PUT', url: this.url(req.bucket, req.key, ''), headers: signed.headers, body };
      },
    });
    const etag = res.headers.get('etag') ?? undefined;
    const requestId = res.headers.get('x-oss-request-id') ?? undefined;
    return { ...(etag ? { etag } : {}), ...(requestId ? { requestId } : {}) };
  }

  /** Metadata of one object; `exists: false` for a 404 instead of an error. */
  async headObject(req: { bucket: string; key: string }, opts: { signal?: AbortSignal } = {}): Promise<HeadObjectResult> {
    assertObjectKey(req.key);
    try {
      const res = await this.opts.http.request({
        service: 'oss',
        operation: 'HeadObject',
        idempotent: true,
        ...(opts.signal ? { signal: opts.signal } : {}),
        build: async () => {
          const signed = signOssV4({ method: 'HEAD', bucket: req.bucket, key: req.key, credentials: await this.opts.credentials(), region: this.opts.region });
          return { method: 'HEAD', url: this.url(req.bucket, req.key, ''), headers: signed.headers };
        },
      });
      const meta: Record<string, string> = {};
      res.headers.forEach((v, k) => {
        if (k.startsWith('x-oss-meta-')) meta[k.slice('x-oss-meta-'.length)] = v;
      });
      const etag = res.headers.get('etag') ?? undefined;
      const len = res.headers.get('content-length');
      return { exists: true, meta, ...(etag ? { etag } : {}), ...(len ? { size: Number(len) } : {}) };
    } catch (e) {
      if (e instanceof CloudError && e.httpStatus === 404) return { exists: false, meta: {} };
      throw e;
    }
  }

  /** One page of ListObjectsV2 (keys come URL-encoded on the wire so any key survives XML). */
  async listObjectsV2(
    req: { bucket: string; prefix?: string; continuationToken?: string; maxKeys?: number; delimiter?: string; startAfter?: string },
    opts: { signal?: AbortSignal } = {},
  ): Promise<ListObjectsV2Result> {
    const query: Record<string, string> = { 'list-type': '2', 'encoding-type': 'url', 'max-keys': String(req.maxKeys ?? 1000) };
    if (req.prefix) query.prefix = req.prefix;
    if (req.continuationToken) query['continuation-token'] = req.continuationToken;
    if (req.delimiter) query.delimiter = req.delimiter;
    if (req.startAfter) query['start-after'] = req.startAfter;
    const res = await this.opts.http.request({
      service: 'oss',
      operation: 'ListObjectsV2',
      idempotent: true,
      ...(opts.signal ? { signal: opts.signal } : {}),
      build: async () => {
        const signed = signOssV4({ method: 'GET', bucket: req.bucket, query, credentials: await this.opts.credentials(), region: this.opts.region });
        return { method: 'GET', url: this.url(req.bucket, '', signed.queryString), headers: signed.headers };
      },
    });
    const xml = res.body.toString('utf8');
    const urlEncoded = xmlText(xml, 'EncodingType') === 'url';
    const dec = (s: string): string => (urlEncoded ? decodeURIComponent(s.replace(/\+/g, '%20')) : s);
    const objects = xmlBlocks(xml, 'Contents').map((c) => {
      const lastModified = xmlText(c, 'LastModified');
      return {
        key: dec(xmlText(c, 'Key') ?? ''),
        size: Number(xmlText(c, 'Size') ?? 0),
        etag: xmlText(c, 'ETag') ?? '',
        ...(lastModified ? { lastModified } : {}),
      };
    });
    const commonPrefixes = xmlBlocks(xml, 'CommonPrefixes').map((c) => dec(xmlText(c, 'Prefix') ?? ''));
    const next = xmlText(xml, 'NextContinuationToken');
    return {
      objects,
      commonPrefixes,
      isTruncated: xmlText(xml, 'IsTruncated') === 'true',
      ...(next ? { nextContinuationToken: next } : {}),
      keyCount: Number(xmlText(xml, 'KeyCount') ?? objects.length),
    };
  }

  /** Every object under `prefix`, following continuation tokens. */
  async listAll(req: { bucket: string; prefix?: string }, opts: { signal?: AbortSignal } = {}): Promise<OssObjectSummary[]> {
    const out: OssObjectSummary[] = [];
    let token: string | undefined;
    do {
      const page = await this.listObjectsV2({ ...req, ...(token ? { continuationToken: token } : {}) }, opts);
      out.push(...page.objects);
      token = page.isTruncated ? page.nextContinuationToken : undefined;
    } while (token);
    return out;
  }

  /** A GET URL for one object that works without credentials until it expires (no network used). */
  async presignGetUrl(req: { bucket: string; key: string; expiresSeconds?: number }): Promise<string> {
    assertObjectKey(req.key);
    const p = presignOssV4({
      method: 'GET', bucket: req.bucket, key: req.key, credentials: await this.opts.credentials(), region: this.opts.region,
      expiresSeconds: req.expiresSeconds ?? 900,
    });
    return this.url(req.bucket, req.key, p.queryString);
  }
}
