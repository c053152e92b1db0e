/**
 * Named face regions already in a photo (embedded XMP) or beside it (sidecar .xmp in either naming),
 * in oriented pixels. exifr finds the XMP packet in every container (JPEG APP1, PNG iTXt, HEIC, TIFF);
 * the regions are parsed by xmp.ts because exifr's parsed form leaves entities escapes in names
 * ("Ann &amp; Bo") and turns a one-region list into an object.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import exifr from 'exifr';
import sharp from 'sharp';
import type { ImageGeometry, NamedRegion } from './xmp';
import { parseRegions } from './xmp';

export function sidecarPaths(path: string): string[] {
  const ext = extname(path);
  return ext ? [`${path}.xmp`, `${path.slice(0, -ext.length)}.xmp`] : [`${path}.xmp`];
}

export async function imageGeometry(path: string): Promise<ImageGeometry> {
  const m = await sharp(path, { failOn: 'none' }).metadata();
  return { width: m.width ?? 0, height: m.height ?? 0, orientation: m.orientation ?? 1 };
}

async function embeddedXmp(path: string): Promise<string | null> {
  try {
    const raw = (await exifr.parse(path, { xmp: { parse: false }, tiff: false, ifd0: false, exif: false, gps: false, mergeOutput: false } as never)) as
      | { xmp?: string }
      | undefined;
    return typeof raw?.xmp === 'string' ? raw.xmp : null;
  } catch {
    return null;
  }
}

/** Regions of the photo and its sidecars; the same name twice (photo and sidecar) counts once, the sidecar's winning. */
export async function readNamedRegions(path: string, geometry?: ImageGeometry): Promise<NamedRegion[]> {
  const texts: string[] = [];
  const embedded = await embeddedXmp(path);
  if (embedded) texts.push(embedded);
  for (const p of sidecarPaths(path)) {
    try {
      texts.push(await readFile(p, 'utf8'));
    } catch {
      // No sidecar of that name.
    }
  }
  // Most photos have no regions: skip decoding the header for their geometry.
  const withRegions = texts.filter((t) => t.includes('mwg-rs:Regions') || t.includes('MPReg:Rectangle'));
  if (withRegions.length === 0) return [];
  const g = geometry ?? (await imageGeometry(path));
  if (!g.width || !g.height) return [];
  const byName = new Map<string, NamedRegion[]>();
  for (const text of withRegions) {
    const found = parseRegions(text, g);
    for (const n of new Set(found.map((r) => r.name))) byName.set(n, found.filter((r) => r.name === n));
  }
  return [...byName.values()].flat();
}
