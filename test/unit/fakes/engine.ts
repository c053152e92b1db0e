/**
 * A small library on disk for the API, server and shell tests: real files (a JPEG and a video from
 * the fixtures, a symlink that leads out of the library, a row whose file is gone) behind a fake
 * facade (the engine's EngineOps) and an in-memory MediaCatalog. No models run: `detect` answers
 * canned faces, so these tests stay fast; the e2e suite runs the real engine.
 */
import { copyFileSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineOps } from '../../../src-main/transport/engine-handlers';
import type { MediaCatalog } from '../../../src-main/engine/media/media-catalog';
import { MediaService } from '../../../src-main/engine/media/media-service';
import type { CloudLibrary } from '../../../src-main/engine/cloud/library-sync';
import type { Person } from '../../../src-main/contract/people';
import { CloudService } from '../../../src-main/engine/cloud/service';
import { EngineError } from '../../../src-main/engine/errors';
import { DEFAULT_VISION_SETTINGS } from '../../../src-main/engine/settings';
import type { FaceRow, FolderRow, MediaRow } from '../../../src-main/engine/store/rows';
import { TaskRegistry, type Task } from '../../../src-main/engine/tasks/task-registry';
import { FIXTURES, tempDir } from '../../helpers/paths';

export type FakeEngine = EngineOps & {
  calls: string[];
  close(): Promise<void>;
};

export interface FakeLibrary {
  engine: FakeEngine;
  catalog: MediaCatalog;
  media: MediaService;
  dirs: { root: string; library: string; photos: string; outside: string };
  ids: { photo: string; video: string; symlinked: string; tampered: string; missing: string; face: string; otherFolderPhoto: string };
  tasks: TaskRegistry;
}

function media(id: string, path: string, folderId: string, kind: 'image' | 'video', extra: Partial<MediaRow> = {}): MediaRow {
  return {
    id, path, folder_id: folderId, content_hash: `hash-${id}`, kind, bytes: 1000, mtime: 1_700_000_000_000,
    captured_at: 1_600_000_000_000, captured_at_source: 'exif', width: kind === 'image' ? 1200 : 640, height: kind === 'image' ? 800 : 360,
    duration: kind === 'video' ? 10 : null, camera: null, rating: null, tags: null, gps_lat: null, gps_lon: null, status: 'ok',
    error_code: null, error_text: null, face_count: 1, indexed_at: 1_700_000_000_000, model_id: 'm', ...extra,
  };
}

export async function fakeLibrary(): Promise<FakeLibrary> {
  const root = realpathSync(tempDir('fake-library'));
  const dirs = { root, library: join(root, 'library'), photos: join(root, 'photos'), outside: join(root, 'outside') };
  const other = join(root, 'other');
  for (const d of [dirs.library, dirs.photos, dirs.outside, other]) mkdirSync(d, { recursive: true });
  copyFileSync(join(FIXTURES, 'groups', 'two_people.jpg'), join(dirs.photos, 'two_people.jpg'));
  copyFileSync(join(FIXTURES, 'video', 'short_hamilton_clip.mp4'), join(dirs.photos, 'clip.mp4'));
  copyFileSync(join(FIXTURES, 'groups', 'bbt1.jpg'), join(other, 'bbt1.jpg'));
  writeFileSync(join(dirs.outside, 'secret.jpg'), 'not for the page');
  symlinkSync(join(dirs.outside, 'secret.jpg'), join(dirs.photos, 'escape.jpg'));

  const folders: FolderRow[] = [
    { id: 'folder-1', path: dirs.photos, added_at: 1, last_scan_at: 2 },
    { id: 'folder-2', path: other, added_at: 1, last_scan_at: 2 },
  ];
  const ids = {
    photo: 'media-photo', video: 'media-video', symlinked: 'media-symlink', tampered: 'media-tampered', missing: 'media-missing',
    face: 'face-1', otherFolderPhoto: 'media-other',
  };
  const rows: MediaRow[] = [
    media(ids.photo, join(dirs.photos, 'two_people.jpg'), 'folder-1', 'image', { width: 1126, height: 661 }),
    media(ids.video, join(dirs.photos, 'clip.mp4'), 'folder-1', 'video', { captured_at: 1_650_000_000_000 }),
    media(ids.symlinked, join(dirs.photos, 'escape.jpg'), 'folder-1', 'image'),
    // A row pointing outside every folder (a tampered or stale database): never served.
    media(ids.tampered, join(dirs.outside, 'secret.jpg'), 'folder-1', 'image'),
    media(ids.missing, join(dirs.photos, 'gone.jpg'), 'folder-1', 'image'),
    // Claims folder-1 but lies in folder-2's tree: a row may not borrow another folder's files.
    media(ids.otherFolderPhoto, join(other, 'bbt1.jpg'), 'folder-1', 'image'),
  ];
  const faces: FaceRow[] = [{
    id: ids.face, media_id: ids.photo, folder_id: 'folder-1', kind: 'image', captured_at: null, frame_time: null, ranges: null,
    x: 244, y: 14, w: 112, h: 154, landmarks: '[]', score: 0.99, quality: 0.9, person_id: null, assignment: 'none', rejected: null,
    clustered: false, model_id: 'm', created_at: 1, vector: [],
  }, {
    id: 'face-video', media_id: ids.video, folder_id: 'folder-1', kind: 'video', captured_at: null, frame_time: 4, ranges: '[[3.5,8]]',
    x: 300, y: 60, w: 60, h: 80, landmarks: '[]', score: 0.95, quality: 0.7, person_id: null, assignment: 'none', rejected: null,
    clustered: false, model_id: 'm', created_at: 1, vector: [],
  }];

  const catalog: MediaCatalog = {
    dir: dirs.library,
    folders: async () => folders,
    async listMedia(q) {
      let list = rows.filter((r) => (!q.kind || r.kind === q.kind) && (!q.folderId || r.folder_id === q.folderId));
      if (q.from !== undefined) list = list.filter((r) => (r.captured_at ?? 0) >= q.from!);
      if (q.to !== undefined) list = list.filter((r) => (r.captured_at ?? 0) <= q.to!);
      list.sort((a, b) => (b.captured_at ?? 0) - (a.captured_at ?? 0));
      return { total: list.length, rows: list.slice(q.offset, q.offset + q.limit) };
    },
    getMedia: async (id) => rows.find((r) => r.id === id) ?? null,
    facesOfMedia: async (id) => faces.filter((f) => f.media_id === id),
    getFace: async (id) => faces.find((f) => f.id === id) ?? null,
    personNames: async () => new Map(),
  };

  const tasks = await TaskRegistry.open(null, 86_400_000);
  const mediaService = new MediaService({ catalog: () => catalog, maxPixels: DEFAULT_VISION_SETTINGS.maxPixels });
  const calls: string[] = [];
  const record = (name: string) => calls.push(name);
  let paused = false;

  const engine: FakeLibrary['engine'] = {
    calls,
    settings: DEFAULT_VISION_SETTINGS,
    visionStatus: () => ({ provider: { requested: 'auto', active: 'cpu' }, detector: 'faceplugin-detect', landmarks: 'faceplugin-landmark68', embedder: 'faceplugin-arcface512', modelsDir: '/models' }),
    async detect(req) {
      record(`detect ${req.path}`);
      return {
        path: req.path,
        image: { width: 1126, height: 661, orientation: 1, format: 'jpeg' },
        faces: [{
          box: { x: 244, y: 14, width: 112, height: 154 }, score: 0.99, quality: 0.9, qualityParts: { size: 1, sharpness: 0.8, frontalness: 0.9 },
          landmarks: [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]], rotation: 0, detectorId: 'd', modelId: 'm',
        }],
        timingsMs: { decode: 1, detect: 1, landmarks: 1, embed: 1 },
      };
    },
    async compare(req) {
      record(`compare ${req.a} ${req.b}`);
      throw new EngineError('NO_FACE', 'No face was found');
    },
    library: {
      async status() {
        return {
          dir: dirs.library,
          folders: folders.map((f) => ({ id: f.id, path: f.path, lastScanAt: f.last_scan_at, media: rows.filter((r) => r.folder_id === f.id).length, watch: { state: 'off' as const } })),
          media: { total: rows.length, ok: rows.length, pending: 0, error: 0, images: 5, videos: 1 },
          faces: faces.length,
          persons: 0,
          bytesOnDisk: 1234,
          indexing: null,
          paused,
          watching: false,
        };
      },
      listFolders: async () => folders,
      async addFolders(paths) {
        record(`addFolders ${paths.join(',')}`);
        return paths.map((p, i) => ({ id: `added-${i}`, path: p, added_at: 3, last_scan_at: null }));
      },
      async removeFolder(id) {
        record(`removeFolder ${id}`);
        if (!folders.some((f) => f.id === id)) throw new EngineError('NOT_FOUND', `No library folder ${id}`);
      },
      index() {
        record('index');
        let taskId = '';
        const done: Promise<Task> = tasks.run('index', async (h) => {
          h.progress({ phase: 'indexing', done: 1, total: 2, counters: { faces: 1, errors: 0 } });
          await new Promise((r) => setTimeout(r, 20));
          h.progress({ done: 2, total: 2 });
          return { files: 2, indexed: 2, faces: 2, errors: 0, seconds: 0.1 };
        }, { started: (id) => (taskId = id) });
        return Promise.resolve({ taskId, done });
      },
      pause: () => void (paused = true),
      resume: () => void (paused = false),
      errors: async () => ({ total: 1, items: [{ mediaId: ids.missing, path: join(dirs.photos, 'gone.jpg'), code: 'FILE_NOT_FOUND', message: 'gone', indexedAt: 1 }] }),
      async startWatching() {
        record('startWatching');
      },
      async keepCurrent() {
        // As the real one: a catch-up run, then watching.
        const run = await engine.library.index();
        await engine.library.startWatching();
        return run;
      },
      stopWatching: async () => undefined,
      watching: false,
    },
    tasks,
    // The real media service over the fake catalog: thumbnails, crops and uploads are really made.
    media: mediaService,
    people: fakePeople(record) as unknown as FakeEngine['people'],
    search: fakeSearch(record, ids) as unknown as FakeEngine['search'],
    // The real service, disabled: it answers status and refuses every network flow with CLOUD_DISABLED;
    // its library side is a recorder.
    cloud: new CloudService({ configDir: join(dirs.library, 'cloud'), library: () => fakeCloudLibrary(record, tasks) }),
    async close() {
      record('close');
      mediaService.close();
    },
  };
  return { engine, catalog, media: mediaService, dirs, ids, tasks };
}

function fakeCloudLibrary(record: (call: string) => void, tasks: TaskRegistry): CloudLibrary {
  return {
    sync: (opts) => tasks.run('cloud.sync', async () => {
      record('cloudSync');
      return null;
    }, opts),
    pull: (opts) => tasks.run('cloud.pull', async () => {
      record('cloudPull');
      return null;
    }, opts),
    async report() {
      record('cloudReport');
      return null;
    },
    async importNames(req) {
      record(`cloudImportNames:${req.clusterIds.join(',')}`);
      return { applied: [], skipped: req.clusterIds.map((clusterId) => ({ clusterId, reason: 'not a cluster of the last sync' })) };
    },
    async searchFace(query) {
      record(`cloudSearchFace:${query.box ? 'box' : 'whole'}`);
      return { queryUri: 'oss://test-bucket/search/x.jpg', errors: [] };
    },
  };
}

/** Two persons and the corrections the API tests drive; the real service is tested in test/integration. */
function fakePeople(record: (call: string) => void) {
  const persons: Person[] = [
    { id: 'person-a', name: null, coverFaceId: 'face-1', hidden: false, confirmed: false, faceCount: 3, mediaCount: 3, createdAt: 1, updatedAt: 1, lastCapturedAt: null, birthDate: null },
    { id: 'person-b', name: 'Barack', coverFaceId: null, hidden: false, confirmed: true, faceCount: 2, mediaCount: 2, createdAt: 1, updatedAt: 1, lastCapturedAt: null, birthDate: null },
  ];
  const find = (id: string) => {
    const p = persons.find((x) => x.id === id);
    if (!p) throw new EngineError('NOT_FOUND', `No person ${id}`);
    return p;
  };
  return {
    async listPersons(req: { named?: boolean }) {
      record(`listPersons ${JSON.stringify(req)}`);
      const list = persons.filter((p) => req.named === undefined || (p.name !== null) === req.named);
      return { persons: list, totalCount: list.length };
    },
    async getPerson(req: { personId: string }) {
      return find(req.personId);
    },
    async renamePerson(req: { personId: string; name: string | null }) {
      record(`renamePerson ${req.personId} ${req.name}`);
      const p = find(req.personId);
      p.name = req.name;
      return { changedFaces: 0, persons: [p], deletedPersons: [] };
    },
    async mergePersons(req: { targetId: string; sourceIds: string[] }) {
      record(`mergePersons ${req.targetId} ${req.sourceIds.join(',')}`);
      return { changedFaces: 2, persons: [find(req.targetId)], deletedPersons: req.sourceIds };
    },
    async cluster(_req: unknown, opts: { started?: (id: string) => void }) {
      record('cluster');
      opts.started?.('cluster-task');
      return { id: 'cluster-task' };
    },
  };
}

function fakeSearch(record: (call: string) => void, ids: { photo: string }) {
  return {
    async searchFaces(req: { image?: string; faceId?: string; faceIndex?: number }) {
      record(`searchFaces ${req.image ?? req.faceId} ${req.faceIndex ?? 0}`);
      return {
        queries: [{
          queryFace: { index: req.faceIndex ?? 0, box: { x: 1, y: 2, width: 3, height: 4 }, quality: 0.9 },
          results: [{ faceId: 'face-1', mediaId: ids.photo, path: '/p.jpg', kind: 'image', box: { x: 244, y: 14, width: 112, height: 154 }, frameTime: null, capturedAt: null, personId: null, personName: null, score: 0.81 }],
        }],
        threshold: 0.32,
        modelId: 'm',
      };
    },
    async searchPersons(req: { image: string; groupIds?: string[] }) {
      record(`searchPersons ${req.image} ${(req.groupIds ?? []).join(',')}`);
      return { resultsReturnsByGroup: [], personNum: 0, modelId: 'm' };
    },
    async searchMedia(req: { personImage?: string; personId?: string }) {
      record(`searchMedia ${req.personImage ?? req.personId}`);
      return { faceSearchToken: 'tok', total: 0, pageNo: 1, pageSize: 10, mediaInfoList: [] };
    },
    async searchClips(req: { personImage?: string; personId?: string }) {
      record(`searchClips ${req.personImage ?? req.personId}`);
      return { faceSearchToken: 'tok', total: 0, pageNo: 1, pageSize: 10, mediaClipList: [] };
    },
  };
}
