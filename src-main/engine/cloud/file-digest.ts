/**
 * MD5 (for OSS Content-MD5) and SHA-256 (the content hash stored in object metadata) of a file in
 * one streaming pass, so a large video is never held in memory.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export interface FileDigest {
  size: number;
  md5Base64: string;
  sha256Hex: string;
}

export async function digestFile(path: string, signal?: AbortSignal): Promise<FileDigest> {
  const md5 = createHash('md5');
  const sha = createHash('sha256');
  let size = 0;
  const stream = createReadStream(path, signal ? { signal } : {});
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    md5.update(chunk);
    sha.update(chunk);
    size += chunk.length;
  }
  return { size, md5Base64: md5.digest('base64'), sha256Hex: sha.digest('hex') };
}
