/**
 * Writes named faces as MWG regions into XMP sidecars so digiKam, Lightroom and others show the names.
 * Originals are never touched: rewriting a photo's own XMP safely (every container, extended XMP,
 * preserving the rest of the file) needs a metadata library this app does not carry. A sidecar this app
 * wrote is regenerated; another program's sidecar keeps everything but its mwg-rs:Regions element.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { LibraryStore } from '../store/library-store';
import type { PeopleSettings } from '../settings';
import type { TaskHandle } from '../tasks/task-registry';
import type { WriteXmpResult } from '../../contract/people';
import { EngineError } from '../errors';
import { imageGeometry } from './region-reader';
import { mergeRegionsIntoXmp, xmpPacket } from './xmp';
import type { NamedRegion } from './xmp';
import { mediaPaths } from './queries';

export function sidecarPath(path: string, naming: PeopleSettings['xmpSidecarNaming']): string {
  const ext = extname(path);
  return naming === 'replace' && ext ? `${path.slice(0, -ext.length)}.xmp` : `${path}.xmp`;
}

const OURS = 'x:xmptk="Face Organizer"';

export async function writeSidecars(
  store: LibraryStore,
  settings: Pick<PeopleSettings, 'xmpSidecarNaming'>,
  personIds: readonly string[] | undefined,
  handle?: TaskHandle,
): Promise<WriteXmpResult> {
  const named = await store.persons.summaries({ named: true });
  const nameOf = new Map(named.map((p) => [p.id, p.name!]));
  const wanted = personIds ? personIds.filter((id) => nameOf.has(id)) : [...nameOf.keys()];
  // The photos of the wanted persons, and in them every named face (a sidecar lists the whole photo).
  const mediaIds = new Set<string>();
  for (const f of await store.faces.imageFacesOfPersons(wanted, ['media_id'])) mediaIds.add(f.media_id);
  const faces = await store.faces.assignedInMedia([...mediaIds], ['id', 'media_id', 'person_id', 'x', 'y', 'w', 'h']);
  const byMedia = new Map<string, NamedRegion[]>();
  for (const f of faces) {
    const name = nameOf.get(f.person_id!);
    if (!name) continue;
    let l = byMedia.get(f.media_id);
    if (!l) byMedia.set(f.media_id, (l = []));
    l.push({ name, box: { x: f.x, y: f.y, width: f.w, height: f.h } });
  }
  const media = await mediaPaths(store, [...byMedia.keys()]);
  const result: WriteXmpResult = { written: 0, unchanged: 0, skipped: [] };
  let done = 0;
  for (const [mid, regions] of byMedia) {
    if (handle?.signal.aborted) throw new EngineError('CANCELLED', 'Writing sidecars cancelled');
    const m = media.get(mid);
    handle?.progress({ done: done++, total: byMedia.size, current: m?.path ?? mid });
    if (!m) continue;
    const target = sidecarPath(m.path, settings.xmpSidecarNaming);
    try {
      const g = await imageGeometry(m.path);
      let existing: string | null = null;
      try {
        existing = await readFile(target, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      const text = existing === null || existing.includes(OURS) ? xmpPacket(regions, g) : mergeRegionsIntoXmp(existing, regions, g);
      if (text === null) {
        result.skipped.push({ path: target, reason: 'an existing sidecar this app cannot edit safely' });
        continue;
      }
      if (text === existing) {
        result.unchanged++;
        continue;
      }
      const tmp = `${target}.${process.pid}.tmp`;
      await writeFile(tmp, text);
      await rename(tmp, target);
      result.written++;
    } catch (e) {
      result.skipped.push({ path: target, reason: (e as Error).message });
    }
  }
  return result;
}
