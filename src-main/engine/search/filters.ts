/**
 * Search filters. Face-level conditions (folder, kind, capture time, media, person, model) are a
 * FaceFilter the store applies before the vector search (prefilter), so a narrow filter still yields its
 * best matches instead of a filtered top-N. Media-level conditions (ICE custom filters: rating, camera,
 * tags) live only on media rows and are checked on the candidate media: rating and camera by the store
 * (a MediaFilter), tags here.
 */
import type { CustomFilters } from '../../contract/search';
import type { MediaRow } from '../store/rows';
import type { MediaFilter } from '../store/filters';

/** ICE CustomFilters mapped to media columns: intField1 → rating, strField1 → camera, strField2 → tags. */
export interface MediaPredicate {
  /** Rating and camera conditions, checked by the store. */
  filter: MediaFilter;
  /** Checks the rest (tags) on a media row. */
  test: (m: Pick<MediaRow, 'tags'>) => boolean;
  active: boolean;
}

export function mediaPredicate(filters: CustomFilters | undefined): MediaPredicate {
  const filter: MediaFilter = {};
  if (filters?.intField1 !== undefined) filter.rating = filters.intField1;
  if (filters?.strField1 !== undefined) filter.camera = filters.strField1;
  const tagFilter = filters?.strField2;
  const wanted = tagFilter === undefined ? null : new Set(typeof tagFilter === 'string' ? [tagFilter] : tagFilter);
  const test = (m: Pick<MediaRow, 'tags'>): boolean => {
    if (!wanted) return true;
    return mediaTags(m.tags).some((t) => wanted.has(t));
  };
  return { filter, test, active: filter.rating !== undefined || filter.camera !== undefined || wanted !== null };
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
