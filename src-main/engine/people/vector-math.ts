/**
 * Typed-array math on row-major matrices of L2-normalized embeddings (row i at i * dim). Unrolled by
 * four because V8 does not vectorize: this is ~1.1 GMAC/s on one core, the fallback when the native
 * kernel (knn-kernel.ts) is unavailable.
 */

export function dotAt(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let i = 0;
  for (; i + 3 < dim; i += 4) {
    s0 += a[ao + i]! * b[bo + i]!;
    s1 += a[ao + i + 1]! * b[bo + i + 1]!;
    s2 += a[ao + i + 2]! * b[bo + i + 2]!;
    s3 += a[ao + i + 3]! * b[bo + i + 3]!;
  }
  for (; i < dim; i++) s0 += a[ao + i]! * b[bo + i]!;
  return s0 + s1 + s2 + s3;
}

/** Adds `scale * row` of `src` into `acc` (a Float64Array so sums of thousands of faces keep precision). */
export function addRow(acc: Float64Array, src: Float32Array, row: number, dim: number, scale = 1): void {
  const o = row * dim;
  for (let i = 0; i < dim; i++) acc[i]! += scale * src[o + i]!;
}

/** The unit vector of `v` as Float32; a zero vector stays zero. */
export function normalized(v: Float64Array | Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  const out = new Float32Array(v.length);
  if (n === 0) return out;
  const inv = 1 / Math.sqrt(n);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * inv;
  return out;
}

/** Dot product of two float64 sums (cluster sums in agglomerative.ts). */
export function dot64(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Gathers rows `idx` of `src` into a new contiguous matrix. */
export function gatherRows(src: Float32Array, idx: ArrayLike<number>, dim: number): Float32Array {
  const out = new Float32Array(idx.length * dim);
  for (let r = 0; r < idx.length; r++) out.set(src.subarray(idx[r]! * dim, idx[r]! * dim + dim), r * dim);
  return out;
}
