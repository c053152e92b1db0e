/**
 * A person row's derived fields, recomputed from its faces whenever they change: counts, cover (the
 * user's choice while it is still one of the person's faces, else the best quality face), centroid
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
  vector: Float32Array;
}

export type PersonStats = Pick<PersonRow, 'face_count' | 'media_count' | 'cover_face_id' | 'centroid' | 'last_captured_at'>;

export function personStats(faces: readonly StatFace[], userCover: string | null): PersonStats {
  if (faces.length === 0) return { face_count: 0, media_count: 0, cover_face_id: null, centroid: null, last_captured_at: null };
  const media = new Set<string>();
  let best: StatFace | null = null;
  let last: number | null = null;
  let sum: Float64Array | null = null;
  for (const f of faces) {
    media.add(f.mediaId);
    if (!best || f.quality > best.quality || (f.quality === best.quality && f.id < best.id)) best = f;
    if (f.captured !== null && f.captured === f.captured && (last === null || f.captured > last)) last = f.captured;
    sum ??= new Float64Array(f.vector.length);
    for (let i = 0; i < f.vector.length; i++) sum[i]! += f.vector[i]!;
  }
  const cover = userCover && faces.some((f) => f.id === userCover) ? userCover : best!.id;
  return { face_count: faces.length, media_count: media.size, cover_face_id: cover, centroid: normalized(sum!), last_captured_at: last };
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
