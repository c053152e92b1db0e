/**
 * The neighbour kernels agree (ONNX GEMM+TopK built in code vs typed arrays), and the inverted file
 * finds nearly every exact neighbour on clustered data like face embeddings.
 */
import { describe, expect, it } from 'vitest';
import { JsKnnKernel, OnnxKnnKernel } from '../../src-main/engine/people/knn-kernel';
import { nearestNeighbours } from '../../src-main/engine/people/knn-graph';
import { sphericalKMeans } from '../../src-main/engine/people/kmeans';
import { seededRandom } from '../../src-main/engine/people/random';

function gauss(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());
}

/** `ids` identity centres, `per` faces each; noise 0.7 gives same-identity cosines ~0.67 as measured on the fixtures. */
function clustered(ids: number, per: number, dim: number, seed = 1, noise = 1): Float32Array {
  const rand = seededRandom(seed);
  const out = new Float32Array(ids * per * dim);
  for (let i = 0; i < ids; i++) {
    const c = Array.from({ length: dim }, () => gauss(rand));
    for (let j = 0; j < per; j++) {
      const o = (i * per + j) * dim;
      let n = 0;
      for (let d = 0; d < dim; d++) {
        out[o + d] = c[d]! + noise * gauss(rand);
        n += out[o + d]! ** 2;
      }
      for (let d = 0; d < dim; d++) out[o + d]! /= Math.sqrt(n);
    }
  }
  return out;
}

describe('knn kernels', () => {
  it('give the same top-k from ONNX Runtime and typed arrays', async () => {
    const dim = 64;
    const base = clustered(20, 10, dim);
    const q = base.slice(0, 15 * dim);
    const onnx = await OnnxKnnKernel.create(1);
    const a = await onnx.topK(q, base, dim, 5);
    const b = await new JsKnnKernel().topK(q, base, dim, 5);
    await onnx.close();
    for (let i = 0; i < a.values.length; i++) expect(a.values[i]).toBeCloseTo(b.values[i]!, 4);
    // The query is its own best match.
    for (let i = 0; i < 15; i++) expect(a.indices[i * 5]).toBe(i);
  });

  it('pads rows when there are fewer candidates than k', async () => {
    const dim = 8;
    const base = clustered(1, 3, dim);
    for (const k of [await OnnxKnnKernel.create(1), new JsKnnKernel()]) {
      const r = await k.topK(base.slice(0, dim), base, dim, 5);
      expect([...r.indices].slice(3)).toEqual([-1, -1]);
      expect(r.values[4]).toBe(-Infinity);
      await k.close();
    }
  });
});

describe('neighbour graph', () => {
  it('excludes the query itself and matches exact search through the inverted file', async () => {
    // 128 dimensions: different-identity cosines spread like the fixtures' (sd ~0.09).
    const dim = 128;
    const vectors = clustered(150, 12, dim, 3, 0.7);
    const n = vectors.length / dim;
    const rows = Int32Array.from({ length: n }, (_, i) => i);
    const kernel = await OnnxKnnKernel.create(1);
    const exact = await nearestNeighbours(kernel, vectors, dim, rows, 8, { exactMaxCells: Infinity, nprobe: 8 });
    const ivf = await nearestNeighbours(kernel, vectors, dim, rows, 8, { exactMaxCells: 0, nprobe: 8 });
    let hit = 0;
    for (let q = 0; q < n; q++) {
      const truth = new Set(exact.nbr.slice(q * 8, q * 8 + 8));
      expect(truth.has(q)).toBe(false);
      for (let j = 0; j < 8; j++) if (truth.has(ivf.nbr[q * 8 + j]!)) hit++;
    }
    expect(hit / (n * 8)).toBeGreaterThan(0.97);
    await kernel.close();
  });

  it('k-means puts each identity mostly in one list', async () => {
    const dim = 32;
    const vectors = clustered(20, 30, dim, 5);
    const km = await sphericalKMeans(new JsKnnKernel(), vectors, dim, 20, { seed: 2 });
    let majority = 0;
    for (let i = 0; i < 20; i++) {
      const counts = new Map<number, number>();
      for (let j = 0; j < 30; j++) counts.set(km.assignment[i * 30 + j]!, (counts.get(km.assignment[i * 30 + j]!) ?? 0) + 1);
      majority += Math.max(...counts.values());
    }
    expect(majority / 600).toBeGreaterThan(0.8);
  });
});
