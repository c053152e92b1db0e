/**
 * Libraries for the people tests: fixture photos analyzed once by the real engine, then written through
 * LibraryStore the way the indexer does (media + face rows, unclustered, no person), plus the ground
 * truth of the fixtures and the clustering metrics the tests report.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../../src-main/engine/engine';
import type { Face } from '../../src-main/engine/vision/face-analyzer';
import type { LibraryStore } from '../../src-main/engine/store/library-store';
import type { FaceRow, MediaRow } from '../../src-main/engine/store/rows';
import { FIXTURES } from './paths';
import { LABELS } from './truth';

export interface AnalyzedPhoto {
  /** Path relative to the fixtures folder, e.g. people/amy/amy_1.png. */
  rel: string;
  path: string;
  image: { width: number; height: number; orientation: number; format: string };
  faces: Face[];
}

export function peoplePhotos(): string[] {
  const out: string[] = [];
  for (const id of readdirSync(join(FIXTURES, 'people')).sort()) {
    for (const f of readdirSync(join(FIXTURES, 'people', id)).sort()) out.push(`people/${id}/${f}`);
  }
  return out;
}

export function groupPhotos(): string[] {
  return readdirSync(join(FIXTURES, 'groups')).sort().map((f) => `groups/${f}`);
}

export async function analyzePhotos(engine: Engine, paths: readonly string[], rels: readonly string[] = paths): Promise<AnalyzedPhoto[]> {
  const relOf = new Map(paths.map((p, i) => [p, rels[i]!]));
  const out: AnalyzedPhoto[] = [];
  for await (const item of engine.analyzeMany(paths)) {
    if (!item.result) throw new Error(`analysis failed for ${item.input}: ${String(item.error)}`);
    out.push({ rel: relOf.get(item.input)!, path: item.input, image: item.result.image, faces: item.result.faces });
  }
  return out;
}

export function analyzeFixtures(engine: Engine, rels: readonly string[]): Promise<AnalyzedPhoto[]> {
  return analyzePhotos(engine, rels.map((r) => join(FIXTURES, r)), rels);
}

export interface WrittenPhoto {
  rel: string;
  mediaId: string;
  /** Face ids in the order of AnalyzedPhoto.faces. */
  faceIds: string[];
}

/** Capture times: one day apart in the order given, so birth-date and time-range tests have something to cut. */
export const DAY = 86_400_000;
export const EPOCH = Date.UTC(2020, 0, 1);

export async function writePhotos(store: LibraryStore, photos: readonly AnalyzedPhoto[], opts: { folderId?: string; firstDay?: number; path?: (p: AnalyzedPhoto) => string } = {}): Promise<WrittenPhoto[]> {
  const folder = opts.folderId ?? 'fixtures';
  const now = Date.now();
  const media: MediaRow[] = [];
  const faces: FaceRow[] = [];
  const out: WrittenPhoto[] = [];
  photos.forEach((p, i) => {
    const id = randomUUID();
    const captured = EPOCH + ((opts.firstDay ?? 0) + i) * DAY;
    media.push({
      id, path: opts.path?.(p) ?? p.path, folder_id: folder, content_hash: `hash-${id}`, kind: 'image', bytes: 1, mtime: now, captured_at: captured,
      captured_at_source: 'test', width: p.image.width, height: p.image.height, duration: null, camera: null, rating: null, tags: null,
      gps_lat: null, gps_lon: null, status: 'ok', error_code: null, error_text: null, face_count: p.faces.length, indexed_at: now, model_id: p.faces[0]?.modelId ?? null,
    });
    const faceIds = p.faces.map((f) => {
      const fid = randomUUID();
      faces.push({
        id: fid, media_id: id, folder_id: folder, kind: 'image', captured_at: captured, frame_time: null, ranges: null,
        x: f.box.x, y: f.box.y, w: f.box.width, h: f.box.height, landmarks: JSON.stringify(f.landmarks), score: f.score, quality: f.quality,
        person_id: null, assignment: 'none', rejected: null, clustered: false, model_id: f.modelId, created_at: now, vector: f.embedding,
      });
      return fid;
    });
    out.push({ rel: p.rel, mediaId: id, faceIds });
  });
  await store.media.upsert(media);
  await store.faces.add(faces);
  return out;
}

// ---- ground truth and metrics -------------------------------------------------------------------

/** people/<id>/* photos: their largest face is <id>. */
export function identityFaces(photos: readonly AnalyzedPhoto[], written: readonly WrittenPhoto[]): Map<string, string> {
  const out = new Map<string, string>();
  const w = new Map(written.map((x) => [x.rel, x]));
  for (const p of photos) {
    if (!p.rel.startsWith('people/') || p.faces.length === 0) continue;
    let best = 0;
    p.faces.forEach((f, i) => {
      if (f.box.width * f.box.height > p.faces[best]!.box.width * p.faces[best]!.box.height) best = i;
    });
    out.set(w.get(p.rel)!.faceIds[best]!, p.rel.split('/')[1]!);
  }
  return out;
}

export { clusterMetrics } from '../eval/metrics';
export type { ClusterMetrics } from '../eval/metrics';

export { LABELS };
