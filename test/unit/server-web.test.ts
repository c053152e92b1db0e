/**
 * Web mode's server: who may call (Host, Origin, fetch metadata, the per-run token, the read-only
 * media token), what it answers (envelopes, events, the page with its CSP, media with ranges) and
 * what it never does (CORS, files outside the built renderer or the library).
 */
import { request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngineApi } from '../../src-main/transport/engine-api';
import { startWebServer, type WebServer } from '../../src-main/server/web-server';
import { contentSecurityPolicy } from '../../src-main/transport/csp';
import { tempDir } from '../helpers/paths';
import { fakeLibrary, type FakeLibrary } from './fakes/engine';

const TOKEN = 'test-token-0123456789';
const MEDIA = 'media-token-abcdef';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json(): unknown;
}

function call(server: WebServer, path: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const length: Record<string, string> = init.body !== undefined ? { 'Content-Length': String(Buffer.byteLength(init.body)) } : {};
    const req = request({ host: '127.0.0.1', port: server.port, path, method: init.method ?? 'GET', headers: { Host: `127.0.0.1:${server.port}`, ...length, ...init.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) });
      });
    });
    req.on('error', reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}

function invoke(server: WebServer, channel: string, payload?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return call(server, `/api/invoke/${encodeURIComponent(channel)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}`, ...headers },
    body: JSON.stringify({ payload }),
  });
}

let lib: FakeLibrary;
let server: WebServer;
let close: () => void;

beforeEach(async () => {
  lib = await fakeLibrary();
  const renderer = tempDir('renderer');
  mkdirSync(join(renderer, 'assets'));
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(renderer, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(lib.dirs.root, 'outside.txt'), 'secret');
  const api = createEngineApi(lib.engine, { progressIntervalMs: 0 });
  server = await startWebServer({ api, rendererDir: renderer, version: '9.9.9', token: TOKEN, mediaToken: MEDIA, validateResponses: true });
  close = () => api.close();
});

afterEach(async () => {
  await server.close();
  close();
});

describe('binding and URL', () => {
  it('listens on 127.0.0.1 and prints a URL carrying the token in the fragment', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/#token=${TOKEN}`);
  });

  it('makes a random token per run', async () => {
    const api = createEngineApi(lib.engine);
    const a = await startWebServer({ api, rendererDir: tempDir('r'), version: '1' }).catch(() => null);
    // The renderer dir is empty, which is fine for this check.
    expect(a?.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const b = await startWebServer({ api, rendererDir: tempDir('r'), version: '1' });
    expect(b.token).not.toBe(a?.token);
    await a?.close();
    await b.close();
    api.close();
  });
});

describe('who may call', () => {
  it('refuses API calls without the token, or with a wrong one (401)', async () => {
    const none = await call(server, '/api/invoke/library%3Astatus', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(none.status).toBe(401);
    expect(none.json()).toMatchObject({ ok: false, error: { code: 'UNTRUSTED_SENDER' } });
    expect((await invoke(server, 'library:status', undefined, { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await invoke(server, 'library:status', undefined, { Authorization: TOKEN })).status).toBe(401);
    // The media token reads media only.
    expect((await invoke(server, 'library:status', undefined, { Authorization: `Bearer ${MEDIA}` })).status).toBe(401);
    expect(lib.engine.calls).toEqual([]);
  });

  it('refuses other Host names: a DNS-rebinding page carries its own', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, '127.0.0.1', `127.0.0.1:${server.port + 1}`, `0.0.0.0:${server.port}`]) {
      const r = await invoke(server, 'library:status', undefined, { Host: host });
      expect(r.status, host).toBe(421);
    }
    expect((await invoke(server, 'library:status', undefined, { Host: `localhost:${server.port}` })).status).toBe(200);
    expect((await call(server, '/', { headers: { Host: 'attacker.test' } })).status).toBe(421);
  });

  it('refuses other origins and cross-site fetches, and never sends CORS headers', async () => {
    expect((await invoke(server, 'library:status', undefined, { Origin: 'https://evil.example' })).status).toBe(403);
    expect((await invoke(server, 'library:status', undefined, { Origin: 'null' })).status).toBe(403);
    expect((await invoke(server, 'library:status', undefined, { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await invoke(server, 'library:status', undefined, { 'Sec-Fetch-Site': 'same-site' })).status).toBe(403);
    const ok = await invoke(server, 'library:status', undefined, { Origin: `http://127.0.0.1:${server.port}`, 'Sec-Fetch-Site': 'same-origin' });
    expect(ok.status).toBe(200);
    const preflight = await call(server, '/api/invoke/library%3Astatus', { method: 'OPTIONS', headers: { Origin: `http://127.0.0.1:${server.port}` } });
    for (const r of [ok, preflight]) {
      expect(Object.keys(r.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    }
  });

  it('takes JSON only (no form posts), with a size limit', async () => {
    const form = await call(server, '/api/invoke/library%3Astatus', {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Bearer ${TOKEN}` }, body: 'payload=x',
    });
    expect(form.status).toBe(415);
    const huge = await call(server, '/api/invoke/library%3AaddFolders', {
      method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ payload: { paths: ['x'.repeat(2_000_000)] } }),
    });
    expect(huge.status).toBe(413);
    const notJson = await call(server, '/api/invoke/library%3Astatus', { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` }, body: '{' });
    expect(notJson.status).toBe(400);
  });
});

describe('the API', () => {
  it('answers envelopes, validates payloads and names unknown channels', async () => {
    const info = await invoke(server, 'app:info');
    expect(info.json()).toEqual({ ok: true, value: { version: '9.9.9', platform: process.platform, electron: null, mediaToken: MEDIA } });
    expect(info.headers['cache-control']).toBe('no-store');
    expect((await invoke(server, 'library:status')).json()).toMatchObject({ ok: true, value: { faces: 2 } });
    expect((await invoke(server, 'library:addFolders', { paths: [] })).json()).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect((await invoke(server, 'dialog:pickFolders')).json()).toMatchObject({ ok: false, error: { code: 'UNSUPPORTED' } });
    const unknown = await invoke(server, 'fs:readFile', '/etc/passwd');
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
  });

  it('takes uploads as raw bytes', async () => {
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(join(lib.dirs.photos, 'two_people.jpg'));
    const r = await call(server, '/api/invoke/media%3Aupload', {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream', Authorization: `Bearer ${TOKEN}`, 'X-File-Name': encodeURIComponent('my phötö.jpg') },
      body: bytes,
    });
    expect(r.json()).toMatchObject({ ok: true, value: { name: 'my phötö.jpg', width: 1126, height: 661 } });
    const id = (r.json() as { value: { uploadId: string } }).value.uploadId;
    const preview = await call(server, `/media/upload/${id}?t=${MEDIA}`);
    expect(preview.status).toBe(200);
    expect(preview.headers['content-type']).toBe('image/webp');
  });

  it('streams task events to holders of the token only', async () => {
    expect((await call(server, '/api/events')).status).toBe(401);
    expect((await call(server, `/api/events?token=${MEDIA}`)).status).toBe(401);
    const text = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: `/api/events?token=${TOKEN}`, headers: { Host: `127.0.0.1:${server.port}` } }, (res) => {
        expect(res.headers['content-type']).toContain('text/event-stream');
        let data = '';
        res.on('data', (c: Buffer) => {
          data += c.toString('utf8');
          if (data.includes('"status":"succeeded"')) {
            req.destroy();
            resolve(data);
          }
        });
      });
      req.on('error', reject);
      req.end();
      setTimeout(() => void invoke(server, 'library:index'), 50);
    });
    expect(text).toMatch(/event: task:progress\ndata: \{.*"kind":"index".*\}\n\n/);
  });
});

describe('the page and media', () => {
  it('serves the built page with a strict CSP and security headers, without a token', async () => {
    const page = await call(server, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBe(contentSecurityPolicy({ delivery: 'header' }));
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const asset = await call(server, '/assets/index-abc.js');
    expect(asset.headers['content-type']).toContain('text/javascript');
    expect(asset.headers['cache-control']).toContain('immutable');
  });

  it('serves nothing outside the built renderer', async () => {
    for (const path of ['/../outside.txt', '/%2e%2e/outside.txt', '/assets/..%2f..%2foutside.txt', '/..%5coutside.txt', '/etc/passwd', '/index.html%00.js']) {
      const r = await call(server, path);
      expect(r.status, path).toBe(404);
      expect(r.body.toString()).not.toContain('secret');
    }
  });

  it('needs the media token for media, and serves library files only', async () => {
    expect((await call(server, `/media/original/${lib.ids.photo}`)).status).toBe(401);
    expect((await call(server, `/media/original/${lib.ids.photo}?t=wrong`)).status).toBe(401);
    const ok = await call(server, `/media/original/${lib.ids.photo}?t=${MEDIA}`);
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('image/jpeg');
    expect((await call(server, `/media/thumb/${lib.ids.photo}?t=${MEDIA}`)).headers['content-type']).toBe('image/webp');
    expect((await call(server, `/media/original/${lib.ids.symlinked}?t=${MEDIA}`)).status).toBe(403);
    expect((await call(server, `/media/original/${lib.ids.tampered}?t=${MEDIA}`)).status).toBe(403);
    expect((await call(server, `/media/original/unknown-id?t=${MEDIA}`)).status).toBe(404);
    expect((await call(server, `/media/original/..%2F..%2Fetc%2Fpasswd?t=${MEDIA}`)).status).toBe(400);
    expect((await call(server, `/media/original/a/b?t=${MEDIA}`)).status).toBe(404);
    expect((await call(server, `/media/secrets/${lib.ids.photo}?t=${MEDIA}`)).status).toBe(404);
  });

  it('answers byte ranges so videos seek', async () => {
    const r = await call(server, `/media/original/${lib.ids.video}?t=${MEDIA}`, { headers: { Range: 'bytes=0-99' } });
    expect(r.status).toBe(206);
    expect(r.body.length).toBe(100);
    expect(r.headers['content-range']).toMatch(/^bytes 0-99\/\d+$/);
    expect(r.headers['content-type']).toBe('video/mp4');
  });
});
