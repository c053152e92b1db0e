/**
 * A person row's derived fields, recomputed from its faces whenever they change: counts, cover (the
 * user's choice while it is still one of the person's faces, else the best photo face, see coverOf), centroid
 * (normalized mean embedding) and the most recent capture time.
 */
import type { PersonRow } from '../store/rows';
import { normalized } from './vector-math';

export interface StatFace {
  id: string;
  mediaId: string;
  quality: number;
  /** ms, NaN or null when unknown. */
  captured: number | null;
  /** A face of a video frame: a cover only when the person has no photo face. */
  video: boolean;
  vector: Float32Array;
}

export type PersonStats = Pick<PersonRow, 'face_count' | 'media_count' | 'cover_face_id' | 'centroid' | 'last_captured_at'>;

export function personStats(faces: readonly StatFace[], userCover: string | null): PersonStats {
  if (faces.length === 0) return { face_count: 0, media_count: 0, cover_face_id: null, centroid: null, last_captured_at: null };
  const media = new Set<string>();
  let last: number | null = null;
  let sum: Float64Array | null = null;
  for (const f of faces) {
    media.add(f.mediaId);
    if (f.captured !== null && f.captured === f.captured && (last === null || f.captured > last)) last = f.captured;
    sum ??= new Float64Array(f.vector.length);
    for (let i = 0; i < f.vector.length; i++) sum[i]! += f.vector[i]!;
  }
  const centroid = normalized(sum!);
  const cover = userCover && faces.some((f) => f.id === userCover) ? userCover : coverOf(faces, centroid);
  return { face_count: faces.length, media_count: media.size, cover_face_id: cover, centroid, last_captured_at: last };
}

/**
 * The best photo face (a video frame only when there is no photo face): highest quality times its
 * similarity to the person's mean face, so a sharp face that joined by mistake (a stranger, a poster)
 * does not become the face the user sees for the person.
 */
function coverOf(faces: readonly StatFace[], centroid: Float32Array): string {
  const photos = faces.some((f) => !f.video);
  let best: StatFace | null = null, bestScore = -Infinity;
  for (const f of faces) {
    if (photos && f.video) continue;
    let sim = 0;
    for (let i = 0; i < centroid.length; i++) sim += centroid[i]! * f.vector[i]!;
    const score = f.quality * Math.max(0, sim);
    if (score > bestScore || (score === bestScore && f.id < best!.id)) { best = f; bestScore = score; }
  }
  return best!.id;
}

export function newPersonRow(id: string, now: number, stats: PersonStats, name: string | null = null): PersonRow {
  return { id, name, hidden: false, confirmed: false, birth_date: null, created_at: now, updated_at: now, ...stats };
}

/** True when the stats differ from the row's (so unchanged persons are not rewritten). */
export function statsChanged(row: PersonRow, s: PersonStats): boolean {
  if (row.face_count !== s.face_count || row.media_count !== s.media_count || row.cover_face_id !== s.cover_face_id) return true;
  if ((row.last_captured_at ?? null) !== (s.last_captured_at ?? null)) return true;
  const a = row.centroid, b = s.centroid;
  if (!a || !b) return a !== b;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - b[i]!) > 1e-6) return true;
  return false;
}
