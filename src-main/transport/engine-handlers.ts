/**
 * The engine's channels: one line per channel from the contract's name to a facade service, plus the
 * small translations a door needs (image references instead of paths, rows to DTOs). Requests arrive
 * already parsed by the dispatcher; the services validate again where they have schemas.
 *
 * A new engine operation is one entry in channels.ts, its schemas in ipc.ts, and one line here.
 */
import type { EngineChannel, ImageRef } from '../contract/ipc';
import type { Engine } from '../engine/engine';
import { folderDto } from '../engine/media/dto';
import type { Handlers } from './dispatcher';

/** The part of the facade the API uses (a structural type, so tests can hand in a fake). */
export type EngineOps = Pick<Engine, 'settings' | 'visionStatus' | 'detect' | 'compare' | 'library' | 'tasks' | 'media' | 'people' | 'search' | 'cloud'>;

/** Long runs answer with their task id at once; progress and the end arrive as task events. */
function taskStarted(run: (opts: { started: (taskId: string) => void }) => Promise<unknown>): Promise<{ taskId: string }> {
  return new Promise((resolve, reject) => {
    run({ started: (taskId) => resolve({ taskId }) }).catch(reject);
  });
}

export function createEngineHandlers(engine: EngineOps): Handlers<EngineChannel> {
  const imagePath = (ref: ImageRef) => engine.media.imagePath(ref);

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
    'library:status': () => engine.library.status(),
    'library:folders': async () => (await engine.library.listFolders()).map(folderDto),
    'library:addFolders': async ({ paths }) => (await engine.library.addFolders(paths)).map(folderDto),
    'library:removeFolder': async ({ id }) => {
      await engine.library.removeFolder(id);
      return null;
    },
    'library:index': async () => ({ taskId: (await engine.library.index()).taskId }),
    'library:pause': () => {
      engine.library.pause();
      return null;
    },
    'library:resume': () => {
      engine.library.resume();
      return null;
    },
    'library:errors': (req) => engine.library.errors(req ?? {}),

    // ---- media
    'media:list': (req) => engine.media.list(req ?? {}),
    'media:get': ({ id }) => engine.media.get(id),
    'media:upload': ({ name, bytes }) => engine.media.upload(name, bytes),

    // ---- tasks
    'tasks:list': (req) => engine.tasks.list(req?.kind ? { kind: req.kind } : {}),
    'tasks:get': ({ id }) => engine.tasks.get(id),
    'tasks:cancel': ({ id }) => engine.tasks.cancel(id),

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
    'people:undo': (req) => engine.people.undo(req ?? {}),
    'people:redo': (req) => engine.people.redo(req ?? {}),
    'people:history': (req) => engine.people.history(req ?? {}),

    // ---- cloud sync
    'cloud:status': () => engine.cloud.status(),
    'cloud:configure': (req) => engine.cloud.updateConfig(req),
    'cloud:saveCredentials': (req) => engine.cloud.saveCredentials(req),
    'cloud:disconnect': () => engine.cloud.disconnect(),
    'cloud:test': () => engine.cloud.testConnection(),
    'cloud:sync': () => taskStarted((opts) => engine.cloud.library.sync(opts)),
    'cloud:pull': () => taskStarted((opts) => engine.cloud.library.pull(opts)),
    'cloud:report': () => engine.cloud.library.report(),
    'cloud:importNames': (req) => engine.cloud.library.importNames(req),
    'cloud:searchFace': async ({ image, box, pageSize }) => {
      const { path, name } = await imagePath(image);
      return engine.cloud.library.searchFace({ path, name, ...(box ? { box } : {}) }, pageSize ? { pageSize } : {});
    },
    'cloud:clips': (req) => engine.cloud.searchClips(req),

    // ---- search (query images are references: the engine reads the upload or the library photo)
    'search:faces': async ({ image, ...rest }) => engine.search.searchFaces({ ...rest, ...(image ? { image: (await imagePath(image)).path } : {}) }),
    'search:persons': async ({ image, ...rest }) => engine.search.searchPersons({ ...rest, image: (await imagePath(image)).path }),
    'search:media': async ({ personImage, ...rest }) => engine.search.searchMedia({ ...rest, ...(personImage ? { personImage: (await imagePath(personImage)).path } : {}) }),
    'search:clips': async ({ personImage, ...rest }) => engine.search.searchClips({ ...rest, ...(personImage ? { personImage: (await imagePath(personImage)).path } : {}) }),
  };
}
