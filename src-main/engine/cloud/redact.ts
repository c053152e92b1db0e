/**
 * Scrubs secrets out of text before it reaches a log, an error message or the renderer. Service
 * error bodies echo request fragments (OSS returns the StringToSign and the AccessKeyId on a
 * signature mismatch), and URLs carry presigned signatures, so every message leaving the cloud
 * module goes through here.
 */

const REPLACEMENT = '[redacted]';

/** Secret values registered by the credential store for the life of the process (never persisted). */
const knownSecrets = new Set<string>();

/** Remembers a secret value so redact() removes it verbatim wherever it shows up. */
export function registerSecret(value: string | undefined): void {
  // Short values would scrub ordinary words out of messages; real secrets are long.
  if (value && value.length >= 8) knownSecrets.add(value);
}

export function forgetSecrets(): void {
  knownSecrets.clear();
}

const PATTERNS: Array<[RegExp, string]> = [
  // ACS3 / OSS4 Authorization header bodies.
  [/(ACS3-HMAC-SHA256|OSS4-HMAC-SHA256)\s+[^\s"'<]+/g, `$1 ${REPLACEMENT}`],
  // OSS V1 header: "OSS <AccessKeyId>:<signature>".
  [/\bOSS\s+[A-Za-z0-9._-]{8,}:[A-Za-z0-9+/=]{10,}/g, `OSS ${REPLACEMENT}`],
  // Signatures and tokens in query strings or header dumps.
  [/\b(Signature|x-oss-signature|x-oss-security-token|security-token|SecurityToken|x-acs-security-token|OSSAccessKeyId|x-oss-credential|AccessKeySecret|accessKeySecret)(["']?\s*[:=]\s*["']?)[^&\s"'<,}]+/gi, `$1$2${REPLACEMENT}`],
  // OSS error bodies echo what was signed; the string itself is harmless but noisy and may hold ids.
  [/<StringToSign(Bytes)?>[\s\S]*?<\/StringToSign(Bytes)?>/g, `<StringToSign>${REPLACEMENT}</StringToSign>`],
  [/<CanonicalRequest>[\s\S]*?<\/CanonicalRequest>/g, `<CanonicalRequest>${REPLACEMENT}</CanonicalRequest>`],
];

/**
 * Returns `text` with secrets removed: registered secret values, the extra `secrets` given, and
 * anything shaped like a signature, token or Authorization value. AccessKey ids are kept but
 * shortened (they identify, they do not authorize), so a person can still tell which key failed.
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let out = text;
  const values = [...knownSecrets, ...secrets.filter((s): s is string => !!s && s.length >= 4)];
  // Longest first so a secret that contains another is removed whole.
  for (const v of values.sort((a, b) => b.length - a.length)) out = out.split(v).join(REPLACEMENT);
  for (const [re, rep] of PATTERNS) out = out.replace(re, rep);
  return out;
}

/** "LTAI5tAbCdEfGh12" -> "LTAI…h12": enough to recognise a key in the UI, not enough to use it. */
export function maskAccessKeyId(id: string): string {
  if (id.length <= 7) return '…';
  return `${id.slice(0, 4)}…${id.slice(-3)}`;
}
