/**
 * What the media routes serve, resolved from an opaque id to a file on disk, generating and caching
 * derived images on the way. The one place that decides which files the page may see:
 * - an id must be a media row (or face, or upload) the library knows: anything else is `unknown-id`;
 * - an original must be a regular file whose real path (symlinks resolved) lies inside the real path
 *   of one of the library's folders: a symlink that leads out of the library, or a row whose path
 *   was tampered with, is `outside-library`;
 * - derived images (thumbnails, previews, face crops) are generated from such a vetted original and
 *   written under `<library>/cache/media`, keyed by the file's content hash, so they are made once
 *   and regenerate when the photo changes.
 * The engine's media service (media-service.ts) owns it; the HTTP server and Electron's protocol
 * call `engine.media.resolve` and serve the file.
 */
import { createHash } from 'node:crypto';
import { mkdir, realpath, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import sharp from 'sharp';
import { MEDIA_ID_PATTERN, type MediaUrlKind } from '../../contract/channels';
import { EngineError } from '../errors';
import { mimeOf } from '../library/media-types';
import { posterFrame } from '../library/video-frames';
import type { MediaRow } from '../store/rows';
import { decodeImage } from '../vision/decoder';
import { cropFace } from '../vision/face-crop';
import type { FaceInfo, MediaCatalog } from './media-catalog';
import { DEFAULT_VISION_SETTINGS, mediaSettings, type MediaSettings } from '../settings';
import type { UploadStore } from './uploads';

export type MediaRefusal = 'bad-request' | 'unknown-id' | 'outside-library' | 'missing-file' | 'undecodable';

/** A refusal the doors turn into a status code (see transport/status.ts). */
export class MediaAccessError extends Error {
  constructor(readonly reason: MediaRefusal, message: string) {
    super(message);
    this.name = 'MediaAccessError';
  }
}

export interface ResolvedMedia {
  file: string;
  contentType: string;
  /** Derived files are named by content: they can be cached by the page for good. */
  cacheControl: string;
}

export interface MediaFilesOptions {
  catalog: () => MediaCatalog;
  uploads: UploadStore;
  settings?: Partial<MediaSettings>;
  maxPixels?: number;
}

const CASE_INSENSITIVE_FS = process.platform === 'win32' || process.platform === 'darwin';

/** `file` is strictly inside `dir` (both real, absolute paths). */
export function isInsideDir(dir: string, file: string): boolean {
  const fold = (p: string) => (CASE_INSENSITIVE_FS ? p.toLowerCase() : p);
  const rel = relative(fold(dir), fold(file));
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

export class MediaFiles {
  private readonly settings: MediaSettings;
  private readonly maxPixels: number;
  private readonly inFlight = new Map<string, Promise<string>>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: MediaFilesOptions) {
    this.settings = mediaSettings(options.settings);
    this.maxPixels = options.maxPixels ?? DEFAULT_VISION_SETTINGS.maxPixels;
  }

  async resolve(kind: MediaUrlKind, id: string): Promise<ResolvedMedia> {
    if (typeof id !== 'string' || !MEDIA_ID_PATTERN.test(id)) throw new MediaAccessError('bad-request', 'malformed id');
    const derived = 'public, max-age=31536000, immutable';
    switch (kind) {
      case 'upload': {
        let preview: string;
        try {
          preview = this.options.uploads.get(id).preview;
        } catch {
          throw new MediaAccessError('unknown-id', 'no such upload');
        }
        return { file: preview, contentType: 'image/webp', cacheControl: 'private, max-age=3600' };
      }
      case 'original': {
        const { file } = await this.vettedOriginal(id);
        return { file, contentType: mimeOf(file), cacheControl: 'private, no-cache' };
      }
      case 'thumb':
      case 'preview': {
        const { row, file } = await this.vettedOriginal(id);
        const side = kind === 'thumb' ? this.settings.thumbSide : this.settings.previewSide;
        const out = this.cachePath(`${kind}-${side}`, row.id, row.content_hash);
        return { file: await this.once(out, () => this.renderWhole(row, file, kind)), contentType: 'image/webp', cacheControl: derived };
      }
      case 'face': {
        const face = await this.catalog().getFace(id);
        if (!face) throw new MediaAccessError('unknown-id', 'no such face');
        const { row, file } = await this.vettedOriginal(face.media_id);
        const key = `${row.content_hash}:${face.x.toFixed(1)},${face.y.toFixed(1)},${face.w.toFixed(1)},${face.h.toFixed(1)}:${face.frame_time ?? ''}`;
        const out = this.cachePath(`face-${this.settings.faceSide}`, face.id, key);
        return { file: await this.once(out, () => this.renderFace(row, file, face)), contentType: 'image/webp', cacheControl: derived };
      }
      default:
        throw new MediaAccessError('bad-request', 'unknown media kind');
    }
  }

  private catalog(): MediaCatalog {
    try {
      return this.options.catalog();
    } catch (e) {
      throw new MediaAccessError('unknown-id', e instanceof Error ? e.message : 'no library');
    }
  }

  /** The media row and the real path of its file, once it is proven to lie inside a library folder. */
  private async vettedOriginal(mediaId: string): Promise<{ row: MediaRow; file: string }> {
    const catalog = this.catalog();
    const row = await catalog.getMedia(mediaId);
    if (!row) throw new MediaAccessError('unknown-id', 'no such media');
    let real: string;
    try {
      real = await realpath(row.path);
    } catch {
      throw new MediaAccessError('missing-file', 'the file is no longer there');
    }
    const folders = await catalog.folders();
    const roots = await Promise.all(folders.map((f) => realpath(f.path).catch(() => null)));
    const own = folders.findIndex((f) => f.id === row.folder_id);
    // Inside its own folder, precisely: a row cannot borrow another folder's files either.
    const root = own >= 0 ? roots[own] : null;
    if (!root || !isInsideDir(root, real)) throw new MediaAccessError('outside-library', 'the file is not inside the library');
    const st = await stat(real).catch(() => null);
    if (!st?.isFile()) throw new MediaAccessError('missing-file', 'not a regular file');
    return { row, file: real };
  }

  private cachePath(bucket: string, id: string, contentKey: string): string {
    const tag = createHash('sha256').update(contentKey).digest('hex').slice(0, 16);
    return join(this.catalog().dir, 'cache', 'media', bucket, id.slice(0, 2), `${id}-${tag}.webp`);
  }

  /** Generates `out` once: concurrent requests share one job; a file already on disk is reused. */
  private async once(out: string, render: () => Promise<Buffer>): Promise<string> {
    if (await stat(out).then((s) => s.isFile(), () => false)) return out;
    const pending = this.inFlight.get(out);
    if (pending) return pending;
    const job = this.limited(async () => {
      let data: Buffer;
      try {
        data = await render();
      } catch (e) {
        if (e instanceof MediaAccessError) throw e;
        throw new MediaAccessError('undecodable', e instanceof EngineError ? e.message : 'the image could not be decoded');
      }
      await mkdir(dirname(out), { recursive: true });
      const tmp = `${out}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      await writeFile(tmp, data);
      await rename(tmp, out);
      return out;
    }).finally(() => this.inFlight.delete(out));
    this.inFlight.set(out, job);
    return job;
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    while (this.running >= this.settings.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  private async renderWhole(row: MediaRow, file: string, kind: 'thumb' | 'preview'): Promise<Buffer> {
    const s = this.settings;
    const quality = kind === 'thumb' ? s.thumbQuality : s.previewQuality;
    let img: sharp.Sharp;
    if (row.kind === 'video') {
      const at = row.duration ? Math.min(1, row.duration / 10) : 0;
      img = sharp(await posterFrame(file, at, { maxSide: kind === 'thumb' ? s.videoThumbPosterSide : s.videoPreviewPosterSide }));
    } else {
      // The engine's decoder: EXIF orientation, HEIC, and the pixel limit, exactly as indexing saw the photo.
      const decoded = await decodeImage(file, { maxSide: kind === 'thumb' ? s.thumbDecodeSide : s.previewSide, maxPixels: this.maxPixels });
      img = sharp(decoded.data, { raw: { width: decoded.width, height: decoded.height, channels: 3 } });
    }
    if (kind === 'thumb') img = img.resize({ width: s.thumbSide, height: s.thumbSide, fit: 'outside', withoutEnlargement: true });
    else img = img.resize({ width: s.previewSide, height: s.previewSide, fit: 'inside', withoutEnlargement: true });
    return img.webp({ quality }).toBuffer();
  }

  private async renderFace(row: MediaRow, file: string, face: FaceInfo): Promise<Buffer> {
    const s = this.settings;
    const box = { x: face.x, y: face.y, width: face.w, height: face.h };
    const opts = { margin: s.faceMargin, side: s.faceSide, format: 'webp', quality: s.faceQuality, shape: 'square', maxPixels: this.maxPixels } as const;
    if (row.kind !== 'video') return cropFace(file, box, opts);
    // A video face's box is in the frame at its frame_time, in the video's own pixels: that frame, full size.
    const maxSide = Math.max(row.width ?? s.videoPreviewPosterSide, row.height ?? 0);
    return cropFace(await posterFrame(file, face.frame_time ?? 0, { maxSide }), box, opts);
  }
}
