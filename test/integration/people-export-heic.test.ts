/**
 * Export with face crops from an HEIC photo (an iPhone's usual format). sharp's prebuilt libheif has no
 * HEVC decoder, so a crop must go through the engine's decoder; the photo is exported, its crop written,
 * and nothing is reported failed. Real LanceDB on disk, a real HEIC file (made with heif-enc).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { LibraryStore } from '../../src-main/engine/store/library-store';
import { TaskRegistry } from '../../src-main/engine/tasks/task-registry';
import { PeopleService } from '../../src-main/engine/people/people-service';
import { peopleSettings } from '../../src-main/engine/settings';
import type { ExportResult } from '../../src-main/contract/people';
import { FIXTURES, tempDir } from '../helpers/paths';

const hasHeifEnc = !spawnSync('heif-enc', ['--help'], { stdio: 'ignore' }).error;

describe.skipIf(!hasHeifEnc)('export: face crops of an HEIC photo (needs heif-enc: apt-get install libheif-examples libheif-plugin-x265)', () => {
  const dir = tempDir('export-heic');
  let store: LibraryStore;
  let service: PeopleService;
  let personId: string;
  const heic = join(dir, 'IMG_0001.HEIC');
  // Obama's face in obama_obama.jpg (910x1137), roughly: the crop only has to lie inside the photo.
  const box = { x: 300, y: 250, w: 300, h: 380 };

  beforeAll(async () => {
    const jpg = join(dir, 'src.jpg');
    await sharp(join(FIXTURES, 'people/obama/obama_obama.jpg')).jpeg({ quality: 95 }).toFile(jpg);
    const r = spawnSync('heif-enc', ['-q', '80', '-o', heic, jpg], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`heif-enc failed: ${r.stderr || r.stdout}`);

    store = await LibraryStore.open(join(dir, 'library'));
    service = new PeopleService(store, peopleSettings(), await TaskRegistry.open(null, 60_000));
    const now = Date.now();
    const mediaId = randomUUID();
    const faceId = randomUUID();
    await store.media.upsert([{
      id: mediaId, path: heic, folder_id: 'f', content_hash: `hash-${mediaId}`, kind: 'image', bytes: 1, mtime: now, captured_at: now,
      captured_at_source: 'test', width: 910, height: 1137, duration: null, camera: null, rating: null, tags: null,
      gps_lat: null, gps_lon: null, status: 'ok', error_code: null, error_text: null, face_count: 1, indexed_at: now, model_id: 'test',
    }]);
    const vector = new Array<number>(512).fill(0);
    vector[0] = 1;
    await store.faces.add([{
      id: faceId, media_id: mediaId, folder_id: 'f', kind: 'image', captured_at: now, frame_time: null, ranges: null,
      x: box.x, y: box.y, w: box.w, h: box.h, landmarks: '[]', score: 0.99, quality: 0.9,
      person_id: null, assignment: 'none', rejected: null, clustered: false, model_id: 'test', created_at: now, vector,
    }]);
    const split = await service.splitFaces({ faceIds: [faceId], name: 'Barack' });
    personId = split.persons[0]!.id;
  }, 120_000);

  afterAll(async () => {
    await service?.close();
    store?.close();
  });

  it('exports the photo and its face crop, and reports nothing failed', async () => {
    const target = join(dir, 'out');
    const task = await service.exportPersons({ personIds: [personId], targetDir: target, crops: true });
    expect(task.error).toBeUndefined();
    const r = task.result as ExportResult;
    expect(r.failed).toEqual([]);
    expect([r.files, r.crops]).toEqual([1, 1]);
    const faces = readdirSync(join(target, 'Barack', 'faces'));
    expect(faces).toHaveLength(1);
    const crop = sharp(join(target, 'Barack', 'faces', faces[0]!));
    const meta = await crop.metadata();
    expect(meta.format).toBe('jpeg');
    // The box grown by the export margin on every side, in the photo's upright orientation (taller than wide).
    expect(meta.height!).toBeGreaterThan(meta.width!);
    const { channels } = await crop.stats();
    expect(channels[0]!.stdev, 'a picture, not a blank').toBeGreaterThan(10);
  });
});
