/**
 * The library's media as the doors show it: browsing (pages of photos and videos, one item with its
 * faces), the files the page displays (originals, thumbnails, previews, face crops: media-files.ts),
 * query images the user drops on "Search by face" (uploads.ts), and the path the engine reads for an
 * image reference. `engine.media` on the facade; it exists without a library too (uploads work,
 * library reads answer that no library is open).
 */
import type { MediaUrlKind } from '../../contract/channels';
import type { ImageRef, MediaDetailDto, MediaListRequest, MediaPageDto, UploadDto } from '../../contract/ipc';
import { EngineError } from '../errors';
import { mediaDto, mediaFaceDto } from './dto';
import type { MediaCatalog } from './media-catalog';
import { MediaFiles, type ResolvedMedia } from './media-files';
import { mediaSettings } from '../settings';
import type { MediaSettings } from '../settings';
import { UploadStore } from './uploads';

export interface MediaServiceOptions {
  /** The open library's catalog; throws when none is open. */
  catalog: () => MediaCatalog;
  maxPixels: number;
  settings?: Partial<MediaSettings>;
}

/** Page size of `media:list` when the page does not say. */
const DEFAULT_PAGE = 200;

export class MediaService {
  private readonly uploads: UploadStore;
  private readonly files: MediaFiles;

  constructor(private readonly opts: MediaServiceOptions) {
    this.uploads = new UploadStore({ maxPixels: opts.maxPixels, ...(opts.settings ? { settings: mediaSettings(opts.settings) } : {}) });
    this.files = new MediaFiles({ catalog: opts.catalog, uploads: this.uploads, maxPixels: opts.maxPixels, ...(opts.settings ? { settings: opts.settings } : {}) });
  }

  /** Newest first (capture time, then path). */
  async list(req: MediaListRequest = {}): Promise<MediaPageDto> {
    const q = { offset: req.offset ?? 0, limit: req.limit ?? DEFAULT_PAGE, kind: req.kind, folderId: req.folderId, from: req.from, to: req.to, withFaces: req.withFaces };
    const { total, rows } = await this.opts.catalog().listMedia(q);
    return { total, offset: q.offset, items: rows.map(mediaDto) };
  }

  /** One photo or video with its faces in time, then left-to-right order. */
  async get(id: string): Promise<MediaDetailDto> {
    const c = this.opts.catalog();
    const row = await c.getMedia(id);
    if (!row) throw new EngineError('NOT_FOUND', 'No such photo or video in the library');
    const faces = await c.facesOfMedia(id);
    faces.sort((a, b) => (a.frame_time ?? 0) - (b.frame_time ?? 0) || a.x - b.x);
    const names = await c.personNames(faces.map((f) => f.person_id).filter((p): p is string => p !== null));
    return { media: mediaDto(row), faces: faces.map((f) => mediaFaceDto(f, names)) };
  }

  /** Keeps a query image (decoded once to prove it is one) for detection and search. */
  async upload(name: string, bytes: Uint8Array): Promise<UploadDto> {
    const u = await this.uploads.add(name, bytes);
    return { uploadId: u.id, name: u.name, bytes: u.bytes, width: u.width, height: u.height };
  }

  /** The file behind a media URL (MediaAccessError when the page may not see it). */
  resolve(kind: MediaUrlKind, id: string): Promise<ResolvedMedia> {
    return this.files.resolve(kind, id);
  }

  /** A path the engine may read for an image reference, and the name the page knows it by. */
  async imagePath(ref: ImageRef): Promise<{ path: string; name: string }> {
    if ('uploadId' in ref) {
      const u = this.uploads.get(ref.uploadId);
      return { path: u.file, name: u.name };
    }
    const row = await this.opts.catalog().getMedia(ref.mediaId);
    if (!row) throw new EngineError('NOT_FOUND', 'No such photo in the library');
    if (row.kind !== 'image') throw new EngineError('INVALID_ARGUMENT', 'Faces can be searched from photos only; pick a photo, or a face of the video');
    const { file } = await this.files.resolve('original', row.id).catch(() => {
      throw new EngineError('FILE_NOT_FOUND', 'The photo is no longer in its library folder');
    });
    return { path: file, name: row.path };
  }

  /** Forgets the uploads (their private temporary folder is removed). */
  close(): void {
    this.uploads.close();
  }
}
