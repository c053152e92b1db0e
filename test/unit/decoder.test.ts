/**
 * The decoder on real files: every fixture photo, every orientation, every container we accept, and the
 * inputs we must refuse with a precise error. Test images are generated with sharp (and heif-enc for HEIC,
 * since no HEVC encoder ships with sharp) into a temp folder.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../src-main/engine/errors';
import type { ErrorCode } from '../../src-main/engine/errors';
import { decodeImage, decodeRegion, probeImage } from '../../src-main/engine/vision/decoder';
import type { DecodedImage } from '../../src-main/engine/vision/decoder';
import { FIXTURES, tempDir } from '../helpers/paths';

const OPTS = { maxSide: 1600, maxPixels: 200_000_000 };
const GROUPS = join(FIXTURES, 'groups');
const PEOPLE = join(FIXTURES, 'people');

const fixturePhotos = [
  ...readdirSync(GROUPS).map((f) => join(GROUPS, f)),
  ...readdirSync(PEOPLE).flatMap((d) => readdirSync(join(PEOPLE, d)).map((f) => join(PEOPLE, d, f))),
].sort();

async function rejection(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    return e as EngineError;
  }
  throw new Error('expected the promise to reject');
}

async function expectCode(p: Promise<unknown>, code: ErrorCode, mentions?: string): Promise<EngineError> {
  const e = await rejection(p);
  expect(e.code, e.message).toBe(code);
  if (mentions !== undefined) expect(e.message).toContain(mentions);
  return e;
}

function pixel(img: { data: Buffer; width: number }, x: number, y: number): [number, number, number] {
  const i = (Math.floor(y) * img.width + Math.floor(x)) * 3;
  return [img.data[i] ?? -1, img.data[i + 1] ?? -1, img.data[i + 2] ?? -1];
}

function expectColor(actual: [number, number, number], expected: readonly number[], tolerance: number, where = ''): void {
  const diff = Math.max(...actual.map((v, i) => Math.abs(v - (expected[i] ?? 0))));
  expect(diff, `${where} got ${actual.join(',')} want ${expected.join(',')}`).toBeLessThanOrEqual(tolerance);
}

// ---------------------------------------------------------------------------------------------------------
// An asymmetric test card: 3 x 2 blocks of 16 px, six saturated colours. Any of the 8 orientations puts the
// blocks somewhere distinct, so sampling block centres tells exactly which transform was applied.

const BLOCK = 16;
const COLS = 3;
const ROWS = 2;
const CARD_W = COLS * BLOCK;
const CARD_H = ROWS * BLOCK;
const PALETTE = [
  [230, 20, 20],
  [20, 200, 20],
  [20, 20, 230],
  [230, 230, 20],
  [230, 20, 230],
  [20, 230, 230],
] as const;

function card(): Buffer {
  const buf = Buffer.alloc(CARD_W * CARD_H * 3);
  for (let y = 0; y < CARD_H; y++) {
    for (let x = 0; x < CARD_W; x++) {
      const c = PALETTE[Math.floor(y / BLOCK) * COLS + Math.floor(x / BLOCK)] ?? [0, 0, 0];
      buf.set(c, (y * CARD_W + x) * 3);
    }
  }
  return buf;
}

const cardSharp = (): sharp.Sharp => sharp(card(), { raw: { width: CARD_W, height: CARD_H, channels: 3 } });

/**
 * Where stored pixel (x, y) of a w x h image is shown for each EXIF orientation, straight from the EXIF
 * table ("row 0 is the visual top/bottom/left/right, column 0 the visual left/right/top/bottom").
 */
function display(o: number, x: number, y: number, w: number, h: number): [number, number] {
  switch (o) {
    case 1: return [x, y];
    case 2: return [w - 1 - x, y];
    case 3: return [w - 1 - x, h - 1 - y];
    case 4: return [x, h - 1 - y];
    case 5: return [y, x];
    case 6: return [h - 1 - y, x];
    case 7: return [h - 1 - y, w - 1 - x];
    case 8: return [y, w - 1 - x];
    default: throw new Error(`bad orientation ${o}`);
  }
}

/** Whether the decoded card shows the blocks where orientation o puts them. */
function cardMatches(img: DecodedImage, o: number, tolerance: number): boolean {
  const swapped = o >= 5;
  if (img.width !== (swapped ? CARD_H : CARD_W) || img.height !== (swapped ? CARD_W : CARD_H)) return false;
  for (let r = 0; r < ROWS; r++) {
    for (let c = 0; c < COLS; c++) {
      const [u, v] = display(o, c * BLOCK + BLOCK / 2, r * BLOCK + BLOCK / 2, CARD_W, CARD_H);
      const want = PALETTE[r * COLS + c] ?? [];
      if (pixel(img, u, v).some((x, i) => Math.abs(x - (want[i] ?? 0)) > tolerance)) return false;
    }
  }
  return true;
}

function expectCardOriented(img: DecodedImage, o: number, tolerance: number, label: string): void {
  const swapped = o >= 5;
  expect([img.width, img.height], label).toEqual(swapped ? [CARD_H, CARD_W] : [CARD_W, CARD_H]);
  for (let r = 0; r < ROWS; r++) {
    for (let c = 0; c < COLS; c++) {
      const [u, v] = display(o, c * BLOCK + BLOCK / 2, r * BLOCK + BLOCK / 2, CARD_W, CARD_H);
      expectColor(pixel(img, u, v), PALETTE[r * COLS + c] ?? [], tolerance, `${label} block ${r},${c}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// HEIF box surgery for tests: add irot/imir properties to the primary item, shifting iloc offsets.

interface TBox { type: string; start: number; end: number }

function tboxes(b: Buffer, start: number, end: number): TBox[] {
  const out: TBox[] = [];
  for (let o = start; o + 8 <= end; ) {
    const size = b.readUInt32BE(o);
    if (size < 8) break;
    out.push({ type: b.toString('latin1', o + 4, o + 8), start: o, end: o + size });
    o += size;
  }
  return out;
}

function mkbox(type: string, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(8 + payload.length, 0);
  h.write(type, 4, 'latin1');
  return Buffer.concat([h, payload]);
}

function find(list: TBox[], type: string): TBox {
  const b = list.find((x) => x.type === type);
  if (!b) throw new Error(`no ${type} box`);
  return b;
}

function addHeifTransforms(src: Buffer, transforms: Array<{ type: 'irot' | 'imir'; value: number }>): Buffer {
  if (transforms.length === 0) return src;
  const top = tboxes(src, 0, src.length);
  const meta = find(top, 'meta');
  const metaKids = tboxes(src, meta.start + 12, meta.end);
  const pitm = find(metaKids, 'pitm');
  const primary = src[pitm.start + 8] === 0 ? src.readUInt16BE(pitm.start + 12) : src.readUInt32BE(pitm.start + 12);
  const iprp = find(metaKids, 'iprp');
  const iprpKids = tboxes(src, iprp.start + 8, iprp.end);
  const ipco = find(iprpKids, 'ipco');
  const ipma = find(iprpKids, 'ipma');
  const nProps = tboxes(src, ipco.start + 8, ipco.end).length;
  const newIpco = mkbox('ipco', Buffer.concat([src.subarray(ipco.start + 8, ipco.end), ...transforms.map((t) => mkbox(t.type, Buffer.from([t.value])))]));

  const version = src[ipma.start + 8] ?? 0;
  const wide = ((src[ipma.start + 11] ?? 0) & 1) === 1;
  let o = ipma.start + 12;
  const count = src.readUInt32BE(o);
  o += 4;
  const entries: Array<{ id: number; assoc: number[] }> = [];
  for (let i = 0; i < count; i++) {
    const id = version < 1 ? src.readUInt16BE(o) : src.readUInt32BE(o);
    o += version < 1 ? 2 : 4;
    const n = src[o++] ?? 0;
    const assoc: number[] = [];
    for (let k = 0; k < n; k++) {
      assoc.push(wide ? src.readUInt16BE(o) : (src[o] ?? 0));
      o += wide ? 2 : 1;
    }
    entries.push({ id, assoc });
  }
  const entry = entries.find((e) => e.id === primary);
  if (!entry) throw new Error('primary item has no properties');
  transforms.forEach((_, i) => entry.assoc.push((wide ? 0x8000 : 0x80) | (nProps + 1 + i)));
  const parts: Buffer[] = [src.subarray(ipma.start + 8, ipma.start + 12), Buffer.alloc(4)];
  parts[1]?.writeUInt32BE(entries.length);
  for (const e of entries) {
    const id = Buffer.alloc(version < 1 ? 2 : 4);
    if (version < 1) id.writeUInt16BE(e.id);
    else id.writeUInt32BE(e.id);
    parts.push(id, Buffer.from([e.assoc.length]));
    for (const a of e.assoc) {
      if (wide) {
        const ab = Buffer.alloc(2);
        ab.writeUInt16BE(a);
        parts.push(ab);
      } else {
        parts.push(Buffer.from([a]));
      }
    }
  }
  const newIpma = mkbox('ipma', Buffer.concat(parts));
  const newIprp = mkbox('iprp', Buffer.concat(iprpKids.map((k) => (k === ipco ? newIpco : k === ipma ? newIpma : src.subarray(k.start, k.end)))));
  const delta = newIprp.length - (iprp.end - iprp.start);
  const newKids = metaKids.map((k) => (k === iprp ? newIprp : Buffer.from(src.subarray(k.start, k.end))));

  // Items stored in mdat (construction method 0) move by delta: patch their file offsets.
  const iloc = newKids[metaKids.findIndex((k) => k.type === 'iloc')];
  if (!iloc) throw new Error('no iloc');
  const lv = iloc[8] ?? 0;
  let p = 12;
  const offSize = (iloc[p] ?? 0) >> 4;
  const lenSize = (iloc[p] ?? 0) & 15;
  const baseSize = (iloc[p + 1] ?? 0) >> 4;
  const idxSize = lv > 0 ? (iloc[p + 1] ?? 0) & 15 : 0;
  p += 2;
  const nItems = lv < 2 ? iloc.readUInt16BE(p) : iloc.readUInt32BE(p);
  p += lv < 2 ? 2 : 4;
  const shift = (at: number, size: number): void => {
    if (size === 4) iloc.writeUInt32BE(iloc.readUInt32BE(at) + delta, at);
    else if (size === 8) iloc.writeBigUInt64BE(iloc.readBigUInt64BE(at) + BigInt(delta), at);
  };
  for (let i = 0; i < nItems; i++) {
    p += lv < 2 ? 2 : 4;
    let method = 0;
    if (lv > 0) {
      method = iloc.readUInt16BE(p) & 15;
      p += 2;
    }
    p += 2;
    const baseAt = p;
    const base = baseSize === 4 ? iloc.readUInt32BE(p) : baseSize === 8 ? Number(iloc.readBigUInt64BE(p)) : 0;
    p += baseSize;
    const nExt = iloc.readUInt16BE(p);
    p += 2;
    if (method === 0 && base > 0) shift(baseAt, baseSize);
    for (let k = 0; k < nExt; k++) {
      p += idxSize;
      if (method === 0 && base === 0) shift(p, offSize);
      p += offSize + lenSize;
    }
  }
  const newMeta = mkbox('meta', Buffer.concat([src.subarray(meta.start + 8, meta.start + 12), ...newKids]));
  return Buffer.concat(top.map((t) => (t === meta ? newMeta : src.subarray(t.start, t.end))));
}

/** A 1x1 PNG whose IHDR claims width x height: a "decompression bomb" header with almost no data. */
function pngBomb(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(64))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---------------------------------------------------------------------------------------------------------

describe('decoder: fixture photos', () => {
  it.each(fixturePhotos.map((f) => [f.slice(FIXTURES.length + 1), f]))('decodes %s', async (_name, file) => {
    const meta = await sharp(file).metadata();
    const img = await decodeImage(file, OPTS);
    const oriented = meta.autoOrient;
    expect(img.format).toBe(meta.format);
    expect([img.originalWidth, img.originalHeight]).toEqual([oriented.width, oriented.height]);
    expect(img.data.length).toBe(img.width * img.height * 3);
    expect(Math.max(img.width, img.height)).toBeLessThanOrEqual(OPTS.maxSide);
    expect(img.scale).toBeLessThanOrEqual(1);
    expect(img.width).toBe(Math.round(img.originalWidth * img.scale));
    expect(Math.abs(img.height - img.originalHeight * img.scale)).toBeLessThanOrEqual(1);
    expect(img.orientation).toBe(meta.orientation ?? 1);
    // Not a grey or black frame: a real photo has spread.
    let min = 255;
    let max = 0;
    for (let i = 0; i < img.data.length; i += 97) {
      min = Math.min(min, img.data[i] ?? 0);
      max = Math.max(max, img.data[i] ?? 0);
    }
    expect(max - min).toBeGreaterThan(60);
  });

  it('applies the orientation tag of solvay1927.jpg and shrinks it to maxSide', async () => {
    const file = join(GROUPS, 'solvay1927.jpg');
    const meta = await sharp(file).metadata();
    expect(meta.orientation).toBeDefined();
    const img = await decodeImage(file, OPTS);
    expect(img.orientation).toBe(meta.orientation);
    expect([img.originalWidth, img.originalHeight]).toEqual([meta.autoOrient.width, meta.autoOrient.height]);
    expect(img.width).toBe(1600);
    expect(img.scale).toBeCloseTo(1600 / img.originalWidth, 6);
    const probe = await probeImage(file);
    expect(probe).toEqual({ width: meta.autoOrient.width, height: meta.autoOrient.height, orientation: meta.orientation, format: 'jpeg', hasAlpha: false });
  });

  it('decodes the 32-bit PNG with alpha to flat RGB', async () => {
    const file = join(GROUPS, '32bit.png');
    const img = await decodeImage(file, OPTS);
    expect([img.width, img.height, img.format]).toEqual([626, 1200, 'png']);
    expect(img.data.length).toBe(626 * 1200 * 3);
    expect((await probeImage(file)).hasAlpha).toBe(true);
  });

  it('turns single-channel grey PNG crops into RGB', async () => {
    const img = await decodeImage(join(PEOPLE, 'amy', 'amy_1.png'), OPTS);
    expect([img.width, img.height]).toEqual([150, 150]);
    for (let i = 0; i < img.data.length; i += 3 * 31) {
      expect(img.data[i]).toBe(img.data[i + 1]);
      expect(img.data[i + 1]).toBe(img.data[i + 2]);
    }
  });
});

describe('decoder: EXIF orientation', () => {
  const dir = tempDir('decoder-orient');

  it.each([1, 2, 3, 4, 5, 6, 7, 8])('JPEG with orientation %i comes out as a viewer shows it', async (o) => {
    const file = join(dir, `card-o${o}.jpg`);
    await cardSharp().jpeg({ quality: 95 }).withMetadata({ orientation: o }).toFile(file);
    const img = await decodeImage(file, OPTS);
    expect(img.orientation).toBe(o);
    expect(img.scale).toBe(1);
    expectCardOriented(img, o, 40, `jpeg o${o}`);
    const probe = await probeImage(file);
    expect([probe.width, probe.height, probe.orientation]).toEqual([img.width, img.height, o]);
  });

  it.each([
    ['png', (s: sharp.Sharp) => s.png()],
    ['webp', (s: sharp.Sharp) => s.webp({ lossless: true })],
    ['tiff', (s: sharp.Sharp) => s.tiff({ compression: 'lzw' })],
  ] as const)('%s with orientation 6 is rotated too', async (format, encode) => {
    const file = join(dir, `card-o6.${format}`);
    await encode(cardSharp()).withMetadata({ orientation: 6 }).toFile(file);
    const img = await decodeImage(file, OPTS);
    expect(img.format).toBe(format);
    expect(img.orientation).toBe(6);
    expectCardOriented(img, 6, 0, `${format} o6`);
  });

  it('shrinks in oriented coordinates: a 6-rotated 4000x3000 JPEG becomes 1200x1600', async () => {
    const file = join(dir, 'big-o6.jpg');
    await sharp(join(GROUPS, 'human_group-1.jpg')).resize(4000, 3000, { fit: 'fill' }).jpeg().withMetadata({ orientation: 6 }).toFile(file);
    const img = await decodeImage(file, OPTS);
    expect([img.width, img.height, img.originalWidth, img.originalHeight]).toEqual([1200, 1600, 3000, 4000]);
    expect(img.scale).toBeCloseTo(0.4, 6);
  });
});

describe('decoder: containers and pixel formats', () => {
  const dir = tempDir('decoder-formats');
  const photo = join(GROUPS, 'bbt1.jpg');
  let reference: DecodedImage;

  beforeAll(async () => {
    reference = await decodeImage(photo, { maxSide: 400, maxPixels: OPTS.maxPixels });
  });

  function meanAbsDiff(a: DecodedImage, b: DecodedImage): number {
    expect([a.width, a.height]).toEqual([b.width, b.height]);
    let sum = 0;
    for (let i = 0; i < a.data.length; i++) sum += Math.abs((a.data[i] ?? 0) - (b.data[i] ?? 0));
    return sum / a.data.length;
  }

  it.each([
    ['webp', (s: sharp.Sharp) => s.webp({ quality: 90 })],
    ['tiff', (s: sharp.Sharp) => s.tiff({ compression: 'lzw' })],
    ['avif', (s: sharp.Sharp) => s.avif({ quality: 70, effort: 0 })],
    ['png', (s: sharp.Sharp) => s.png()],
  ] as const)('decodes %s to the same picture as the JPEG', async (format, encode) => {
    const file = join(dir, `bbt1.${format}`);
    await encode(sharp(photo)).toFile(file);
    const img = await decodeImage(file, { maxSide: 400, maxPixels: OPTS.maxPixels });
    expect(img.format).toBe(format);
    expect([img.originalWidth, img.originalHeight]).toEqual([1366, 768]);
    expect(meanAbsDiff(img, reference)).toBeLessThan(6);
    expect((await probeImage(file)).format).toBe(format);
  });

  it('AVIF rotation (irot, written by libvips) is applied and reported as an EXIF code', async () => {
    const file = join(dir, 'card-o6.avif');
    await cardSharp().avif({ quality: 90, chromaSubsampling: '4:4:4' }).withMetadata({ orientation: 6 }).toFile(file);
    const img = await decodeImage(file, OPTS);
    expect(img.format).toBe('avif');
    expect(img.orientation).toBe(6);
    expectCardOriented(img, 6, 40, 'avif o6');
    expect((await probeImage(file)).orientation).toBe(6);
  });

  it('takes only the first frame of an animated GIF and WebP', async () => {
    const frames = Buffer.concat([Buffer.alloc(32 * 16 * 3, 0), Buffer.alloc(32 * 16 * 3, 0)]);
    for (let i = 0; i < 32 * 16; i++) {
      frames.set([220, 30, 30], i * 3); // frame 1 red
      frames.set([30, 30, 220], 32 * 16 * 3 + i * 3); // frame 2 blue
    }
    for (const format of ['gif', 'webp'] as const) {
      const file = join(dir, `anim.${format}`);
      const s = sharp(frames, { raw: { width: 32, height: 32, channels: 3, pageHeight: 16 } });
      await (format === 'gif' ? s.gif({ delay: [100, 100] }) : s.webp({ lossless: true, delay: [100, 100] })).toFile(file);
      expect((await sharp(file).metadata()).pages).toBe(2);
      const img = await decodeImage(file, OPTS);
      expect([img.width, img.height, img.format]).toEqual([32, 16, format]);
      expectColor(pixel(img, 16, 8), [220, 30, 30], 12, format);
      expect((await probeImage(file)).height).toBe(16);
    }
  });

  it('reduces a 16-bit PNG to exact 8-bit values', async () => {
    const file = join(dir, 'rgb16.png');
    await cardSharp().toColourspace('rgb16').png().toFile(file);
    expect((await sharp(file).metadata()).depth).toBe('ushort');
    const img = await decodeImage(file, OPTS);
    expect(img.data.equals(card())).toBe(true);
  });

  it('flattens alpha (8-bit and 16-bit) onto mid-grey', async () => {
    const rgba = Buffer.alloc(4 * 4 * 4);
    for (let i = 0; i < 16; i++) rgba.set([200, 40, 40, i < 8 ? 255 : 0], i * 4); // top half opaque red, bottom transparent
    rgba.set([0, 0, 255, 128], 0); // a half-transparent blue corner
    for (const [name, encode] of [
      ['rgba8.png', (s: sharp.Sharp) => s.png()],
      ['rgba16.png', (s: sharp.Sharp) => s.toColourspace('rgb16').png()],
      ['rgba.webp', (s: sharp.Sharp) => s.webp({ lossless: true })],
    ] as const) {
      const file = join(dir, name);
      await encode(sharp(rgba, { raw: { width: 4, height: 4, channels: 4 } })).toFile(file);
      expect((await probeImage(file)).hasAlpha).toBe(true);
      const img = await decodeImage(file, OPTS);
      expectColor(pixel(img, 3, 1), [200, 40, 40], 1, `${name} opaque`);
      expectColor(pixel(img, 2, 3), [128, 128, 128], 1, `${name} transparent`);
      expectColor(pixel(img, 0, 0), [64, 64, 191], 2, `${name} half`);
    }
  });

  it('converts CMYK JPEG to RGB', async () => {
    const file = join(dir, 'cmyk.jpg');
    await sharp(photo).toColourspace('cmyk').jpeg({ quality: 95 }).toFile(file);
    expect((await sharp(file).metadata()).space).toBe('cmyk');
    const img = await decodeImage(file, { maxSide: 400, maxPixels: OPTS.maxPixels });
    expect(meanAbsDiff(img, reference)).toBeLessThan(25);
  });

  it('decodes from a Buffer exactly as from a path', async () => {
    const a = await decodeImage(photo, OPTS);
    const b = await decodeImage(readFileSync(photo), OPTS);
    expect(b.data.equals(a.data)).toBe(true);
    expect({ ...b, data: null }).toEqual({ ...a, data: null });
  });
});

describe('decoder: speed (shrink-on-load)', () => {
  const dir = tempDir('decoder-speed');
  const big = join(dir, 'twelve-mp.jpg');

  beforeAll(async () => {
    await sharp(join(GROUPS, 'solvay1927.jpg')).resize(4000, 3000, { fit: 'fill' }).jpeg({ quality: 90 }).toFile(big);
  });

  async function median(fn: () => Promise<unknown>, n = 7): Promise<number> {
    await fn();
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await fn();
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b)[n >> 1] ?? Infinity;
  }

  it('decodes a 12 MP JPEG to 1600 px without decoding it at full size', async () => {
    const img = await decodeImage(big, OPTS);
    expect([img.width, img.height, img.originalWidth, img.originalHeight]).toEqual([1600, 1200, 4000, 3000]);
    expect(img.scale).toBeCloseTo(0.4, 6);
    const shrunk = await median(() => decodeImage(big, OPTS));
    const tiny = await median(() => decodeImage(big, { ...OPTS, maxSide: 500 }));
    const full = await median(() => decodeImage(big, { ...OPTS, maxSide: 4000 }));
    console.log(`[decoder] 12 MP JPEG -> 1600 px: ${shrunk.toFixed(1)} ms, -> 500 px: ${tiny.toFixed(1)} ms, full size: ${full.toFixed(1)} ms (medians)`);
    // At 1/8 the DCT skips most of the work (~20 ms against ~65 ms here); without shrink-on-load the two
    // would cost the same. The 1600 px bound is generous (~45 ms measured on 2 cores) to survive slow CI.
    expect(tiny).toBeLessThan(full * 0.7);
    expect(shrunk).toBeLessThan(500);
  });
});

describe('decoder: decodeRegion', () => {
  const dir = tempDir('decoder-region');
  const photo = join(GROUPS, 'human_group-1.jpg');

  it('returns the same pixels as a manual sharp extract, at full resolution', async () => {
    const region = { x: 500.4, y: 300.6, width: 200, height: 150 };
    const img = await decodeRegion(photo, region, { maxSide: 1000, maxPixels: OPTS.maxPixels });
    expect(img.region).toEqual({ x: 500, y: 300, width: 201, height: 151 });
    expect([img.width, img.height, img.scale]).toEqual([201, 151, 1]);
    expect([img.originalWidth, img.originalHeight]).toEqual([1920, 1440]);
    const manual = await sharp(photo).extract({ left: 500, top: 300, width: 201, height: 151 }).raw().toBuffer();
    let maxDiff = 0;
    for (let i = 0; i < manual.length; i++) maxDiff = Math.max(maxDiff, Math.abs((manual[i] ?? 0) - (img.data[i] ?? 0)));
    expect(maxDiff).toBeLessThanOrEqual(2);
  });

  it('resizes the crop to maxSide and reports the scale', async () => {
    const img = await decodeRegion(photo, { x: 100, y: 100, width: 400, height: 200 }, { maxSide: 100, maxPixels: OPTS.maxPixels });
    expect([img.width, img.height]).toEqual([100, 50]);
    expect(img.scale).toBeCloseTo(0.25, 6);
    const manual = await sharp(photo).extract({ left: 100, top: 100, width: 400, height: 200 }).resize(100, 50).raw().toBuffer();
    let sum = 0;
    for (let i = 0; i < manual.length; i++) sum += Math.abs((manual[i] ?? 0) - (img.data[i] ?? 0));
    expect(sum / manual.length).toBeLessThan(4);
  });

  it('works in oriented coordinates', async () => {
    const file = join(dir, 'card-o6.jpg');
    await cardSharp().jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toFile(file);
    // Oriented (6) the card is 32 wide, 48 tall; stored block (row 0, col 0) sits at the top right.
    const img = await decodeRegion(file, { x: 16, y: 0, width: 16, height: 16 }, OPTS);
    expect([img.width, img.height, img.originalWidth, img.originalHeight, img.orientation]).toEqual([16, 16, 32, 48, 6]);
    expectColor(pixel(img, 8, 8), PALETTE[0], 40, 'top-right block');
  });

  it('clips a region that runs off the image and refuses one outside it', async () => {
    const img = await decodeRegion(photo, { x: 1800, y: -50, width: 300, height: 100 }, OPTS);
    expect(img.region).toEqual({ x: 1800, y: 0, width: 120, height: 50 });
    await expectCode(decodeRegion(photo, { x: 5000, y: 0, width: 10, height: 10 }, OPTS), 'INVALID_ARGUMENT', photo);
    await expectCode(decodeRegion(photo, { x: 0, y: 0, width: Number.NaN, height: 10 }, OPTS), 'INVALID_ARGUMENT');
  });
});

describe('decoder: bad inputs', () => {
  const dir = tempDir('decoder-bad');

  it('reports a missing file', async () => {
    const file = join(dir, 'missing.jpg');
    await expectCode(decodeImage(file, OPTS), 'FILE_NOT_FOUND', file);
    await expectCode(probeImage(file), 'FILE_NOT_FOUND', file);
  });

  it('reports a directory as unreadable', async () => {
    const sub = join(dir, 'folder.jpg');
    mkdirSync(sub);
    await expectCode(decodeImage(sub, OPTS), 'FILE_UNREADABLE', sub);
  });

  it.skipIf(process.getuid?.() === 0)('reports a file without read permission (skipped as root: root reads anything)', async () => {
    const file = join(dir, 'locked.jpg');
    writeFileSync(file, readFileSync(join(GROUPS, 'bbt2.jpg')));
    chmodSync(file, 0o000);
    await expectCode(decodeImage(file, OPTS), 'FILE_UNREADABLE', file);
  });

  it('reports an empty file and an empty buffer', async () => {
    const file = join(dir, 'empty.jpg');
    writeFileSync(file, '');
    await expectCode(decodeImage(file, OPTS), 'FILE_EMPTY', file);
    await expectCode(decodeImage(Buffer.alloc(0), OPTS), 'FILE_EMPTY');
  });

  it('reports text and random bytes as not an image', async () => {
    const text = join(dir, 'notes.jpg');
    writeFileSync(text, 'These are my holiday notes, not a photo.\n'.repeat(20));
    await expectCode(decodeImage(text, OPTS), 'NOT_AN_IMAGE', text);
    const noise = join(dir, 'noise.png');
    const bytes = Buffer.alloc(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    writeFileSync(noise, bytes);
    await expectCode(decodeImage(noise, OPTS), 'NOT_AN_IMAGE', noise);
    await expectCode(probeImage(noise), 'NOT_AN_IMAGE', noise);
  });

  it('reports truncated JPEG and PNG as corrupt (header parses, pixels are missing)', async () => {
    const cases: Array<[string, string]> = [
      ['half.jpg', join(GROUPS, 'human_group-1.jpg')],
      ['half-progressive.jpg', join(GROUPS, 'obama_and_biden.jpg')],
      ['half.png', join(GROUPS, '32bit.png')],
    ];
    for (const [name, src] of cases) {
      const whole = readFileSync(src);
      const file = join(dir, name);
      writeFileSync(file, whole.subarray(0, whole.length >> 1));
      await expectCode(decodeImage(file, OPTS), 'IMAGE_CORRUPT', file);
      // A region reads rows only down to its own bottom edge, so ask for one in the missing half.
      const { width, height } = await probeImage(file);
      await expectCode(decodeRegion(file, { x: 0, y: height - 100, width, height: 100 }, OPTS), 'IMAGE_CORRUPT', file);
    }
  });

  it('reports files cut inside the header as corrupt', async () => {
    const jpg = join(dir, 'cut-header.jpg');
    writeFileSync(jpg, readFileSync(join(GROUPS, 'bbt2.jpg')).subarray(0, 300));
    await expectCode(decodeImage(jpg, OPTS), 'IMAGE_CORRUPT', jpg);
    const png = join(dir, 'cut-header.png');
    writeFileSync(png, readFileSync(join(GROUPS, '32bit.png')).subarray(0, 20));
    await expectCode(decodeImage(png, OPTS), 'IMAGE_CORRUPT', png);
    await expectCode(probeImage(png), 'IMAGE_CORRUPT', png);
  });

  it('refuses a 30000x30000 header-only PNG before decoding a pixel', async () => {
    const file = join(dir, 'bomb.png');
    writeFileSync(file, pngBomb(30000, 30000));
    expect(statSync(file).size).toBeLessThan(200);
    const t = performance.now();
    const e = await expectCode(decodeImage(file, OPTS), 'IMAGE_TOO_LARGE', file);
    expect(performance.now() - t).toBeLessThan(200);
    expect(e.message).toContain('900,000,000');
    expect(e.message).toContain('200,000,000');
    expect(e.details).toMatchObject({ width: 30000, height: 30000, pixels: 900_000_000, maxPixels: 200_000_000 });
    await expectCode(decodeRegion(file, { x: 0, y: 0, width: 10, height: 10 }, OPTS), 'IMAGE_TOO_LARGE');
    await expectCode(probeImage(file, { maxPixels: 200_000_000 }), 'IMAGE_TOO_LARGE');
    // Without a limit, probing reads the header only and says what it claims.
    expect(await probeImage(file)).toMatchObject({ width: 30000, height: 30000, format: 'png' });
  });

  it('applies maxPixels to ordinary photos too', async () => {
    await expectCode(decodeImage(join(GROUPS, 'bbt2.jpg'), { maxSide: 1600, maxPixels: 100_000 }), 'IMAGE_TOO_LARGE', '316,575');
  });

  it('refuses SVG, PDF, video and camera RAW explicitly', async () => {
    const svg = join(dir, 'drawing.svg');
    writeFileSync(svg, '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><circle r="40" cx="50" cy="50"/></svg>');
    await expectCode(decodeImage(svg, OPTS), 'UNSUPPORTED_FORMAT', 'SVG');
    await expectCode(probeImage(svg), 'UNSUPPORTED_FORMAT', svg);
    const pdf = join(dir, 'scan.pdf');
    writeFileSync(pdf, '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    await expectCode(decodeImage(pdf, OPTS), 'UNSUPPORTED_FORMAT', 'PDF');
    await expectCode(decodeImage(join(FIXTURES, 'video', 'short_hamilton_clip.mp4'), OPTS), 'UNSUPPORTED_FORMAT', 'video');
    const dng = join(dir, 'IMG_0001.DNG');
    await sharp(join(GROUPS, 'bbt2.jpg')).tiff().toFile(dng);
    await expectCode(decodeImage(dng, OPTS), 'UNSUPPORTED_FORMAT', 'RAW');
  });

  it('validates options', async () => {
    const photo = join(GROUPS, 'bbt2.jpg');
    await expectCode(decodeImage(photo, { maxSide: 0, maxPixels: 1e6 }), 'INVALID_ARGUMENT');
    await expectCode(decodeImage(photo, { maxSide: 100, maxPixels: Number.NaN }), 'INVALID_ARGUMENT');
  });

  it('keeps the libvips operation cache off so memory stays flat over a library', () => {
    const stats = sharp.cache() as unknown as { files: { max: number }; items: { max: number }; memory: { max: number } };
    expect([stats.files.max, stats.items.max, stats.memory.max]).toEqual([0, 0, 0]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// HEIC needs an HEVC encoder to make test files: heif-enc from Debian's libheif-examples (and, on Debian
// trixie or later where codecs are plugins, libheif-plugin-x265). The skip is only about the tool missing.

const hasHeifEnc = !spawnSync('heif-enc', ['--help'], { stdio: 'ignore' }).error;

describe.skipIf(!hasHeifEnc)('decoder: HEIC (needs heif-enc: apt-get install libheif-examples libheif-plugin-x265)', () => {
  const dir = tempDir('decoder-heic');
  const cardHeic = join(dir, 'card.heic');
  const bigHeic = join(dir, 'big.heic');
  const alphaHeic = join(dir, 'alpha.heic');

  function heifEnc(input: string, output: string, ...args: string[]): void {
    const r = spawnSync('heif-enc', [...args, '-o', output, input], { encoding: 'utf8' });
    if (r.status !== 0) {
      throw new Error(
        `heif-enc could not write HEVC (${r.status}): ${r.stderr || r.stdout}. ` +
          'On Debian trixie or later install libheif-plugin-x265 next to libheif-examples.',
      );
    }
  }

  beforeAll(async () => {
    const cardPng = join(dir, 'card.png');
    await cardSharp().png().toFile(cardPng);
    heifEnc(cardPng, cardHeic, '-q', '95', '-p', 'chroma=444');
    const bigJpg = join(dir, 'big.jpg');
    await sharp(join(GROUPS, 'human_group-1.jpg')).resize(1200, 900).jpeg({ quality: 95 }).toFile(bigJpg);
    heifEnc(bigJpg, bigHeic, '-q', '80');
    const rgba = Buffer.alloc(64 * 32 * 4);
    for (let y = 0; y < 32; y++) for (let x = 0; x < 64; x++) rgba.set([200, 40, 40, x < 32 ? 255 : 0], (y * 64 + x) * 4);
    const alphaPng = join(dir, 'alpha.png');
    await sharp(rgba, { raw: { width: 64, height: 32, channels: 4 } }).png().toFile(alphaPng);
    heifEnc(alphaPng, alphaHeic, '-q', '95');
  }, 120_000);

  it('decodes an HEIC photo, shrinking it like any other', async () => {
    const img = await decodeImage(bigHeic, { maxSide: 600, maxPixels: OPTS.maxPixels });
    expect([img.format, img.width, img.height, img.originalWidth, img.originalHeight, img.orientation]).toEqual(['heic', 600, 450, 1200, 900, 1]);
    expect(img.scale).toBeCloseTo(0.5, 6);
    const jpeg = await decodeImage(join(dir, 'big.jpg'), { maxSide: 600, maxPixels: OPTS.maxPixels });
    let sum = 0;
    for (let i = 0; i < jpeg.data.length; i++) sum += Math.abs((jpeg.data[i] ?? 0) - (img.data[i] ?? 0));
    expect(sum / jpeg.data.length).toBeLessThan(8);
    expect(await probeImage(bigHeic)).toEqual({ width: 1200, height: 900, orientation: 1, format: 'heic', hasAlpha: false });
    expect((await decodeImage(readFileSync(bigHeic), { maxSide: 600, maxPixels: OPTS.maxPixels })).data.equals(img.data)).toBe(true);
  });

  it('crops HEIC regions at full resolution', async () => {
    const region = { x: 300, y: 200, width: 120, height: 90 };
    const img = await decodeRegion(bigHeic, region, { maxSide: 60, maxPixels: OPTS.maxPixels });
    expect([img.width, img.height, img.format]).toEqual([60, 45, 'heic']);
    expect(img.region).toEqual(region);
    const full = await decodeImage(bigHeic, { maxSide: 1200, maxPixels: OPTS.maxPixels });
    const manual = await sharp(full.data, { raw: { width: full.width, height: full.height, channels: 3 } })
      .extract({ left: 300, top: 200, width: 120, height: 90 }).resize(60, 45).raw().toBuffer();
    let sum = 0;
    for (let i = 0; i < manual.length; i++) sum += Math.abs((manual[i] ?? 0) - (img.data[i] ?? 0));
    expect(sum / manual.length).toBeLessThan(3);
  });

  it('applies irot/imir (libheif does) and reports the equivalent EXIF orientation, for all 8', async () => {
    const base = readFileSync(cardHeic);
    const seen = new Set<number>();
    for (const irot of [0, 1, 2, 3]) {
      for (const imir of [undefined, 0, 1]) {
        const transforms: Array<{ type: 'irot' | 'imir'; value: number }> = [];
        if (irot) transforms.push({ type: 'irot', value: irot });
        if (imir !== undefined) transforms.push({ type: 'imir', value: imir });
        const file = join(dir, `card-r${irot}-m${imir ?? 'x'}.heic`);
        writeFileSync(file, addHeifTransforms(base, transforms));
        const img = await decodeImage(file, OPTS);
        expectCardOriented(img, img.orientation, 40, `irot ${irot} imir ${imir}`);
        expect((await probeImage(file)).orientation).toBe(img.orientation);
        seen.add(img.orientation);
      }
    }
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('takes rotation from irot, not from an EXIF tag (what heif-enc did with the tag decides the expectation)', async () => {
    const jpg = join(dir, 'card-exif6.jpg');
    await cardSharp().jpeg({ quality: 98 }).withMetadata({ orientation: 6 }).toFile(jpg);
    const file = join(dir, 'card-exif6.heic');
    heifEnc(jpg, file, '-q', '95', '-p', 'chroma=444');
    const img = await decodeImage(file, OPTS);
    // heif-enc 1.15 copies the EXIF block (tag 6 in it) and writes no irot: the decoder must not rotate.
    // Newer heif-enc may turn the tag into irot (then the decoder reports and applies 6) or rotate the
    // pixels itself (then nothing is left to apply). What must never happen is both, or a reported
    // orientation the pixels do not follow.
    expect([1, 6]).toContain(img.orientation);
    if (img.orientation === 6) expectCardOriented(img, 6, 40, 'heic with irot from exif 6');
    else expect(cardMatches(img, 1, 40) || cardMatches(img, 6, 40), 'heic from exif-6 jpeg: rotated twice?').toBe(true);
    const help = spawnSync('heif-enc', ['--help'], { encoding: 'utf8' });
    if (/libheif version: 1\.15\./.test(`${help.stdout}${help.stderr}`)) expect(cardMatches(img, 1, 40)).toBe(true);
  });

  it('recognises HEVC in a file branded only mif1/miaf (sharp reads the header, heic-decode the pixels)', async () => {
    const buf = Buffer.from(readFileSync(cardHeic));
    expect(buf.toString('latin1', 4, 8)).toBe('ftyp');
    const ftypEnd = buf.readUInt32BE(0);
    buf.write('mif1', 8, 'latin1');
    for (let o = 16; o < ftypEnd; o += 4) {
      if (['heic', 'heix'].includes(buf.toString('latin1', o, o + 4))) buf.write('miaf', o, 'latin1');
    }
    const file = join(dir, 'card-mif1.heif');
    writeFileSync(file, buf);
    const img = await decodeImage(file, OPTS);
    expect(img.format).toBe('heic');
    expectCardOriented(img, 1, 40, 'mif1 heif');
  });

  it('flattens HEIC alpha onto grey and reports it', async () => {
    expect((await probeImage(alphaHeic)).hasAlpha).toBe(true);
    const img = await decodeImage(alphaHeic, OPTS);
    expectColor(pixel(img, 8, 16), [200, 40, 40], 30, 'opaque');
    expectColor(pixel(img, 56, 16), [128, 128, 128], 30, 'transparent');
  });

  it('guards the pixel limit before decoding HEVC', async () => {
    const e = await expectCode(decodeImage(bigHeic, { maxSide: 600, maxPixels: 500_000 }), 'IMAGE_TOO_LARGE', bigHeic);
    expect(e.message).toContain('1,080,000');
    await expectCode(probeImage(bigHeic, { maxPixels: 500_000 }), 'IMAGE_TOO_LARGE');
  });

  it('reports truncated HEIC as corrupt', async () => {
    const whole = readFileSync(bigHeic);
    for (const keep of [0.5, 0.9]) {
      const file = join(dir, `cut-${keep}.heic`);
      writeFileSync(file, whole.subarray(0, Math.floor(whole.length * keep)));
      await expectCode(decodeImage(file, OPTS), 'IMAGE_CORRUPT', file);
    }
    const head = join(dir, 'head-only.heic');
    writeFileSync(head, whole.subarray(0, 200));
    await expectCode(decodeImage(head, OPTS), 'IMAGE_CORRUPT', head);
  });
});
