/**
 * The library database's tables (LanceDB) and their Arrow schemas. Bump SCHEMA_VERSION and add a
 * migration to migrations.ts whenever a table changes; `open` runs the missing ones forward.
 */
import { Bool, Field, FixedSizeList, Float32, Float64, Int32, Schema, Utf8 } from 'apache-arrow';

export const SCHEMA_VERSION = 1;
export const EMBEDDING_DIM = 512;

const str = (name: string, nullable = true) => new Field(name, new Utf8(), nullable);
const f64 = (name: string, nullable = true) => new Field(name, new Float64(), nullable);
const f32 = (name: string, nullable = true) => new Field(name, new Float32(), nullable);
const i32 = (name: string, nullable = true) => new Field(name, new Int32(), nullable);
const bool = (name: string, nullable = true) => new Field(name, new Bool(), nullable);
const vector = (name: string, dim = EMBEDDING_DIM, nullable = false) =>
  new Field(name, new FixedSizeList(dim, new Field('item', new Float32(), true)), nullable);

export const FOLDERS_SCHEMA = new Schema([
  str('id', false),
  str('path', false),
  f64('added_at', false),
  f64('last_scan_at'),
]);

/**
 * One row per file. `captured_at` is EXIF capture time (UTC ms) or the file time; `status` is
 * pending | ok | error; `error_code`/`error_text` say why a file failed (retried when it changes).
 */
export const MEDIA_SCHEMA = new Schema([
  str('id', false),
  str('path', false),
  str('folder_id', false),
  str('content_hash', false),
  str('kind', false),
  f64('bytes', false),
  f64('mtime', false),
  f64('captured_at'),
  str('captured_at_source'),
  i32('width'),
  i32('height'),
  f64('duration'),
  str('camera'),
  i32('rating'),
  str('tags'), // JSON array
  f64('gps_lat'),
  f64('gps_lon'),
  str('status', false),
  str('error_code'),
  str('error_text'),
  i32('face_count'),
  f64('indexed_at'),
  str('model_id'),
]);

/**
 * One row per face (a photo face, or a video track's best face). Folder, kind and capture time are
 * copied from the media row so vector searches filter without a join. `assignment` is
 * none | auto | user; `rejected` lists persons the user said this face is not (JSON array).
 */
export const FACES_SCHEMA = new Schema([
  str('id', false),
  str('media_id', false),
  str('folder_id', false),
  str('kind', false),
  f64('captured_at'),
  f64('frame_time'),
  str('ranges'), // JSON [[startSec, endSec], ...] for video tracks
  f32('x', false),
  f32('y', false),
  f32('w', false),
  f32('h', false),
  str('landmarks', false), // JSON [[x, y] x5]
  f32('score', false),
  f32('quality', false),
  str('person_id'),
  str('assignment', false),
  str('rejected'),
  bool('clustered', false),
  str('model_id', false),
  f64('created_at', false),
  // Nullable only so partial updates (mergeInsert of a few columns) pass LanceDB's schema check; always set.
  vector('vector', EMBEDDING_DIM, true),
]);

export const PERSONS_SCHEMA = new Schema([
  str('id', false),
  str('name'),
  str('cover_face_id'),
  bool('hidden', false),
  i32('face_count', false),
  i32('media_count', false),
  f64('created_at', false),
  f64('updated_at', false),
  f64('last_captured_at'),
  bool('confirmed', false),
  f64('birth_date'),
  vector('centroid', EMBEDDING_DIM, true),
]);

export const TABLES = {
  folders: FOLDERS_SCHEMA,
  media: MEDIA_SCHEMA,
  faces: FACES_SCHEMA,
  persons: PERSONS_SCHEMA,
} as const;

export type TableName = keyof typeof TABLES;
