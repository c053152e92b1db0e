/**
 * A library as schema version 1 wrote it, frozen here so the migration tests keep building it after the
 * live schema (src-main/engine/store/schema.ts) moves on. Written with LanceDB directly, not the store:
 * the point is data the current code did not write. When SCHEMA_VERSION is bumped, add the next frozen
 * version beside this one and leave this file as it is.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { Bool, Field, FixedSizeList, Float32, Float64, Int32, Schema, Utf8 } from 'apache-arrow';
import type { DataType } from 'apache-arrow';

const TYPES: Record<string, () => DataType> = {
  s: () => new Utf8(),
  d: () => new Float64(),
  f: () => new Float32(),
  i: () => new Int32(),
  b: () => new Bool(),
  v: () => new FixedSizeList(512, new Field('item', new Float32(), true)),
};

/** `name:type` with type s|d|f|i|b|v (string, f64, f32, i32, bool, 512-d vector); a trailing `!` is NOT NULL. */
function schema(spec: string): Schema {
  return new Schema(
    spec.split(/\s+/).filter(Boolean).map((f) => {
      const [name, t] = f.split(':') as [string, string];
      return new Field(name, TYPES[t.replace('!', '')]!(), !t.endsWith('!'));
    }),
  );
}

export const V1_SCHEMAS = {
  folders: schema('id:s! path:s! added_at:d! last_scan_at:d'),
  media: schema(
    'id:s! path:s! folder_id:s! content_hash:s! kind:s! bytes:d! mtime:d! captured_at:d captured_at_source:s width:i height:i duration:d ' +
      'camera:s rating:i tags:s gps_lat:d gps_lon:d status:s! error_code:s error_text:s face_count:i indexed_at:d model_id:s',
  ),
  faces: schema(
    'id:s! media_id:s! folder_id:s! kind:s! captured_at:d frame_time:d ranges:s x:f! y:f! w:f! h:f! landmarks:s! score:f! quality:f! ' +
      'person_id:s assignment:s! rejected:s clustered:b! model_id:s! created_at:d! vector:v',
  ),
  persons: schema(
    'id:s! name:s cover_face_id:s hidden:b! face_count:i! media_count:i! created_at:d! updated_at:d! last_captured_at:d confirmed:b! birth_date:d centroid:v',
  ),
};

/** One of everything: a folder with a photo holding a named person's face and an unassigned face. */
export function v1Rows(): Record<keyof typeof V1_SCHEMAS, Record<string, unknown>[]> {
  const vec = (i: number) => Array.from({ length: 512 }, (_, k) => (k === i ? 1 : 0));
  const face = (id: string, person: string | null, i: number) => ({
    id, media_id: 'm1', folder_id: 'F', kind: 'image', captured_at: 1_600_000_000_000, frame_time: null, ranges: null, x: 10, y: 20, w: 30, h: 40,
    landmarks: '[[1,2],[3,4],[5,6],[7,8],[9,10]]', score: 0.9, quality: 0.7, person_id: person, assignment: person ? 'user' : 'none',
    rejected: person ? null : '["p1"]', clustered: true, model_id: 'arcface-v1', created_at: 1, vector: vec(i),
  });
  return {
    folders: [{ id: 'F', path: "/photos/it's mine", added_at: 1, last_scan_at: 2 }],
    media: [{
      id: 'm1', path: "/photos/it's mine/a.jpg", folder_id: 'F', content_hash: 'h1', kind: 'image', bytes: 1234, mtime: 5, captured_at: 1_600_000_000_000,
      captured_at_source: 'exif', width: 640, height: 480, duration: null, camera: 'Canon', rating: 4, tags: '["beach"]', gps_lat: 1.5, gps_lon: 2.5,
      status: 'ok', error_code: null, error_text: null, face_count: 2, indexed_at: 9, model_id: 'arcface-v1',
    }],
    faces: [face('f1', 'p1', 3), face('f2', null, 7)],
    persons: [{
      id: 'p1', name: 'Ada', cover_face_id: 'f1', hidden: false, face_count: 1, media_count: 1, created_at: 1, updated_at: 2,
      last_captured_at: 1_600_000_000_000, confirmed: true, birth_date: null, centroid: vec(3),
    }],
  };
}

/** Writes a version-1 library into `dir` (meta.json and the four tables). */
export async function writeV1Library(dir: string, libraryId = 'lib-v1'): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'meta.json'), JSON.stringify({ schemaVersion: 1, libraryId, createdAt: 1 }));
  const db = await lancedb.connect(join(dir, 'db'));
  const rows = v1Rows();
  for (const name of Object.keys(V1_SCHEMAS) as (keyof typeof V1_SCHEMAS)[]) {
    const t = await db.createEmptyTable(name, V1_SCHEMAS[name], { mode: 'create' });
    await t.add(rows[name]);
    t.close();
  }
  db.close();
}
