/**
 * Credential storage: encrypted at rest (OS encryptor when the shell provides one, otherwise
 * AES-256-GCM with a separate key file), 0600 files, never in plaintext on disk, never in the
 * summary the renderer sees, gone after erase(), and scrubbed from messages by redact().
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialStore, redact } from '../../src-main/engine/cloud/credentials';
import type { StringEncryptor } from '../../src-main/engine/cloud/credentials';
import { maskAccessKeyId } from '../../src-main/engine/cloud/redact';
import { KEY, STS_KEY, removeDir, tempDir } from './helpers';

/** Stands in for Electron safeStorage: real encryption with a key the "OS" keeps in memory. */
function fakeSafeStorage(available = true): StringEncryptor & { key: Buffer } {
  const key = randomBytes(32);
  return {
    key,
    isEncryptionAvailable: () => available,
    encryptString(s: string): Buffer {
      const iv = randomBytes(16);
      const c = createCipheriv('aes-256-cbc', key, iv);
      return Buffer.concat([iv, c.update(s, 'utf8'), c.final()]);
    },
    decryptString(b: Buffer): string {
      const d = createDecipheriv('aes-256-cbc', key, b.subarray(0, 16));
      return Buffer.concat([d.update(b.subarray(16)), d.final()]).toString('utf8');
    },
  };
}

const posix = process.platform !== 'win32';

describe('CredentialStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => removeDir(dir));

  it('falls back to an AES-256-GCM file plus a separate key file, both 0600, no plaintext', async () => {
    const store = new CredentialStore({ configDir: join(dir, 'cfg') });
    expect(store.protection()).toBe('file-aes-256-gcm');
    const summary = await store.save(STS_KEY);
    expect(summary).toMatchObject({ stored: true, protection: 'file-aes-256-gcm', hasSecurityToken: true, accessKeyIdMasked: 'STS.…d02' });
    expect(JSON.stringify(summary)).not.toContain(STS_KEY.accessKeySecret);
    const onDisk = await readFile(store.filePath, 'utf8');
    for (const secret of [STS_KEY.accessKeySecret, STS_KEY.securityToken, STS_KEY.accessKeyId]) expect(onDisk).not.toContain(secret);
    expect((await readFile(store.keyPath)).length).toBe(32);
    if (posix) {
      expect((await stat(store.filePath)).mode & 0o777).toBe(0o600);
      expect((await stat(store.keyPath)).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, 'cfg'))).mode & 0o777).toBe(0o700);
    }
    // A fresh store (a new process) reads them back.
    expect(await new CredentialStore({ configDir: join(dir, 'cfg') }).load()).toEqual(STS_KEY);
  });

  it('uses the OS encryptor when available and keeps no key file', async () => {
    const enc = fakeSafeStorage();
    const store = new CredentialStore({ configDir: dir, encryptor: enc });
    await store.save(KEY);
    expect((await store.describe()).protection).toBe('os-encryptor');
    await expect(stat(store.keyPath)).rejects.toThrow();
    expect(await readFile(store.filePath, 'utf8')).not.toContain(KEY.accessKeySecret);
    expect(await new CredentialStore({ configDir: dir, encryptor: enc }).load()).toEqual(KEY);
    // Without the OS keychain (e.g. a headless Linux session) the file cannot be opened.
    await expect(new CredentialStore({ configDir: dir, encryptor: fakeSafeStorage(false) }).load()).rejects.toMatchObject({ code: 'CLOUD_CREDENTIALS' });
  });

  it('refuses a tampered file or a lost key with CLOUD_CREDENTIALS', async () => {
    const store = new CredentialStore({ configDir: dir });
    await store.save(KEY);
    const env = JSON.parse(await readFile(store.filePath, 'utf8')) as { data: string };
    const bytes = Buffer.from(env.data, 'base64');
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    await writeFile(store.filePath, JSON.stringify({ ...env, data: bytes.toString('base64') }));
    await expect(new CredentialStore({ configDir: dir }).load()).rejects.toMatchObject({ code: 'CLOUD_CREDENTIALS' });
    await store.save(KEY);
    await writeFile(store.keyPath, randomBytes(32));
    await expect(new CredentialStore({ configDir: dir }).load()).rejects.toMatchObject({ code: 'CLOUD_CREDENTIALS', message: expect.stringMatching(/Enter them again/) });
  });

  it('restores 0600 on a file someone opened up', async () => {
    if (!posix) return;
    const store = new CredentialStore({ configDir: dir });
    await store.save(KEY);
    await chmod(store.filePath, 0o644);
    await chmod(store.keyPath, 0o644);
    await new CredentialStore({ configDir: dir }).load();
    expect((await stat(store.filePath)).mode & 0o777).toBe(0o600);
    expect((await stat(store.keyPath)).mode & 0o777).toBe(0o600);
  });

  it('erase() removes the file and the key and forgets the cache', async () => {
    const store = new CredentialStore({ configDir: dir });
    await store.save(KEY);
    await store.erase();
    expect(await readdir(dir)).toEqual([]);
    expect(await store.load()).toBeNull();
    expect(await store.describe()).toEqual({ stored: false });
  });

  it('validates what it is given', async () => {
    const store = new CredentialStore({ configDir: dir });
    await expect(store.save({ accessKeyId: 'bad id!', accessKeySecret: 'x'.repeat(30) })).rejects.toMatchObject({ code: 'CLOUD_CREDENTIALS' });
    await expect(store.save({ accessKeyId: KEY.accessKeyId, accessKeySecret: 'has space inside' })).rejects.toMatchObject({ code: 'CLOUD_CREDENTIALS' });
  });
});

describe('redact', () => {
  it('removes registered secrets, Authorization values, signatures and tokens', async () => {
    const dir = await tempDir();
    try {
      await new CredentialStore({ configDir: dir }).save(STS_KEY);
      const text = [
        `secret ${STS_KEY.accessKeySecret} token ${STS_KEY.securityToken}`,
        'Authorization: ACS3-HMAC-SHA256 Credential=LTAIabc,SignedHeaders=host,Signature=deadbeef',
        'authorization: OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=abc',
        'Authorization: OSS LTAI5tAbcdefgh:kSHKmLxlyEAKtZPkJhG9bZb5k7M=',
        'https://b.oss-cn-hangzhou.aliyuncs.com/k?x-oss-credential=ak%2F2023&x-oss-signature=0123abcd&x-oss-security-token=CAIS123',
        '<Error><StringToSign>PUT\n\n/b/k</StringToSign></Error>',
        '{"accessKeySecret":"plain-secret-in-json"}',
      ].join('\n');
      const out = redact(text);
      for (const leaked of [STS_KEY.accessKeySecret, STS_KEY.securityToken, 'deadbeef', 'kSHKmLxlyEAKtZPkJhG9bZb5k7M=', '0123abcd', 'CAIS123', 'plain-secret-in-json', '/b/k']) {
        expect(out).not.toContain(leaked);
      }
      expect(out).toContain('[redacted]');
      expect(redact('nothing secret here')).toBe('nothing secret here');
      expect(maskAccessKeyId('LTAI5tAbCdEfGh12')).toBe('LTAI…h12');
    } finally {
      await removeDir(dir);
    }
  });
});
