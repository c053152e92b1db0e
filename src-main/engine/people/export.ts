/**
 * Export persons to a folder: one subfolder per person (its name, or "Unnamed <id>"), each photo or video
 * hard-linked (or copied) under its own name, optional face crops in <person>/faces/, and a manifest
 * (face-organizer-manifest.json and .csv: person, file, original path, box, score, capture time).
 * Repeatable: files already exported are recognised and skipped, a different file holding a name is
 * never overwritten (the new one becomes "name (1).jpg"), and the manifest keeps the rows of persons
 * exported earlier to the same folder.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, extname, join, relative, sep } from 'node:path';
import { EngineError } from '../errors';
import type { LibraryStore } from '../store/library-store';
import type { FaceRow, MediaRow, PersonRow } from '../store/rows';
import type { PeopleSettings } from '../settings';
import { cropFace } from '../vision/face-crop';
import type { TaskHandle } from '../tasks/task-registry';
import type { ExportPersonsRequest, ExportResult } from '../../contract/people';
import { numbered, place, safeName } from './export-files';
import { facesOfPersons } from './person-upkeep';
import { mediaPaths } from './queries';

export const MANIFEST_NAME = 'face-organizer-manifest';
const GENERATOR = 'face-organizer';

export interface ManifestRow {
  personId: string;
  personName: string | null;
  /** Path inside the export folder, with forward slashes. */
  file: string;
  originalPath: string;
  mediaId: string;
  faceId: string;
  x: number;
  y: number;
  width: number;
  height: number;
  score: number;
  quality: number;
  /** ISO 8601, or null when unknown. */
  capturedAt: string | null;
  /** Video: seconds into the clip the box is from. */
  frameTime: number | null;
  crop: string | null;
}

/** Creates the folder and proves it writable, or says clearly why not. */
export async function ensureWritable(dir: string): Promise<void> {
  const fail = (why: string) => new EngineError('EXPORT_TARGET_UNWRITABLE', `Cannot export to ${dir}: ${why}`, { path: dir });
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw fail((e as NodeJS.ErrnoException).code === 'EEXIST' || (e as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'it is a file, not a folder' : (e as Error).message);
  }
  if (!(await stat(dir)).isDirectory()) throw fail('it is a file, not a folder');
  const probe = join(dir, `.face-organizer-${randomUUID()}.tmp`);
  try {
    await writeFile(probe, '');
    await unlink(probe);
  } catch (e) {
    throw fail((e as NodeJS.ErrnoException).code === 'EACCES' || (e as NodeJS.ErrnoException).code === 'EPERM' ? 'permission denied' : (e as Error).message);
  }
}

function folderNames(persons: readonly PersonRow[]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Map<string, number>();
  for (const p of [...persons].sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id))) {
    const short = p.id.slice(0, 8);
    let name = safeName(p.name ?? '', `Unnamed ${short}`);
    // Two persons of one name in one export: the later one carries its id.
    if (used.has(name.toLowerCase())) name = `${name} (${short})`;
    used.set(name.toLowerCase(), 1);
    out.set(p.id, name);
  }
  return out;
}

async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/** Our manifest file name in `dir`: the usual one, unless a file of that name is someone else's. */
async function manifestBase(dir: string): Promise<{ base: string; previous: ManifestRow[] }> {
  for (let n = 0; ; n++) {
    const base = numbered(MANIFEST_NAME, n);
    let text: string;
    try {
      text = await readFile(join(dir, `${base}.json`), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { base, previous: [] };
      throw e;
    }
    try {
      const j = JSON.parse(text) as { generator?: string; rows?: ManifestRow[] };
      if (j.generator === GENERATOR) return { base, previous: Array.isArray(j.rows) ? j.rows : [] };
    } catch {
      // Not JSON: not ours.
    }
  }
}

const CSV_COLUMNS: (keyof ManifestRow)[] = ['personId', 'personName', 'file', 'originalPath', 'mediaId', 'faceId', 'x', 'y', 'width', 'height', 'score', 'quality', 'capturedAt', 'frameTime', 'crop'];

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function manifestCsv(rows: readonly ManifestRow[]): string {
  return [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}

type CropSettings = Pick<PeopleSettings, 'cropMargin' | 'cropSize' | 'cropQuality'> & { maxPixels: number };

/** Writes the face crop unless `dest` exists (a repeated export); true when written. */
async function writeCrop(path: string, face: FaceRow, dest: string, settings: CropSettings): Promise<boolean> {
  try {
    await stat(dest);
    return false;
  } catch {
    // Not there yet.
  }
  const box = { x: face.x, y: face.y, width: face.w, height: face.h };
  const jpeg = await cropFace(path, box, { margin: settings.cropMargin, side: settings.cropSize, format: 'jpeg', quality: settings.cropQuality, maxPixels: settings.maxPixels });
  await writeFile(`${dest}.tmp`, jpeg);
  await rename(`${dest}.tmp`, dest);
  return true;
}

export async function exportPersons(
  store: LibraryStore,
  settings: Pick<PeopleSettings, 'exportMode' | 'cropMargin' | 'cropSize' | 'cropQuality'> & { maxPixels: number },
  req: ExportPersonsRequest,
  handle?: TaskHandle,
): Promise<ExportResult> {
  const target = req.targetDir;
  await ensureWritable(target);
  const persons = await store.persons.summaries({}, [...new Set(req.personIds)]);
  const missing = req.personIds.filter((id) => !persons.some((p) => p.id === id));
  if (missing.length > 0) throw new EngineError('NOT_FOUND', `No person with id ${missing.join(', ')}`);
  const folders = folderNames(persons);
  const faces = await facesOfPersons(store, persons.map((p) => p.id), false);
  const media = await mediaPaths(store, [...faces.values()].flat().map((f) => f.media_id));
  const mode = req.mode ?? settings.exportMode;
  const result: ExportResult = { targetDir: target, persons: persons.length, files: 0, linked: 0, copied: 0, skipped: 0, renamed: 0, crops: 0, failed: [], manifestJson: '', manifestCsv: '' };
  const rows: ManifestRow[] = [];
  const total = [...faces.values()].reduce((n, l) => n + new Set(l.map((f) => f.media_id)).size, 0);
  let done = 0;
  for (const p of persons) {
    const dir = join(target, folders.get(p.id)!);
    await mkdir(dir, { recursive: true });
    const byMedia = new Map<string, FaceRow[]>();
    for (const f of faces.get(p.id) ?? []) {
      let l = byMedia.get(f.media_id);
      if (!l) byMedia.set(f.media_id, (l = []));
      l.push(f);
    }
    // Oldest first, so "name (1)" numbering is the same on every export.
    const ordered = [...byMedia].map(([id, fs]) => ({ m: media.get(id), fs })).filter((e): e is { m: MediaRow; fs: FaceRow[] } => !!e.m);
    ordered.sort((a, b) => (a.m.captured_at ?? 0) - (b.m.captured_at ?? 0) || a.m.path.localeCompare(b.m.path));
    for (const { m, fs } of ordered) {
      if (handle?.signal.aborted) throw new EngineError('CANCELLED', 'Export cancelled');
      try {
        const placed = await place(m.path, dir, basename(m.path), mode);
        result.files++;
        if (placed.kind === 'linked') result.linked++;
        else if (placed.kind === 'copied') result.copied++;
        else result.skipped++;
        if (placed.renamed && placed.kind !== 'skipped') result.renamed++;
        for (const f of fs) {
          let crop: string | null = null;
          if (req.crops && m.kind === 'image') {
            await mkdir(join(dir, 'faces'), { recursive: true });
            const stem = basename(placed.path, extname(placed.path));
            const dest = join(dir, 'faces', `${stem}_${f.id.slice(0, 8)}.jpg`);
            if (await writeCrop(m.path, f, dest, settings)) result.crops++;
            crop = relative(target, dest).split(sep).join('/');
          }
          rows.push({
            personId: p.id,
            personName: p.name ?? null,
            file: relative(target, placed.path).split(sep).join('/'),
            originalPath: m.path,
            mediaId: m.id,
            faceId: f.id,
            x: f.x,
            y: f.y,
            width: f.w,
            height: f.h,
            score: f.score,
            quality: f.quality,
            capturedAt: f.captured_at !== null && f.captured_at !== undefined ? new Date(f.captured_at).toISOString() : null,
            frameTime: f.frame_time ?? null,
            crop,
          });
        }
      } catch (e) {
        result.failed.push({ path: m.path, error: (e as Error).message });
      }
      handle?.progress({ done: ++done, total, current: m.path, counters: { linked: result.linked, copied: result.copied, skipped: result.skipped } });
    }
  }
  const { base, previous } = await manifestBase(target);
  const exported = new Set(persons.map((p) => p.id));
  const all = [...previous.filter((r) => !exported.has(r.personId)), ...rows];
  result.manifestJson = join(target, `${base}.json`);
  result.manifestCsv = join(target, `${base}.csv`);
  await writeAtomic(result.manifestJson, JSON.stringify({ generator: GENERATOR, version: 1, exportedAt: new Date().toISOString(), rows: all }, null, 1));
  await writeAtomic(result.manifestCsv, manifestCsv(all));
  return result;
}
