/**
 * Read access to the library's media, faces and person names, for the media service's browsing and
 * the files it serves (thumbnails, face crops, originals). Read-only, and shaped for those callers:
 * faces come without their 512-d vectors. An interface so the door tests can serve a small fake library.
 */
import type { LibraryStore } from '../store/library-store';
import type { FaceRow, FolderRow, MediaKind, MediaRow } from '../store/rows';

export type FaceInfo = Omit<FaceRow, 'vector'>;

export interface MediaQuery {
  offset: number;
  limit: number;
  kind?: MediaKind | undefined;
  folderId?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  withFaces?: boolean | undefined;
}

export interface MediaCatalog {
  /** The library folder (thumbnail cache lives under it). */
  readonly dir: string;
  folders(): Promise<FolderRow[]>;
  /** Newest first (capture time, then path). */
  listMedia(q: MediaQuery): Promise<{ total: number; rows: MediaRow[] }>;
  getMedia(id: string): Promise<MediaRow | null>;
  facesOfMedia(mediaId: string): Promise<FaceInfo[]>;
  getFace(id: string): Promise<FaceInfo | null>;
  personNames(ids: readonly string[]): Promise<Map<string, string | null>>;
}

const FACE_COLUMNS: (keyof FaceRow)[] = [
  'id', 'media_id', 'folder_id', 'kind', 'captured_at', 'frame_time', 'ranges', 'x', 'y', 'w', 'h', 'landmarks',
  'score', 'quality', 'person_id', 'assignment', 'rejected', 'clustered', 'model_id', 'created_at',
];
const SORT_COLUMNS: (keyof MediaRow)[] = ['id', 'path', 'captured_at', 'mtime', 'kind', 'folder_id', 'face_count', 'status'];

export function storeCatalog(store: LibraryStore): MediaCatalog {
  return {
    dir: store.dir,
    folders: () => store.folders.list(),
    async listMedia(q) {
      // LanceDB has no ORDER BY: sort the light columns, then read the page's rows whole.
      const keys = await store.media.list({ kind: q.kind, folderId: q.folderId, withFaces: q.withFaces, from: q.from, to: q.to }, SORT_COLUMNS);
      keys.sort((a, b) => (b.captured_at ?? b.mtime) - (a.captured_at ?? a.mtime) || a.path.localeCompare(b.path));
      const page = keys.slice(q.offset, q.offset + q.limit).map((k) => k.id);
      const rows = page.length ? await store.media.byIds(page) : [];
      const byId = new Map(rows.map((r) => [r.id, r]));
      return { total: keys.length, rows: page.map((id) => byId.get(id)).filter((r): r is MediaRow => r !== undefined) };
    },
    async getMedia(id) {
      return (await store.media.byIds([id]))[0] ?? null;
    },
    facesOfMedia: (mediaId) => store.faces.ofMedia([mediaId], FACE_COLUMNS),
    async getFace(id) {
      return (await store.faces.byIds([id], FACE_COLUMNS))[0] ?? null;
    },
    async personNames(ids) {
      const out = new Map<string, string | null>();
      if (ids.length === 0) return out;
      const rows = await store.persons.byIds([...new Set(ids)]);
      for (const p of rows) out.set(p.id, p.name);
      return out;
    },
  };
}
