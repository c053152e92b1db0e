/**
 * Query images the user drops on "Search by face": kept in a private temporary folder (0700) for a
 * while so the page can show them, detect faces on them and search with the chosen face. Each one
 * is checked by decoding it once (HEIC included) and stored with a WebP preview the page can always
 * show. Bounded in count and age; removed when the door closes.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { EngineError } from '../errors';
import { decodeImage } from '../vision/decoder';
import { DEFAULT_MEDIA_SETTINGS, DEFAULT_VISION_SETTINGS } from '../settings';
import type { MediaSettings } from '../settings';

export interface Upload {
  id: string;
  name: string;
  bytes: number;
  /** The image as uploaded (what detection reads). */
  file: string;
  /** WebP preview, longest side MediaSettings.previewSide. */
  preview: string;
  /** Oriented size of the original: detected boxes are in these pixels. */
  width: number;
  height: number;
  createdAt: number;
}

export interface UploadStoreOptions {
  /** Preview size and quality, and how many uploads are kept for how long (the media slice of the settings). */
  settings?: Pick<MediaSettings, 'previewSide' | 'previewQuality' | 'uploadMaxEntries' | 'uploadMaxAgeMs'>;
  maxPixels?: number;
  now?: () => number;
}

export class UploadStore {
  private readonly entries = new Map<string, Upload>();
  private dir: string | null = null;
  private readonly settings: NonNullable<UploadStoreOptions['settings']>;
  private readonly maxPixels: number;
  private readonly now: () => number;

  constructor(options: UploadStoreOptions = {}) {
    this.settings = options.settings ?? DEFAULT_MEDIA_SETTINGS;
    this.maxPixels = options.maxPixels ?? DEFAULT_VISION_SETTINGS.maxPixels;
    this.now = options.now ?? Date.now;
  }

  private folder(): string {
    // mkdtemp creates the folder 0700: other users of the machine cannot read the query images.
    return (this.dir ??= mkdtempSync(join(tmpdir(), 'face-organizer-uploads-')));
  }

  async add(name: string, bytes: Uint8Array): Promise<Upload> {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // Decoding proves it is an image this app reads (and refuses bombs) before anything is kept.
    const decoded = await decodeImage(buffer, { maxSide: this.settings.previewSide, maxPixels: this.maxPixels });
    const id = randomUUID();
    const file = join(this.folder(), `${id}.img`);
    const preview = join(this.folder(), `${id}.webp`);
    await writeFile(file, buffer, { mode: 0o600 });
    const webp = await sharp(decoded.data, { raw: { width: decoded.width, height: decoded.height, channels: 3 } })
      .webp({ quality: this.settings.previewQuality })
      .toBuffer();
    await writeFile(preview, webp, { mode: 0o600 });
    const upload: Upload = {
      id,
      name: name.replace(/[\\/]/g, '_').slice(0, 255),
      bytes: buffer.byteLength,
      file,
      preview,
      width: decoded.originalWidth,
      height: decoded.originalHeight,
      createdAt: this.now(),
    };
    this.entries.set(id, upload);
    this.prune();
    return upload;
  }

  get(id: string): Upload {
    this.prune();
    const upload = this.entries.get(id);
    if (!upload) throw new EngineError('NOT_FOUND', 'That image is no longer available; add it again');
    return upload;
  }

  private prune(): void {
    const cutoff = this.now() - this.settings.uploadMaxAgeMs;
    const drop = (u: Upload) => {
      this.entries.delete(u.id);
      rmSync(u.file, { force: true });
      rmSync(u.preview, { force: true });
    };
    for (const u of [...this.entries.values()]) if (u.createdAt < cutoff) drop(u);
    const extra = this.entries.size - this.settings.uploadMaxEntries;
    if (extra > 0) [...this.entries.values()].slice(0, extra).forEach(drop);
  }

  close(): void {
    this.entries.clear();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
}
