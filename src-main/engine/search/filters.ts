/**
 * Search filters. Face-level conditions (folder, kind, capture time, media, person, model) become one
 * LanceDB filter over the faces table's denormalized columns, applied before the vector search
 * (prefilter), so a narrow filter still yields its best matches instead of a filtered top-N.
 * Media-level conditions (ICE custom filters: rating, camera, tags) live only on media rows and are
 * checked on the candidate media.
 */
import type { CustomFilters } from '../../contract/search';
import type { MediaRow } from '../store/rows';
import { sqlIn, sqlString } from '../store/sql';

export interface FaceFilter {
  folderIds?: readonly string[] | undefined;
  kind?: 'image' | 'video' | undefined;
  /** Capture time, inclusive, ms since 1970. */
  from?: number | undefined;
  to?: number | undefined;
  mediaIds?: readonly string[] | undefined;
  personId?: string | undefined;
  modelId?: string | undefined;
}

function num(v: number): string {
  // Finite by contract; String() of a JS number is valid SQL (no exponent below 1e21).
  if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
  return String(v);
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
  return parts.length ? parts.map((p) => `(${p})`).join(' AND ') : undefined;
}

/** ICE CustomFilters mapped to media columns: intField1 → rating, strField1 → camera, strField2 → tags. */
export interface MediaPredicate {
  /** SQL over the media table (rating, camera), or undefined. */
  where: string | undefined;
  /** Checks the rest (tags) on a media row. */
  test: (m: Pick<MediaRow, 'tags'>) => boolean;
  active: boolean;
}

export function mediaPredicate(filters: CustomFilters | undefined): MediaPredicate {
  const parts: string[] = [];
  const rating = filters?.intField1;
  if (typeof rating === 'number') parts.push(`rating = ${num(rating)}`);
  else if (Array.isArray(rating)) parts.push(`rating IN (${rating.map(num).join(', ')})`);
  else if (rating) {
    if (rating.gte !== undefined) parts.push(`rating >= ${num(rating.gte)}`);
    if (rating.lte !== undefined) parts.push(`rating <= ${num(rating.lte)}`);
    // An empty range object still asks for a rating to exist.
    if (rating.gte === undefined && rating.lte === undefined) parts.push('rating IS NOT NULL');
  }
  const camera = filters?.strField1;
  if (typeof camera === 'string') parts.push(`camera = ${sqlString(camera)}`);
  else if (camera) parts.push(sqlIn('camera', camera));
  const tagFilter = filters?.strField2;
  const wanted = tagFilter === undefined ? null : new Set(typeof tagFilter === 'string' ? [tagFilter] : tagFilter);
  const test = (m: Pick<MediaRow, 'tags'>): boolean => {
    if (!wanted) return true;
    return mediaTags(m.tags).some((t) => wanted.has(t));
  };
  const where = parts.length ? parts.map((p) => `(${p})`).join(' AND ') : undefined;
  return { where, test, active: where !== undefined || wanted !== null };
}

/** The media table's `tags` column: a JSON array of strings (keywords from EXIF/XMP). */
export function mediaTags(json: string | null): string[] {
  if (!json) return [];
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}
