/**
 * Metadata of real files: fixtures read in place, JPEGs written with sharp (EXIF, GPS, XMP) and videos
 * written with the bundled ffmpeg (container creation times), read back.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { readMetadata } from '../../src-main/engine/library/metadata';
import { ffmpegPath } from '../../src-main/engine/library/ffmpeg';
import { FIXTURES, tempDir } from '../helpers/paths';

const XMP = `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmp:Rating="4"><dc:subject><rdf:Bag><rdf:li>beach</rdf:li><rdf:li>family</rdf:li></rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;

async function jpeg(file: string, exif: Record<string, Record<string, string>>, opts: { xmp?: string; orientation?: number } = {}): Promise<string> {
  let img = sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080' } }).withExif(exif);
  if (opts.xmp) img = img.withXmp(opts.xmp);
  if (opts.orientation) img = img.withMetadata({ orientation: opts.orientation });
  writeFileSync(file, await img.jpeg().toBuffer());
  return file;
}

function video(file: string, metadata: string[]): string {
  execFileSync(ffmpegPath(), [
    '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10', '-t', '1',
    // use_metadata_tags: write Apple's keys as an iPhone does (mdta atoms), not only the classic udta ones.
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', 'use_metadata_tags', ...metadata.flatMap((m) => ['-metadata', m]), file,
  ]);
  return file;
}

describe('readMetadata', () => {
  const dir = tempDir('metadata');

  it('reads capture time with its offset, camera, GPS, rating, keywords and orientation from a JPEG', async () => {
    const file = await jpeg(join(dir, 'full.jpg'), {
      IFD0: { Make: 'TestCam\0', Model: ' TC-1 ', XPKeywords: 'windows;tag' },
      IFD2: { DateTimeOriginal: '2021:05:03 14:22:11', OffsetTimeOriginal: '+02:00', SubSecTimeOriginal: '25' },
      IFD3: { GPSLatitudeRef: 'S', GPSLatitude: '33/1 51/1 3564/100', GPSLongitudeRef: 'E', GPSLongitude: '151/1 12/1 4020/100' },
    }, { xmp: XMP, orientation: 6 });
    const m = await readMetadata(file);
    expect(m).toMatchObject({
      kind: 'image',
      capturedAt: Date.UTC(2021, 4, 3, 12, 22, 11, 250),
      capturedAtSource: 'exif-original',
      capturedAtZone: 'offset',
      capturedAtOffset: '+02:00',
      cameraMake: 'TestCam',
      cameraModel: 'TC-1',
      rating: 4,
      orientation: 6,
    });
    expect(m.latitude).toBeCloseTo(-(33 + 51 / 60 + 35.64 / 3600), 6);
    expect(m.longitude).toBeCloseTo(151 + 12 / 60 + 40.2 / 3600, 6);
    expect(m.keywords.sort()).toEqual(['beach', 'family', 'tag', 'windows']);
  });

  it('places a time without offset by the GPS UTC stamp when there is one, else reads it as local time', async () => {
    const gps = await jpeg(join(dir, 'gps.jpg'), {
      IFD2: { DateTimeOriginal: '2019:07:14 21:05:00' },
      IFD3: { GPSDateStamp: '2019:07:14', GPSTimeStamp: '19/1 4/1 58/1', GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 0/1' },
    });
    expect(await readMetadata(gps)).toMatchObject({
      capturedAt: Date.UTC(2019, 6, 14, 19, 5, 0),
      capturedAtZone: 'gps',
      capturedAtOffset: '+02:00',
    });
    const local = await jpeg(join(dir, 'local.jpg'), { IFD2: { DateTimeOriginal: '2019:07:14 21:05:00' } });
    expect(await readMetadata(local)).toMatchObject({
      capturedAt: new Date(2019, 6, 14, 21, 5, 0).getTime(),
      capturedAtSource: 'exif-original',
      capturedAtZone: 'local',
    });
  });

  it('falls back to CreateDate, then to the file mtime, and ignores blank dates', async () => {
    const digitized = await jpeg(join(dir, 'digitized.jpg'), { IFD2: { DateTimeDigitized: '2001:02:03 04:05:06', OffsetTimeDigitized: '-05:00' } });
    expect(await readMetadata(digitized)).toMatchObject({ capturedAt: Date.UTC(2001, 1, 3, 9, 5, 6), capturedAtSource: 'exif-digitized', capturedAtZone: 'offset' });
    const blank = await jpeg(join(dir, 'blank.jpg'), { IFD0: { Make: 'X' }, IFD2: { DateTimeOriginal: '0000:00:00 00:00:00' } });
    const when = new Date(Date.UTC(2015, 5, 6, 7, 8, 9));
    utimesSync(blank, when, when);
    expect(await readMetadata(blank)).toMatchObject({ capturedAt: when.getTime(), capturedAtSource: 'mtime', capturedAtZone: 'utc', cameraMake: 'X' });
    expect((await readMetadata(blank, { mtimeMs: 1234 })).capturedAt).toBe(1234);
  });

  it('never throws: fixtures without EXIF, a PNG, a corrupt file and a missing one give partial data', async () => {
    const solvay = join(FIXTURES, 'groups', 'solvay1927.jpg');
    const m = await readMetadata(solvay);
    expect(m).toMatchObject({ kind: 'image', capturedAtSource: 'mtime', orientation: 1, keywords: [] });
    expect(m.capturedAt).toBe(Math.round(statSync(solvay).mtimeMs));
    expect(await readMetadata(join(FIXTURES, 'groups', '32bit.png'))).toMatchObject({ kind: 'image', capturedAtSource: 'mtime' });
    const junk = join(dir, 'junk.jpg');
    writeFileSync(junk, Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0x00, 0x40, 0x45, 0x78, 0x69, 0x66, 0, 0, 1, 2, 3]));
    expect(await readMetadata(junk)).toMatchObject({ capturedAtSource: 'mtime', keywords: [] });
    expect(await readMetadata(join(dir, 'missing.jpg'))).toMatchObject({ capturedAtSource: 'mtime' });
  });

  it('reads a video container: Apple creationdate with its offset, else creation_time (UTC), make, model, GPS', async () => {
    const apple = video(join(dir, 'apple.mov'), [
      'com.apple.quicktime.creationdate=2020-08-01T18:30:00+0200',
      'com.apple.quicktime.make=Apple',
      'com.apple.quicktime.model=iPhone 12',
      'com.apple.quicktime.location.ISO6709=+48.8583+002.2945+035.000/',
    ]);
    const a = await readMetadata(apple);
    expect(a).toMatchObject({
      kind: 'video',
      capturedAt: Date.UTC(2020, 7, 1, 16, 30, 0),
      capturedAtSource: 'container',
      capturedAtZone: 'offset',
      capturedAtOffset: '+02:00',
      cameraMake: 'Apple',
      cameraModel: 'iPhone 12',
      latitude: 48.8583,
      longitude: 2.2945,
      width: 160,
      height: 120,
    });
    expect(a.durationSec).toBeCloseTo(1, 1);
    const plain = video(join(dir, 'plain.mp4'), ['creation_time=2018-03-04T05:06:07Z', 'location=+37.4219-122.0840/']);
    expect(await readMetadata(plain)).toMatchObject({
      capturedAt: Date.UTC(2018, 2, 4, 5, 6, 7),
      capturedAtSource: 'container',
      capturedAtZone: 'utc',
      latitude: 37.4219,
      longitude: -122.084,
    });
    const none = await readMetadata(join(FIXTURES, 'video', 'short_hamilton_clip.mp4'));
    expect(none).toMatchObject({ kind: 'video', capturedAtSource: 'mtime', width: 640, height: 360 });
    const broken = join(dir, 'broken.mp4');
    writeFileSync(broken, 'not a video');
    expect(await readMetadata(broken)).toMatchObject({ kind: 'video', capturedAtSource: 'mtime' });
  });
});
