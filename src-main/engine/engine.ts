/**
 * The engine facade: one method per API operation, inputs validated against the contract. The CLI,
 * the HTTP server and the Electron utility process are thin doors onto this class.
 */
import { parseRequest } from './validate';
import { EngineError } from './errors';
import { visionSettings } from './settings';
import type { VisionSettings } from './settings';
import { CompareRequestSchema, DetectRequestSchema } from '../contract/vision';
import type { CompareRequest, CompareResult, DetectRequest, DetectResult, FaceDto, VisionStatus } from '../contract/vision';
import { FacePipeline } from './vision/pipeline';
import type { AnalyzeOptions, Face } from './vision/face-analyzer';
import type { RgbRaster } from './vision/pipeline';
import { cosine } from './vision/embedder';
import { defaultModelsDir, loadManifest } from './vision/models/manifest';
import { ensureDefaultPack, installYunet, resolveModelPaths } from './vision/models/model-store';
import type { DetectorChoice, Logger, ResolvedModels } from './vision/models/model-store';
import { DEFAULT_INDEXING_SETTINGS } from './settings';
import type { IndexingSettings } from './settings';
import { defaultLibraryDir } from './paths';
import { LibraryService } from './library/library-service';
import type { LibraryStatus, MediaError } from './library/library-service';
import { libraryDeps, watcherFactory } from './library/library-deps';
import type { Task } from './tasks/task-registry';
import type { FolderRow } from './store/rows';
import type { LibraryStore } from './store/library-store';
import { DEFAULT_PEOPLE_SETTINGS, DEFAULT_SEARCH_SETTINGS } from './settings';
import type { PeopleSettings, SearchSettings } from './settings';
import { PeopleService } from './people/people-service';
import { SearchService } from './search/search-service';
import { CloudService } from './cloud/service';
import type { CloudServiceOptions } from './cloud/service';
import { cloudFaceSearch, importNames, lastSyncReport, pullLibrary, syncLibrary } from './cloud/library-sync';
import type { FaceBox, LibrarySyncResult } from './cloud/library-sync';
import type { CloudSearchResult, CloudSyncReport, ImportNamesRequest, ImportNamesResult } from '../contract/cloud';
import type { StringEncryptor } from './cloud/credentials';
import { join } from 'node:path';

export interface EngineOptions {
  vision?: Partial<VisionSettings>;
  modelsDir?: string;
  /** Which detector serves: `auto` picks YuNet when installed. */
  detector?: DetectorChoice;
  /** Open the library database: a folder, or true for the default one (the user's data folder). */
  library?: string | true;
  indexing?: Partial<IndexingSettings>;
  people?: Partial<PeopleSettings>;
  search?: Partial<SearchSettings>;
  /** Cluster new faces automatically after each indexing run that changed something (default true). */
  autoCluster?: boolean;
  /** Analyzers on the calling thread instead of worker threads (benchmarks measuring pure inference). */
  inProcess?: boolean;
  /** Fetch the default model pack when it is missing (first use). Default true. */
  fetchModels?: boolean;
  log?: Logger;
  /** Encrypts the cloud AccessKey (Electron safeStorage in the app); absent: the AES file fallback. */
  cloudEncryptor?: StringEncryptor;
  /** Cloud endpoints and tunables (tests and the developer emulator; see cloud-settings.ts). */
  cloud?: Pick<CloudServiceOptions, 'endpointOverride' | 'settings'>;
}

export class Engine {
  private library: LibraryService | null = null;
  private peopleService: PeopleService | null = null;
  private searchService: SearchService | null = null;
  private cloudService: CloudService | null = null;
  /** Clustering and search-index upkeep that follow an indexing run. */
  private afterIndexing: Promise<void> = Promise.resolve();

  private constructor(
    readonly settings: VisionSettings,
    private readonly pipeline: FacePipeline,
    private readonly models: ResolvedModels,
    private readonly modelsDir: string,
  ) {}

  static async open(opts: EngineOptions = {}): Promise<Engine> {
    const settings = visionSettings(opts.vision);
    const modelsDir = opts.modelsDir ?? defaultModelsDir();
    const manifest = await loadManifest();
    if (opts.fetchModels !== false) await ensureDefaultPack({ modelsDir, manifest, ...(opts.log ? { log: opts.log } : {}) });
    const models = await resolveModelPaths({ modelsDir, manifest, detector: opts.detector ?? 'auto' });
    for (const w of models.warnings) opts.log?.(w);
    const ref = (m: { entry: { id: string }; path: string }) => ({ id: m.entry.id, path: m.path });
    const pipeline = await FacePipeline.create(
      { detector: ref(models.detector), landmarks: ref(models.landmarks), embedder: ref(models.embedder) },
      settings,
      { inProcess: opts.inProcess ?? false },
    );
    // With `auto`, CPU on a machine without a usable GPU is normal; say why only when a GPU was asked for.
    if (pipeline.provider.fallbackReason && settings.provider !== 'auto') opts.log?.(`using CPU: ${pipeline.provider.fallbackReason}`);
    const engine = new Engine(settings, pipeline, models, modelsDir);
    if (opts.library) {
      const dir = opts.library === true ? defaultLibraryDir() : opts.library;
      engine.library = await LibraryService.open(
        dir,
        { ...DEFAULT_INDEXING_SETTINGS, ...opts.indexing },
        libraryDeps(pipeline, models.embedder.entry.id),
        watcherFactory(),
      );
      const log = opts.log ?? (() => undefined);
      const people = new PeopleService(engine.library.store, { ...DEFAULT_PEOPLE_SETTINGS, ...opts.people }, engine.library.tasks, log);
      const search = new SearchService(
        engine.library.store,
        { ...DEFAULT_SEARCH_SETTINGS, ...opts.search },
        { analyze: (input, o) => engine.analyze(input, o) },
        { log },
      );
      engine.peopleService = people;
      engine.searchService = search;
      // Off until the user enables it and saves credentials: no call of it touches the network before.
      engine.cloudService = new CloudService({ configDir: join(dir, 'cloud'), ...opts.cloud, ...(opts.cloudEncryptor ? { encryptor: opts.cloudEncryptor } : {}) });
      // Like IMM's incremental figure clustering: each settled indexing run clusters only the new faces,
      // after persons touched by removed photos are brought up to date; the search index follows.
      engine.library.onSettled(() => {
        engine.afterIndexing = engine.afterIndexing.then(async () => {
          await people.reconcilePersons();
          if (opts.autoCluster !== false) await people.cluster();
          await search.maintainIndex();
        }).catch((e: unknown) => log(`after indexing: ${e instanceof Error ? e.message : String(e)}`));
      });
    }
    return engine;
  }

  /** Resolves once the work that follows indexing (persons upkeep, clustering, search index) is done. */
  async settled(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.afterIndexing;
      await seen;
    } while (seen !== this.afterIndexing);
  }

  /** The open library's database, for read-only catalogue views of the doors (media lists, thumbnails). */
  get store(): LibraryStore {
    return this.lib().store;
  }

  /** Alibaba Cloud IMM/ICE sync: configuration, credentials, flows (refused with CLOUD_DISABLED until enabled). */
  get cloud(): CloudService {
    if (!this.cloudService) throw new EngineError('INVALID_ARGUMENT', 'No library is open');
    return this.cloudService;
  }

  /** Push the chosen folders to OSS, cluster in IMM, pull and compare with local persons, as a task. */
  cloudSync(opts: { started?: (id: string) => void } = {}): Promise<Task> {
    const cloud = this.cloud;
    const library = this.lib();
    return library.tasks.run('cloud.sync', (h): Promise<LibrarySyncResult> => syncLibrary(cloud, library.store, h), opts);
  }

  /** Pull the cloud's clusters as they are (no upload) and compare them with local persons, as a task. */
  cloudPull(opts: { started?: (id: string) => void } = {}): Promise<Task> {
    const cloud = this.cloud;
    const library = this.lib();
    return library.tasks.run('cloud.pull', (h): Promise<LibrarySyncResult> => pullLibrary(cloud, library.store, h), opts);
  }

  /** The last sync or pull compared with the local persons as they are now, with the names that could be imported. */
  cloudReport(): Promise<CloudSyncReport | null> {
    return lastSyncReport(this.cloud, this.lib().store);
  }

  /** Cloud cluster names onto the matched local persons (as renames). */
  cloudImportNames(request: ImportNamesRequest): Promise<ImportNamesResult> {
    return importNames(this.cloud, this.lib().store, this.people, request);
  }

  /** One face searched in IMM and ICE, hits mapped back to library files. */
  cloudSearchFace(query: { path: string; name: string; box?: FaceBox }, opts: { pageSize?: number } = {}): Promise<CloudSearchResult> {
    return cloudFaceSearch(this.cloud, this.lib().store, query, opts);
  }

  /** Persons: clustering runs, queries, corrections, suggestions, export (IMM figure clusters). */
  get people(): PeopleService {
    if (!this.peopleService) throw new EngineError('INVALID_ARGUMENT', 'No library is open');
    return this.peopleService;
  }

  /** Face, person, media and clip search (IMM CreateFacesSearchingTask, ICE SearchMediaByFace / ClipByFace). */
  get search(): SearchService {
    if (!this.searchService) throw new EngineError('INVALID_ARGUMENT', 'No library is open');
    return this.searchService;
  }

  private lib(): LibraryService {
    if (!this.library) throw new EngineError('INVALID_ARGUMENT', 'No library is open');
    return this.library;
  }

  // ---- library (IMM CreateBinding / IndexFileMeta) --------------------------------------------

  addFolders(paths: string[]): Promise<FolderRow[]> {
    return this.lib().addFolders(paths);
  }

  removeFolder(idOrPath: string): Promise<void> {
    return this.lib().removeFolder(idOrPath);
  }

  listFolders(): Promise<FolderRow[]> {
    return this.lib().listFolders();
  }

  /** Starts (or joins) an indexing run; the task id comes back at once. */
  index(): Promise<{ taskId: string; done: Promise<Task> }> {
    return this.lib().index();
  }

  pauseIndexing(): void {
    this.lib().pause();
  }

  resumeIndexing(): void {
    this.lib().resume();
  }

  startWatching(): Promise<void> {
    return this.lib().startWatching();
  }

  stopWatching(): Promise<void> {
    return this.lib().stopWatching();
  }

  libraryStatus(): Promise<LibraryStatus> {
    return this.lib().status();
  }

  mediaErrors(opts: { limit?: number; offset?: number } = {}): Promise<{ total: number; items: MediaError[] }> {
    return this.lib().errors(opts);
  }

  // ---- tasks (IMM GetTask / ListTasks) --------------------------------------------------------

  getTask(id: string): Task {
    return this.lib().tasks.get(id);
  }

  listTasks(filter: { kind?: string } = {}): Task[] {
    return this.lib().tasks.list(filter);
  }

  cancelTask(id: string): Task {
    return this.lib().tasks.cancel(id);
  }

  /** Progress events of every task; returns an unsubscribe function. */
  onTask(listener: (t: Task) => void): () => void {
    const tasks = this.lib().tasks;
    tasks.on('task', listener);
    return () => tasks.off('task', listener);
  }

  visionStatus(): VisionStatus {
    const p = this.pipeline.provider;
    return {
      provider: { requested: p.requested, active: p.active, ...(p.fallbackReason ? { fallbackReason: p.fallbackReason } : {}) },
      detector: this.models.detector.entry.id,
      landmarks: this.models.landmarks.entry.id,
      embedder: this.models.embedder.entry.id,
      modelsDir: this.modelsDir,
    };
  }

  async detect(request: DetectRequest): Promise<DetectResult> {
    const req = parseRequest(DetectRequestSchema, request);
    const r = await this.pipeline.analyze(req.path, req.options ?? {});
    return { path: req.path, image: r.image, faces: r.faces.map(toDto), timingsMs: r.timings };
  }

  /** Similarity of the largest face of each image, and the same/different call at the default threshold. */
  async compare(request: CompareRequest): Promise<CompareResult> {
    const req = parseRequest(CompareRequestSchema, request);
    const [a, b] = await Promise.all([this.largestFace(req.a), this.largestFace(req.b)]);
    const similarity = cosine(a.embedding, b.embedding);
    const threshold = this.settings.sameFaceThreshold;
    return { similarity, threshold, samePerson: similarity >= threshold, faceA: toDto(a), faceB: toDto(b) };
  }

  /** Analyzers working in parallel (see poolShape). */
  get poolSize(): number {
    return this.pipeline.poolSize;
  }

  /** Installs the YuNet detector upgrade (from OpenCV Zoo, or a URL/folder/file the user gives). */
  async installYunet(from?: string): Promise<{ installed: string[]; alreadyPresent: string[] }> {
    const r = await installYunet({ modelsDir: this.modelsDir, manifest: await loadManifest(), ...(from ? { from } : {}) });
    return { installed: r.installed.map((m) => m.entry.file), alreadyPresent: r.alreadyPresent.map((m) => m.entry.file) };
  }

  /** Raw faces with embeddings, for engine-internal callers (indexing, search). */
  async analyze(path: string | Buffer, options: Partial<AnalyzeOptions> = {}): Promise<Face[]> {
    return (await this.pipeline.analyze(path, options)).faces;
  }

  /**
   * Faces of a decoded, upright RGB frame (video frames): see FacePipeline.analyzeRaster, which transfers
   * the frame's buffer to an analyzer worker (the caller's `data` is detached afterwards).
   */
  async analyzeRaster(raster: RgbRaster, options: Partial<AnalyzeOptions> = {}): Promise<Face[]> {
    return (await this.pipeline.analyzeRaster(raster, options)).faces;
  }

  /** Many photos in order, decoding ahead while the models run; per-photo errors are yielded, not thrown. */
  analyzeMany(paths: Iterable<string>): ReturnType<FacePipeline['analyzeMany']> {
    return this.pipeline.analyzeMany(paths);
  }

  private async largestFace(path: string): Promise<Face> {
    const { faces } = await this.pipeline.analyze(path, { maxFaces: 1 });
    const face = faces[0];
    if (!face) throw new EngineError('NO_FACE', `No face was found in ${path}`, { path });
    return face;
  }

  async close(): Promise<void> {
    await this.settled();
    await this.peopleService?.close();
    await this.library?.close();
    await this.pipeline.close();
  }
}


function round(v: number, d = 2): number {
  const f = 10 ** d;
  return Math.round(v * f) / f;
}

function toDto(f: Face): FaceDto {
  return {
    box: { x: round(f.box.x, 1), y: round(f.box.y, 1), width: round(f.box.width, 1), height: round(f.box.height, 1) },
    score: round(f.score, 4),
    quality: round(f.quality, 3),
    qualityParts: { size: round(f.qualityParts.size, 3), sharpness: round(f.qualityParts.sharpness, 3), frontalness: round(f.qualityParts.frontalness, 3) },
    landmarks: f.landmarks.map(([x, y]) => [round(x, 1), round(y, 1)] as [number, number]),
    rotation: f.rotation,
    detectorId: f.detectorId,
    modelId: f.modelId,
  };
}
