/**
 * The engine's channels: one line per channel from the contract's name to the facade's method, plus
 * the small translations a door needs (image references instead of paths, rows to DTOs). Requests
 * arrive already parsed by the dispatcher; the facade validates again where it has schemas.
 *
 * A new engine operation is one entry in channels.ts, its schemas in ipc.ts, and one line here.
 */
import type { EngineChannel, ImageRef } from '../../contract/ipc';
import type { Engine } from '../engine';
import { EngineError } from '../errors';
import type { Handlers } from './dispatcher';
import { folderDto, mediaDto, mediaFaceDto } from './dto';
import type { MediaCatalog } from './media-catalog';
import type { MediaFiles } from './media-files';
import type { UploadStore } from './uploads';

/** The part of the facade the API uses (a structural type, so tests can hand in a fake). */
export type EngineOps = Pick<
  Engine,
  | 'settings'
  | 'visionStatus'
  | 'detect'
  | 'compare'
  | 'libraryStatus'
  | 'listFolders'
  | 'addFolders'
  | 'removeFolder'
  | 'index'
  | 'pauseIndexing'
  | 'resumeIndexing'
  | 'mediaErrors'
  | 'listTasks'
  | 'getTask'
  | 'cancelTask'
  | 'onTask'
  | 'people'
  | 'search'
  | 'cloud'
  | 'cloudSync'
  | 'cloudPull'
  | 'cloudReport'
  | 'cloudImportNames'
  | 'cloudSearchFace'
>;

/** Long runs answer with their task id at once; progress and the end arrive as task events. */
function taskStarted(run: (opts: { started: (taskId: string) => void }) => Promise<unknown>): Promise<{ taskId: string }> {
  return new Promise((resolve, reject) => {
    run({ started: (taskId) => resolve({ taskId }) }).catch(reject);
  });
}

export interface EngineHandlerDeps {
  engine: EngineOps;
  catalog: () => MediaCatalog;
  uploads: UploadStore;
  media: MediaFiles;
}

export function createEngineHandlers({ engine, catalog, uploads, media }: EngineHandlerDeps): Handlers<EngineChannel> {
  /** A path the engine may read for an image reference, and the name the page knows it by. */
  const imagePath = async (ref: ImageRef): Promise<{ path: string; name: string }> => {
    if ('uploadId' in ref) {
      const u = uploads.get(ref.uploadId);
      return { path: u.file, name: u.name };
    }
    const row = await catalog().getMedia(ref.mediaId);
    if (!row) throw new EngineError('NOT_FOUND', 'No such photo in the library');
    if (row.kind !== 'image') throw new EngineError('INVALID_ARGUMENT', 'Faces can be searched from photos only; pick a photo, or a face of the video');
    const { file } = await media.resolve('original', row.id).catch(() => {
      throw new EngineError('FILE_NOT_FOUND', 'The photo is no longer in its library folder');
    });
    return { path: file, name: row.path };
  };

  return {
    // ---- vision
    'vision:status': () => engine.visionStatus(),
    'vision:detect': async ({ image, options }) => {
      const { path, name } = await imagePath(image);
      return { ...(await engine.detect({ path, ...(options ? { options } : {}) })), path: name };
    },
    'vision:compare': async ({ a, b }) => engine.compare({ a: (await imagePath(a)).path, b: (await imagePath(b)).path }),
    'settings:get': () => {
      const s = engine.settings;
      return {
        provider: s.provider,
        sameFaceThreshold: s.sameFaceThreshold,
        detectScoreThreshold: s.detectScoreThreshold,
        yunetScoreThreshold: s.yunetScoreThreshold,
        minFaceSize: s.minFaceSize,
        qualityControl: s.qualityControl,
        detectRotated: s.detectRotated,
      };
    },

    // ---- library
    'library:status': () => engine.libraryStatus(),
    'library:folders': async () => (await engine.listFolders()).map(folderDto),
    'library:addFolders': async ({ paths }) => (await engine.addFolders(paths)).map(folderDto),
    'library:removeFolder': async ({ id }) => {
      await engine.removeFolder(id);
      return null;
    },
    'library:index': async () => ({ taskId: (await engine.index()).taskId }),
    'library:pause': () => {
      engine.pauseIndexing();
      return null;
    },
    'library:resume': () => {
      engine.resumeIndexing();
      return null;
    },
    'library:errors': (req) => engine.mediaErrors(req ?? {}),

    // ---- media
    'media:list': async (req) => {
      const q = { offset: req?.offset ?? 0, limit: req?.limit ?? 200, kind: req?.kind, folderId: req?.folderId, from: req?.from, to: req?.to, withFaces: req?.withFaces };
      const { total, rows } = await catalog().listMedia(q);
      return { total, offset: q.offset, items: rows.map(mediaDto) };
    },
    'media:get': async ({ id }) => {
      const c = catalog();
      const row = await c.getMedia(id);
      if (!row) throw new EngineError('NOT_FOUND', 'No such photo or video in the library');
      const faces = await c.facesOfMedia(id);
      faces.sort((a, b) => (a.frame_time ?? 0) - (b.frame_time ?? 0) || a.x - b.x);
      const names = await c.personNames(faces.map((f) => f.person_id).filter((p): p is string => p !== null));
      return { media: mediaDto(row), faces: faces.map((f) => mediaFaceDto(f, names)) };
    },
    'media:upload': async ({ name, bytes }) => {
      const u = await uploads.add(name, bytes);
      return { uploadId: u.id, name: u.name, bytes: u.bytes, width: u.width, height: u.height };
    },

    // ---- tasks
    'tasks:list': (req) => engine.listTasks(req?.kind ? { kind: req.kind } : {}),
    'tasks:get': ({ id }) => engine.getTask(id),
    'tasks:cancel': ({ id }) => engine.cancelTask(id),

    // ---- people (the people service validates every request again)
    'people:list': (req) => engine.people.listPersons(req ?? {}),
    'people:get': (req) => engine.people.getPerson(req),
    'people:media': (req) => engine.people.personMedia(req),
    'people:faces': (req) => engine.people.personFaces(req),
    'people:unassigned': (req) => engine.people.unassignedFaces(req ?? {}),
    'people:rename': (req) => engine.people.renamePerson(req),
    'people:merge': (req) => engine.people.mergePersons(req),
    'people:moveFaces': (req) => engine.people.moveFaces(req),
    'people:rejectFace': (req) => engine.people.rejectFace(req),
    'people:removeFaces': (req) => engine.people.removeFaces(req),
    'people:setHidden': (req) => engine.people.setHidden(req),
    'people:setCover': (req) => engine.people.setCover(req),
    'people:faceSuggestions': (req) => engine.people.faceSuggestions(req ?? {}),
    'people:answerSuggestion': (req) => engine.people.answerFaceSuggestion(req),
    'people:mergeSuggestions': (req) => engine.people.mergeSuggestions(req ?? {}),
    'people:cluster': (req) => taskStarted((opts) => engine.people.cluster(req ?? {}, opts)),
    'people:export': (req) => taskStarted((opts) => engine.people.exportPersons(req, opts)),
    'people:batchGet': (req) => engine.people.batchGetPersons(req),
    'people:split': (req) => engine.people.splitFaces(req),
    'people:hideSmall': (req) => engine.people.hideSmallPersons(req),
    'people:setConfirmed': (req) => engine.people.setConfirmed(req),
    'people:setBirthDate': (req) => engine.people.setBirthDate(req),
    'people:delete': (req) => engine.people.deletePerson(req),
    'people:dismissMerge': async (req) => {
      await engine.people.dismissMergeSuggestion(req);
      return null;
    },
    'people:writeXmp': (req) => taskStarted((opts) => engine.people.writeXmpSidecars(req ?? {}, opts)),

    // ---- cloud sync
    'cloud:status': () => engine.cloud.status(),
    'cloud:configure': (req) => engine.cloud.updateConfig(req),
    'cloud:saveCredentials': (req) => engine.cloud.saveCredentials(req),
    'cloud:disconnect': () => engine.cloud.disconnect(),
    'cloud:test': () => engine.cloud.testConnection(),
    'cloud:sync': () => taskStarted((opts) => engine.cloudSync(opts)),
    'cloud:pull': () => taskStarted((opts) => engine.cloudPull(opts)),
    'cloud:report': () => engine.cloudReport(),
    'cloud:importNames': (req) => engine.cloudImportNames(req),
    'cloud:searchFace': async ({ image, box, pageSize }) => {
      const { path, name } = await imagePath(image);
      return engine.cloudSearchFace({ path, name, ...(box ? { box } : {}) }, pageSize ? { pageSize } : {});
    },
    'cloud:clips': (req) => engine.cloud.searchClips(req),

    // ---- search (query images are references: the engine reads the upload or the library photo)
    'search:faces': async ({ image, ...rest }) => engine.search.searchFaces({ ...rest, ...(image ? { image: (await imagePath(image)).path } : {}) }),
    'search:persons': async ({ image, ...rest }) => engine.search.searchPersons({ ...rest, image: (await imagePath(image)).path }),
    'search:media': async ({ personImage, ...rest }) => engine.search.searchMedia({ ...rest, ...(personImage ? { personImage: (await imagePath(personImage)).path } : {}) }),
    'search:clips': async ({ personImage, ...rest }) => engine.search.searchClips({ ...rest, ...(personImage ? { personImage: (await imagePath(personImage)).path } : {}) }),
  };
}
