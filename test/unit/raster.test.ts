import { describe, expect, it } from 'vitest';
import { MipRaster, downsample2x, rectAffine, rotateRaster } from '../../src-main/engine/vision/raster';
import type { RgbImage } from '../../src-main/engine/vision/raster';

function gradient(w: number, h: number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = (y * w + x) * 3;
    data[i] = x % 256; data[i + 1] = y % 256; data[i + 2] = 200;
  }
  return { data, width: w, height: h };
}

describe('raster sampling', () => {
  it('copies pixels exactly through an identity warp and normalizes per spec', () => {
    const img = gradient(64, 48);
    const out = new Float32Array(3 * 64 * 48);
    new MipRaster(img).warpToTensor(rectAffine(0, 0, 64, 48, 64, 48), { width: 64, height: 48, order: 'rgb', mean: 127, std: 128, pad: 127 }, out);
    expect(out[5 * 64 + 10]).toBeCloseTo((10 - 127) / 128, 5);
    expect(out[64 * 48 + 5 * 64 + 10]).toBeCloseTo((5 - 127) / 128, 5);
  });

  it('swaps channels for BGR models and pads outside the photo', () => {
    const img = gradient(16, 16);
    const out = new Float32Array(3 * 32 * 32);
    new MipRaster(img).warpToTensor(rectAffine(0, 0, 32, 32, 32, 32), { width: 32, height: 32, order: 'bgr', mean: 0, std: 1, pad: 9 }, out);
    expect(out[0]).toBe(200); // B plane first
    expect(out[2 * 1024 + 3]).toBe(3); // R plane last: x
    expect(out[31 * 32 + 31]).toBe(9); // outside the 16x16 photo
  });

  it('averages through a mip level when shrinking a lot (no aliasing of a fine checkerboard)', () => {
    const w = 256, h = 256;
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.fill((x + y) % 2 ? 255 : 0, (y * w + x) * 3, (y * w + x) * 3 + 3);
    const out = new Float32Array(32 * 32);
    new MipRaster({ data, width: w, height: h }).warpToTensor(rectAffine(0, 0, w, h, 32, 32), { width: 32, height: 32, order: 'gray', mean: 0, std: 1, pad: 0 }, out);
    for (const v of out) expect(Math.abs(v - 127.5)).toBeLessThan(2);
  });

  it('rotates clockwise and back', () => {
    const img = gradient(5, 3);
    const r = rotateRaster(img, 90);
    expect([r.width, r.height]).toEqual([3, 5]);
    // The top-left pixel ends at the top-right after a clockwise turn.
    expect(Array.from(r.data.slice((0 * 3 + 2) * 3, (0 * 3 + 2) * 3 + 3))).toEqual([0, 0, 200]);
    const back = rotateRaster(rotateRaster(r, 180), 90);
    expect(Buffer.from(back.data).equals(Buffer.from(img.data))).toBe(true);
    expect(downsample2x(img).width).toBe(2);
  });
});
