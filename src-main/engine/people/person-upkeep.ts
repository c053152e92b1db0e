/**
 * Keeping person rows true to their faces outside clustering runs: after corrections, after the indexer
 * removed photos (their faces are gone), and at open to repair what a crash between two writes left.
 * Cheap: only the named persons' faces are read, except by reconcile, which reads three short columns.
 */
import type { LibraryStore } from '../store/library-store';
import type { FaceRow, PersonRow } from '../store/rows';
import type { PeoplePrefs } from './people-prefs';
import { personStats, statsChanged } from './person-stats';
import type { StatFace } from './person-stats';

export interface UpkeepResult {
  updated: string[];
  deleted: string[];
}

export async function facesOfPersons(store: LibraryStore, personIds: readonly string[], withVectors = true): Promise<Map<string, FaceRow[]>> {
  const out = new Map<string, FaceRow[]>(personIds.map((id) => [id, []]));
  const columns: (keyof FaceRow)[] = ['id', 'media_id', 'quality', 'captured_at', 'person_id', 'assignment', 'rejected', 'x', 'y', 'w', 'h', 'score', 'kind', 'frame_time', 'ranges'];
  if (withVectors) columns.push('vector');
  for (const f of await store.faces.ofPersons(personIds, columns)) out.get(f.person_id!)?.push(f);
  return out;
}

export function statFace(f: FaceRow): StatFace {
  return { id: f.id, mediaId: f.media_id, quality: f.quality, captured: f.captured_at, video: f.kind === 'video', vector: f.vector as Float32Array };
}

/**
 * Recomputes the persons' counts, cover, centroid and last capture from their faces; a person left
 * without faces is deleted unless the user named it.
 */
export async function refreshPersons(store: LibraryStore, prefs: PeoplePrefs, personIds: readonly string[], now = Date.now()): Promise<UpkeepResult> {
  const ids = [...new Set(personIds)];
  if (ids.length === 0) return { updated: [], deleted: [] };
  const persons = await store.persons.byIds(ids);
  const faces = await facesOfPersons(store, persons.map((p) => p.id));
  const patches: (Partial<PersonRow> & { id: string })[] = [];
  const deleted: string[] = [];
  for (const p of persons) {
    const s = personStats((faces.get(p.id) ?? []).map(statFace), prefs.userCover(p.id));
    if (s.face_count === 0 && !p.name) deleted.push(p.id);
    else if (statsChanged(p, s)) patches.push({ id: p.id, ...s, updated_at: now });
  }
  await store.persons.patch(patches);
  await store.persons.delete(deleted);
  await prefs.forget(deleted);
  return { updated: patches.map((p) => p.id), deleted };
}

/**
 * Repairs the whole persons table cheaply: faces pointing at a person that does not exist go back to
 * unclustered (the next run decides them again), and persons whose counts disagree with their faces are
 * refreshed. Run it at open and after the indexer removed photos.
 */
export async function reconcilePersons(store: LibraryStore, prefs: PeoplePrefs): Promise<UpkeepResult & { orphanFaces: number }> {
  const persons = await store.persons.find();
  const byId = new Map(persons.map((p) => [p.id, p]));
  const faces = await store.faces.assigned(['id', 'person_id', 'media_id']);
  const counts = new Map<string, { faces: number; media: Set<string> }>();
  const orphans: string[] = [];
  for (const f of faces) {
    if (!byId.has(f.person_id!)) {
      orphans.push(f.id);
      continue;
    }
    let c = counts.get(f.person_id!);
    if (!c) counts.set(f.person_id!, (c = { faces: 0, media: new Set() }));
    c.faces++;
    c.media.add(f.media_id);
  }
  await store.faces.patch(orphans.map((id) => ({ id, person_id: null, assignment: 'none' as const, clustered: false })));
  const stale = persons.filter((p) => {
    const c = counts.get(p.id);
    return (c?.faces ?? 0) !== p.face_count || (c?.media.size ?? 0) !== p.media_count || (!c && !p.name);
  });
  const r = await refreshPersons(store, prefs, stale.map((p) => p.id));
  return { ...r, orphanFaces: orphans.length };
}
