/** Row types of the library tables (see schema.ts), as the engine reads and writes them. */

export type MediaKind = 'image' | 'video';
export type MediaStatus = 'pending' | 'ok' | 'error';
export type Assignment = 'none' | 'auto' | 'user';

export interface FolderRow {
  id: string;
  path: string;
  added_at: number;
  last_scan_at: number | null;
}

export interface MediaRow {
  id: string;
  path: string;
  folder_id: string;
  content_hash: string;
  kind: MediaKind;
  bytes: number;
  mtime: number;
  captured_at: number | null;
  captured_at_source: string | null;
  width: number | null;
  height: number | null;
  duration: number | null;
  camera: string | null;
  rating: number | null;
  tags: string | null;
  gps_lat: number | null;
  gps_lon: number | null;
  status: MediaStatus;
  error_code: string | null;
  error_text: string | null;
  face_count: number | null;
  indexed_at: number | null;
  model_id: string | null;
}

export interface FaceRow {
  id: string;
  media_id: string;
  folder_id: string;
  kind: MediaKind;
  captured_at: number | null;
  frame_time: number | null;
  ranges: string | null;
  x: number;
  y: number;
  w: number;
  h: number;
  landmarks: string;
  score: number;
  quality: number;
  person_id: string | null;
  assignment: Assignment;
  rejected: string | null;
  clustered: boolean;
  model_id: string;
  created_at: number;
  vector: Float32Array | number[];
}

export interface PersonRow {
  id: string;
  name: string | null;
  cover_face_id: string | null;
  hidden: boolean;
  face_count: number;
  media_count: number;
  created_at: number;
  updated_at: number;
  last_captured_at: number | null;
  confirmed: boolean;
  birth_date: number | null;
  centroid: Float32Array | number[] | null;
}
