/**
 * A small ISO-BMFF (HEIF) box parser: the primary item's irot/imir as an EXIF orientation code, and whether it
 * has an alpha plane. Reads only the container, never the coded image.
 */

// ---------------------------------------------------------------------------------------------------------
// HEIF item properties: the primary item's irot/imir as an EXIF orientation code, and whether it has alpha

interface Box {
  type: string;
  /** Offset of the payload (after size, type and any 64-bit size). */
  body: number;
  end: number;
}

/** ISO-BMFF boxes between start and end; with `partial`, a box running past `end` is still listed. */
export function boxes(buf: Buffer, start: number, end: number, partial = false): Box[] {
  const out: Box[] = [];
  let o = start;
  while (o + 8 <= end) {
    let size = buf.readUInt32BE(o);
    const type = buf.toString('latin1', o + 4, o + 8);
    let body = o + 8;
    if (size === 1) {
      if (o + 16 > end) break;
      size = Number(buf.readBigUInt64BE(o + 8));
      body = o + 16;
    } else if (size === 0) {
      size = end - o;
    }
    if (size < body - o) break;
    if (o + size > end && !partial) break;
    out.push({ type, body, end: o + size });
    o += size;
  }
  return out;
}

/** Display = M · stored, on (x right, y down) coordinates; EXIF orientation n is row n-1. */
const EXIF_MATRICES: ReadonlyArray<readonly [number, number, number, number]> = [
  [1, 0, 0, 1],
  [-1, 0, 0, 1],
  [-1, 0, 0, -1],
  [1, 0, 0, -1],
  [0, 1, 1, 0],
  [0, -1, 1, 0],
  [0, -1, -1, 0],
  [0, 1, -1, 0],
];

type Mat = [number, number, number, number];
const mul = (a: Mat, b: Mat): Mat => [
  a[0] * b[0] + a[1] * b[2],
  a[0] * b[1] + a[1] * b[3],
  a[2] * b[0] + a[3] * b[2],
  a[2] * b[1] + a[3] * b[3],
];
/** irot: one step of 90 degrees anti-clockwise. */
const ROT_CCW: Mat = [0, 1, -1, 0];
/**
 * imir, as libheif (and so every decoder we use) applies it: 0 flips top and bottom, 1 flips left and right.
 * The 2017 edition worded `axis` the other way round; the 2022 edition (`mode`) matches libheif.
 */
const MIRROR: Record<number, Mat> = { 0: [1, 0, 0, -1], 1: [-1, 0, 0, 1] };

/** Never throws: a container we cannot walk reports orientation 1 and no alpha; libheif does the real work. */
export function heifProperties(buf: Buffer): { orientation: number; hasAlpha: boolean } {
  const none = { orientation: 1, hasAlpha: false };
  try {
    const meta = boxes(buf, 0, buf.length, true).find((b) => b.type === 'meta');
    if (!meta) return none;
    const metaEnd = Math.min(meta.end, buf.length);
    const kids = boxes(buf, meta.body + 4, metaEnd);
    const pitm = kids.find((b) => b.type === 'pitm');
    const iprp = kids.find((b) => b.type === 'iprp');
    if (!pitm || !iprp) return none;
    const primary = buf[pitm.body] === 0 ? buf.readUInt16BE(pitm.body + 4) : buf.readUInt32BE(pitm.body + 4);
    const iprpKids = boxes(buf, iprp.body, iprp.end);
    const ipco = iprpKids.find((b) => b.type === 'ipco');
    if (!ipco) return none;
    const props = boxes(buf, ipco.body, ipco.end);
    const hasAlpha = props.some((p) => {
      if (p.type !== 'auxC') return false;
      const urn = buf.toString('latin1', p.body + 4, p.end).split('\0')[0] ?? '';
      return urn.endsWith(':alpha') || urn === 'urn:mpeg:hevc:2015:auxid:1';
    });
    let m: Mat = [1, 0, 0, 1];
    for (const ipma of iprpKids.filter((b) => b.type === 'ipma')) {
      const version = buf[ipma.body] ?? 0;
      const wide = ((buf[ipma.body + 3] ?? 0) & 1) === 1;
      let o = ipma.body + 4;
      const count = buf.readUInt32BE(o);
      o += 4;
      for (let i = 0; i < count; i++) {
        const id = version < 1 ? buf.readUInt16BE(o) : buf.readUInt32BE(o);
        o += version < 1 ? 2 : 4;
        const n = buf[o++] ?? 0;
        for (let k = 0; k < n; k++) {
          const index = (wide ? buf.readUInt16BE(o) & 0x7fff : (buf[o] ?? 0) & 0x7f) - 1;
          o += wide ? 2 : 1;
          if (id !== primary || index < 0) continue;
          const p = props[index];
          if (p?.type === 'irot') {
            const steps = (buf[p.body] ?? 0) & 3;
            for (let s = 0; s < steps; s++) m = mul(ROT_CCW, m);
          } else if (p?.type === 'imir') {
            const mir = MIRROR[(buf[p.body] ?? 0) & 1];
            if (mir) m = mul(mir, m);
          }
        }
      }
    }
    const index = EXIF_MATRICES.findIndex((e) => e.every((v, i) => v === m[i]));
    return { orientation: index + 1, hasAlpha };
  } catch {
    return none;
  }
}
