/**
 * The one media-type table: what the library indexes, and the MIME type every door and the cloud upload give
 * a file. Before it, three tables disagreed (the library knew six video extensions, the cloud ten and .bmp,
 * the file server its own list).
 */
import { describe, expect, it } from 'vitest';
import { contentTypeOf } from '../../src-main/transport/file-response';
import { MEDIA_TYPES, extensionOf, kindOf, mediaKindOf, mimeOf } from '../../src-main/engine/library/media-types';

describe('media types', () => {
  it('names the MIME type of photos and videos, whatever the case of the extension', () => {
    expect(mimeOf('/photos/IMG_0001.HEIC')).toBe('image/heic');
    expect(mimeOf('a.JPG')).toBe('image/jpeg');
    expect(mimeOf('C:\\clips\\holiday.MOV')).toBe('video/quicktime');
    expect(mimeOf('b.mkv')).toBe('video/x-matroska');
    expect(mimeOf('notes.txt')).toBe('application/octet-stream');
    expect(mimeOf('dir.jpg/readme')).toBe('application/octet-stream');
    // Not an own property of the table: no prototype lookups.
    expect(mimeOf('x.constructor')).toBe('application/octet-stream');
    expect(kindOf('x.toString')).toBeNull();
  });

  it('tells the kind of every known file, and indexes only what the decoder and the video tests cover', () => {
    expect([kindOf('a.3gp'), mediaKindOf('a.3gp')]).toEqual(['video', null]);
    expect([kindOf('a.bmp'), mediaKindOf('a.bmp')]).toEqual(['image', null]);
    expect([kindOf('a.webm'), mediaKindOf('a.webm')]).toEqual(['video', 'video']);
    expect([kindOf('a.dng'), mediaKindOf('a.dng')]).toEqual([null, null]);
    const indexed = (k: string) => Object.entries(MEDIA_TYPES).filter(([, t]) => t.indexed && t.kind === k).map(([e]) => e).sort();
    expect(indexed('image')).toEqual(['avif', 'gif', 'heic', 'heif', 'jpeg', 'jpg', 'png', 'tif', 'tiff', 'webp']);
    expect(indexed('video')).toEqual(['avi', 'm4v', 'mkv', 'mov', 'mp4', 'webm']);
  });

  it('gives each entry a MIME type of its kind', () => {
    for (const [ext, t] of Object.entries(MEDIA_TYPES)) {
      expect(ext, ext).toBe(extensionOf(`x.${ext}`));
      expect(t.mime.startsWith(`${t.kind}/`), ext).toBe(true);
    }
  });

  it('is what the file responses send for media, next to the page assets', () => {
    for (const ext of Object.keys(MEDIA_TYPES)) expect(contentTypeOf(`/lib/f.${ext}`), ext).toBe(mimeOf(`f.${ext}`));
    expect(contentTypeOf('/app/index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('/app/x.unknown')).toBe('application/octet-stream');
  });
});
