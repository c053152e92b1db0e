/**
 * The one table of media file types: extension → kind, MIME type, and whether the library indexes it. The
 * scanner and the watcher (what is looked at), the media routes (Content-Type of an original) and the cloud
 * upload (OSS Content-Type, IMM/ICE media type) all read it. The extension decides only whether a file is
 * looked at; the decoder still sniffs the bytes, so a mislabeled file gets a coded error, not a wrong decode.
 * No imports: the doors' file serving (bundled into Electron main) uses it too.
 */
export type MediaKind = 'image' | 'video';

export interface MediaType {
  kind: MediaKind;
  mime: string;
  /**
   * The library indexes it. Images: what the decoder reads (sharp, plus heic-decode for HEIC/HEIF); RAW and
   * BMP are left out (see decoder.ts). Videos: containers the bundled ffmpeg demuxes and the video tests
   * cover; the others are named so that a file of that type, given to the cloud, is labelled right.
   */
  indexed: boolean;
}

const image = (mime: string, indexed = true): MediaType => ({ kind: 'image', mime, indexed });
const video = (mime: string, indexed = true): MediaType => ({ kind: 'video', mime, indexed });

export const MEDIA_TYPES: Readonly<Record<string, MediaType>> = {
  jpg: image('image/jpeg'),
  jpeg: image('image/jpeg'),
  png: image('image/png'),
  webp: image('image/webp'),
  tif: image('image/tiff'),
  tiff: image('image/tiff'),
  gif: image('image/gif'),
  avif: image('image/avif'),
  heic: image('image/heic'),
  heif: image('image/heif'),
  bmp: image('image/bmp', false),
  mp4: video('video/mp4'),
  mov: video('video/quicktime'),
  m4v: video('video/x-m4v'),
  mkv: video('video/x-matroska'),
  avi: video('video/x-msvideo'),
  webm: video('video/webm'),
  '3gp': video('video/3gpp', false),
  mts: video('video/mp2t', false),
  m2ts: video('video/mp2t', false),
  wmv: video('video/x-ms-wmv', false),
};

const OCTET_STREAM = 'application/octet-stream';

/** Lower-case extension without the dot ('' when there is none). Works on names and on whole paths. */
export function extensionOf(path: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const dot = path.lastIndexOf('.');
  // A dot in a folder name, or a leading dot (".jpg" is a hidden file's name, not an extension), is no extension.
  if (dot <= slash + 1) return '';
  return path.slice(dot + 1).toLowerCase();
}

function typeOf(path: string): MediaType | undefined {
  const ext = extensionOf(path);
  return Object.hasOwn(MEDIA_TYPES, ext) ? MEDIA_TYPES[ext] : undefined;
}

/** The MIME type of a media file by its extension; application/octet-stream for anything else. */
export function mimeOf(path: string): string {
  return typeOf(path)?.mime ?? OCTET_STREAM;
}

/** Image or video by extension, whether or not the library indexes it; null for other files. */
export function kindOf(path: string): MediaKind | null {
  return typeOf(path)?.kind ?? null;
}

/** Image or video when the library indexes files of this extension; null otherwise. */
export function mediaKindOf(path: string): MediaKind | null {
  const t = typeOf(path);
  return t?.indexed ? t.kind : null;
}

export function isMediaPath(path: string): boolean {
  return mediaKindOf(path) !== null;
}

