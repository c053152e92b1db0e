/**
 * YuNet (OpenCV Zoo): anchor-free, strides 8/16/32, five keypoints per face. The dynamic-input export
 * takes any H and W that are multiples of 32, so one pass over the whole photo at up to `maxSide`
 * px finds faces down to ~10 px of that pass; only photos larger than that are tiled.
 */
import { rectAffine } from '../raster';
import type { MipRaster, TensorSpec } from '../raster';
import { Tensor, runSession } from '../onnx-runtime';
import type { Session } from '../onnx-runtime';
import type { Point } from '../geometry';
import type { Detection, FaceDetector } from './detector';
import { nms } from './detector';
import { planWindows, touchesInterior } from './tiling';
import type { Window } from './tiling';

const STRIDES = [8, 16, 32] as const;

export interface YunetDetectorOptions {
  scoreThreshold: number;
  nmsIou: number;
  /** Longest input side of one pass; a 1280 px pass takes ~19 ms on 2 cores. */
  maxSide: number;
  /** null for the dynamic export; the fixed export only accepts this square size. */
  fixedSize: number | null;
}

export class YunetDetector implements FaceDetector {
  readonly id: string;

  constructor(
    private readonly session: Session,
    modelId: string,
    private readonly opts: YunetDetectorOptions,
  ) {
    this.id = modelId;
  }

  async detect(raster: MipRaster): Promise<Detection[]> {
    const { width, height } = raster.base;
    const all: Detection[] = [];
    const fixed = this.opts.fixedSize;
    if (fixed) {
      const windows = planWindows(width, height, {
        tileWidth: fixed, tileHeight: fixed, maxScale: 1, overlap: fixed / 4, maxFaceFine: fixed / 5, paddedPass: width < fixed && height < fixed,
      });
      for (const w of windows) all.push(...(await this.pass(raster, w, fixed, fixed)));
    } else {
      const long = Math.max(width, height);
      const s = Math.min(this.opts.maxSide / long, long < 320 ? 320 / long : 1);
      const tw = roundUp32(width * s);
      const th = roundUp32(height * s);
      const none = { left: false, top: false, right: false, bottom: false };
      all.push(...(await this.pass(raster, { scale: s, x: 0, y: 0, maxFace: Infinity, interior: none }, tw, th)));
      if (long < 320) {
        // A tight crop: the face touches every edge, which YuNet handles badly; look again with a margin.
        const ps = s * 0.6;
        const pw = roundUp32(tw), ph = roundUp32(th);
        all.push(...(await this.pass(raster, { scale: ps, x: -(pw - width * ps) / 2, y: -(ph - height * ps) / 2, maxFace: Infinity, interior: none }, pw, ph)));
      }
      if (s < 0.5) {
        // Very large photos: the whole-photo pass shrinks small faces below the model's reach; tile at 2x.
        const tile = this.opts.maxSide;
        const windows = planWindows(width, height, {
          tileWidth: tile, tileHeight: tile, maxScale: Math.min(1, 2 * s), overlap: tile / 4, maxFaceFine: tile / 5, paddedPass: false,
        }).filter((w) => w.scale > s * 1.5);
        for (const w of windows) all.push(...(await this.pass(raster, w, tile, tile)));
      }
    }
    return nms(all, this.opts.nmsIou, 0.8);
  }

  private async pass(raster: MipRaster, win: Window, tw: number, th: number): Promise<Detection[]> {
    const spec: TensorSpec = { width: tw, height: th, order: 'bgr', mean: 0, std: 1, pad: 0 };
    const input = new Float32Array(3 * tw * th);
    raster.warpToTensor(rectAffine(win.x / win.scale, win.y / win.scale, tw / win.scale, th / win.scale, tw, th), spec, input);
    const out = await runSession(this.session, { input: new Tensor('float32', input, [1, 3, th, tw]) });
    const found: Detection[] = [];
    for (const stride of STRIDES) {
      const cls = out[`cls_${stride}`]!.data as Float32Array;
      const obj = out[`obj_${stride}`]!.data as Float32Array;
      const bbox = out[`bbox_${stride}`]!.data as Float32Array;
      const kps = out[`kps_${stride}`]!.data as Float32Array;
      const cols = tw / stride;
      for (let i = 0; i < cls.length; i++) {
        const score = Math.sqrt(clamp01(cls[i]!) * clamp01(obj[i]!));
        if (score < this.opts.scoreThreshold) continue;
        const col = i % cols;
        const row = (i - col) / cols;
        const cx = (col + bbox[4 * i]!) * stride;
        const cy = (row + bbox[4 * i + 1]!) * stride;
        const w = Math.exp(bbox[4 * i + 2]!) * stride;
        const h = Math.exp(bbox[4 * i + 3]!) * stride;
        const box = { x: cx - w / 2, y: cy - h / 2, width: w, height: h };
        if (Math.max(w, h) > win.maxFace || touchesInterior(win, box, tw, th)) continue;
        const keypoints: Point[] = [];
        for (let k = 0; k < 5; k++) {
          keypoints.push([
            ((col + kps[10 * i + 2 * k]!) * stride + win.x) / win.scale,
            ((row + kps[10 * i + 2 * k + 1]!) * stride + win.y) / win.scale,
          ]);
        }
        found.push({
          score,
          keypoints,
          box: { x: (box.x + win.x) / win.scale, y: (box.y + win.y) / win.scale, width: w / win.scale, height: h / win.scale },
        });
      }
    }
    return nms(found, this.opts.nmsIou);
  }
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

function roundUp32(v: number): number {
  return Math.max(32, Math.ceil(v / 32) * 32);
}
