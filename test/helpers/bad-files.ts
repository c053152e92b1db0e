/** Broken inputs every door must survive: each maps to its own error code. */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { FIXTURES } from './paths';

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td) >>> 0);
  return Buffer.concat([len, td, crc]);
}

/** A valid PNG header claiming width x height pixels with almost no data: a decompression bomb. */
export function bombPng(width = 30000, height = 30000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(64))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Writes one of each bad file into dir; returns their paths with the error code each must raise. */
export function writeBadFiles(dir: string): { path: string; code: string }[] {
  const empty = join(dir, 'empty.jpg');
  writeFileSync(empty, Buffer.alloc(0));
  const text = join(dir, 'notes.jpg');
  writeFileSync(text, 'these are my holiday notes, not a photo\n');
  const src = readFileSync(join(FIXTURES, 'groups', 'two_people.jpg'));
  const truncated = join(dir, 'truncated.jpg');
  writeFileSync(truncated, src.subarray(0, Math.floor(src.length / 2)));
  const bomb = join(dir, 'bomb.png');
  writeFileSync(bomb, bombPng());
  const good = join(dir, 'good.jpg');
  copyFileSync(join(FIXTURES, 'groups', 'two_people.jpg'), good);
  return [
    { path: empty, code: 'FILE_EMPTY' },
    { path: text, code: 'NOT_AN_IMAGE' },
    { path: truncated, code: 'IMAGE_CORRUPT' },
    { path: bomb, code: 'IMAGE_TOO_LARGE' },
    { path: join(dir, 'missing.jpg'), code: 'FILE_NOT_FOUND' },
  ];
}
