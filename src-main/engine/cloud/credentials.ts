/**
 * Where the AccessKey (and optional STS token) lives between sessions.
 *
 * - In the Electron app the engine (a utility process, which has no safeStorage of its own) gets an
 *   encryptor that asks main's Electron safeStorage over the MessagePort: the OS keeps the key
 *   (macOS Keychain, Windows DPAPI, libsecret/kwallet on Linux), so the file on disk is useless
 *   without the user's login session. Such an encryptor answers asynchronously.
 * - In CLI/web mode there is no such service without a native dependency, so the fallback is a
 *   0600 file encrypted with AES-256-GCM under a random key kept in a separate 0600 key file. That
 *   only protects against casual reading, a copied config file or a backup that skips the key file;
 *   anyone who can read both files as this user (any local process running as them) can decrypt.
 *
 * The secret never leaves this module except to sign requests: describe() is what the UI may show.
 * This file never imports electron; the shell adapts safeStorage to StringEncryptor.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CloudError } from './cloud-error';
import { forgetSecrets, maskAccessKeyId, redact, registerSecret } from './redact';

export { redact } from './redact';

/**
 * The subset of Electron's safeStorage the store needs. Every method may also answer a promise: the
 * app's engine reaches safeStorage in the main process over a MessagePort.
 */
export interface StringEncryptor {
  isEncryptionAvailable(): boolean | Promise<boolean>;
  encryptString(plainText: string): Buffer | Promise<Buffer>;
  decryptString(encrypted: Buffer): string | Promise<string>;
}

export interface CloudCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export type CredentialProtection = 'os-encryptor' | 'file-aes-256-gcm';

/** What the UI may know about stored credentials: never the secret or the token. */
export interface CredentialSummary {
  stored: boolean;
  accessKeyIdMasked?: string;
  hasSecurityToken?: boolean;
  protection?: CredentialProtection;
  savedAt?: string;
}

export const CREDENTIALS_FILE = 'cloud-credentials.json';
export const KEY_FILE = 'cloud-credentials.key';

interface Envelope {
  version: 1;
  protection: CredentialProtection;
  savedAt: string;
  accessKeyIdMasked: string;
  hasSecurityToken: boolean;
  /** base64 ciphertext of the JSON credentials. */
  data: string;
  iv?: string;
  tag?: string;
}

const ACCESS_KEY_ID_RE = /^[A-Za-z0-9._-]{6,128}$/;

export function validateCredentials(c: CloudCredentials): void {
  if (!ACCESS_KEY_ID_RE.test(c.accessKeyId)) throw new CloudError('CLOUD_CREDENTIALS', 'The AccessKey id looks malformed.', { service: 'local' });
  if (!c.accessKeySecret || c.accessKeySecret.length < 6 || /\s/.test(c.accessKeySecret)) {
    throw new CloudError('CLOUD_CREDENTIALS', 'The AccessKey secret looks malformed.', { service: 'local' });
  }
  if (c.securityToken !== undefined && (c.securityToken.length < 8 || /\s/.test(c.securityToken))) {
    throw new CloudError('CLOUD_CREDENTIALS', 'The STS security token looks malformed.', { service: 'local' });
  }
}

/** An encryptor's failure, for a message: the CloudError constructor redacts registered secrets. */
function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function writePrivate(path: string, data: string | Buffer): Promise<void> {
  // Write-then-rename so a crash never leaves half a file; mode applies at creation, chmod covers
  // the case of a pre-existing file with wider permissions. (Windows ignores POSIX modes; the
  // per-user profile directory is what protects the file there.)
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, data, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}

export interface CredentialStoreOptions {
  /** The library's (or app's) config folder. Created with mode 0700 if missing. */
  configDir: string;
  /** Electron safeStorage or equivalent; when absent or unavailable the AES file fallback is used. */
  encryptor?: StringEncryptor;
}

export class CredentialStore {
  private cached: CloudCredentials | null | undefined;

  constructor(private readonly opts: CredentialStoreOptions) {}

  get filePath(): string {
    return join(this.opts.configDir, CREDENTIALS_FILE);
  }

  get keyPath(): string {
    return join(this.opts.configDir, KEY_FILE);
  }

  /** Which protection save() will use now. */
  async protection(): Promise<CredentialProtection> {
    return (await this.encryptorAvailable()) ? 'os-encryptor' : 'file-aes-256-gcm';
  }

  /** An encryptor that cannot even say whether it works counts as unavailable. */
  private async encryptorAvailable(): Promise<boolean> {
    if (!this.opts.encryptor) return false;
    try {
      return (await this.opts.encryptor.isEncryptionAvailable()) === true;
    } catch {
      return false;
    }
  }

  async save(creds: CloudCredentials): Promise<CredentialSummary> {
    const clean: CloudCredentials = {
      accessKeyId: creds.accessKeyId.trim(),
      accessKeySecret: creds.accessKeySecret.trim(),
      ...(creds.securityToken?.trim() ? { securityToken: creds.securityToken.trim() } : {}),
    };
    validateCredentials(clean);
    // Registered first, so that no error message below (an encryptor's included) can carry them.
    registerSecret(clean.accessKeySecret);
    registerSecret(clean.securityToken);
    await mkdir(this.opts.configDir, { recursive: true, mode: 0o700 });
    const plain = JSON.stringify(clean);
    const protection = await this.protection();
    const base = {
      version: 1 as const,
      protection,
      savedAt: new Date().toISOString(),
      accessKeyIdMasked: maskAccessKeyId(clean.accessKeyId),
      hasSecurityToken: !!clean.securityToken,
    };
    let envelope: Envelope;
    if (protection === 'os-encryptor') {
      let encrypted: Buffer;
      try {
        encrypted = Buffer.from(await this.opts.encryptor!.encryptString(plain));
      } catch (e) {
        // Not silently downgraded to the file fallback: the user is told, and nothing is written.
        throw new CloudError('CLOUD_CREDENTIALS', `The system keychain could not encrypt the credentials, so they were not saved: ${messageOf(e)}`, { service: 'local' });
      }
      envelope = { ...base, data: encrypted.toString('base64') };
      // A key file left from an earlier fallback session has nothing to protect any more.
      await rm(this.keyPath, { force: true });
    } else {
      const key = await this.fileKey(true);
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      envelope = { ...base, data: data.toString('base64'), iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
    }
    await writePrivate(this.filePath, JSON.stringify(envelope, null, 2));
    this.cached = clean;
    return this.summaryOf(envelope);
  }

  /** The stored credentials, or null when none are saved. Throws CLOUD_CREDENTIALS when unreadable. */
  async load(): Promise<CloudCredentials | null> {
    if (this.cached !== undefined) return this.cached;
    const envelope = await this.readEnvelope();
    if (!envelope) {
      this.cached = null;
      return null;
    }
    let plain: string;
    try {
      if (envelope.protection === 'os-encryptor') {
        if (!this.opts.encryptor || !(await this.encryptorAvailable())) {
          throw new CloudError(
            'CLOUD_CREDENTIALS',
            'The AccessKey was stored by the desktop app with the system keychain, which is not available here (for example in CLI or web mode, or without a keyring). Enter the credentials again here.',
            { service: 'local' },
          );
        }
        try {
          plain = String(await this.opts.encryptor.decryptString(Buffer.from(envelope.data, 'base64')));
        } catch (e) {
          throw new CloudError('CLOUD_CREDENTIALS', `The system keychain could not decrypt the saved cloud credentials (${messageOf(e)}). Enter them again.`, { service: 'local' });
        }
      } else {
        const key = await this.fileKey(false);
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv ?? '', 'base64'));
        decipher.setAuthTag(Buffer.from(envelope.tag ?? '', 'base64'));
        plain = Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()]).toString('utf8');
      }
    } catch (e) {
      if (e instanceof CloudError) throw e;
      throw new CloudError('CLOUD_CREDENTIALS', 'The saved cloud credentials cannot be decrypted (key file missing or changed). Enter them again.', { service: 'local' }, { cause: e });
    }
    let parsed: CloudCredentials;
    try {
      parsed = JSON.parse(plain) as CloudCredentials;
    } catch {
      // No cause: JSON.parse's message quotes the text, which may hold the secret.
      throw new CloudError('CLOUD_CREDENTIALS', 'The saved cloud credentials decrypted to something unreadable. Enter them again.', { service: 'local' });
    }
    validateCredentials(parsed);
    registerSecret(parsed.accessKeySecret);
    registerSecret(parsed.securityToken);
    this.cached = parsed;
    return parsed;
  }

  async has(): Promise<boolean> {
    return (await this.readEnvelope()) !== null;
  }

  /** Safe to hand to the renderer: no secret, no token. Reads only the plaintext header of the file. */
  async describe(): Promise<CredentialSummary> {
    const env = await this.readEnvelope();
    return env ? this.summaryOf(env) : { stored: false };
  }

  /** Removes the credentials and the key file, and forgets them in memory. */
  async erase(): Promise<void> {
    await rm(this.filePath, { force: true });
    await rm(this.keyPath, { force: true });
    this.cached = null;
    forgetSecrets();
  }

  private summaryOf(env: Envelope): CredentialSummary {
    return { stored: true, accessKeyIdMasked: env.accessKeyIdMasked, hasSecurityToken: env.hasSecurityToken, protection: env.protection, savedAt: env.savedAt };
  }

  private async readEnvelope(): Promise<Envelope | null> {
    let text: string;
    try {
      text = await readFile(this.filePath, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new CloudError('CLOUD_CREDENTIALS', `The credentials file cannot be read: ${redact((e as Error).message)}`, { service: 'local' }, { cause: e });
    }
    await this.tightenMode(this.filePath);
    try {
      const env = JSON.parse(text) as Envelope;
      if (env.version !== 1 || typeof env.data !== 'string') throw new Error('unknown format');
      return env;
    } catch (e) {
      throw new CloudError('CLOUD_CREDENTIALS', 'The credentials file is damaged. Enter the credentials again.', { service: 'local' }, { cause: e });
    }
  }

  /** A file someone made group/world readable gets its 0600 back (POSIX only). */
  private async tightenMode(path: string): Promise<void> {
    if (process.platform === 'win32') return;
    try {
      const s = await stat(path);
      if ((s.mode & 0o077) !== 0) await chmod(path, 0o600);
    } catch {
      /* best effort */
    }
  }

  private async fileKey(create: boolean): Promise<Buffer> {
    try {
      await this.tightenMode(this.keyPath);
      const key = await readFile(this.keyPath);
      if (key.length !== 32) throw new Error('bad key length');
      return key;
    } catch (e) {
      if (!create) throw e;
    }
    // Saving replaces the credentials whole, so a missing or damaged key is simply renewed.
    const key = randomBytes(32);
    await writePrivate(this.keyPath, key);
    return key;
  }
}
