/**
 * The faceSearchToken of media and clip search: the query itself, not a key into server-side state.
 * The CLI runs each command in a new process and the app may restart between a media search and the
 * clip search that follows it, so a token that carries its query works everywhere and never expires.
 *
 * Format: `fs1.` + base64url(JSON) [+ `.` + base64url(int8 codes)], the JSON holding
 *   l: the first 8 characters of the library id (a token from another library is refused),
 *   m: embedding model id, t: match threshold,
 *   and either p: person id, or s: the scale of the query embedding's int8 codes (the second part).
 * int8 with a per-vector scale moves cosine similarities by < 0.002 and keeps the token ~0.75 kB.
 * Media and clip search always run with the vector as the token carries it (canonicalVector), so a
 * first page asked with the image and the next pages asked with the token rank identically.
 */
import { z } from 'zod';
import { EngineError } from '../errors';

export type TokenQuery = { kind: 'vector'; vector: Float32Array } | { kind: 'person'; personId: string };

export interface SearchToken {
  query: TokenQuery;
  threshold: number;
  modelId: string;
}

const PREFIX = 'fs1.';

const PayloadSchema = z
  .object({
    l: z.string(),
    m: z.string(),
    t: z.number().min(0).max(1),
    p: z.string().min(1).optional(),
    s: z.number().positive().optional(),
  })
  .refine((x) => (x.p !== undefined) !== (x.s !== undefined));

function libraryTag(libraryId: string): string {
  return libraryId.slice(0, 8);
}

/** int8 codes with one scale per vector. */
export function quantize(v: Float32Array): { codes: Int8Array; scale: number } {
  let max = 0;
  for (const x of v) max = Math.max(max, Math.abs(x));
  const scale = max / 127 || 1;
  const codes = new Int8Array(v.length);
  for (let i = 0; i < v.length; i++) codes[i] = Math.round(v[i]! / scale);
  return { codes, scale };
}

/** Back to an L2-normalized float vector. */
export function dequantize(codes: Int8Array, scale: number): Float32Array {
  const v = new Float32Array(codes.length);
  let n = 0;
  for (let i = 0; i < codes.length; i++) {
    v[i] = codes[i]! * scale;
    n += v[i]! * v[i]!;
  }
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

/** The query vector exactly as a token will carry it. */
export function canonicalVector(v: Float32Array): Float32Array {
  const { codes, scale } = quantize(v);
  return dequantize(codes, scale);
}

export function encodeToken(token: SearchToken, libraryId: string): string {
  const payload: z.infer<typeof PayloadSchema> = { l: libraryTag(libraryId), m: token.modelId, t: token.threshold };
  let codes = '';
  if (token.query.kind === 'person') {
    payload.p = token.query.personId;
  } else {
    const q = quantize(token.query.vector);
    payload.s = q.scale;
    codes = `.${Buffer.from(q.codes.buffer).toString('base64url')}`;
  }
  return PREFIX + Buffer.from(JSON.stringify(payload)).toString('base64url') + codes;
}

export function decodeToken(text: string, libraryId: string, dim: number): SearchToken {
  const bad = (why: string) => new EngineError('SEARCH_TOKEN_INVALID', `The search token ${why}; run the search again with an image or a person`);
  if (!text.startsWith(PREFIX)) throw bad('is not one this app issued');
  const [head = '', codes, extra] = text.slice(PREFIX.length).split('.');
  if (extra !== undefined) throw bad('is damaged');
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'));
  } catch {
    throw bad('is damaged');
  }
  const r = PayloadSchema.safeParse(json);
  if (!r.success) throw bad('is damaged');
  const p = r.data;
  if (p.l !== libraryTag(libraryId)) throw bad('belongs to another library');
  if (p.p !== undefined) {
    if (codes !== undefined) throw bad('is damaged');
    return { query: { kind: 'person', personId: p.p }, threshold: p.t, modelId: p.m };
  }
  const bytes = Buffer.from(codes ?? '', 'base64url');
  if (bytes.length !== dim) throw bad('is damaged');
  const q = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  return { query: { kind: 'vector', vector: dequantize(q, p.s!) }, threshold: p.t, modelId: p.m };
}
