/**
 * Pixel sampling on packed RGB rasters, the one place the pipeline turns pixels into model inputs.
 *
 * Every model input (detector tiles, landmark crops, aligned faces) is an affine warp of the decoded
 * photo. Sampling is bilinear on a mip level chosen so the warp never minifies by more than 2x: plain
 * bilinear at 5x minification aliases badly, and the embedder is sensitive to that.
 */

export interface RgbImage {
  /** Packed RGB, 3 bytes per pixel, row-major, no padding. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** Maps an output pixel (u, v) to a source point: x = a*u + b*v + c, y = d*u + e*v + f. */
export interface Affine {
  a: number; b: number; c: number;
  d: number; e: number; f: number;
}

export type ChannelOrder = 'rgb' | 'bgr' | 'gray';

export interface TensorSpec {
  width: number;
  height: number;
  order: ChannelOrder;
  /** value = (pixel - mean) / std, per channel, pixel in 0..255. */
  mean: number;
  std: number;
  /** Pixel value written where the warp samples outside the image. */
  pad: number;
}

/** Halves an image with a 2x2 box filter (odd edges clamp). */
export function downsample2x(src: RgbImage): RgbImage {
  const w = Math.max(1, src.width >> 1);
  const h = Math.max(1, src.height >> 1);
  const out = new Uint8Array(w * h * 3);
  const sw = src.width;
  const s = src.data;
  const maxX = src.width - 1;
  const maxY = src.height - 1;
  for (let y = 0; y < h; y++) {
    const y0 = Math.min(2 * y, maxY);
    const y1 = Math.min(2 * y + 1, maxY);
    const r0 = y0 * sw * 3;
    const r1 = y1 * sw * 3;
    let o = y * w * 3;
    for (let x = 0; x < w; x++) {
      const x0 = Math.min(2 * x, maxX) * 3;
      const x1 = Math.min(2 * x + 1, maxX) * 3;
      out[o++] = (s[r0 + x0]! + s[r0 + x1]! + s[r1 + x0]! + s[r1 + x1]! + 2) >> 2;
      out[o++] = (s[r0 + x0 + 1]! + s[r0 + x1 + 1]! + s[r1 + x0 + 1]! + s[r1 + x1 + 1]! + 2) >> 2;
      out[o++] = (s[r0 + x0 + 2]! + s[r0 + x1 + 2]! + s[r1 + x0 + 2]! + s[r1 + x1 + 2]! + 2) >> 2;
    }
  }
  return { data: out, width: w, height: h };
}

/** A photo with lazily built half-size levels, shared by every warp of one analysis. */
export class MipRaster {
  private readonly levels: RgbImage[];

  constructor(base: RgbImage) {
    this.levels = [base];
  }

  get base(): RgbImage {
    return this.levels[0]!;
  }

  level(k: number): RgbImage {
    while (this.levels.length <= k) {
      const last = this.levels[this.levels.length - 1]!;
      if (last.width <= 8 || last.height <= 8) break;
      this.levels.push(downsample2x(last));
    }
    return this.levels[Math.min(k, this.levels.length - 1)]!;
  }

  /**
   * Warps into a planar float tensor (CHW, or one plane for gray) written at `offset` of `out`.
   * `m` maps output pixel centres to base-image pixel centres.
   */
  warpToTensor(m: Affine, spec: TensorSpec, out: Float32Array, offset = 0): void {
    // Source pixels per output pixel along the larger axis decides the mip level.
    const scale = Math.max(Math.hypot(m.a, m.d), Math.hypot(m.b, m.e));
    const k = scale > 2 ? Math.floor(Math.log2(scale)) : 0;
    const img = this.level(k);
    const f = 1 / 2 ** k;
    // Centre-aligned mapping between level k and base pixels: x_k = (x + 0.5) * f - 0.5.
    const a = m.a * f, b = m.b * f, c = (m.c + 0.5) * f - 0.5;
    const d = m.d * f, e = m.e * f, g = (m.f + 0.5) * f - 0.5;
    sampleBilinear(img, { a, b, c, d, e, f: g }, spec, out, offset);
  }
}

function sampleBilinear(img: RgbImage, m: Affine, spec: TensorSpec, out: Float32Array, offset: number): void {
  if (m.b === 0 && m.d === 0 && spec.order !== 'gray') {
    sampleAxisAligned(img, m, spec, out, offset);
    return;
  }
  const { width: W, height: H, data } = img;
  const ow = spec.width;
  const oh = spec.height;
  const plane = ow * oh;
  const inv = 1 / spec.std;
  const mean = spec.mean;
  const padV = (spec.pad - mean) * inv;
  const gray = spec.order === 'gray';
  // Channel planes: output channel i reads source channel ch[i].
  const ch = spec.order === 'bgr' ? [2, 1, 0] : [0, 1, 2];
  const o0 = offset, o1 = offset + plane, o2 = offset + 2 * plane;
  const c0 = ch[0]!, c1 = ch[1]!, c2 = ch[2]!;
  for (let v = 0; v < oh; v++) {
    let x = m.b * v + m.c;
    let y = m.e * v + m.f;
    let idx = v * ow;
    for (let u = 0; u < ow; u++, idx++, x += m.a, y += m.d) {
      if (x < -0.5 || y < -0.5 || x > W - 0.5 || y > H - 0.5) {
        out[o0 + idx] = padV;
        if (!gray) { out[o1 + idx] = padV; out[o2 + idx] = padV; }
        continue;
      }
      const xc = x < 0 ? 0 : x > W - 1 ? W - 1 : x;
      const yc = y < 0 ? 0 : y > H - 1 ? H - 1 : y;
      const x0 = xc | 0, y0 = yc | 0;
      const x1 = x0 + 1 < W ? x0 + 1 : x0;
      const y1 = y0 + 1 < H ? y0 + 1 : y0;
      const fx = xc - x0, fy = yc - y0;
      const w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
      const p00 = (y0 * W + x0) * 3, p01 = (y0 * W + x1) * 3, p10 = (y1 * W + x0) * 3, p11 = (y1 * W + x1) * 3;
      if (gray) {
        // ITU-R BT.601 luma, as OpenCV's COLOR_RGB2GRAY, which the landmark model was trained with.
        const r = data[p00]! * w00 + data[p01]! * w01 + data[p10]! * w10 + data[p11]! * w11;
        const gg = data[p00 + 1]! * w00 + data[p01 + 1]! * w01 + data[p10 + 1]! * w10 + data[p11 + 1]! * w11;
        const bb = data[p00 + 2]! * w00 + data[p01 + 2]! * w01 + data[p10 + 2]! * w10 + data[p11 + 2]! * w11;
        out[o0 + idx] = (0.299 * r + 0.587 * gg + 0.114 * bb - mean) * inv;
      } else {
        out[o0 + idx] = (data[p00 + c0]! * w00 + data[p01 + c0]! * w01 + data[p10 + c0]! * w10 + data[p11 + c0]! * w11 - mean) * inv;
        out[o1 + idx] = (data[p00 + c1]! * w00 + data[p01 + c1]! * w01 + data[p10 + c1]! * w10 + data[p11 + c1]! * w11 - mean) * inv;
        out[o2 + idx] = (data[p00 + c2]! * w00 + data[p01 + c2]! * w01 + data[p10 + c2]! * w10 + data[p11 + c2]! * w11 - mean) * inv;
      }
    }
  }
}

/**
 * The detector's tiles are pure scale + shift: the column and row lookups are computed once per
 * tile instead of once per pixel (about 3x faster, and tiles are most of the pixels sampled).
 */
function sampleAxisAligned(img: RgbImage, m: Affine, spec: TensorSpec, out: Float32Array, offset: number): void {
  const { width: W, height: H, data } = img;
  const ow = spec.width, oh = spec.height, plane = ow * oh;
  const inv = 1 / spec.std, mean = spec.mean;
  const padV = (spec.pad - mean) * inv;
  const bgr = spec.order === 'bgr';
  const xi0 = new Int32Array(ow), xi1 = new Int32Array(ow), xf = new Float32Array(ow);
  const xin = new Uint8Array(ow);
  for (let u = 0; u < ow; u++) {
    const x = m.a * u + m.c;
    xin[u] = x >= -0.5 && x <= W - 0.5 ? 1 : 0;
    const xc = x < 0 ? 0 : x > W - 1 ? W - 1 : x;
    const x0 = xc | 0;
    xi0[u] = x0 * 3;
    xi1[u] = (x0 + 1 < W ? x0 + 1 : x0) * 3;
    xf[u] = xc - x0;
  }
  const c0 = bgr ? 2 : 0, c2 = bgr ? 0 : 2;
  for (let v = 0; v < oh; v++) {
    const y = m.e * v + m.f;
    let idx = offset + v * ow;
    if (y < -0.5 || y > H - 0.5) {
      for (let u = 0; u < ow; u++, idx++) { out[idx] = padV; out[idx + plane] = padV; out[idx + 2 * plane] = padV; }
      continue;
    }
    const yc = y < 0 ? 0 : y > H - 1 ? H - 1 : y;
    const y0 = yc | 0;
    const fy = yc - y0;
    const r0 = y0 * W * 3;
    const r1 = (y0 + 1 < H ? y0 + 1 : y0) * W * 3;
    for (let u = 0; u < ow; u++, idx++) {
      if (xin[u] === 0) { out[idx] = padV; out[idx + plane] = padV; out[idx + 2 * plane] = padV; continue; }
      const fx = xf[u]!, a0 = xi0[u]!, a1 = xi1[u]!;
      const p00 = r0 + a0, p01 = r0 + a1, p10 = r1 + a0, p11 = r1 + a1;
      // Lerp along x on both rows, then along y.
      let t0 = data[p00 + c0]! + (data[p01 + c0]! - data[p00 + c0]!) * fx;
      let t1 = data[p10 + c0]! + (data[p11 + c0]! - data[p10 + c0]!) * fx;
      out[idx] = (t0 + (t1 - t0) * fy - mean) * inv;
      t0 = data[p00 + 1]! + (data[p01 + 1]! - data[p00 + 1]!) * fx;
      t1 = data[p10 + 1]! + (data[p11 + 1]! - data[p10 + 1]!) * fx;
      out[idx + plane] = (t0 + (t1 - t0) * fy - mean) * inv;
      t0 = data[p00 + c2]! + (data[p01 + c2]! - data[p00 + c2]!) * fx;
      t1 = data[p10 + c2]! + (data[p11 + c2]! - data[p10 + c2]!) * fx;
      out[idx + 2 * plane] = (t0 + (t1 - t0) * fy - mean) * inv;
    }
  }
}

/** Axis-aligned mapping of an output window onto a source rectangle (no rotation). */
export function rectAffine(srcX: number, srcY: number, srcW: number, srcH: number, outW: number, outH: number): Affine {
  const sx = srcW / outW;
  const sy = srcH / outH;
  // Pixel centres: u + 0.5 in output space lands at srcX + (u + 0.5) * sx in source space.
  return { a: sx, b: 0, c: srcX + 0.5 * sx - 0.5, d: 0, e: sy, f: srcY + 0.5 * sy - 0.5 };
}

/** Rotates a raster clockwise by 90, 180 or 270 degrees. */
export function rotateRaster(src: RgbImage, degrees: 90 | 180 | 270): RgbImage {
  const { width: W, height: H, data } = src;
  const w = degrees === 180 ? W : H;
  const h = degrees === 180 ? H : W;
  const out = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      let nx: number, ny: number;
      if (degrees === 90) { nx = H - 1 - y; ny = x; }
      else if (degrees === 180) { nx = W - 1 - x; ny = H - 1 - y; }
      else { nx = y; ny = W - 1 - x; }
      const s = (y * W + x) * 3;
      const d = (ny * w + nx) * 3;
      out[d] = data[s]!; out[d + 1] = data[s + 1]!; out[d + 2] = data[s + 2]!;
    }
  }
  return { data: out, width: w, height: h };
}
