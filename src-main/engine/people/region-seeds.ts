/**
 * Names other programs already gave faces (MWG / Microsoft regions in the photo or its sidecar) become
 * user assignments of the new faces they cover: the person of that name, created when there is none.
 * Runs at the start of each clustering run, for photos whose faces are not clustered yet.
 */
import { randomUUID } from 'node:crypto';
import type { LibraryStore } from '../store/library-store';
import type { FaceRow, PersonRow } from '../store/rows';
import type { PeopleSettings } from '../settings';
import { readNamedRegions } from './region-reader';
import type { Box } from './xmp';
import { newPersonRow, personStats } from './person-stats';

export interface RegionSeedResult {
  faces: number;
  /** Persons that received faces (created or existing); their stats need a refresh. */
  personIds: string[];
  created: number;
}

export function boxIou(a: Box, b: Box): number {
  const x1 = Math.max(a.x, b.x), y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width), y2 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

export async function seedFromRegions(store: LibraryStore, settings: Pick<PeopleSettings, 'regionMinIou'>, signal?: AbortSignal): Promise<RegionSeedResult> {
  const faces = await store.faces.unclusteredUndecidedImages(['id', 'media_id', 'x', 'y', 'w', 'h']);
  if (faces.length === 0) return { faces: 0, personIds: [], created: 0 };
  const byMedia = new Map<string, FaceRow[]>();
  for (const f of faces) {
    let l = byMedia.get(f.media_id);
    if (!l) byMedia.set(f.media_id, (l = []));
    l.push(f);
  }
  const media = await store.media.byIds([...byMedia.keys()]);
  const matches: { faceId: string; name: string }[] = [];
  for (const m of media) {
    if (signal?.aborted) break;
    let regions;
    try {
      regions = await readNamedRegions(m.path);
    } catch {
      continue;
    }
    const taken = new Set<string>();
    for (const r of regions) {
      let best: FaceRow | null = null;
      let bestIou = settings.regionMinIou;
      for (const f of byMedia.get(m.id) ?? []) {
        const iou = boxIou(r.box, { x: f.x, y: f.y, width: f.w, height: f.h });
        if (!taken.has(f.id) && iou >= bestIou) {
          best = f;
          bestIou = iou;
        }
      }
      if (best) {
        taken.add(best.id);
        matches.push({ faceId: best.id, name: r.name.trim() });
      }
    }
  }
  if (matches.length === 0) return { faces: 0, personIds: [], created: 0 };
  const named = await store.persons.find({ named: true });
  const byName = new Map(named.map((p) => [p.name!.toLowerCase(), p.id]));
  const created: PersonRow[] = [];
  const now = Date.now();
  for (const { name } of matches) {
    if (!name || byName.has(name.toLowerCase())) continue;
    const row = newPersonRow(randomUUID(), now, personStats([], null), name);
    created.push(row);
    byName.set(name.toLowerCase(), row.id);
  }
  // Persons first: a crash in between leaves an empty named person, never a face pointing nowhere.
  await store.persons.upsert(created);
  const patches = matches.filter((m) => m.name).map((m) => ({ id: m.faceId, person_id: byName.get(m.name.toLowerCase())!, assignment: 'user' as const, clustered: true }));
  await store.faces.patch(patches);
  return { faces: patches.length, personIds: [...new Set(patches.map((p) => p.person_id))], created: created.length };
}
