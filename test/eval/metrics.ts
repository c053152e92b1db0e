/**
 * Recognition and clustering metrics shared by the people tests and `npm run eval:recognition`
 * (kept free of vitest so the eval script can run them under tsx).
 */

export interface ClusterMetrics {
  pairwisePrecision: number;
  pairwiseRecall: number;
  bcubedPrecision: number;
  bcubedRecall: number;
  bcubedF: number;
}

/** Pairwise and BCubed scores of `personOf` (faces in no person count as singletons) against `truth`. */
export function clusterMetrics(truth: Map<string, string>, personOf: Map<string, string | null>): ClusterMetrics {
  const faces = [...truth.keys()];
  // Counting by (person, identity) cells keeps this linear: a library-sized set has ~10^4 labelled faces.
  const key = (f: string) => personOf.get(f) ?? `single:${f}`;
  const byPerson = new Map<string, number>(), byTruth = new Map<string, number>(), byBoth = new Map<string, number>();
  const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const f of faces) {
    inc(byPerson, key(f));
    inc(byTruth, truth.get(f)!);
    inc(byBoth, `${key(f)}\u0000${truth.get(f)!}`);
  }
  let bp = 0, br = 0;
  for (const f of faces) {
    const both = byBoth.get(`${key(f)}\u0000${truth.get(f)!}`)!;
    bp += both / byPerson.get(key(f))!;
    br += both / byTruth.get(truth.get(f)!)!;
  }
  const pairs = (m: Map<string, number>) => [...m.values()].reduce((s, n) => s + (n * (n - 1)) / 2, 0);
  const tp = pairs(byBoth), sameP = pairs(byPerson), sameT = pairs(byTruth);
  bp /= faces.length || 1;
  br /= faces.length || 1;
  return { pairwisePrecision: tp / (sameP || 1), pairwiseRecall: tp / (sameT || 1), bcubedPrecision: bp, bcubedRecall: br, bcubedF: (2 * bp * br) / (bp + br || 1) };
}

export interface VerificationMetrics {
  samePairs: number;
  differentPairs: number;
  threshold: number;
  accuracyAtThreshold: number;
  bestAccuracy: number;
  bestThreshold: number;
  rocAuc: number;
  tarAtFar1e2: number;
  tarAtFar1e3: number;
}

/** Verification figures of same-identity and different-identity pair scores (cosine similarities). */
export function verificationMetrics(same: Float64Array, diff: Float64Array, threshold: number): VerificationMetrics {
  const s = Float64Array.from(same).sort(), d = Float64Array.from(diff).sort();
  const n = s.length + d.length;
  const below = (a: Float64Array, t: number) => { // count of values < t
    let lo = 0, hi = a.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (a[m]! < t) lo = m + 1; else hi = m; }
    return lo;
  };
  const acc = (t: number) => ((s.length - below(s, t)) + below(d, t)) / n;
  let best = 0, bestT = 0;
  for (const t of [...s, ...d]) {
    const a = acc(t);
    if (a > best) { best = a; bestT = t; }
  }
  // AUC = P(same > different) + P(tie)/2, by a merge over the two sorted lists.
  let auc = 0, j = 0, k = 0;
  for (const v of s) {
    while (j < d.length && d[j]! < v) j++;
    k = j;
    while (k < d.length && d[k]! === v) k++;
    auc += j + (k - j) / 2;
  }
  auc /= (s.length * d.length) || 1;
  const tarAt = (far: number) => {
    // Smallest threshold whose false accepts stay within far: above the (1-far) quantile of different pairs.
    const allowed = Math.floor(far * d.length);
    const t = d.length === 0 ? 0 : d[d.length - 1 - allowed]!;
    return (s.length - below(s, t + 1e-12)) / (s.length || 1);
  };
  return {
    samePairs: s.length, differentPairs: d.length, threshold, accuracyAtThreshold: acc(threshold), bestAccuracy: best,
    bestThreshold: bestT, rocAuc: auc, tarAtFar1e2: tarAt(1e-2), tarAtFar1e3: tarAt(1e-3),
  };
}
