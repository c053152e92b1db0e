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

/**
 * The app's engine reaching main's safeStorage over a port: every answer is a promise that settles
 * later, and `fail` makes main refuse (as when safeStorage throws or main does not answer).
 */
function asyncSafeStorage(inner = fakeSafeStorage()): StringEncryptor & { calls: string[]; fail: Partial<Record<'encrypt' | 'decrypt', string>> } {
  const later = <T>(f: () => T): Promise<T> => new Promise((resolve, reject) => setTimeout(() => {
    try {
      resolve(f());
    } catch (e) {
      reject(e);
    }
  }, 5));
  const enc = {
    calls: [] as string[],
    fail: {} as Partial<Record<'encrypt' | 'decrypt', string>>,
    isEncryptionAvailable: () => later(() => true),
    encryptString: (s: string) => later(() => {
      enc.calls.push('encrypt');
      if (enc.fail.encrypt) throw new Error(enc.fail.encrypt);
      return inner.encryptString(s) as Buffer;
    }),
    decryptString: (b: Buffer) => later(() => {
      enc.calls.push('decrypt');
      if (enc.fail.decrypt) throw new Error(enc.fail.decrypt);
      return inner.decryptString(b) as string;
    }),
  };
  return enc;
}

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
    expect(await store.protection()).toBe('file-aes-256-gcm');
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
    await expect(new CredentialStore({ configDir: dir, encryptor: fakeSafeStorage(false) }).load()).rejects.toMatchObject({
      code: 'CLOUD_CREDENTIALS',
      message: expect.stringMatching(/system keychain, which is not available here/),
    });
  });

  it('works with an encryptor that answers asynchronously (main\'s safeStorage over a port)', async () => {
    const enc = asyncSafeStorage();
    const store = new CredentialStore({ configDir: dir, encryptor: enc });
    expect(await store.protection()).toBe('os-encryptor');
    expect(await store.save(STS_KEY)).toMatchObject({ stored: true, protection: 'os-encryptor', hasSecurityToken: true });
    const onDisk = await readFile(store.filePath, 'utf8');
    for (const secret of [STS_KEY.accessKeySecret, STS_KEY.securityToken]) expect(onDisk).not.toContain(secret);
    await expect(stat(store.keyPath)).rejects.toThrow();
    expect(await new CredentialStore({ configDir: dir, encryptor: enc }).load()).toEqual(STS_KEY);
    expect(enc.calls).toEqual(['encrypt', 'decrypt']);
  });

  it('tells a user opening the desktop app\'s credentials without its keychain (CLI mode) to enter them again', async () => {
    await new CredentialStore({ configDir: dir, encryptor: asyncSafeStorage() }).save(KEY);
    const cli = new CredentialStore({ configDir: dir });
    // The summary still says what is stored and how, without decrypting anything.
    expect(await cli.describe()).toMatchObject({ stored: true, protection: 'os-encryptor', accessKeyIdMasked: maskAccessKeyId(KEY.accessKeyId) });
    const err = await cli.load().then(() => null, (e: unknown) => e as Error & { code: string });
    expect(err).toMatchObject({ code: 'CLOUD_CREDENTIALS' });
    expect(err!.message).toMatch(/stored by the desktop app with the system keychain/);
    expect(err!.message).toMatch(/Enter the credentials again here/);
    // Saving again here replaces them with the file fallback, which this mode can read.
    expect(await cli.save(KEY)).toMatchObject({ protection: 'file-aes-256-gcm' });
    expect(await new CredentialStore({ configDir: dir }).load()).toEqual(KEY);
  });

  it('does not save, nor fall back silently, when the keychain fails to encrypt', async () => {
    const enc = asyncSafeStorage();
    enc.fail.encrypt = 'the app did not answer a system keychain request within 10 s';
    const store = new CredentialStore({ configDir: dir, encryptor: enc });
    await expect(store.save(KEY)).rejects.toMatchObject({ code: 'CLOUD_CREDENTIALS', message: expect.stringMatching(/could not encrypt the credentials, so they were not saved: the app did not answer/) });
    expect(await store.describe()).toEqual({ stored: false });
    await expect(stat(store.keyPath)).rejects.toThrow();
  });

  it('reports a keychain that cannot decrypt, without the plain text in the message', async () => {
    const enc = asyncSafeStorage();
    await new CredentialStore({ configDir: dir, encryptor: enc }).save(KEY);
    enc.fail.decrypt = 'Error while decrypting the ciphertext provided to safeStorage.decryptString.';
    await expect(new CredentialStore({ configDir: dir, encryptor: enc }).load()).rejects.toMatchObject({
      code: 'CLOUD_CREDENTIALS',
      message: expect.stringMatching(/system keychain could not decrypt the saved cloud credentials \(Error while decrypting/),
    });
    // A keychain answering something that is not the credentials: no JSON.parse message quoting it.
    const garbled: StringEncryptor = { isEncryptionAvailable: () => true, encryptString: (t) => Buffer.from(t), decryptString: () => '{"accessKeySecret":"Leaky-0123456789' };
    const err = await new CredentialStore({ configDir: dir, encryptor: garbled }).load().then(() => null, (e: unknown) => e as Error);
    expect(err).toMatchObject({ code: 'CLOUD_CREDENTIALS' });
    expect(String(err!.message) + String(err!.cause ?? '')).not.toContain('Leaky');
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
