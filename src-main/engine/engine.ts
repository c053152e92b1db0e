/**
 * The engine facade. Each domain is one service behind a getter (library, tasks, people, search,
 * media, cloud with cloud.library); vision (detect, compare, analyze) is the facade's own. Inputs are
 * validated against the contract. The CLI, the HTTP server and the Electron utility process are thin
 * doors onto this class (through src-main/transport for the latter two).
 */
import { parseRequest } from './validate';
import { EngineError } from './errors';
import { engineSettings } from './settings';
import type { EngineSettings, EngineSettingsOverrides, VisionSettings } from './settings';
import { CompareRequestSchema, DetectRequestSchema } from '../contract/vision';
import type { CompareRequest, CompareResult, DetectRequest, DetectResult, FaceDto, VisionStatus } from '../contract/vision';
import { FacePipeline } from './vision/pipeline';
import type { AnalyzeOptions, Face } from './vision/face-analyzer';
import type { RgbRaster } from './vision/pipeline';
import { cosine } from './vision/embedder';
import { defaultModelsDir, loadManifest } from './vision/models/manifest';
import { ensureDefaultPack, installYunet, resolveModelPaths } from './vision/models/model-store';
import type { DetectorChoice, Logger, ResolvedModels } from './vision/models/model-store';
import { defaultLibraryDir } from './paths';
import { LibraryService } from './library/library-service';
import { libraryDeps, watcherFactory } from './library/library-deps';
import type { Task, TaskRegistry } from './tasks/task-registry';
import { MediaService } from './media/media-service';
import { storeCatalog } from './media/media-catalog';
import { PeopleService } from './people/people-service';
import { SearchService } from './search/search-service';
import { CloudService } from './cloud/service';
import type { CloudServiceOptions } from './cloud/service';
import { CloudLibrarySync } from './cloud/library-sync';
import type { StringEncryptor } from './cloud/credentials';
import { join } from 'node:path';

export interface EngineOptions {
  /** Overrides of the settings tree (settings.ts), per slice; everything else keeps its documented default. */
  settings?: EngineSettingsOverrides;
  modelsDir?: string;
  /** Which detector serves: `auto` picks YuNet when installed. */
  detector?: DetectorChoice;
  /** Open the library database: a folder, or true for the default one (the user's data folder). */
  library?: string | true;
  /** Cluster new faces automatically after each indexing run that changed something (default true). */
  autoCluster?: boolean;
  /** Analyzers on the calling thread instead of worker threads (benchmarks measuring pure inference). */
  inProcess?: boolean;
  /** Fetch the default model pack when it is missing (first use). Default true. */
  fetchModels?: boolean;
  log?: Logger;
  /** Encrypts the cloud AccessKey (Electron safeStorage in the app); absent: the AES file fallback. */
  cloudEncryptor?: StringEncryptor;
  /** Cloud endpoints (tests and the developer emulator; see cloud-endpoint.ts). */
  cloud?: Pick<CloudServiceOptions, 'endpointOverride'>;
}

/** The library as the doors drive it (IMM CreateBinding / IndexFileMeta): folders, indexing runs, watching, status. */
export type LibraryOps = Pick<
  LibraryService,
  'addFolders' | 'removeFolder' | 'listFolders' | 'index' | 'pause' | 'resume' | 'keepCurrent' | 'startWatching' | 'stopWatching' | 'watching' | 'status' | 'errors'
>;

/** Tasks (IMM GetTask / ListTasks): every long operation, with its progress events. */
export type TaskOps = Pick<TaskRegistry, 'get' | 'list' | 'cancel' | 'subscribe'>;

export class Engine {
  private libraryService: LibraryService | null = null;
  private peopleService: PeopleService | null = null;
  private searchService: SearchService | null = null;
  private cloudService: CloudService | null = null;
  private readonly mediaService: MediaService;
  /** The tasks that follow an indexing run (see afterIndexing()), chained so settled() can wait for them. */
  private afterIndexingRuns: Promise<void> = Promise.resolve();

  /** The vision slice of `config`. */
  readonly settings: VisionSettings;

  private constructor(
    /** The whole settings tree this engine was opened with; each service got its slice of it. */
    readonly config: EngineSettings,
    private readonly pipeline: FacePipeline,
    private readonly models: ResolvedModels,
    private readonly modelsDir: string,
  ) {
    this.settings = config.vision;
    this.mediaService = new MediaService({ catalog: () => storeCatalog(this.lib().store), maxPixels: config.vision.maxPixels, settings: config.media });
  }

  static async open(opts: EngineOptions = {}): Promise<Engine> {
    const config = engineSettings(opts.settings);
    const settings = config.vision;
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
    const engine = new Engine(config, pipeline, models, modelsDir);
    if (opts.library) {
      const dir = opts.library === true ? defaultLibraryDir() : opts.library;
      const library = await LibraryService.open(
        dir,
        config.indexing,
        libraryDeps(pipeline, models.embedder.entry.id, config.library),
        watcherFactory(config.library),
      );
      const log = opts.log ?? (() => undefined);
      const people = new PeopleService(library.store, config.people, library.tasks, log, config.vision);
      const search = new SearchService(
        library.store,
        config.search,
        { analyze: (input, o) => engine.analyze(input, o) },
        { log },
      );
      engine.libraryService = library;
      engine.peopleService = people;
      engine.searchService = search;
      // Off until the user enables it and saves credentials: no call of it touches the network before.
      engine.cloudService = new CloudService({
        configDir: join(dir, 'cloud'),
        ...opts.cloud,
        settings: config.cloud,
        ...(opts.cloudEncryptor ? { encryptor: opts.cloudEncryptor } : {}),
        library: (cloud) => new CloudLibrarySync(cloud, library.store, library.tasks, people, { ...config.library, maxPixels: config.vision.maxPixels }),
      });
      const autoCluster = opts.autoCluster !== false;
      library.onSettled(() => {
        engine.afterIndexingRuns = engine.afterIndexingRuns
          .then(() => engine.afterIndexing(autoCluster, log))
          .catch((e: unknown) => log(`after indexing: ${e instanceof Error ? e.message : String(e)}`));
      });
    }
    return engine;
  }

  /**
   * Like IMM's incremental figure clustering: each settled indexing run clusters only the new faces,
   * after persons touched by removed photos are brought up to date; the search index follows. Each
   * step is a task the user sees in Tasks ('people.reconcile', 'people.cluster', 'search.index'), so
   * a failure is recorded on its task; a failed step stops the ones after it, as they build on it.
   */
  private async afterIndexing(autoCluster: boolean, log: Logger): Promise<void> {
    const tasks = this.lib().tasks;
    const people = this.people;
    const search = this.search;
    const steps: (() => Promise<Task>)[] = [
      () => tasks.run('people.reconcile', () => people.reconcilePersons()),
      ...(autoCluster ? [() => people.cluster()] : []),
      () => tasks.run('search.index', () => search.maintainIndex({ wait: true })),
    ];
    for (const step of steps) {
      const task = await step();
      if (task.status !== 'succeeded') {
        log(`after indexing: ${task.kind} ${task.status}${task.error ? `: ${task.error.message}` : ''}`);
        return;
      }
    }
  }

  /** Resolves once the tasks that follow indexing (persons upkeep, clustering, search index) are done. */
  async settled(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.afterIndexingRuns;
      await seen;
    } while (seen !== this.afterIndexingRuns);
  }

  // ---- the domains: one service each, behind a getter -----------------------------------------

  /** Library folders, indexing runs, watching, status and per-file errors. */
  get library(): LibraryOps {
    return this.lib();
  }

  /** Tasks of the open library: get, list, cancel, and progress events. */
  get tasks(): TaskOps {
    return this.lib().tasks;
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

  /** Browsing, the files the page shows (thumbnails, face crops, originals), query uploads; there without a library too. */
  get media(): MediaService {
    return this.mediaService;
  }

  /**
   * Alibaba Cloud IMM/ICE: configuration, credentials, flows (refused with CLOUD_DISABLED until enabled),
   * and `cloud.library` for sync, pull, report, name import and face search against the open library.
   */
  get cloud(): CloudService {
    if (!this.cloudService) throw new EngineError('INVALID_ARGUMENT', 'No library is open');
    return this.cloudService;
  }

  private lib(): LibraryService {
    if (!this.libraryService) throw new EngineError('INVALID_ARGUMENT', 'No library is open');
    return this.libraryService;
  }

  // ---- vision: the engine's own pipeline --------------------------------------------------------

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
    await this.libraryService?.close();
    this.mediaService.close();
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
