/**
 * What the media routes may serve: library files only (symlinks out, tampered rows, other folders'
 * files, unknown and malformed ids refused), derived images made once and cached under the library,
 * byte ranges for video seeking.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parseRange, planFileReply } from '../../src-main/transport/file-response';
import { MediaAccessError, MediaFiles, isInsideDir } from '../../src-main/engine/media/media-files';
import { UploadStore } from '../../src-main/engine/media/uploads';
import { mediaRefusalStatus } from '../../src-main/transport/status';
import { fakeLibrary } from './fakes/engine';

async function files() {
  const lib = await fakeLibrary();
  const uploads = new UploadStore();
  return { lib, uploads, media: new MediaFiles({ catalog: () => lib.catalog, uploads }) };
}

async function refusal(p: Promise<unknown>): Promise<{ reason: string; status: number }> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(MediaAccessError);
  const { reason } = e as MediaAccessError;
  return { reason, status: mediaRefusalStatus(reason) };
}

describe('MediaFiles refusals', () => {
  it('refuses unknown and malformed ids', async () => {
    const { media } = await files();
    expect(await refusal(media.resolve('original', 'no-such-id'))).toEqual({ reason: 'unknown-id', status: 404 });
    expect(await refusal(media.resolve('face', 'no-such-face'))).toEqual({ reason: 'unknown-id', status: 404 });
    expect(await refusal(media.resolve('upload', 'no-such-upload'))).toEqual({ reason: 'unknown-id', status: 404 });
    for (const id of ['../../etc/passwd', '..', 'a/b', 'a\\b', '%2e%2e', '', 'x'.repeat(200), 'a\0b']) {
      expect(await refusal(media.resolve('original', id))).toEqual({ reason: 'bad-request', status: 400 });
    }
    expect(await refusal(media.resolve('secrets' as never, 'media-photo'))).toEqual({ reason: 'bad-request', status: 400 });
  });

  it('refuses a symlink that leads out of the library, and a row pointing outside its folder', async () => {
    const { media, lib } = await files();
    for (const kind of ['original', 'thumb', 'preview'] as const) {
      expect(await refusal(media.resolve(kind, lib.ids.symlinked))).toEqual({ reason: 'outside-library', status: 403 });
      expect(await refusal(media.resolve(kind, lib.ids.tampered))).toEqual({ reason: 'outside-library', status: 403 });
      expect(await refusal(media.resolve(kind, lib.ids.otherFolderPhoto))).toEqual({ reason: 'outside-library', status: 403 });
    }
    expect(await refusal(media.resolve('original', lib.ids.missing))).toEqual({ reason: 'missing-file', status: 404 });
  });

  it('knows inside from beside', () => {
    expect(isInsideDir('/a/b', '/a/b/c.jpg')).toBe(true);
    expect(isInsideDir('/a/b', '/a/b')).toBe(false);
    expect(isInsideDir('/a/b', '/a/bc/d.jpg')).toBe(false);
    expect(isInsideDir('/a/b', '/a/b/../c.jpg')).toBe(false);
  });
});

describe('MediaFiles serving', () => {
  it('serves the original of a library photo as itself', async () => {
    const { media, lib } = await files();
    const r = await media.resolve('original', lib.ids.photo);
    expect(r).toMatchObject({ file: join(lib.dirs.photos, 'two_people.jpg'), contentType: 'image/jpeg' });
  });

  it('makes a thumbnail once, caches it under the library keyed by content, and reuses it', async () => {
    const { media, lib } = await files();
    const [a, b] = await Promise.all([media.resolve('thumb', lib.ids.photo), media.resolve('thumb', lib.ids.photo)]);
    expect(a.file).toBe(b.file);
    expect(a.file.startsWith(join(lib.dirs.library, 'cache', 'media'))).toBe(true);
    expect(a.contentType).toBe('image/webp');
    expect(a.cacheControl).toContain('immutable');
    const meta = await sharp(a.file).metadata();
    expect(meta.format).toBe('webp');
    expect(Math.min(meta.width!, meta.height!)).toBe(360);
    const mtime = statSync(a.file).mtimeMs;
    await media.resolve('thumb', lib.ids.photo);
    expect(statSync(a.file).mtimeMs).toBe(mtime);
  });

  it('crops faces from photos and from video frames, and posters videos', async () => {
    const { media, lib } = await files();
    const face = await media.resolve('face', lib.ids.face);
    expect(await sharp(face.file).metadata()).toMatchObject({ format: 'webp', width: 224, height: 224 });
    const videoFace = await media.resolve('face', 'face-video');
    expect(await sharp(videoFace.file).metadata()).toMatchObject({ width: 224, height: 224 });
    const poster = await media.resolve('thumb', lib.ids.video);
    expect((await sharp(poster.file).metadata()).height).toBe(360);
    const original = await media.resolve('original', lib.ids.video);
    expect(original.contentType).toBe('video/mp4');
  });

  it('serves uploads as their WebP preview only', async () => {
    const { media, uploads, lib } = await files();
    const up = await uploads.add('q.jpg', new Uint8Array(readFileSync(join(lib.dirs.photos, 'two_people.jpg'))));
    const r = await media.resolve('upload', up.id);
    expect(r.file).toBe(up.preview);
    expect(r.contentType).toBe('image/webp');
    uploads.close();
    expect(existsSync(up.preview)).toBe(false);
  });
});

describe('byte ranges', () => {
  it('parses the forms browsers send', () => {
    expect(parseRange(undefined, 100)).toBeNull();
    expect(parseRange('bytes=0-', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=10-19', 100)).toEqual({ start: 10, end: 19 });
    expect(parseRange('bytes=90-200', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=20-10', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,5-6', 100)).toBeNull();
    expect(parseRange('items=0-1', 100)).toBeNull();
  });

  it('answers 206 with Content-Range, 416 past the end', async () => {
    const lib = await fakeLibrary();
    const file = join(lib.dirs.photos, 'clip.mp4');
    const size = statSync(file).size;
    const partial = await planFileReply(file, 'bytes=100-199', 'video/mp4', 'no-cache');
    expect(partial).toMatchObject({ status: 206, headers: { 'Content-Length': '100', 'Content-Range': `bytes 100-199/${size}`, 'Accept-Ranges': 'bytes' } });
    expect((await planFileReply(file, `bytes=${size}-`, 'video/mp4', 'no-cache')).status).toBe(416);
    expect((await planFileReply(file, null, 'video/mp4', 'no-cache')).headers['Content-Length']).toBe(String(size));
  });
});
