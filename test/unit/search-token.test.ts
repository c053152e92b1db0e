/** faceSearchToken: self-contained, compact, tied to its library, refused when damaged. */
import { describe, expect, it } from 'vitest';
import { canonicalVector, decodeToken, encodeToken } from '../../src-main/engine/search/search-token';
import { Rng } from '../helpers/search-library';

const LIB = '3f2c1a9e-0000-4000-8000-000000000000';

function unit(seed: number): Float32Array {
  const rng = new Rng(seed);
  const v = new Float32Array(512);
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    v[i] = rng.gauss();
    n += v[i]! * v[i]!;
  }
  return v.map((x) => x / Math.sqrt(n));
}

const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('search token', () => {
  it('carries a query vector within 0.002 cosine, in about 750 characters', () => {
    const v = unit(1);
    const token = encodeToken({ query: { kind: 'vector', vector: v }, threshold: 0.4, modelId: 'm1' }, LIB);
    expect(token.length).toBeLessThan(800);
    expect(token).toMatch(/^fs1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const back = decodeToken(token, LIB, 512);
    expect(back.threshold).toBe(0.4);
    expect(back.modelId).toBe('m1');
    expect(back.query.kind).toBe('vector');
    const w = (back.query as { vector: Float32Array }).vector;
    expect(cos(v, w)).toBeGreaterThan(0.998);
    for (let s = 2; s < 20; s++) {
      const other = unit(s);
      expect(Math.abs(cos(other, v) - cos(other, w))).toBeLessThan(0.002);
    }
  });

  it('decodes to exactly the canonical vector, so image and token queries rank alike', () => {
    const v = unit(7);
    const token = encodeToken({ query: { kind: 'vector', vector: v }, threshold: 0.3, modelId: 'm' }, LIB);
    expect(Array.from((decodeToken(token, LIB, 512).query as { vector: Float32Array }).vector)).toEqual(Array.from(canonicalVector(v)));
  });

  it('carries a person id', () => {
    const token = encodeToken({ query: { kind: 'person', personId: 'p-42' }, threshold: 0.32, modelId: '' }, LIB);
    expect(decodeToken(token, LIB, 512)).toEqual({ query: { kind: 'person', personId: 'p-42' }, threshold: 0.32, modelId: '' });
  });

  it('refuses tokens of another library, damaged ones and foreign strings with SEARCH_TOKEN_INVALID', () => {
    const token = encodeToken({ query: { kind: 'person', personId: 'p' }, threshold: 0.32, modelId: '' }, LIB);
    expect(() => decodeToken(token, 'ffffffff-other', 512)).toThrow(expect.objectContaining({ code: 'SEARCH_TOKEN_INVALID', message: expect.stringContaining('another library') }));
    expect(() => decodeToken(token.slice(0, -6), LIB, 512)).toThrow(expect.objectContaining({ code: 'SEARCH_TOKEN_INVALID' }));
    expect(() => decodeToken('abc', LIB, 512)).toThrow(expect.objectContaining({ code: 'SEARCH_TOKEN_INVALID' }));
    const vec = encodeToken({ query: { kind: 'vector', vector: unit(3) }, threshold: 0.3, modelId: 'm' }, LIB);
    expect(() => decodeToken(vec, LIB, 256)).toThrow(expect.objectContaining({ code: 'SEARCH_TOKEN_INVALID' }));
  });
});
