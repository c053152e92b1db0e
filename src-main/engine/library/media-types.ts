/**
 * Which files the library indexes, by extension. The extension decides only whether a file is looked at;
 * the decoder still sniffs the bytes, so a mislabeled file gets a coded error, not a wrong decode.
 */
export type MediaKind = 'image' | 'video';

/** What the decoder reads (sharp, plus heic-decode for HEIC/HEIF). RAW formats are left out: see decoder.ts. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  'jpg', 'jpeg', 'png', 'webp', 'tif', 'tiff', 'gif', 'avif', 'heic', 'heif',
]);

/** Containers the bundled ffmpeg demuxes; what is inside them is checked when the video is probed. */
export const VIDEO_EXTENSIONS: ReadonlySet<string> = new Set(['mp4', 'mov', 'm4v', 'mkv', 'avi', 'webm']);

/** Lower-case extension without the dot ('' when there is none). Works on names and on whole paths. */
export function extensionOf(path: string): string {
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  const dot = path.lastIndexOf('.');
  // A dot in a folder name, or a leading dot (".jpg" is a hidden file's name, not an extension), is no extension.
  if (dot <= slash + 1) return '';
  return path.slice(dot + 1).toLowerCase();
}

export function mediaKindOf(path: string): MediaKind | null {
  const ext = extensionOf(path);
  if (IMAGE_EXTENSIONS.has(ext)) return 'image';
  if (VIDEO_EXTENSIONS.has(ext)) return 'video';
  return null;
}

export function isMediaPath(path: string): boolean {
  return mediaKindOf(path) !== null;
}

/** MIME types of the media the library holds, for serving originals (the doors add the web page's own types). */
const MEDIA_MIME: Record<string, string> = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif',
  tif: 'image/tiff', tiff: 'image/tiff', avif: 'image/avif', heic: 'image/heic', heif: 'image/heif',
  mp4: 'video/mp4', m4v: 'video/x-m4v', mov: 'video/quicktime', webm: 'video/webm', mkv: 'video/x-matroska', avi: 'video/x-msvideo',
};

/** The MIME type of a photo or video by its extension; null for anything else. */
export function mediaMimeOf(path: string): string | null {
  return MEDIA_MIME[extensionOf(path)] ?? null;
}
