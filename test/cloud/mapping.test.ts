/**
 * The small pure pieces the cloud flows rely on to map cloud results back to library files, and
 * the guard on the developer endpoint switch.
 */
import { describe, expect, it } from 'vitest';
import { loopbackEndpointFromEnv } from '../../src-main/engine/cloud/cloud-endpoint';
import { folderTag } from '../../src-main/engine/cloud/library-sync';
import { ossUriFromUrl } from '../../src-main/engine/cloud/oss-client';

describe('ossUriFromUrl (ICE InputURL -> oss:// URI)', () => {
  it('reads oss:// and bucket-domain URLs, decoding the key and dropping the query', () => {
    expect(ossUriFromUrl('oss://my-bucket/a/b.jpg')).toBe('oss://my-bucket/a/b.jpg');
    expect(ossUriFromUrl('https://my-bucket.oss-cn-shanghai.aliyuncs.com/face-organizer/Photos-0a1b2c3d/%E5%AE%B6/IMG%201.jpg?Expires=1&Signature=x')).toBe(
      'oss://my-bucket/face-organizer/Photos-0a1b2c3d/家/IMG 1.jpg',
    );
    expect(ossUriFromUrl('http://my-bucket.oss-cn-hangzhou-internal.aliyuncs.com/k.mp4')).toBe('oss://my-bucket/k.mp4');
  });

  it('gives nothing for other hosts, CDN domains, bucket roots or malformed input', () => {
    expect(ossUriFromUrl('https://cdn.example.com/a.jpg')).toBeUndefined();
    expect(ossUriFromUrl('https://my-bucket.oss-cn-shanghai.aliyuncs.com.evil.com/a.jpg')).toBeUndefined();
    expect(ossUriFromUrl('https://my-bucket.oss-cn-shanghai.aliyuncs.com/')).toBeUndefined();
    expect(ossUriFromUrl('ftp://my-bucket.oss-cn-shanghai.aliyuncs.com/a.jpg')).toBeUndefined();
    expect(ossUriFromUrl('https://my-bucket.oss-cn-shanghai.aliyuncs.com/%E0%A4%A')).toBeUndefined();
    expect(ossUriFromUrl('not a url')).toBeUndefined();
  });
});

describe('folderTag', () => {
  it('keeps the folder name readable and tells same-named folders apart', () => {
    const a = folderTag('/home/ann/Pictures');
    const b = folderTag('/media/backup/Pictures');
    expect(a).toMatch(/^Pictures-[0-9a-f]{8}$/);
    expect(b).toMatch(/^Pictures-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
    expect(folderTag('/home/ann/Pictures')).toBe(a);
    expect(folderTag('C:\\Users\\Ann\\Ferien: 2020?')).toMatch(/^[^/\\:?]+-[0-9a-f]{8}$/);
    expect(folderTag('/')).toMatch(/^folder-[0-9a-f]{8}$/);
  });
});

describe('FACE_ORGANIZER_CLOUD_ENDPOINT', () => {
  it('accepts loopback only', () => {
    expect(loopbackEndpointFromEnv({})).toBeUndefined();
    expect(loopbackEndpointFromEnv({ FACE_ORGANIZER_CLOUD_ENDPOINT: 'http://127.0.0.1:43123' })).toBe('http://127.0.0.1:43123');
    expect(loopbackEndpointFromEnv({ FACE_ORGANIZER_CLOUD_ENDPOINT: 'http://localhost:9000/' })).toBe('http://localhost:9000');
    for (const bad of ['https://imm.cn-hangzhou.aliyuncs.com', 'http://10.0.0.5:80', 'http://127.0.0.1.evil.com:80', 'http://127.0.0.1:80/path', 'nonsense']) {
      expect(() => loopbackEndpointFromEnv({ FACE_ORGANIZER_CLOUD_ENDPOINT: bad }), bad).toThrow(/FACE_ORGANIZER_CLOUD_ENDPOINT/);
    }
  });
});
