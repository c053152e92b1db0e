/**
 * Typed filters the repositories turn into LanceDB filter expressions (DataFusion SQL), so no module
 * outside the store writes SQL. Callers validate the values (the contract's schemas); the store quotes them.
 */
import type { MediaKind } from './rows';
import { sqlIn, sqlString } from './sql';

/**
 * Face-level conditions over the faces table's denormalized columns (folder, kind and capture time are
 * copied from the media row), so a vector search prefilters without a join.
 */
export interface FaceFilter {
  folderIds?: readonly string[] | undefined;
  kind?: MediaKind | undefined;
  /** Capture time, inclusive, ms since 1970. */
  from?: number | undefined;
  to?: number | undefined;
  mediaIds?: readonly string[] | undefined;
  personId?: string | undefined;
  modelId?: string | undefined;
}

/** Media-level conditions of a search (ICE custom filters rating and camera). */
export interface MediaFilter {
  rating?: number | readonly number[] | { gte?: number | undefined; lte?: number | undefined } | undefined;
  camera?: string | readonly string[] | undefined;
}

/** The media list's conditions (the library's media grid). */
export interface MediaListFilter {
  kind?: MediaKind | undefined;
  folderId?: string | undefined;
  /** Only media with at least one face. */
  withFaces?: boolean | undefined;
  /** Capture time bounds, inclusive, ms since 1970 (fractions widen the range to whole ms). */
  from?: number | undefined;
  to?: number | undefined;
}

/** Person-level conditions; every condition given must hold. */
export interface PersonFilter {
  named?: boolean | undefined;
  hidden?: boolean | undefined;
  /** Only persons with at least one face. */
  withFaces?: boolean | undefined;
  /** Only persons with fewer faces than this. */
  facesBelow?: number | undefined;
}

function num(v: number): string {
  // Finite by contract; String() of a JS number is valid SQL (no exponent below 1e21).
  if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
  return String(v);
}

export function and(parts: readonly (string | undefined)[]): string | undefined {
  const kept = parts.filter((p): p is string => p !== undefined && p !== '');
  return kept.length ? kept.map((p) => `(${p})`).join(' AND ') : undefined;
}

/** The LanceDB filter for `f`, or undefined when nothing is filtered. */
export function faceWhere(f: FaceFilter): string | undefined {
  const parts: string[] = [];
  if (f.folderIds) parts.push(sqlIn('folder_id', f.folderIds));
  if (f.kind) parts.push(`kind = ${sqlString(f.kind)}`);
  if (f.from !== undefined) parts.push(`captured_at >= ${num(f.from)}`);
  if (f.to !== undefined) parts.push(`captured_at <= ${num(f.to)}`);
  if (f.mediaIds) parts.push(sqlIn('media_id', f.mediaIds));
  if (f.personId !== undefined) parts.push(`person_id = ${sqlString(f.personId)}`);
  if (f.modelId !== undefined) parts.push(`model_id = ${sqlString(f.modelId)}`);
  return and(parts);
}

export function mediaWhere(f: MediaFilter): string | undefined {
  const parts: string[] = [];
  const rating = f.rating;
  if (typeof rating === 'number') parts.push(`rating = ${num(rating)}`);
  else if (Array.isArray(rating)) parts.push(`rating IN (${(rating as readonly number[]).map(num).join(', ')})`);
  else if (rating) {
    const range = rating as { gte?: number; lte?: number };
    if (range.gte !== undefined) parts.push(`rating >= ${num(range.gte)}`);
    if (range.lte !== undefined) parts.push(`rating <= ${num(range.lte)}`);
    // An empty range object still asks for a rating to exist.
    if (range.gte === undefined && range.lte === undefined) parts.push('rating IS NOT NULL');
  }
  const camera = f.camera;
  if (typeof camera === 'string') parts.push(`camera = ${sqlString(camera)}`);
  else if (camera) parts.push(sqlIn('camera', camera as readonly string[]));
  return and(parts);
}

export function mediaListWhere(f: MediaListFilter): string | undefined {
  const parts: string[] = [];
  if (f.kind) parts.push(`kind = ${sqlString(f.kind)}`);
  if (f.folderId) parts.push(`folder_id = ${sqlString(f.folderId)}`);
  if (f.withFaces) parts.push('face_count > 0');
  // Capture time falls back to the file time when EXIF has none (the indexer writes it so).
  if (f.from !== undefined) parts.push(`captured_at >= ${num(Math.floor(f.from))}`);
  if (f.to !== undefined) parts.push(`captured_at <= ${num(Math.ceil(f.to))}`);
  return and(parts);
}

export function personWhere(f: PersonFilter): string | undefined {
  const parts: string[] = [];
  if (f.named !== undefined) parts.push(f.named ? 'name IS NOT NULL' : 'name IS NULL');
  if (f.hidden !== undefined) parts.push(`hidden = ${f.hidden}`);
  if (f.withFaces) parts.push('face_count > 0');
  if (f.facesBelow !== undefined) parts.push(`face_count < ${num(Math.floor(f.facesBelow))}`);
  return and(parts);
}
