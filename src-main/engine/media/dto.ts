/** Engine rows → the contract's shapes (camelCase, no vectors, no internal columns). */
import { basename } from 'node:path';
import type { FolderDto, MediaDto, MediaFaceDto } from '../../contract/ipc';
import type { FolderRow, MediaRow } from '../store/rows';
import type { FaceInfo } from './media-catalog';

export function folderDto(f: FolderRow): FolderDto {
  return { id: f.id, path: f.path, addedAt: f.added_at, lastScanAt: f.last_scan_at };
}

export function mediaDto(m: MediaRow): MediaDto {
  return {
    id: m.id,
    path: m.path,
    name: basename(m.path),
    folderId: m.folder_id,
    kind: m.kind,
    bytes: m.bytes,
    capturedAt: m.captured_at ?? m.mtime ?? null,
    width: m.width,
    height: m.height,
    duration: m.duration,
    camera: m.camera,
    status: m.status,
    errorCode: m.error_code,
    errorText: m.error_text,
    faceCount: m.face_count,
  };
}

function parseRanges(json: string | null): [number, number][] | null {
  if (!json) return null;
  try {
    const v = JSON.parse(json) as unknown;
    if (!Array.isArray(v)) return null;
    return v.filter((r): r is [number, number] => Array.isArray(r) && r.length === 2 && r.every((x) => typeof x === 'number'));
  } catch {
    return null;
  }
}

export function mediaFaceDto(f: FaceInfo, names: Map<string, string | null>): MediaFaceDto {
  return {
    id: f.id,
    box: { x: f.x, y: f.y, width: f.w, height: f.h },
    score: f.score,
    quality: f.quality,
    frameTime: f.frame_time,
    ranges: parseRanges(f.ranges),
    personId: f.person_id,
    personName: f.person_id ? (names.get(f.person_id) ?? null) : null,
    assignment: f.assignment,
  };
}
