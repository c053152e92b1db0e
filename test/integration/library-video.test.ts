/**
 * Videos with the bundled ffmpeg and the real face models: probing, adaptive sampling with scene cuts,
 * clean stops, coded errors, posters, analyzeRaster on the worker pool, and the whole analyzeVideo on the
 * fixture clip against labels.json (Lin-Manuel Miranda on screen 3.5-8.0 s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Engine } from '../../src-main/engine/engine';
import { DEFAULT_LIBRARY_SETTINGS, librarySettings } from '../../src-main/engine/settings';
import { cosine } from '../../src-main/engine/vision/embedder';
import { ffmpegPath } from '../../src-main/engine/library/ffmpeg';
import { frameSize, posterFrame, samplePlan, sampleFrames } from '../../src-main/engine/library/video-frames';
import { probeVideo } from '../../src-main/engine/library/video-probe';
import type { VideoFrame } from '../../src-main/engine/library/video-frames';
import { analyzeVideo } from '../../src-main/engine/library/video-indexer';
import { openEngine } from '../helpers/engines';
import { FIXTURES, tempDir } from '../helpers/paths';

const CLIP = join(FIXTURES, 'video', 'short_hamilton_clip.mp4');
const labels = JSON.parse(readFileSync(join(FIXTURES, 'labels.json'), 'utf8')) as {
  video: Record<string, { duration_s: number; lin_manuel_miranda: [number, number][] }>;
};

async function frames(file: string, opts: Parameters<typeof sampleFrames>[1] = {}): Promise<VideoFrame[]> {
  const out: VideoFrame[] = [];
  for await (const f of sampleFrames(file, opts)) out.push(f);
  return out;
}

/** ffmpeg processes that are children of this test process (Linux). */
function ffmpegChildren(): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
      if (m && m[1] === 'ffmpeg' && Number(m[2]) === process.pid) out.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const settle = () => new Promise((r) => setTimeout(r, 300));

describe('video frames (ffmpeg)', () => {
  it('probes the fixture clip', async () => {
    const p = await probeVideo(CLIP);
    expect(p).toMatchObject({ width: 640, height: 360, rotation: 0, codec: 'h264', streamIndex: 0, hasAudio: true, creationTime: null });
    expect(p.durationSec).toBeCloseTo(labels.video['video/short_hamilton_clip.mp4']!.duration_s, 1);
    expect(p.fps).toBeCloseTo(29.97, 2);
  });

  it('plans 2 fps for short clips, 1 fps up to 5 min, then fewer, bounded for a 2-hour film', () => {
    const s = DEFAULT_LIBRARY_SETTINGS;
    expect(samplePlan(10, s).intervalSec).toBe(0.5);
    expect(samplePlan(120, s).intervalSec).toBe(1);
    expect(samplePlan(600, s).intervalSec).toBe(2);
    const film = samplePlan(7200, s);
    expect(film.intervalSec).toBe(12);
    // Regular samples use half the budget, scene frames (>= half an interval apart) at most the rest.
    expect(7200 / film.intervalSec + 7200 / film.sceneGapSec).toBeLessThanOrEqual(s.videoMaxFrames + 600);
    expect(7200 / film.intervalSec).toBeLessThanOrEqual(s.videoMaxFrames / 2);
    expect(samplePlan(7200, librarySettings({ videoSceneThreshold: 0 })).intervalSec).toBe(6);
    expect(samplePlan(null, s).intervalSec).toBe(1);
    expect(frameSize(1920, 1080, 1280)).toEqual({ width: 1280, height: 720 });
    expect(frameSize(640, 360, 1280)).toEqual({ width: 640, height: 360 });
  });

  it('samples the clip at 2 fps as upright RGB frames that own their buffers', async () => {
    const fs = await frames(CLIP);
    expect(fs.length).toBeGreaterThanOrEqual(18);
    expect(fs.length).toBeLessThanOrEqual(22);
    for (const [i, f] of fs.entries()) {
      expect(f).toMatchObject({ width: 640, height: 360 });
      expect(f.data.length).toBe(640 * 360 * 3);
      expect(f.data.byteOffset).toBe(0);
      expect(f.data.buffer.byteLength).toBe(f.data.length);
      expect(f.timeSec).toBeGreaterThanOrEqual(0);
      expect(f.timeSec).toBeLessThanOrEqual(10.01);
      if (i > 0) expect(f.timeSec - fs[i - 1]!.timeSec).toBeGreaterThan(0.45);
    }
    // Frames are real pictures, not blank buffers.
    const mean = fs[10]!.data.reduce((a, v) => a + v, 0) / fs[10]!.data.length;
    expect(mean).toBeGreaterThan(10);
    const small = await frames(CLIP, { settings: { videoFrameMaxSide: 320 } });
    expect(small[0]).toMatchObject({ width: 320, height: 180 });
  });

  it('adds frames at scene cuts between sparse samples', async () => {
    // The clip cuts at about 1.51 s, 3.58 s and 7.88 s (scene scores 0.24-0.29).
    // Every 1.2 s (scene frames at least 0.6 s after the previous frame); the first decodable frame is at 0.84 s.
    const fs = await frames(CLIP, { intervalSec: 1.2 });
    const cuts = fs.filter((f) => f.scene).map((f) => f.timeSec);
    for (const cut of [1.51, 3.58, 7.88]) expect(cuts.some((t) => Math.abs(t - cut) < 0.1), `cut at ${cut} in ${cuts}`).toBe(true);
    expect(cuts).toHaveLength(3);
    const off = await frames(CLIP, { intervalSec: 1.2, settings: { videoSceneThreshold: 0 } });
    expect(off.every((f) => !f.scene)).toBe(true);
    expect(off).toHaveLength(8);
    expect(fs).toHaveLength(9);
  });

  it('decodes rotated phone video upright', async () => {
    const dir = tempDir('video-rot');
    const plain = join(dir, 'plain.mp4');
    const rotated = join(dir, 'rotated.mp4');
    const ff = (...args: string[]) => execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
    ff('-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10', '-t', '2', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', plain);
    ff('-i', plain, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated);
    const p = await probeVideo(rotated);
    expect(p.rotation === 90 || p.rotation === 270).toBe(true);
    expect(p).toMatchObject({ width: 240, height: 320, codedWidth: 320, codedHeight: 240 });
    const fs = await frames(rotated);
    expect(fs[0]).toMatchObject({ width: 240, height: 320 });
  });

  it('stops ffmpeg on abort (CANCELLED) and when the consumer stops early', async () => {
    const ac = new AbortController();
    let n = 0;
    await expect(
      (async () => {
        for await (const _ of sampleFrames(CLIP, { signal: ac.signal })) {
          if (++n === 2) ac.abort();
        }
      })(),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(n).toBe(2);
    for await (const _ of sampleFrames(CLIP)) break;
    await settle();
    expect(ffmpegChildren()).toEqual([]);
  });

  it('refuses what is not a video, a truncated video and a missing file with coded errors', async () => {
    const dir = tempDir('video-bad');
    const text = join(dir, 'text.mp4');
    writeFileSync(text, 'this is not a video at all');
    await expect(probeVideo(text)).rejects.toMatchObject({ code: 'VIDEO_DECODE_FAILED', message: expect.stringContaining('Invalid data') });
    await expect(frames(text)).rejects.toMatchObject({ code: 'VIDEO_DECODE_FAILED' });
    // Cut in half after moving the index to the front (as a streaming download would be): frames up to
    // ~5 s decode, then the data ends.
    const whole = join(dir, 'faststart.mp4');
    execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', '-i', CLIP, '-c', 'copy', '-movflags', 'faststart', whole]);
    const cut = join(dir, 'cut.mp4');
    writeFileSync(cut, readFileSync(whole).subarray(0, 300_000));
    await expect(frames(cut)).rejects.toMatchObject({ code: 'VIDEO_DECODE_FAILED', details: { truncated: true } });
    // With the index at the end, a cut file has no index at all.
    const cutEnd = join(dir, 'cut-end.mp4');
    writeFileSync(cutEnd, readFileSync(CLIP).subarray(0, 300_000));
    await expect(probeVideo(cutEnd)).rejects.toMatchObject({ code: 'VIDEO_DECODE_FAILED' });
    await expect(probeVideo(join(dir, 'gone.mp4'))).rejects.toMatchObject({ code: 'FILE_VANISHED' });
    const empty = join(dir, 'empty.mov');
    writeFileSync(empty, '');
    await expect(probeVideo(empty)).rejects.toMatchObject({ code: 'FILE_EMPTY' });
  });

  it('makes a JPEG poster at a time, and from the first frame when the time is past the end', async () => {
    const jpeg = await posterFrame(CLIP, 5);
    const meta = await sharp(jpeg).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 640, height: 360 });
    const small = await posterFrame(CLIP, 99, { maxSide: 320 });
    expect(await sharp(small).metadata()).toMatchObject({ format: 'jpeg', width: 320, height: 180 });
  });
});

describe('analyzeVideo (real models)', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await openEngine('default');
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('analyzeRaster finds the same faces in raw RGB as analyze does in the file', async () => {
    const file = join(FIXTURES, 'groups', 'bbt1.jpg');
    const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const owned = new Uint8Array(data); // its own ArrayBuffer: transferred, not copied
    const fromRaster = await engine.analyzeRaster({ data: owned, width: info.width, height: info.height });
    expect(owned.byteLength).toBe(0); // detached by the transfer
    const fromFile = await engine.analyze(file);
    expect(fromRaster.length).toBe(fromFile.length);
    expect(fromRaster.length).toBe(4);
    for (const f of fromRaster) {
      const twin = fromFile.reduce((a, b) => (cosine(a.embedding, f.embedding) > cosine(b.embedding, f.embedding) ? a : b));
      expect(cosine(twin.embedding, f.embedding)).toBeGreaterThan(0.9);
    }
    await expect(engine.analyzeRaster({ data: new Uint8Array(10), width: 4, height: 4 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('turns the clip into a few tracks; Lin-Manuel Miranda\'s overlaps 3.5-8.0 s and matches his photo', async () => {
    const progress: number[] = [];
    const r = await analyzeVideo(engine, CLIP, { onProgress: (p) => progress.push(p.frames) });
    expect(r).toMatchObject({ width: 640, height: 360, rotation: 0 });
    expect(r.framesAnalyzed).toBe(progress.length);
    expect(r.tracks.length).toBeGreaterThan(0);
    expect(r.tracks.length).toBeLessThan(r.facesSeen / 2);

    const [linFace] = await engine.analyze(join(FIXTURES, 'people', 'lin_manuel_miranda', 'lin_manuel_miranda_1.png'));
    const threshold = engine.settings.sameFaceThreshold;
    const truth = labels.video['video/short_hamilton_clip.mp4']!.lin_manuel_miranda[0]!;
    const overlap = (rs: [number, number][]) => rs.reduce((sum, [a, b]) => sum + Math.max(0, Math.min(b, truth[1]) - Math.max(a, truth[0])), 0);
    const lin = r.tracks.filter((t) => cosine(t.embedding, linFace!.embedding) >= threshold);
    expect(lin.length).toBeGreaterThan(0);
    const main = lin.reduce((a, b) => (overlap(a.ranges) > overlap(b.ranges) ? a : b));
    // The ranges cover most of his 4.5 s on screen and little else.
    expect(overlap(main.ranges)).toBeGreaterThan(0.8 * (truth[1] - truth[0]));
    const total = main.ranges.reduce((s, [a, b]) => s + b - a, 0);
    expect(total - overlap(main.ranges)).toBeLessThan(1.5);
    expect(main.bestFace.timeSec).toBeGreaterThanOrEqual(truth[0]);
    expect(main.bestFace.timeSec).toBeLessThanOrEqual(truth[1]);
    expect(cosine(main.embedding, linFace!.embedding)).toBeGreaterThan(threshold + 0.2);
    // Nobody else in the clip passes for him.
    for (const t of r.tracks) {
      if (!lin.includes(t)) expect(overlap(t.ranges) === 0 || cosine(t.embedding, linFace!.embedding) < threshold).toBe(true);
    }
    for (const t of r.tracks) {
      const b = t.bestFace.box;
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.x + b.width).toBeLessThanOrEqual(640.5);
    }
    // The poster shows the person seen most.
    expect((await sharp(r.posterJpeg).metadata()).format).toBe('jpeg');
    expect(r.posterTimeSec).toBe([...r.tracks].sort((a, b) => b.faceCount - a.faceCount)[0]!.bestFace.timeSec);
  });

  it('can be cancelled', async () => {
    const ac = new AbortController();
    const run = analyzeVideo(engine, CLIP, { signal: ac.signal, onProgress: (p) => p.frames === 3 && ac.abort() });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    await settle();
    expect(ffmpegChildren()).toEqual([]);
  });
});
