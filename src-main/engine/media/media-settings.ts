/**
 * Sizes and qualities of what the media routes serve. Thumbnails are generated once per file content
 * and cached under the library folder, so changing a size here only costs regenerating them.
 */
export interface MediaSettings {
  /** Grid thumbnails: the shorter side (cells are square crops ~180 CSS px, ~360 device px on HiDPI). */
  thumbSide: number;
  thumbQuality: number;
  /** The viewer's image: longest side. 2048 fills a 4K-wide window at its usual size. */
  previewSide: number;
  previewQuality: number;
  /** Face crops: square side; the box is padded by faceMargin of its size on each side. */
  faceSide: number;
  faceMargin: number;
  faceQuality: number;
  /** Generation jobs at once: decodes are CPU and memory bound, video posters start ffmpeg. */
  concurrency: number;
}

export const MEDIA_DEFAULTS: MediaSettings = {
  thumbSide: 360,
  thumbQuality: 76,
  previewSide: 2048,
  previewQuality: 84,
  faceSide: 224,
  faceMargin: 0.35,
  faceQuality: 82,
  concurrency: 3,
};
