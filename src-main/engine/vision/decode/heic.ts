/** HEIC/HEIF with HEVC data, which sharp's prebuilt libheif cannot decode: heic-decode (libheif in WebAssembly, with libde265). */
import { createRequire } from 'node:module';
import { EngineError } from '../../errors';
import { checkPixels } from './guards';
import { heifProperties } from './heif-properties';
import { wholeFile } from './image-source';
import type { Source } from './image-source';

// ---------------------------------------------------------------------------------------------------------
// HEIC path (heic-decode: libheif in WebAssembly, with libde265)

interface HeicImageHandle {
  width: number;
  height: number;
  decode(): Promise<{ width: number; height: number; data: Uint8ClampedArray }>;
}
interface HeicDecodeModule {
  all(input: { buffer: Buffer | Uint8Array }): Promise<HeicImageHandle[] & { dispose(): void }>;
}

let heicModule: HeicDecodeModule | undefined;

/** Loaded on the first HEIC: the WebAssembly bundle is a few MB that most libraries never need. */
function heic(): HeicDecodeModule {
  if (!heicModule) {
    const require = createRequire(import.meta.url);
    heicModule = require('heic-decode') as HeicDecodeModule;
  }
  return heicModule;
}

interface HeicPixels {
  rgba: Buffer;
  width: number;
  height: number;
  orientation: number;
}

/**
 * One decoded HEIC is kept for a few seconds: libheif-wasm takes about 1.2 s for 12 MP on one core, and
 * the pipeline asks for the same photo again (decodeRegion, once per small face) right after decodeImage.
 * One entry bounds memory to one photo's RGBA.
 */
const HEIC_CACHE_MS = 5000;
let heicCache: { key: string | Buffer; pixels: HeicPixels; timer: NodeJS.Timeout } | undefined;

function heicCacheKey(src: Source): string | Buffer {
  if (src.buffer) return src.buffer;
  return `${src.path ?? ''}\0${src.stats?.size ?? 0}\0${src.stats?.mtimeMs ?? 0}`;
}

export async function heicPixels(src: Source, maxPixels: number): Promise<HeicPixels> {
  const key = heicCacheKey(src);
  if (heicCache && heicCache.key === key) {
    const px = heicCache.pixels;
    checkPixels(src, px.width, px.height, maxPixels);
    return px;
  }
  const buf = await wholeFile(src);
  const images = await heicImages(src, buf);
  let pixels: HeicPixels;
  try {
    // heic-decode's default is the first top-level image too; for a camera photo that is the primary one.
    const first = images[0];
    if (!first) throw new EngineError('IMAGE_CORRUPT', `${src.name} is a HEIF file with no image in it`, { path: src.path });
    // Width and height come from the container (ispe + transforms) before any HEVC data is decoded.
    checkPixels(src, first.width, first.height, maxPixels);
    let decoded: { width: number; height: number; data: Uint8ClampedArray };
    try {
      decoded = await first.decode();
    } catch (e) {
      throw new EngineError('IMAGE_CORRUPT', `${src.name} is a corrupt or truncated HEIC: ${errText(e)}`, { path: src.path }, { cause: e });
    }
    const rgba = Buffer.from(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength);
    if (rgba.length !== decoded.width * decoded.height * 4) {
      throw new EngineError('IMAGE_CORRUPT', `${src.name}: HEIC decoder returned ${rgba.length} bytes for ${decoded.width}x${decoded.height}`, {
        path: src.path,
      });
    }
    pixels = { rgba, width: decoded.width, height: decoded.height, orientation: heifProperties(buf).orientation };
  } finally {
    images.dispose();
  }
  if (heicCache) clearTimeout(heicCache.timer);
  const timer = setTimeout(() => {
    heicCache = undefined;
  }, HEIC_CACHE_MS);
  timer.unref();
  heicCache = { key, pixels, timer };
  return pixels;
}

async function heicImages(src: Source, buf: Buffer): Promise<HeicImageHandle[] & { dispose(): void }> {
  let images: HeicImageHandle[] & { dispose(): void };
  try {
    images = await heic().all({ buffer: buf });
  } catch (e) {
    throw new EngineError('IMAGE_CORRUPT', `${src.name} looks like HEIC but its container cannot be parsed: ${errText(e)}`, { path: src.path }, { cause: e });
  }
  return images;
}

export async function heicSize(src: Source, buf: Buffer, maxPixels: number | undefined): Promise<{ width: number; height: number }> {
  const images = await heicImages(src, buf);
  try {
    const first = images[0];
    if (!first) throw new EngineError('IMAGE_CORRUPT', `${src.name} is a HEIF file with no image in it`, { path: src.path });
    if (maxPixels !== undefined) checkPixels(src, first.width, first.height, maxPixels);
    return { width: first.width, height: first.height };
  } finally {
    images.dispose();
  }
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
