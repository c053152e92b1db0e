/**
 * Read side (IMM QueryFigureClusters / GetFigureCluster / BatchGetFigureCluster, plus a person's media
 * and the unassigned faces). Persons are few (thousands), so they are filtered and sorted in memory;
 * faces are read without their vectors.
 */
import { EngineError } from '../errors';
import type { LibraryStore } from '../store/library-store';
import type { FaceRow, MediaRow, PersonRow } from '../store/rows';
import type {
  BatchGetPersonsResult,
  FaceRef,
  FacesResult,
  ListPersonsRequest,
  ListPersonsResult,
  Person,
  PersonFacesRequest,
  PersonMedia,
  PersonMediaRequest,
  PersonMediaResult,
  UnassignedFacesRequest,
} from '../../contract/people';
import { nextTokenAfter, pageWindow } from './paging';

export const FACE_COLUMNS: (keyof FaceRow)[] = [
  'id', 'media_id', 'kind', 'x', 'y', 'w', 'h', 'score', 'quality', 'captured_at', 'frame_time', 'ranges', 'person_id', 'assignment', 'rejected',
];

export async function mediaPaths(store: LibraryStore, mediaIds: readonly string[]): Promise<Map<string, MediaRow>> {
  const rows = await store.media.byIds([...new Set(mediaIds)], ['id', 'path', 'kind', 'captured_at', 'width', 'height']);
  return new Map(rows.map((m) => [m.id, m]));
}

function parseRanges(json: string | null): [number, number][] | undefined {
  if (!json) return undefined;
  try {
    const v = JSON.parse(json) as unknown;
    return Array.isArray(v) ? (v as [number, number][]) : undefined;
  } catch {
    return undefined;
  }
}

export function faceRef(f: FaceRow, media?: MediaRow): FaceRef {
  const ranges = parseRanges(f.ranges);
  return {
    id: f.id,
    mediaId: f.media_id,
    ...(media ? { path: media.path } : {}),
    kind: f.kind,
    box: { x: f.x, y: f.y, width: f.w, height: f.h },
    score: f.score,
    quality: f.quality,
    capturedAt: f.captured_at ?? null,
    frameTime: f.frame_time ?? null,
    ...(ranges ? { ranges } : {}),
    personId: f.person_id ?? null,
    assignment: f.assignment,
  };
}

export async function faceRefs(store: LibraryStore, faces: readonly FaceRow[]): Promise<FaceRef[]> {
  const media = await mediaPaths(store, faces.map((f) => f.media_id));
  return faces.map((f) => faceRef(f, media.get(f.media_id)));
}

export async function personDtos(store: LibraryStore, rows: readonly PersonRow[]): Promise<Person[]> {
  const covers = await store.faces.byIds(rows.map((p) => p.cover_face_id).filter((c): c is string => !!c), FACE_COLUMNS);
  const refs = new Map((await faceRefs(store, covers)).map((f) => [f.id, f]));
  return rows.map((p) => {
    const cover = p.cover_face_id ? refs.get(p.cover_face_id) : undefined;
    return {
      id: p.id,
      name: p.name ?? null,
      coverFaceId: p.cover_face_id ?? null,
      ...(cover ? { coverFace: cover } : {}),
      hidden: !!p.hidden,
      confirmed: !!p.confirmed,
      faceCount: p.face_count,
      mediaCount: p.media_count,
      createdAt: p.created_at,
      updatedAt: p.updated_at,
      lastCapturedAt: p.last_captured_at ?? null,
      birthDate: p.birth_date ?? null,
    };
  });
}

type SortKey = (p: PersonRow) => number | string | null;
const SORT_KEYS: Record<NonNullable<ListPersonsRequest['sort']>, SortKey> = {
  faceCount: (p) => p.face_count,
  name: (p) => p.name?.toLocaleLowerCase() ?? null,
  updatedAt: (p) => p.updated_at,
  lastCaptured: (p) => p.last_captured_at ?? null,
  createdAt: (p) => p.created_at,
};

export async function listPersons(store: LibraryStore, req: ListPersonsRequest): Promise<ListPersonsResult> {
  const hidden = req.hidden ?? 'exclude';
  const rows = (await store.persons.summaries()).filter(
    (p) =>
      (req.named === undefined || req.named === !!p.name) &&
      (hidden === 'include' || (hidden === 'only') === !!p.hidden) &&
      (req.minFaces === undefined || p.face_count >= req.minFaces),
  );
  const sort = req.sort ?? 'faceCount';
  const key = SORT_KEYS[sort];
  const dir = (req.order ?? (sort === 'name' ? 'asc' : 'desc')) === 'asc' ? 1 : -1;
  rows.sort((a, b) => {
    const ka = key(a), kb = key(b);
    // Missing values (no name, no capture time) go last in either direction.
    if (ka === null || kb === null) return ka === kb ? a.id.localeCompare(b.id) : ka === null ? 1 : -1;
    const c = ka < kb ? -1 : ka > kb ? 1 : 0;
    return c !== 0 ? c * dir : a.id.localeCompare(b.id);
  });
  const { offset, size } = pageWindow(req);
  const page = rows.slice(offset, offset + size);
  const next = nextTokenAfter(offset, size, rows.length);
  return { persons: await personDtos(store, page), ...(next ? { nextToken: next } : {}), totalCount: rows.length };
}

export async function getPerson(store: LibraryStore, personId: string): Promise<Person> {
  const [row] = await store.persons.summaries({}, [personId]);
  if (!row) throw new EngineError('NOT_FOUND', `No person with id ${personId}`);
  return (await personDtos(store, [row]))[0]!;
}

export async function batchGetPersons(store: LibraryStore, personIds: readonly string[]): Promise<BatchGetPersonsResult> {
  const rows = await store.persons.summaries({}, [...new Set(personIds)]);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const found = personIds.filter((i) => byId.has(i));
  return { persons: await personDtos(store, [...new Set(found)].map((i) => byId.get(i)!)), notFound: personIds.filter((i) => !byId.has(i)) };
}

async function requirePerson(store: LibraryStore, personId: string): Promise<void> {
  if (!(await store.persons.exists(personId))) throw new EngineError('NOT_FOUND', `No person with id ${personId}`);
}

export async function personMedia(store: LibraryStore, req: PersonMediaRequest): Promise<PersonMediaResult> {
  await requirePerson(store, req.personId);
  const faces = await store.faces.ofPerson(req.personId, FACE_COLUMNS);
  const byMedia = new Map<string, FaceRow[]>();
  for (const f of faces) {
    if (req.mediaType && f.kind !== req.mediaType) continue;
    const t = f.captured_at;
    if (req.from !== undefined && (t === null || t < req.from)) continue;
    if (req.to !== undefined && (t === null || t > req.to)) continue;
    let l = byMedia.get(f.media_id);
    if (!l) byMedia.set(f.media_id, (l = []));
    l.push(f);
  }
  const dir = (req.order ?? 'desc') === 'asc' ? 1 : -1;
  const entries = [...byMedia].sort(([ia, a], [ib, b]) => {
    const ta = a[0]!.captured_at, tb = b[0]!.captured_at;
    if (ta === null || tb === null) return ta === tb ? ia.localeCompare(ib) : ta === null ? 1 : -1;
    return ta !== tb ? (ta - tb) * dir : ia.localeCompare(ib);
  });
  const { offset, size } = pageWindow(req);
  const page = entries.slice(offset, offset + size);
  const media = await mediaPaths(store, page.map(([m]) => m));
  const out: PersonMedia[] = [];
  for (const [mid, fs] of page) {
    const m = media.get(mid);
    if (!m) continue;
    out.push({ mediaId: mid, path: m.path, kind: m.kind, capturedAt: m.captured_at ?? null, width: m.width ?? null, height: m.height ?? null, faces: fs.map((f) => faceRef(f, m)) });
  }
  const next = nextTokenAfter(offset, size, entries.length);
  return { media: out, ...(next ? { nextToken: next } : {}), totalCount: entries.length };
}

async function pagedFaces(store: LibraryStore, faces: FaceRow[], req: PersonFacesRequest | UnassignedFacesRequest): Promise<FacesResult> {
  faces.sort((a, b) => b.quality - a.quality || a.id.localeCompare(b.id));
  const { offset, size } = pageWindow(req);
  const next = nextTokenAfter(offset, size, faces.length);
  return { faces: await faceRefs(store, faces.slice(offset, offset + size)), ...(next ? { nextToken: next } : {}), totalCount: faces.length };
}

/** A person's faces, best quality first. */
export async function personFaces(store: LibraryStore, req: PersonFacesRequest): Promise<FacesResult> {
  await requirePerson(store, req.personId);
  return pagedFaces(store, await store.faces.ofPerson(req.personId, FACE_COLUMNS), req);
}

/** Faces in no person, best quality first. */
export async function unassignedFaces(store: LibraryStore, req: UnassignedFacesRequest): Promise<FacesResult> {
  const faces = await store.faces.unassigned(FACE_COLUMNS, req.minQuality !== undefined ? { minQuality: req.minQuality } : {});
  return pagedFaces(store, faces, req);
}
