/**
 * Spherical k-means (cosine) on unit vectors: the coarse partition behind the inverted-file search of
 * knn-graph.ts. Trained on a sample because list quality barely improves past ~64 points per list.
 */
import type { KnnKernel } from './knn-kernel';
import { gatherRows, normalized } from './vector-math';
import { sampleIndices, seededRandom } from './random';

export interface KMeansResult {
  centroids: Float32Array;
  lists: number;
  /** Nearest centroid of every input row. */
  assignment: Int32Array;
}

export async function sphericalKMeans(
  kernel: KnnKernel,
  vectors: Float32Array,
  dim: number,
  lists: number,
  opts: { iterations?: number; samplePerList?: number; seed?: number } = {},
): Promise<KMeansResult> {
  const n = vectors.length / dim;
  const rand = seededRandom(opts.seed ?? 1);
  const k = Math.max(1, Math.min(lists, n));
  const sample = gatherRows(vectors, sampleIndices(n, k * (opts.samplePerList ?? 64), rand), dim);
  const m = sample.length / dim;
  let centroids = gatherRows(sample, sampleIndices(m, k, rand), dim);
  for (let it = 0; it < (opts.iterations ?? 8); it++) {
    const near = await kernel.topK(sample, centroids, dim, 1);
    const sums = Array.from({ length: k }, () => new Float64Array(dim));
    const counts = new Int32Array(k);
    for (let i = 0; i < m; i++) {
      const c = near.indices[i]!;
      counts[c]!++;
      const s = sums[c]!;
      for (let d = 0; d < dim; d++) s[d]! += sample[i * dim + d]!;
    }
    const next = new Float32Array(k * dim);
    for (let c = 0; c < k; c++) {
      // An empty list keeps its old centroid rather than collapsing to zero.
      next.set(counts[c]! > 0 ? normalized(sums[c]!) : centroids.subarray(c * dim, c * dim + dim), c * dim);
    }
    centroids = next;
  }
  const near = await kernel.topK(vectors, centroids, dim, 1);
  return { centroids, lists: k, assignment: near.indices };
}
