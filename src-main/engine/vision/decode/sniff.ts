/** What is this file? Signature sniffing, confirmed by sharp's header parse; the answer picks the decoder. */
import path from 'node:path';
import sharp from 'sharp';
import type { Metadata } from 'sharp';
import { unsupported } from './guards';
import { heifProperties } from './heif-properties';
import { heifHeader } from './image-source';
import type { Source } from './image-source';
import { FAIL_ON, sharpError } from './sharp-decode';

/** Formats handed to sharp. 'heif' is only AV1 (AVIF); HEVC goes to heic-decode. */
const SHARP_FORMATS = new Set(['jpeg', 'png', 'webp', 'tiff', 'gif', 'heif']);

/** Camera RAW: mostly TIFF containers whose first image is a thumbnail or undemosaiced sensor data. */
const RAW_EXTENSIONS = new Set([
  '.dng', '.cr2', '.cr3', '.crw', '.nef', '.nrw', '.arw', '.srf', '.sr2', '.orf', '.rw2', '.raf', '.pef', '.srw',
  '.3fr', '.erf', '.kdc', '.dcr', '.mrw', '.x3f', '.iiq', '.mos', '.rwl',
]);

const HEVC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'hevm', 'hevs']);
const AVIF_BRANDS = new Set(['avif', 'avis']);
const GENERIC_HEIF_BRANDS = new Set(['mif1', 'msf1', 'miaf', 'mif2']);

// ---------------------------------------------------------------------------------------------------------
// What is it?

type Classified =
  | { type: 'heic' }
  | { type: 'sharp'; meta: Metadata; format: string; orientation: number };

type Sniffed =
  | { type: 'sharp' }
  | { type: 'isobmff-av1' }
  | { type: 'heic' }
  | { type: 'heif-generic' }
  | { type: 'refuse'; what: string }
  | { type: 'unknown' };

/**
 * Decides the decoder from the signature, then confirms with sharp's header parse. Vector and document
 * formats are refused before any parser sees them: a face app has no business rasterizing SVG (an XML
 * parser on untrusted input) or PDF pages.
 */
export async function classify(src: Source): Promise<Classified> {
  const sniffed = sniff(src.head, src.path);
  if (sniffed.type === 'refuse') throw unsupported(src, sniffed.what);
  if (sniffed.type === 'heic') return { type: 'heic' };

  let meta: Metadata;
  try {
    // Header only, so no limit here: checkPixels then refuses with the real numbers in the message.
    meta = await sharp(src.buffer ?? src.path, { failOn: FAIL_ON, limitInputPixels: false }).metadata();
  } catch (e) {
    throw sharpError(src, e, 'read');
  }
  const format = String(meta.format);
  if (format === 'heif' && meta.compression === 'hevc') return { type: 'heic' };
  if (!SHARP_FORMATS.has(format) || (format === 'heif' && meta.compression !== 'av1')) {
    throw unsupported(src, format === 'heif' ? `HEIF with ${String(meta.compression)} compression` : format.toUpperCase());
  }
  let orientation = 1;
  if (format === 'heif') {
    orientation = heifProperties(await heifHeader(src)).orientation;
  } else if (meta.orientation !== undefined && meta.orientation >= 1 && meta.orientation <= 8) {
    orientation = meta.orientation;
  }
  return { type: 'sharp', meta, format: format === 'heif' ? 'avif' : format, orientation };
}

function sniff(head: Buffer, file: string | undefined): Sniffed {
  const ascii = (start: number, end: number): string => head.toString('latin1', start, end);
  const ext = file ? path.extname(file).toLowerCase() : '';
  const b = (i: number): number => head[i] ?? -1;

  if (b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return { type: 'sharp' };
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return { type: 'sharp' };
  }
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return { type: 'sharp' };
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return { type: 'sharp' };

  const tiff = ascii(0, 4);
  if (tiff === 'II*\0' || tiff === 'MM\0*' || tiff === 'II+\0' || tiff === 'MM\0+') {
    if (RAW_EXTENSIONS.has(ext) || ascii(8, 10) === 'CR') return { type: 'refuse', what: 'camera RAW' };
    return { type: 'sharp' };
  }
  if (tiff === 'IIRO' || tiff === 'IIRS' || tiff === 'IIU\0' || ascii(0, 15) === 'FUJIFILMCCD-RAW') {
    return { type: 'refuse', what: 'camera RAW' };
  }

  if (ascii(4, 8) === 'ftyp') {
    const size = head.readUInt32BE(0);
    const brands = [ascii(8, 12)];
    for (let o = 16; o + 4 <= Math.min(size, head.length); o += 4) brands.push(ascii(o, o + 4));
    if (brands.some((x) => AVIF_BRANDS.has(x))) return { type: 'isobmff-av1' };
    if (brands.some((x) => HEVC_BRANDS.has(x))) return { type: 'heic' };
    if (brands.some((x) => GENERIC_HEIF_BRANDS.has(x))) return { type: 'heif-generic' };
    if (brands.includes('crx ')) return { type: 'refuse', what: 'camera RAW (CR3)' };
    if (brands.includes('jxl ')) return { type: 'refuse', what: 'JPEG XL' };
    if (brands.includes('jp2 ')) return { type: 'refuse', what: 'JPEG 2000' };
    return { type: 'refuse', what: 'video or other ISO media file' };
  }
  if (b(0) === 0 && b(1) === 0 && b(2) === 0 && b(3) === 0x0c) {
    if (ascii(4, 8) === 'JXL ') return { type: 'refuse', what: 'JPEG XL' };
    if (ascii(4, 8) === 'jP  ') return { type: 'refuse', what: 'JPEG 2000' };
  }
  if (b(0) === 0xff && b(1) === 0x0a) return { type: 'refuse', what: 'JPEG XL' };
  if (b(0) === 0xff && b(1) === 0x4f && b(2) === 0xff && b(3) === 0x51) return { type: 'refuse', what: 'JPEG 2000' };

  if (ascii(0, 5) === '%PDF-') return { type: 'refuse', what: 'PDF' };
  if (ascii(0, 4) === '%!PS' || (b(0) === 0xc5 && b(1) === 0xd0 && b(2) === 0xd3 && b(3) === 0xc6)) {
    return { type: 'refuse', what: 'PostScript' };
  }
  if (ascii(0, 4) === '8BPS') return { type: 'refuse', what: 'Photoshop PSD' };
  if (ascii(0, 2) === 'BM' && [12, 40, 52, 56, 64, 108, 124].includes(head.length >= 18 ? head.readUInt32LE(14) : -1)) {
    return { type: 'refuse', what: 'BMP' };
  }
  if (looksLikeSvg(head)) return { type: 'refuse', what: 'SVG' };
  return { type: 'unknown' };
}

function looksLikeSvg(head: Buffer): boolean {
  const text = head.toString('utf8').replace(/^\uFEFF/, '').trimStart();
  return text.startsWith('<') && /<svg[\s>]/i.test(text);
}
