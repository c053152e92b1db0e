/**
 * Quick content hash: what it tells apart (size, start, middle, end) and — documented, not a bug — what it
 * cannot see (a same-size edit between the samples), plus the full streaming hash.
 */
import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fullHash, quickHash } from '../../src-main/engine/library/content-hash';
import { tempDir } from '../helpers/paths';

const SAMPLE = 64 * 1024;

function variant(base: Buffer, at: number): Buffer {
  const b = Buffer.from(base);
  b[at] = b[at]! ^ 0xff;
  return b;
}

describe('quickHash', () => {
  const dir = tempDir('hash');
  const base = randomBytes(1024 * 1024); // 1 MiB: 64 KiB samples at 0, ~480 KiB and 960 KiB
  const file = (name: string, data: Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, data);
    return p;
  };

  it('is the same for a copy and a renamed file, and reports the size and mtime it hashed', async () => {
    const a = file('a.jpg', base);
    const b = join(dir, 'b.jpg');
    copyFileSync(a, b);
    const c = join(dir, 'renamed.jpg');
    renameSync(b, c);
    const qa = await quickHash(a);
    expect(qa.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(qa.size).toBe(base.length);
    expect(qa.mtimeMs).toBeGreaterThan(0);
    expect((await quickHash(c)).hash).toBe(qa.hash);
  });

  it('tells apart same-size files differing at the start, in the middle or at the end', async () => {
    const h0 = (await quickHash(file('base.bin', base))).hash;
    const middle = Math.floor((base.length - SAMPLE) / 2) + 100;
    const hashes = await Promise.all(
      [5, middle, base.length - 1].map(async (at, i) => (await quickHash(file(`v${i}.bin`, variant(base, at)))).hash),
    );
    for (const h of hashes) expect(h).not.toBe(h0);
    expect(new Set(hashes).size).toBe(3);
  });

  it('tells apart files of different sizes even when every sample is equal', async () => {
    const longer = Buffer.concat([base.subarray(0, 500_000), Buffer.alloc(1), base.subarray(500_000)]);
    // Same first and last 64 KiB; the size differs.
    expect((await quickHash(file('l1.bin', base))).hash).not.toBe((await quickHash(file('l2.bin', longer))).hash);
  });

  it('cannot see a same-size edit between the samples (the documented trade-off); fullHash can', async () => {
    const between = SAMPLE + 1000; // after the first sample, long before the middle one
    const a = file('same-a.bin', base);
    const b = file('same-b.bin', variant(base, between));
    expect((await quickHash(a)).hash).toBe((await quickHash(b)).hash);
    expect(await fullHash(a)).not.toBe(await fullHash(b));
  });

  it('hashes small files whole, so any byte counts', async () => {
    const small = randomBytes(3 * SAMPLE - 10);
    const a = file('s1.png', small);
    const b = file('s2.png', variant(small, SAMPLE + 5));
    expect((await quickHash(a)).hash).not.toBe((await quickHash(b)).hash);
    expect((await quickHash(file('empty.jpg', Buffer.alloc(0)))).size).toBe(0);
  });

  it('fullHash is the plain SHA-256 of the bytes', async () => {
    const p = file('full.bin', base);
    expect(await fullHash(p)).toBe(createHash('sha256').update(base).digest('hex'));
  });

  it('gives FILE_VANISHED for a listed file that is gone, and FILE_UNREADABLE for a folder', async () => {
    await expect(quickHash(join(dir, 'gone.jpg'))).rejects.toMatchObject({ code: 'FILE_VANISHED' });
    await expect(fullHash(join(dir, 'gone.jpg'))).rejects.toMatchObject({ code: 'FILE_VANISHED' });
    await expect(quickHash(dir)).rejects.toMatchObject({ code: 'FILE_UNREADABLE' });
  });
});
