/**
 * 512-d face embedding from an aligned 112x112 crop, L2-normalized so cosine similarity is a dot product.
 */
import { ALIGNED_SIZE } from './aligner';
import type { Alignment } from './aligner';
import type { MipRaster, TensorSpec } from './raster';
import { Tensor, runSession } from './onnx-runtime';
import type { Session } from './onnx-runtime';

const S = ALIGNED_SIZE;
const SPEC: TensorSpec = { width: S, height: S, order: 'rgb', mean: 127, std: 128, pad: 127 };

export interface EmbedResult {
  embedding: Float32Array;
  /** The aligned crop as the model saw it (CHW, normalized), reused for the sharpness measure. */
  aligned: Float32Array;
}

export class Embedder {
  constructor(
    private readonly session: Session,
    /** Average with the mirrored crop: steadier embeddings for one more inference per face. */
    private readonly flip: boolean,
  ) {}

  async embed(raster: MipRaster, alignment: Alignment): Promise<EmbedResult> {
    const aligned = new Float32Array(3 * S * S);
    raster.warpToTensor(alignment.warp, SPEC, aligned);
    const e = await this.run(aligned);
    if (this.flip) {
      const f = await this.run(mirror(aligned));
      for (let i = 0; i < e.length; i++) e[i]! += f[i]!;
    }
    return { embedding: l2normalize(e), aligned };
  }

  private async run(input: Float32Array): Promise<Float32Array> {
    const out = await runSession(this.session, { input: new Tensor('float32', input, [1, 3, S, S]) });
    return Float32Array.from(out.output!.data as Float32Array);
  }
}

function mirror(chw: Float32Array): Float32Array {
  const out = new Float32Array(chw.length);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < S; y++) {
      const row = c * S * S + y * S;
      for (let x = 0; x < S; x++) out[row + x] = chw[row + S - 1 - x]!;
    }
  }
  return out;
}

export function l2normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
