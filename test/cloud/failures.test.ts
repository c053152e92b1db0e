/**
 * What the user sees when the cloud says no: wrong credentials, an expired STS token, no network,
 * a task that fails in the cloud, throttling (retried, then given up), time-outs and cancelling a
 * push half-way. Every failure must be a typed CloudError with the service's code and request id,
 * and no secret may appear in any message.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CloudError } from '../../src-main/engine/cloud/cloud-error';
import { CloudService } from '../../src-main/engine/cloud/service';
import { signAcs3 } from '../../src-main/engine/cloud/signer';
import { FAST, KEY, STS_KEY, TARGET, harness, makeLibrary, removeDir, tempDir } from './helpers';
import type { Harness } from './helpers';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function rejection(p: Promise<unknown>): Promise<CloudError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(CloudError);
    return e as CloudError;
  }
  throw new Error('expected a rejection');
}

function expectNoSecrets(e: CloudError, ...secrets: string[]): void {
  const text = `${e.message}\n${JSON.stringify(e.toJSON())}\n${e.stack ?? ''}`;
  for (const s of secrets) expect(text).not.toContain(s);
}

describe('wrong credentials', () => {
  it('an unknown AccessKey id: IMM answers InvalidAccessKeyId.NotFound (404), OSS InvalidAccessKeyId (403)', async () => {
    h = await harness({ credentials: { accessKeyId: 'LTAI5tUnknownKey99', accessKeySecret: 'whatever-secret-value-123' } });
    const imm = await rejection(h.service.listTasks());
    expect(imm).toMatchObject({ code: 'CLOUD_AUTH', serviceCode: 'InvalidAccessKeyId.NotFound', httpStatus: 404 });
    expect(imm.requestId).toMatch(/^[0-9A-F-]{36}$/);
    expect(imm.message).toMatch(/check the AccessKey id and secret/);
    expect(imm.info.attempts).toBe(1);
    const oss = await rejection(h.service.push({ media: [] }));
    expect(oss).toMatchObject({ code: 'CLOUD_AUTH', serviceCode: 'InvalidAccessKeyId', httpStatus: 403 });
    expectNoSecrets(imm, 'whatever-secret-value-123');
  });

  it('a wrong secret: SignatureDoesNotMatch from both, with OSS echoing its StringToSign redacted', async () => {
    h = await harness({ credentials: { accessKeyId: KEY.accessKeyId, accessKeySecret: 'Wrong-Secret-0123456789' } });
    const imm = await rejection(h.service.getTask('FaceClustering-x'));
    expect(imm).toMatchObject({ code: 'CLOUD_AUTH', serviceCode: 'SignatureDoesNotMatch', httpStatus: 400 });
    const oss = await rejection(h.service.push({ media: [] }));
    expect(oss).toMatchObject({ code: 'CLOUD_AUTH', serviceCode: 'SignatureDoesNotMatch', httpStatus: 403 });
    expect(oss.info.service).toBe('oss');
    expect(oss.info.operation).toBe('ListObjectsV2');
    expectNoSecrets(imm, 'Wrong-Secret-0123456789', KEY.accessKeySecret);
    expectNoSecrets(oss, 'Wrong-Secret-0123456789');
  });

  it('the connection test reports each service instead of throwing', async () => {
    h = await harness({ credentials: { accessKeyId: KEY.accessKeyId, accessKeySecret: 'Wrong-Secret-0123456789' } });
    const check = await h.service.testConnection();
    expect(check.ok).toBe(false);
    expect(check.checks.map((c) => [c.service, c.ok, c.code])).toEqual([['oss', false, 'SignatureDoesNotMatch'], ['imm', false, 'SignatureDoesNotMatch']]);
    expect(check.checks[1]!.requestId).toBeTruthy();
  });
});

describe('STS tokens', () => {
  it('a valid token is signed and accepted', async () => {
    h = await harness({ credentials: STS_KEY });
    const [m] = await makeLibrary(join(h.dir, 'p'), ['alice_01.jpg']);
    const r = await h.service.push({ media: [m!] });
    expect(r.clusters).toHaveLength(1);
  });

  it('an expired token: CLOUD_TOKEN_EXPIRED from IMM (InvalidSecurityToken.Expired) and OSS (SecurityTokenExpired)', async () => {
    h = await harness({ credentials: STS_KEY, emulator: { keys: [KEY, { ...STS_KEY, tokenExpired: true }] } });
    const imm = await rejection(h.service.listTasks());
    expect(imm).toMatchObject({ code: 'CLOUD_TOKEN_EXPIRED', serviceCode: 'InvalidSecurityToken.Expired' });
    expect(imm.message).toMatch(/STS security token has expired/);
    const oss = await rejection(h.service.push({ media: [] }));
    expect(oss).toMatchObject({ code: 'CLOUD_TOKEN_EXPIRED', serviceCode: 'SecurityTokenExpired', httpStatus: 403 });
    expectNoSecrets(imm, STS_KEY.securityToken, STS_KEY.accessKeySecret);
    expectNoSecrets(oss, STS_KEY.securityToken, STS_KEY.accessKeySecret);
  });
});

describe('network down', () => {
  it('a closed port gives CLOUD_NETWORK naming the host and the reason, after retrying', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const dir = await tempDir();
    try {
      const attempts: number[] = [];
      const service = new CloudService({ configDir: dir, endpointOverride: `http://127.0.0.1:${port}`, settings: FAST, onAttempt: (a) => attempts.push(a.attempt) });
      await service.updateConfig({ ...TARGET, enabled: true });
      await service.saveCredentials(KEY);
      const e = await rejection(service.listTasks());
      expect(e.code).toBe('CLOUD_NETWORK');
      expect(e.message).toBe(`Could not reach 127.0.0.1:${port}: the connection was refused.`);
      expect(e.serviceCode).toBe('ECONNREFUSED');
      expect(attempts).toEqual([1, 2, 3, 4]);
      // Creating a task is not idempotent, but a refused connection never reached the server.
      const create = await rejection(service.push({ media: [] }));
      expect(create.code).toBe('CLOUD_NETWORK');
    } finally {
      await removeDir(dir);
    }
  });
});

describe('cloud-side failures, throttling and time-outs', () => {
  it('a clustering task that fails in the cloud surfaces its Code and Message', async () => {
    h = await harness({ emulator: { taskRunningPolls: 1, failTask: { taskType: 'FaceClustering', code: 'InternalError', message: 'The clustering backend failed.' } } });
    const [m] = await makeLibrary(join(h.dir, 'p'), ['alice_01.jpg']);
    const e = await rejection(h.service.push({ media: [m!] }));
    expect(e.code).toBe('CLOUD_TASK_FAILED');
    expect(e.info).toMatchObject({ service: 'imm', serviceCode: 'InternalError', serviceMessage: 'The clustering backend failed.' });
    expect(e.message).toBe('The cloud FaceClustering task failed: InternalError: The clustering backend failed.');
    expect(e.toJSON()).toMatchObject({ code: 'CLOUD_TASK_FAILED', details: { serviceCode: 'InternalError' } });
  });

  it('a failed search task is reported beside a working ICE result', async () => {
    h = await harness({ emulator: { failTask: { taskType: 'FacesSearching', code: 'ResourceNotFound', message: 'no face' } } });
    const [m] = await makeLibrary(join(h.dir, 'p'), ['alice_01.jpg']);
    const r = await h.service.search({ localImage: m!, immTask: true });
    expect(r.errors).toEqual([{ part: 'imm', code: 'CLOUD_TASK_FAILED', message: expect.stringContaining('ResourceNotFound') }]);
    expect(r.ice?.total).toBe(0);
  });

  it('an IMM error (no such dataset) is reported beside a working ICE result', async () => {
    h = await harness({ emulator: { datasetName: 'another-dataset' } });
    const [m] = await makeLibrary(join(h.dir, 'p'), ['alice_01.jpg']);
    const r = await h.service.search({ localImage: m! });
    expect(r.errors).toEqual([{ part: 'imm', code: 'CLOUD_SERVICE', message: expect.stringContaining('dataset is not found') }]);
    expect(r.imm).toBeUndefined();
    expect(r.ice).toMatchObject({ total: 0, items: [] });
  });

  it('Throttling.User (400) is retried with backoff and the call then succeeds', async () => {
    const attempts: Array<{ attempt: number; status?: number }> = [];
    h = await harness({ emulator: { throttle: { count: 2, services: ['imm'] } }, service: { onAttempt: (a) => attempts.push(a) } });
    const r = await h.service.listTasks();
    expect(r.tasks).toEqual([]);
    expect(h.emu.callsOf('ListTasks').map((c) => c.code ?? c.status)).toEqual(['Throttling.User', 'Throttling.User', 200]);
    expect(attempts.map((a) => a.status)).toEqual([400, 400, 200]);
  });

  it('503 ServiceUnavailable on uploads is retried too', async () => {
    h = await harness({ emulator: { throttle: { count: 2, status: 503, services: ['oss'], actions: ['PutObject'] } } });
    const media = await makeLibrary(join(h.dir, 'p'), ['alice_01.jpg', 'bob_01.jpg']);
    const r = await h.service.push({ media, skipClustering: true });
    expect(r.uploaded).toBe(2);
    expect(h.emu.callsOf('PutObject').filter((c) => c.status === 503)).toHaveLength(2);
  });

  it('throttling that never stops ends as CLOUD_THROTTLED after the last attempt', async () => {
    h = await harness({ emulator: { throttle: { count: 100, services: ['imm'] } } });
    const e = await rejection(h.service.listTasks());
    expect(e).toMatchObject({ code: 'CLOUD_THROTTLED', serviceCode: 'Throttling.User', httpStatus: 400 });
    expect(e.info.attempts).toBe(4);
  });

  it('a request that outlives its time-out gives CLOUD_TIMEOUT (reads are retried, task creation is not)', async () => {
    h = await harness({ emulator: { delayMs: { ListTasks: 400, CreateFigureClusteringTask: 400 } }, service: { settings: { ...FAST, retry: { ...FAST.retry, timeoutMs: 100, maxAttempts: 2 } } } });
    const e = await rejection(h.service.listTasks());
    expect(e.code).toBe('CLOUD_TIMEOUT');
    expect(e.info.attempts).toBe(2);
    const [m] = await makeLibrary(join(h.dir, 'p'), ['alice_01.jpg']);
    const c = await rejection(h.service.push({ media: [m!] }));
    expect(c.code).toBe('CLOUD_TIMEOUT');
    expect(c.info.attempts).toBe(1);
  });
});

describe('cancel', () => {
  it('aborting mid-push stops uploading, never indexes, and throws CLOUD_CANCELLED', async () => {
    h = await harness({ service: { settings: { ...FAST, uploadConcurrency: 1 } } });
    const media = await makeLibrary(join(h.dir, 'p'), Array.from({ length: 12 }, (_, i) => `alice_${String(i).padStart(2, '0')}.jpg`));
    const ac = new AbortController();
    const e = await rejection(
      h.service.push({ media }, {
        signal: ac.signal,
        onProgress: (p) => {
          if (p.phase === 'upload' && p.done === 3) ac.abort();
        },
      }),
    );
    expect(e.code).toBe('CLOUD_CANCELLED');
    const uploaded = h.emu.objects.get('test-bucket')!.size;
    expect(uploaded).toBeGreaterThanOrEqual(3);
    expect(uploaded).toBeLessThan(12);
    expect(h.emu.callsOf('BatchIndexFileMeta')).toHaveLength(0);
    expect(h.emu.callsOf('CreateFigureClusteringTask')).toHaveLength(0);

    // The next push resumes: the uploaded files are skipped by hash.
    const again = await h.service.push({ media, skipClustering: true });
    expect(again.skipped).toBe(uploaded);
    expect(again.uploaded).toBe(12 - uploaded);
    expect(again.indexed).toBe(12);
  });

  it('aborting while polling a task cancels the wait', async () => {
    h = await harness({ emulator: { taskRunningPolls: 1000 } });
    const [m] = await makeLibrary(join(h.dir, 'p'), ['alice_01.jpg']);
    const ac = new AbortController();
    const e = await rejection(h.service.push({ media: [m!] }, { signal: ac.signal, onProgress: (p) => p.phase === 'poll' && ac.abort() }));
    expect(e.code).toBe('CLOUD_CANCELLED');
  });
});

describe('the emulator checks what it is sent (so passing tests mean signed requests)', () => {
  it('refuses a tampered parameter, a replayed nonce and a stale date', async () => {
    h = await harness();
    const url = new URL(h.emu.url);
    const send = async (query: Record<string, string>, opts: { nonce?: string; date?: Date; tamper?: boolean } = {}) => {
      const s = signAcs3({ method: 'POST', host: url.host, query, action: 'ListTasks', version: '2020-09-30', credentials: KEY, ...(opts.nonce ? { nonce: opts.nonce } : {}), ...(opts.date ? { date: opts.date } : {}) });
      const { host: _host, ...headers } = s.headers;
      const qs = opts.tamper ? s.queryString.replace('test-project', 'other-project') : s.queryString;
      const res = await fetch(`${h!.emu.url}/?${qs}`, { method: 'POST', headers });
      return { status: res.status, body: (await res.json()) as { Code?: string } };
    };
    expect((await send({ ProjectName: 'test-project' })).status).toBe(200);
    expect((await send({ ProjectName: 'test-project' }, { tamper: true })).body.Code).toBe('SignatureDoesNotMatch');
    expect((await send({ ProjectName: 'test-project' }, { nonce: 'fixed-nonce-1' })).status).toBe(200);
    expect((await send({ ProjectName: 'test-project' }, { nonce: 'fixed-nonce-1' })).body.Code).toBe('SignatureNonceUsed');
    expect((await send({ ProjectName: 'test-project' }, { date: new Date(Date.now() - 20 * 60_000) })).body.Code).toBe('InvalidTimeStamp.Expired');
  });
});
