/**
 * One settings tree: Engine.open builds it from defaults and per-slice overrides and every service gets its
 * slice. Checked here where a user would notice: the media service cuts face crops at the size its slice
 * says (Engine.open hands it config.media), with no copy of the defaults of its own.
 */
import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { MediaService } from '../../src-main/engine/media/media-service';
import { DEFAULT_CLOUD_SETTINGS, DEFAULT_LIBRARY_SETTINGS, DEFAULT_MEDIA_SETTINGS, engineSettings } from '../../src-main/engine/settings';
import { fakeLibrary } from './fakes/engine';

describe('settings tree', () => {
  it('overrides one field of a slice and keeps every other default', () => {
    const s = engineSettings({ library: { videoFrameMaxSide: 320 }, media: { faceSide: 96 }, cloud: { retry: { maxAttempts: 1 } } });
    expect(s.library).toEqual({ ...DEFAULT_LIBRARY_SETTINGS, videoFrameMaxSide: 320 });
    expect(s.media).toEqual({ ...DEFAULT_MEDIA_SETTINGS, faceSide: 96 });
    expect(s.cloud.retry).toEqual({ ...DEFAULT_CLOUD_SETTINGS.retry, maxAttempts: 1 });
    expect(engineSettings().cloud).toEqual(DEFAULT_CLOUD_SETTINGS);
  });

  it('reaches the media service: face crops at the configured size', async () => {
    const lib = await fakeLibrary();
    const config = engineSettings({ media: { faceSide: 96 } });
    const media = new MediaService({ catalog: () => lib.catalog, maxPixels: config.vision.maxPixels, settings: config.media });
    const face = await media.resolve('face', lib.ids.face);
    expect(await sharp(face.file).metadata()).toMatchObject({ format: 'webp', width: 96, height: 96 });
  });
});
