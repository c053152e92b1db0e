/**
 * A loopback-only stand-in for Alibaba Cloud OSS, IMM (2020-09-30) and ICE (2020-11-09), for the
 * cloud tests. It is a TEST DOUBLE, not a model of the services' behaviour beyond what is written
 * here:
 *
 * - It listens on 127.0.0.1 on a random port and serves all three APIs there (OSS path-style
 *   /<bucket>/<key>; OpenAPI at "/" told apart by x-acs-version).
 * - It VERIFIES every request's signature with the test credentials, recomputing it from the bytes
 *   on the wire with its own canonicalization (not the client's signer, so a symmetric bug cannot
 *   hide): ACS3-HMAC-SHA256 for IMM/ICE, OSS4-HMAC-SHA256 (header and presigned-URL forms) for OSS.
 *   It answers the documented error codes: InvalidAccessKeyId.NotFound / SignatureDoesNotMatch /
 *   InvalidSecurityToken.Expired / SignatureNonceUsed (OpenAPI, JSON) and InvalidAccessKeyId /
 *   SignatureDoesNotMatch / SecurityTokenExpired / InvalidDigest / NoSuchKey (OSS, XML).
 * - Throttling is configurable: the first N matching calls answer Throttling.User (HTTP 400) or
 *   ServiceUnavailable (503).
 * - Async tasks report Running for a configurable number of GetTask polls, then Succeeded, or
 *   Failed with a configured Code/Message.
 * - "Face clustering" is deterministic and fake: the person in an image is the file name's prefix
 *   before the first "_" or "-" ("alice_01.jpg" -> alice; "alice+bob_02.jpg" -> both; names
 *   starting with "nobody"/"landscape" have no face). Nothing is decoded.
 * - ICE SearchMediaByFace "fetches" the query image through its presigned URL (verified like any
 *   OSS GET, without a socket) and returns the stored objects showing the same person (objects
 *   under a "search/" folder are not media assets); media ids are derived from the objects' URIs,
 *   and GetMediaInfo gives each one's InputURL in the bucket-domain https form.
 * - IMM SearchImageFigureCluster answers with the clusters of the persons the source image's file
 *   name names, once a clustering task has made them.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface EmulatorKey {
  accessKeyId: string;
  accessKeySecret: string;
  /** STS credentials: requests must carry exactly this token. */
  securityToken?: string;
  tokenExpired?: boolean;
}

export interface EmulatorOptions {
  keys: EmulatorKey[];
  region?: string;
  buckets?: string[];
  projectName?: string;
  datasetName?: string;
  /** The first `count` calls matching `services`/`actions` are refused as throttled. */
  throttle?: { count: number; status?: 400 | 429 | 503; code?: string; services?: Array<'oss' | 'imm' | 'ice'>; actions?: string[] };
  /** GetTask answers Running this many times before the final state. */
  taskRunningPolls?: number;
  /** Tasks of this type (default: every type) end Failed with this Code/Message. */
  failTask?: { taskType?: string; code: string; message: string };
  /** Newly indexed files stay invisible to SimpleQuery for this many queries (indexing is async). */
  indexLagQueries?: number;
  /** Cluster names already given in the cloud, by person label. */
  clusterNames?: Record<string, string>;
  /**
   * ICE SearchMediaByFace finds only media put into the named search library with
   * InsertMediaToSearchLib (as the real service does). Off: every stored object counts as a media
   * asset the user registered through ICE themselves.
   */
  iceRegisteredOnly?: boolean;
  /** Answer this action (or OSS operation) only after this many milliseconds. */
  delayMs?: Record<string, number>;
}

export interface EmulatorCall {
  service: 'oss' | 'imm' | 'ice';
  action: string;
  status: number;
  code?: string;
}

interface StoredObject {
  body: Buffer;
  meta: Record<string, string>;
  etag: string;
  contentType: string;
  lastModified: string;
}

interface IndexedFile {
  uri: string;
  customId?: string;
  mediaType?: string;
  visibleAfterQuery: number;
  figures: Array<{ FigureId: string; FigureClusterId: string; FigureType: 'face'; Boundary: { Left: number; Top: number; Width: number; Height: number } }>;
}

interface Task {
  id: string;
  type: string;
  polls: number;
  status: 'Running' | 'Succeeded' | 'Failed';
  code?: string;
  message?: string;
  start: string;
  end?: string;
  onSucceed?: () => void;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

// ---- canonicalization, written independently of src-main/engine/cloud ----

function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function decodeComponent(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, '%20'));
}

function parseRawQuery(raw: string): Array<[string, string]> {
  if (!raw) return [];
  return raw
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const i = pair.indexOf('=');
      return i < 0 ? [decodeComponent(pair), ''] : [decodeComponent(pair.slice(0, i)), decodeComponent(pair.slice(i + 1))];
    });
}

const sha256 = (b: string | Buffer): string => createHash('sha256').update(b).digest('hex');
const requestId = (): string => randomUUID().toUpperCase();

function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(',') : v;
}

/** The person labels the fake recogniser "sees" in an object, from its file name. */
export function labelsOf(key: string): string[] {
  // A leading "<16 hex>-" is the app's guard against equal file names; it is not part of the name.
  const name = (key.split('/').pop() ?? '').replace(/^[0-9a-f]{16}-/, '');
  if (/^(nobody|landscape)/i.test(name)) return [];
  const m = /^([^_-]+)[_-]/.exec(name);
  return m ? (m[1] ?? '').toLowerCase().split('+').filter(Boolean) : [];
}

const VIDEO = /\.(mp4|mov|m4v|mkv|webm|avi)$/i;

export class CloudEmulator {
  readonly calls: EmulatorCall[] = [];
  readonly objects = new Map<string, Map<string, StoredObject>>();
  readonly indexed = new Map<string, IndexedFile>();
  readonly tasks = new Map<string, Task>();
  /** Cluster id -> label; clusters appear once a clustering task succeeded. */
  readonly clusters = new Map<string, { label: string; created: string }>();
  /** ICE search library name -> URIs inserted with InsertMediaToSearchLib (one media id each). */
  readonly searchLibs = new Map<string, Set<string>>();
  connections = 0;
  private throttled = 0;
  private queries = 0;
  private readonly nonces = new Set<string>();
  private readonly sockets = new Set<Socket>();
  private readonly region: string;
  private readonly projectName: string;
  private readonly datasetName: string;

  private constructor(
    private readonly server: Server,
    readonly opts: EmulatorOptions,
  ) {
    this.region = opts.region ?? 'cn-hangzhou';
    this.projectName = opts.projectName ?? 'test-project';
    this.datasetName = opts.datasetName ?? 'test-dataset';
    for (const b of opts.buckets ?? ['test-bucket']) this.objects.set(b, new Map());
  }

  static async start(opts: EmulatorOptions): Promise<CloudEmulator> {
    const server = createServer();
    const emu = new CloudEmulator(server, opts);
    server.on('connection', (s: Socket) => {
      emu.connections++;
      emu.sockets.add(s);
      s.on('close', () => emu.sockets.delete(s));
    });
    server.on('request', (req, res) => void emu.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return emu;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  callsOf(action: string): EmulatorCall[] {
    return this.calls.filter((c) => c.action === action);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const body = Buffer.concat(chunks);
    const isOpenApi = !!header(req, 'x-acs-action');
    const service: EmulatorCall['service'] = isOpenApi ? (header(req, 'x-acs-version') === '2020-11-09' ? 'ice' : 'imm') : 'oss';
    const action = isOpenApi ? (header(req, 'x-acs-action') ?? '') : this.ossOperation(req);
    const delay = this.opts.delayMs?.[action];
    if (delay) await new Promise((r) => setTimeout(r, delay));
    try {
      if (isOpenApi) {
        const params = this.verifyAcs3(req, body);
        this.maybeThrottle(service, action);
        const out = service === 'ice' ? this.ice(action, params) : this.imm(action, params);
        this.calls.push({ service, action, status: 200 });
        this.json(res, 200, { RequestId: requestId(), ...out });
      } else {
        this.verifyOss(req);
        this.maybeThrottle('oss', action);
        const status = this.oss(req, res, body, action);
        this.calls.push({ service, action, status });
      }
    } catch (e) {
      const err = e instanceof HttpError ? e : new HttpError(500, 'InternalError', (e as Error).message);
      this.calls.push({ service, action, status: err.status, code: err.code });
      if (res.headersSent) return void res.end();
      if (isOpenApi) {
        this.json(res, err.status, { RequestId: requestId(), HostId: `${service}.${this.region}.aliyuncs.com`, Code: err.code, Message: err.message, Recommend: `https://api.aliyun.com/troubleshoot?q=${err.code}` });
      } else {
        const rid = requestId();
        res.writeHead(err.status, { 'content-type': 'application/xml', 'x-oss-request-id': rid });
        if (req.method === 'HEAD') return void res.end();
        const extra = Object.entries(err.extra).map(([k, v]) => `<${k}>${escapeXml(v)}</${k}>`).join('');
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${err.code}</Code><Message>${escapeXml(err.message)}</Message><RequestId>${rid}</RequestId><HostId>oss-${this.region}.aliyuncs.com</HostId>${extra}</Error>`);
      }
    }
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
    res.end(JSON.stringify(body));
  }

  private maybeThrottle(service: 'oss' | 'imm' | 'ice', action: string): void {
    const t = this.opts.throttle;
    if (!t || this.throttled >= t.count) return;
    if (t.services && !t.services.includes(service)) return;
    if (t.actions && !t.actions.includes(action)) return;
    this.throttled++;
    const status = t.status ?? 400;
    if (status === 503) throw new HttpError(503, t.code ?? 'ServiceUnavailable', 'The request has failed due to a temporary failure of the server.');
    throw new HttpError(status, t.code ?? 'Throttling.User', 'Request was denied due to user flow control.');
  }

  private keyFor(id: string): EmulatorKey | undefined {
    return this.opts.keys.find((k) => k.accessKeyId === id);
  }

  // ---- ACS3-HMAC-SHA256 ----

  private verifyAcs3(req: IncomingMessage, body: Buffer): Record<string, string> {
    const auth = header(req, 'authorization') ?? '';
    const m = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(auth);
    if (!m) throw new HttpError(400, 'IncompleteSignature', 'The request signature does not conform to Aliyun standards.');
    const [, id, signedHeaders, signature] = m as unknown as [string, string, string, string];
    const key = this.keyFor(id);
    if (!key) throw new HttpError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    const token = header(req, 'x-acs-security-token');
    if (key.securityToken) {
      if (!token) throw new HttpError(400, 'InvalidSecurityToken.Malformed', 'Specified SecurityToken is malformed.');
      if (token !== key.securityToken) throw new HttpError(400, 'InvalidSecurityToken.MismatchWithAccessKey', 'Specified SecurityToken mismatch with the AccessKey.');
      if (key.tokenExpired) throw new HttpError(400, 'InvalidSecurityToken.Expired', 'Specified SecurityToken is expired.');
    } else if (token) throw new HttpError(400, 'InvalidSecurityToken.MismatchWithAccessKey', 'Specified SecurityToken mismatch with the AccessKey.');

    const names = signedHeaders.split(';');
    const required = ['host', 'x-acs-action', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-version', ...(token ? ['x-acs-security-token'] : [])];
    if (required.some((h) => !names.includes(h))) throw new HttpError(400, 'IncompleteSignature', 'The request signature does not conform to Aliyun standards.');
    const date = Date.parse(header(req, 'x-acs-date') ?? '');
    if (!Number.isFinite(date) || !/Z$/.test(header(req, 'x-acs-date') ?? '')) throw new HttpError(400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.');
    if (Math.abs(Date.now() - date) > 15 * 60_000) throw new HttpError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.');
    if (sha256(body) !== header(req, 'x-acs-content-sha256')) throw new HttpError(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.');

    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = parseRawQuery(q < 0 ? '' : url.slice(q + 1));
    const canonicalQuery = [...query]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`)
      .join('&');
    const canonicalHeaders = names.map((n) => `${n}:${(header(req, n) ?? '').trim()}\n`).join('');
    const canonical = [req.method ?? 'GET', path || '/', canonicalQuery, canonicalHeaders, signedHeaders, sha256(body)].join('\n');
    const expected = createHmac('sha256', key.accessKeySecret).update(`ACS3-HMAC-SHA256\n${sha256(canonical)}`).digest('hex');
    if (!safeEqualHex(expected, signature)) throw new HttpError(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.');

    const nonce = header(req, 'x-acs-signature-nonce') ?? '';
    if (this.nonces.has(nonce)) throw new HttpError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.');
    this.nonces.add(nonce);
    return Object.fromEntries(query);
  }

  // ---- OSS4-HMAC-SHA256 ----

  private ossOperation(req: IncomingMessage): string {
    const url = new URL(req.url ?? '/', 'http://x');
    const [, , ...rest] = url.pathname.split('/');
    const hasKey = rest.join('/').length > 0;
    if (req.method === 'PUT') return 'PutObject';
    if (req.method === 'HEAD') return 'HeadObject';
    if (req.method === 'GET' && !hasKey) return 'ListObjectsV2';
    if (req.method === 'GET') return 'GetObject';
    return `${req.method ?? ''}Object`;
  }

  private ossSigningKey(secret: string, day: string, region: string): Buffer {
    let k = createHmac('sha256', `aliyun_v4${secret}`).update(day).digest();
    for (const p of [region, 'oss', 'aliyun_v4_request']) k = createHmac('sha256', k).update(p).digest();
    return k;
  }

  private ossCanonical(method: string, rawUrl: string, headerValue: (n: string) => string | undefined, headerNames: string[], additional: string[], excludeQuery?: string): string {
    const q = rawUrl.indexOf('?');
    const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const uri = rawPath.split('/').map((s) => rfc3986(decodeComponent(s))).join('/');
    const query = parseRawQuery(q < 0 ? '' : rawUrl.slice(q + 1))
      .filter(([k]) => k !== excludeQuery)
      .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => (v ? `${k}=${v}` : k))
      .join('&');
    const signed = headerNames.filter((n) => n.startsWith('x-oss-') || n === 'content-type' || n === 'content-md5' || additional.includes(n)).sort();
    const headers = signed.map((n) => `${n}:${(headerValue(n) ?? '').trim()}\n`).join('');
    return [method, uri, query, headers, additional.join(';'), headerValue('x-oss-content-sha256') || 'UNSIGNED-PAYLOAD'].join('\n');
  }

  private checkOssToken(key: EmulatorKey, token: string | undefined): void {
    if (key.securityToken) {
      if (token !== key.securityToken) throw new HttpError(403, 'InvalidAccessKeyId', 'The security token you provided is invalid.');
      if (key.tokenExpired) throw new HttpError(403, 'SecurityTokenExpired', 'The security token you provided has expired.');
    } else if (token) throw new HttpError(403, 'InvalidAccessKeyId', 'The security token you provided is invalid.');
  }

  private verifyOss(req: IncomingMessage): void {
    const auth = header(req, 'authorization');
    const rawUrl = req.url ?? '/';
    if (!auth && /[?&]x-oss-signature=/.test(rawUrl)) return this.verifyOssPresigned(req.method ?? 'GET', rawUrl, (n) => header(req, n), Object.keys(req.headers));
    const m = /^OSS4-HMAC-SHA256 Credential=([^/,]+)\/(\d{8})\/([a-z0-9-]+)\/oss\/aliyun_v4_request,\s?(?:AdditionalHeaders=([^,]+),\s?)?Signature=([0-9a-f]{64})$/.exec(auth ?? '');
    if (!m) throw new HttpError(403, 'AccessDenied', 'Authorization header is invalid.');
    const [, id, day, region, additional, signature] = m as unknown as [string, string, string, string, string | undefined, string];
    const key = this.keyFor(id);
    if (!key) throw new HttpError(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.');
    this.checkOssToken(key, header(req, 'x-oss-security-token'));
    const dt = header(req, 'x-oss-date') ?? '';
    const when = Date.parse(dt.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    if (!Number.isFinite(when) || Math.abs(Date.now() - when) > 15 * 60_000) throw new HttpError(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
    if (!header(req, 'x-oss-content-sha256')) throw new HttpError(400, 'InvalidArgument', 'x-oss-content-sha256 is required for V4 signatures.');
    if (region !== this.region || dt.slice(0, 8) !== day) throw new HttpError(403, 'SignatureDoesNotMatch', 'Invalid signing region or date.');
    const canonical = this.ossCanonical(req.method ?? 'GET', rawUrl, (n) => header(req, n), Object.keys(req.headers), additional ? additional.split(';') : []);
    const sts = `OSS4-HMAC-SHA256\n${dt}\n${day}/${region}/oss/aliyun_v4_request\n${sha256(canonical)}`;
    const expected = createHmac('sha256', this.ossSigningKey(key.accessKeySecret, day, region)).update(sts).digest('hex');
    if (!safeEqualHex(expected, signature)) {
      throw new HttpError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', { StringToSign: sts, OSSAccessKeyId: id });
    }
  }

  private verifyOssPresigned(method: string, rawUrl: string, headerValue: (n: string) => string | undefined, headerNames: string[]): void {
    const q = Object.fromEntries(parseRawQuery(rawUrl.includes('?') ? rawUrl.slice(rawUrl.indexOf('?') + 1) : ''));
    const cred = /^([^/]+)\/(\d{8})\/([a-z0-9-]+)\/oss\/aliyun_v4_request$/.exec(q['x-oss-credential'] ?? '');
    if (q['x-oss-signature-version'] !== 'OSS4-HMAC-SHA256' || !cred) throw new HttpError(403, 'AccessDenied', 'Invalid presigned URL.');
    const [, id, day, region] = cred as unknown as [string, string, string, string];
    const key = this.keyFor(id);
    if (!key) throw new HttpError(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.');
    this.checkOssToken(key, q['x-oss-security-token']);
    const dt = q['x-oss-date'] ?? '';
    const when = Date.parse(dt.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    if (!Number.isFinite(when) || Date.now() > when + Number(q['x-oss-expires'] ?? 0) * 1000) throw new HttpError(403, 'AccessDenied', 'Request has expired.');
    const additional = q['x-oss-additional-headers'] ? (q['x-oss-additional-headers'] ?? '').split(';') : [];
    const canonical = this.ossCanonical(method, rawUrl, headerValue, headerNames, additional, 'x-oss-signature');
    const sts = `OSS4-HMAC-SHA256\n${dt}\n${day}/${region}/oss/aliyun_v4_request\n${sha256(canonical)}`;
    const expected = createHmac('sha256', this.ossSigningKey(key.accessKeySecret, day, region)).update(sts).digest('hex');
    if (!safeEqualHex(expected, q['x-oss-signature'] ?? '')) throw new HttpError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
  }

  // ---- OSS operations ----

  private bucketAndKey(rawUrl: string): { bucket: string; key: string; query: Record<string, string> } {
    const q = rawUrl.indexOf('?');
    const [, bucket = '', ...rest] = (q < 0 ? rawUrl : rawUrl.slice(0, q)).split('/');
    return { bucket: decodeComponent(bucket), key: rest.map(decodeComponent).join('/'), query: Object.fromEntries(parseRawQuery(q < 0 ? '' : rawUrl.slice(q + 1))) };
  }

  private oss(req: IncomingMessage, res: ServerResponse, body: Buffer, op: string): number {
    const { bucket, key, query } = this.bucketAndKey(req.url ?? '/');
    const store = this.objects.get(bucket);
    if (!store) throw new HttpError(404, 'NoSuchBucket', 'The specified bucket does not exist.');
    const rid = requestId();
    if (op === 'PutObject') {
      const md5 = header(req, 'content-md5');
      const actual = createHash('md5').update(body).digest('base64');
      if (!md5 || md5 !== actual) throw new HttpError(400, 'InvalidDigest', 'The Content-MD5 you specified is not valid.');
      const meta: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (k.startsWith('x-oss-meta-') && typeof v === 'string') meta[k.slice(11)] = v;
      const etag = `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`;
      store.set(key, { body, meta, etag, contentType: header(req, 'content-type') ?? 'application/octet-stream', lastModified: new Date().toISOString() });
      res.writeHead(200, { etag, 'x-oss-request-id': rid, 'content-length': '0' });
      res.end();
      return 200;
    }
    if (op === 'HeadObject' || op === 'GetObject') {
      const o = store.get(key);
      if (!o) throw new HttpError(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
      const h: Record<string, string> = { etag: o.etag, 'content-type': o.contentType, 'content-length': String(o.body.length), 'x-oss-request-id': rid };
      for (const [k, v] of Object.entries(o.meta)) h[`x-oss-meta-${k}`] = v;
      res.writeHead(200, h);
      res.end(op === 'GetObject' ? o.body : undefined);
      return 200;
    }
    if (op === 'ListObjectsV2') {
      if (query['list-type'] !== '2') throw new HttpError(400, 'InvalidArgument', 'Only list-type=2 is emulated.');
      const prefix = query.prefix ?? '';
      const max = Math.min(1000, Number(query['max-keys'] ?? 100));
      const after = query['continuation-token'] ? Buffer.from(query['continuation-token'], 'base64url').toString('utf8') : (query['start-after'] ?? '');
      const keys = [...store.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
      const page = keys.slice(0, max);
      const truncated = keys.length > page.length;
      const enc = query['encoding-type'] === 'url' ? (s: string) => encodeURIComponent(s) : escapeXml;
      const contents = page
        .map((k) => {
          const o = store.get(k) as StoredObject;
          return `<Contents><Key>${enc(k)}</Key><LastModified>${o.lastModified}</LastModified><ETag>${escapeXml(o.etag)}</ETag><Type>Normal</Type><Size>${o.body.length}</Size><StorageClass>Standard</StorageClass></Contents>`;
        })
        .join('');
      const next = truncated ? `<NextContinuationToken>${Buffer.from(page[page.length - 1] ?? '').toString('base64url')}</NextContinuationToken>` : '';
      const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult><Name>${bucket}</Name><Prefix>${enc(prefix)}</Prefix><MaxKeys>${max}</MaxKeys>${query['encoding-type'] === 'url' ? '<EncodingType>url</EncodingType>' : ''}<IsTruncated>${truncated}</IsTruncated>${contents}<KeyCount>${page.length}</KeyCount>${next}</ListBucketResult>`;
      res.writeHead(200, { 'content-type': 'application/xml', 'x-oss-request-id': rid });
      res.end(xml);
      return 200;
    }
    throw new HttpError(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
  }

  // ---- IMM ----

  private requireProject(p: Record<string, string>, withDataset = true): void {
    if (p.ProjectName !== this.projectName) throw new HttpError(404, 'ResourceNotFound', `The specified resource project is not found.`);
    if (withDataset && p.DatasetName !== this.datasetName) throw new HttpError(404, 'ResourceNotFound', `The specified resource dataset is not found.`);
  }

  private jsonParam<T>(p: Record<string, string>, name: string): T {
    try {
      return JSON.parse(p[name] ?? '') as T;
    } catch {
      throw new HttpError(400, 'InvalidParameter', `Specified parameter ${name} is not valid.`);
    }
  }

  private indexFile(f: { URI?: string; CustomId?: string; MediaType?: string }): void {
    if (!f.URI) throw new HttpError(400, 'InvalidParameter', 'Specified parameter URI is not valid.');
    const m = /^oss:\/\/([^/]+)\/(.+)$/.exec(f.URI);
    // Indexing is asynchronous in IMM: an unreadable URI fails later, in the notification. Skip it.
    if (!m || !this.objects.get(m[1] ?? '')?.has(m[2] ?? '')) return;
    const prev = this.indexed.get(f.URI);
    this.indexed.set(f.URI, {
      uri: f.URI,
      ...(f.CustomId ? { customId: f.CustomId } : {}),
      ...(f.MediaType ? { mediaType: f.MediaType } : {}),
      visibleAfterQuery: this.queries + (this.opts.indexLagQueries ?? 0),
      figures: prev?.figures ?? [],
    });
  }

  private clusterIdFor(label: string): string {
    const h = createHash('sha1').update(`${this.datasetName}/${label}`).digest('hex');
    return `Cluster-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 28)}`;
  }

  /** The fake, deterministic "clustering": one cluster per file-name label. */
  private runClustering(): void {
    for (const f of this.indexed.values()) {
      const key = f.uri.replace(/^oss:\/\/[^/]+\//, '');
      f.figures = labelsOf(key).map((label, i) => {
        const id = this.clusterIdFor(label);
        if (!this.clusters.has(id)) this.clusters.set(id, { label, created: new Date().toISOString() });
        return { FigureId: createHash('md5').update(`${f.uri}#${i}`).digest('hex'), FigureClusterId: id, FigureType: 'face' as const, Boundary: { Left: 10 + 40 * i, Top: 10, Width: 32, Height: 32 } };
      });
    }
  }

  private figureCluster(id: string): Record<string, unknown> {
    const c = this.clusters.get(id);
    if (!c) throw new HttpError(404, 'ResourceNotFound', 'The specified resource figure cluster is not found.');
    const members = [...this.indexed.values()].filter((f) => f.figures.some((g) => g.FigureClusterId === id));
    const videos = members.filter((f) => VIDEO.test(f.uri)).length;
    const name = this.opts.clusterNames?.[c.label];
    return {
      ObjectId: id,
      ObjectType: 'figure-cluster',
      ProjectName: this.projectName,
      DatasetName: this.datasetName,
      ...(name ? { Name: name } : {}),
      FaceCount: members.reduce((n, f) => n + f.figures.filter((g) => g.FigureClusterId === id).length, 0),
      ImageCount: members.length - videos,
      VideoCount: videos,
      Cover: members[0] ? { URI: members[0].uri } : undefined,
      CreateTime: c.created,
      UpdateTime: c.created,
      MetaLockVersion: 0,
    };
  }

  private newTask(type: string, onSucceed?: () => void): Task {
    const id = `${type}-${randomUUID()}`;
    const task: Task = { id, type, polls: 0, status: 'Running', start: new Date().toISOString(), ...(onSucceed ? { onSucceed } : {}) };
    this.tasks.set(id, task);
    return task;
  }

  private advance(t: Task): void {
    if (t.status !== 'Running') return;
    t.polls++;
    if (t.polls <= (this.opts.taskRunningPolls ?? 1)) return;
    const fail = this.opts.failTask;
    if (fail && (!fail.taskType || fail.taskType === t.type)) {
      t.status = 'Failed';
      t.code = fail.code;
      t.message = fail.message;
    } else {
      t.status = 'Succeeded';
      t.onSucceed?.();
    }
    t.end = new Date().toISOString();
  }

  private taskInfo(t: Task): Record<string, unknown> {
    return {
      TaskId: t.id,
      TaskType: t.type,
      Status: t.status,
      StartTime: t.start,
      ...(t.end ? { EndTime: t.end } : {}),
      ...(t.code ? { Code: t.code, Message: t.message } : {}),
      ...(t.status === 'Running' ? { Progress: 50 } : {}),
    };
  }

  private page<T>(items: T[], p: Record<string, string>, max = 100): { items: T[]; next?: string } {
    const size = Math.max(1, Math.min(max, Number(p.MaxResults ?? max) || max));
    const offset = p.NextToken ? Number(Buffer.from(p.NextToken, 'base64url').toString('utf8')) : 0;
    const slice = items.slice(offset, offset + size);
    const next = offset + size < items.length ? Buffer.from(String(offset + size)).toString('base64url') : undefined;
    return { items: slice, ...(next ? { next } : {}) };
  }

  private imm(action: string, p: Record<string, string>): Record<string, unknown> {
    switch (action) {
      case 'CreateBinding': {
        this.requireProject(p);
        const m = /^oss:\/\/([^/]+)\/?$/.exec(p.URI ?? '');
        if (!m || !this.objects.has(m[1] ?? '')) throw new HttpError(400, 'InvalidParameter', 'Specified parameter URI is not valid.');
        for (const key of this.objects.get(m[1] ?? '')?.keys() ?? []) this.indexFile({ URI: `oss://${m[1]}/${key}` });
        const now = new Date().toISOString();
        return { Binding: { ProjectName: this.projectName, DatasetName: this.datasetName, URI: p.URI, State: 'Running', Phase: 'FullScanning', CreateTime: now, UpdateTime: now } };
      }
      case 'IndexFileMeta':
        this.requireProject(p);
        this.indexFile(this.jsonParam(p, 'File'));
        return { EventId: randomUUID() };
      case 'BatchIndexFileMeta': {
        this.requireProject(p);
        const files = this.jsonParam<Array<{ URI?: string; CustomId?: string; MediaType?: string }>>(p, 'Files');
        if (!Array.isArray(files) || files.length < 1 || files.length > 100) throw new HttpError(400, 'InvalidParameter', 'Specified parameter Files is not valid.');
        for (const f of files) this.indexFile(f);
        return { EventId: randomUUID() };
      }
      case 'SimpleQuery': {
        this.requireProject(p);
        const q = p.Query ? this.jsonParam<{ Field?: string; Operation?: string; Value?: string }>(p, 'Query') : undefined;
        const seq = ++this.queries;
        const visible = [...this.indexed.values()].filter((f) => f.visibleAfterQuery < seq);
        const match = visible.filter((f) => {
          if (!q) return true;
          if (q.Field === 'URI' && q.Operation === 'prefix') return f.uri.startsWith(q.Value ?? '');
          if (q.Field === 'URI' && q.Operation === 'eq') return f.uri === q.Value;
          if (q.Field === 'CustomId' && q.Operation === 'eq') return f.customId === q.Value;
          if (q.Field === 'Figures.FigureClusterId' && q.Operation === 'eq') return f.figures.some((g) => g.FigureClusterId === q.Value);
          throw new HttpError(400, 'InvalidParameter', 'Specified parameter Query is not valid (not emulated).');
        });
        match.sort((a, b) => (a.uri < b.uri ? -1 : 1));
        const { items, next } = this.page(match, p);
        return {
          Files: items.map((f) => ({ URI: f.uri, ...(f.customId ? { CustomId: f.customId } : {}), ...(f.mediaType ? { MediaType: f.mediaType } : {}), Figures: f.figures })),
          NextToken: next ?? '',
          ...(p.WithoutTotalHits === 'true' ? {} : { TotalHits: match.length }),
        };
      }
      case 'CreateFigureClusteringTask': {
        this.requireProject(p);
        const t = this.newTask('FaceClustering', () => this.runClustering());
        return { TaskId: t.id, EventId: randomUUID() };
      }
      case 'CreateFacesSearchingTask': {
        this.requireProject(p);
        const sources = this.jsonParam<Array<{ URI?: string }>>(p, 'Sources');
        if (!Array.isArray(sources) || sources.length === 0) throw new HttpError(400, 'InvalidParameter', 'Specified parameter Sources is not valid.');
        const mr = p.MaxResult !== undefined ? Number(p.MaxResult) : 5;
        if (!(mr >= 0 && mr <= 100)) throw new HttpError(400, 'InvalidParameter', 'Specified parameter MaxResult is not valid.');
        const t = this.newTask('FacesSearching');
        return { TaskId: t.id, EventId: randomUUID() };
      }
      case 'GetTask': {
        this.requireProject(p, false);
        const t = this.tasks.get(p.TaskId ?? '');
        if (!t || (p.TaskType && p.TaskType !== t.type)) throw new HttpError(404, 'ResourceNotFound', 'The specified resource task is not found.');
        this.advance(t);
        return { ProjectName: this.projectName, EventId: randomUUID(), ...this.taskInfo(t) };
      }
      case 'ListTasks': {
        this.requireProject(p, false);
        const types = p.TaskTypes ? this.jsonParam<string[]>(p, 'TaskTypes') : undefined;
        const list = [...this.tasks.values()].filter((t) => (!types || types.includes(t.type)) && (!p.Status || p.Status === t.status));
        const { items, next } = this.page(list, p);
        return { ProjectName: this.projectName, MaxResults: String(items.length), Tasks: items.map((t) => this.taskInfo(t)), ...(next ? { NextToken: next } : {}) };
      }
      case 'QueryFigureClusters': {
        this.requireProject(p);
        const all = [...this.clusters.keys()].map((id) => this.figureCluster(id));
        if (p.Sort === 'ImageCount') all.sort((a, b) => ((b.ImageCount as number) - (a.ImageCount as number)) * (p.Order === 'asc' ? -1 : 1) || String(a.ObjectId).localeCompare(String(b.ObjectId)));
        const { items, next } = this.page(all, p);
        return { FigureClusters: items, NextToken: next ?? '', ...(p.WithTotalCount === 'true' ? { TotalCount: all.length } : {}) };
      }
      case 'GetFigureCluster':
        this.requireProject(p);
        return { FigureCluster: this.figureCluster(p.ObjectId ?? '') };
      case 'BatchGetFigureCluster': {
        this.requireProject(p);
        const ids = this.jsonParam<string[]>(p, 'ObjectIds');
        if (!Array.isArray(ids) || ids.length < 1 || ids.length > 100) throw new HttpError(400, 'InvalidParameter', 'Specified parameter ObjectIds is not valid.');
        return { FigureClusters: ids.filter((id) => this.clusters.has(id)).map((id) => this.figureCluster(id)) };
      }
      case 'SearchImageFigureCluster': {
        this.requireProject(p);
        const m = /^oss:\/\/([^/]+)\/(.+)$/.exec(p.SourceURI ?? '');
        if (!m) throw new HttpError(400, 'InvalidParameter', 'Specified parameter SourceURI is not valid.');
        if (!this.objects.get(m[1] ?? '')?.has(m[2] ?? '')) throw new HttpError(404, 'ResourceNotFound', 'The specified resource file is not found.');
        // Faces of the image whose person the (fake) clustering has a cluster for; the others match nothing.
        const clusters = labelsOf(m[2] ?? '')
          .map((label, i) => ({ id: this.clusterIdFor(label), i }))
          .filter(({ id }) => this.clusters.has(id))
          .map(({ id, i }) => ({ ClusterId: id, Similarity: 0.93 - 0.05 * i, Boundary: { Left: 10 + 40 * i, Top: 10, Width: 32, Height: 32 } }));
        return { Clusters: clusters };
      }
      default:
        throw new HttpError(404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.');
    }
  }

  // ---- ICE ----

  private mediaId(uri: string): string {
    return createHash('md5').update(uri).digest('hex');
  }

  /** Media id -> oss:// URI, for tests that want to map ICE results back. */
  uriOfMedia(mediaId: string): string | undefined {
    for (const [bucket, store] of this.objects) for (const key of store.keys()) if (this.mediaId(`oss://${bucket}/${key}`) === mediaId) return `oss://${bucket}/${key}`;
    return undefined;
  }

  private ice(action: string, p: Record<string, string>): Record<string, unknown> {
    if (action === 'SearchMediaByFace') {
      if (!p.PersonImageUrl) throw new HttpError(400, 'InvalidParameter', 'Specified parameter PersonImageUrl is not valid.');
      if (!p.FaceSearchToken) throw new HttpError(400, 'InvalidParameter', 'Specified parameter FaceSearchToken is not valid.');
      // "Download" the query face through its presigned URL, verified like a real GET (no socket).
      let raw: string;
      try {
        const u = new URL(p.PersonImageUrl);
        raw = u.pathname + u.search;
      } catch {
        throw new HttpError(400, 'InvalidParameter', 'Specified parameter PersonImageUrl is not valid.');
      }
      try {
        this.verifyOssPresigned('GET', raw, () => undefined, []);
      } catch (e) {
        throw new HttpError(400, 'InvalidParameter.PersonImageUrl', `The face image cannot be downloaded: ${(e as Error).message}`);
      }
      const { bucket, key } = this.bucketAndKey(raw);
      if (!this.objects.get(bucket)?.has(key)) throw new HttpError(400, 'InvalidParameter.PersonImageUrl', 'The face image cannot be downloaded: NoSuchKey.');
      const wanted = labelsOf(key)[0];
      const hits: string[] = [];
      if (wanted) {
        for (const [b, store] of this.objects)
          for (const k of [...store.keys()].sort()) {
            // Query images the app uploads under search/ are not registered media assets.
            if (k === key || /(^|\/)search\//.test(k) || !labelsOf(k).includes(wanted)) continue;
            if (this.opts.iceRegisteredOnly && !this.searchLibs.get(p.SearchLibName ?? 'ims-default-search-lib')?.has(`oss://${b}/${k}`)) continue;
            const isVideo = VIDEO.test(k);
            if (p.MediaType && (p.MediaType === 'video') !== isVideo) continue;
            hits.push(`oss://${b}/${k}`);
          }
      }
      const size = Math.min(50, Number(p.PageSize ?? 10));
      const pageNo = Math.max(1, Number(p.PageNo ?? 1));
      return { Success: 'true', Code: '200', Total: hits.length, MediaInfoList: hits.slice((pageNo - 1) * size, pageNo * size).map((u) => ({ MediaId: this.mediaId(u) })) };
    }
    if (action === 'InsertMediaToSearchLib') {
      const m = /^oss:\/\/([^/]+)\/(.+)$/.exec(p.Input ?? '');
      if (!m) throw new HttpError(400, 'InvalidParameter', 'Specified parameter Input is not valid.');
      if (!this.objects.get(m[1] ?? '')?.has(m[2] ?? '')) throw new HttpError(404, 'InvalidParameter.Input', 'The input file does not exist.');
      const lib = p.SearchLibName ?? 'ims-default-search-lib';
      const set = this.searchLibs.get(lib) ?? new Set<string>();
      set.add(p.Input ?? '');
      this.searchLibs.set(lib, set);
      return { Success: 'true', Code: '200', MediaId: this.mediaId(p.Input ?? '') };
    }
    if (action === 'GetMediaInfo') {
      const uri = p.MediaId ? this.uriOfMedia(p.MediaId) : undefined;
      if (!uri) throw new HttpError(404, 'ResourceNotFound', 'The specified media is not found.');
      const [, bucket, key] = /^oss:\/\/([^/]+)\/(.+)$/.exec(uri) ?? [];
      // ICE reports InputURL in the bucket-domain form, with the key percent-encoded.
      const inputUrl = `https://${bucket}.oss-${this.region}.aliyuncs.com/${(key ?? '').split('/').map(encodeURIComponent).join('/')}`;
      return { MediaInfo: { MediaId: p.MediaId, MediaBasicInfo: { MediaId: p.MediaId, InputURL: inputUrl, MediaType: VIDEO.test(uri) ? 'video' : 'image', Status: 'Normal', Source: 'oss' } } };
    }
    if (action === 'SearchMediaClipByFace') {
      if (!p.FaceSearchToken || !p.MediaId) throw new HttpError(400, 'InvalidParameter', 'FaceSearchToken and MediaId are required.');
      const uri = this.uriOfMedia(p.MediaId);
      const clips = uri && VIDEO.test(uri)
        ? [{ Score: 0.97, EntityId: 'e-1', LabelName: labelsOf(uri.split('/').pop() ?? '')[0] ?? '', Category: 'custom', OccurrencesInfos: [{ StartTime: 1.0, EndTime: 3.5, TrackData: [{ Timestamp: 1.5, BoxPosition: { X: 10, Y: 20, W: 64, H: 80 } }] }] }]
        : [];
      return { Success: 'true', Code: '200', Total: clips.length, MediaClipList: clips };
    }
    throw new HttpError(404, 'InvalidAction.NotFound', 'Specified api is not found, please check your url and method.');
  }
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
