/**
 * Binds the indexer to the real building blocks: scanner, quick content hash, metadata, the face
 * pipeline for photos and video frames, and the chokidar watcher.
 */
import type { FacePipeline } from '../vision/pipeline';
import type { LibrarySettings } from '../settings';
import type { FileMetadata, IndexerDeps, VideoAnalysis } from './indexer';
import type { IndexDeps, WatcherFactory } from './library-service';
import { scanFolder } from './scanner';
import { quickHash } from './content-hash';
import { readMetadata } from './metadata';
import { analyzeVideo } from './video-indexer';
import { LibraryWatcher } from './watcher';
import type { WatchBatch } from './watcher';

/** `settings`: the library slice of the engine's settings (scanning, hashing, video sampling and tracks). */
export function libraryDeps(pipeline: FacePipeline, embedderId: string, settings: LibrarySettings): IndexDeps {
  return {
    embedderId,
    scan: (root, onError) => scanFolder(root, { onError, statConcurrency: settings.scanStatConcurrency }),
    hash: async (path) => (await quickHash(path, { sampleBytes: settings.quickHashSampleBytes })).hash,
    metadata: async (path): Promise<FileMetadata> => {
      const m = await readMetadata(path);
      const camera = [m.cameraMake, m.cameraModel].filter(Boolean).join(' ').trim();
      return {
        capturedAt: m.capturedAt,
        capturedAtSource: m.capturedAtSource,
        camera: camera || null,
        rating: m.rating ?? null,
        tags: m.keywords.length ? m.keywords : null,
        gpsLat: m.latitude ?? null,
        gpsLon: m.longitude ?? null,
      };
    },
    analyzeImages: (paths) => pipeline.analyzeMany(paths),
    analyzeVideo: async (path, signal): Promise<VideoAnalysis> => {
      const v = await analyzeVideo(pipeline, path, { signal, settings });
      return {
        durationSec: v.durationSec ?? 0,
        width: v.width,
        height: v.height,
        tracks: v.tracks.map((t) => ({ face: { ...t.bestFace, embedding: t.embedding }, timeSec: t.bestFace.timeSec, ranges: t.ranges })),
        posterJpeg: v.posterJpeg,
      };
    },
  } satisfies Omit<IndexerDeps, 'store' | 'write'>;
}

/** `settings`: write-finish, batching and polling of the watcher (the library slice). */
export function watcherFactory(settings: LibrarySettings): WatcherFactory {
  return async (roots, known, events) => {
    const w = new LibraryWatcher({
      known,
      settings,
      onBatch: (b: WatchBatch) => {
        if (b.missingRoots.length) events.onMissingRoots(b.missingRoots);
        const changed = new Set([...b.added.map((f) => f.path), ...b.changed.map((f) => f.path), ...b.removed]);
        if (changed.size) events.onBatch(changed);
      },
      onError: (e) => {
        const p = e.details?.path;
        const root = typeof p === 'string' ? roots.find((r) => p === r || p.startsWith(r + '/')) : undefined;
        if (root) events.onRootError(root, e.message);
      },
    });
    // One folder that cannot be watched (unreadable, vanished a moment ago) must not stop the others.
    for (const r of roots) await w.addRoot(r).catch((e: unknown) => events.onRootError(r, e instanceof Error ? e.message : String(e)));
    await w.ready();
    return w;
  };
}
