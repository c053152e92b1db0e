/**
 * Face tracks from synthetic frames: linking by overlap and by looks, one face per track per frame, gaps
 * within and beyond the tolerance, ranges widened by half a sample interval, and the track embedding.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIBRARY_SETTINGS, librarySettings } from '../../src-main/engine/settings';
import { buildTracks, meanEmbedding, trackOptions } from '../../src-main/engine/library/video-tracks';
import type { FrameFaces } from '../../src-main/engine/library/video-tracks';
import type { Face } from '../../src-main/engine/vision/face-analyzer';
import { cosine, l2normalize } from '../../src-main/engine/vision/embedder';

/** Deterministic pseudo-random unit vectors. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

function unit(seed: number): Float32Array {
  const r = rng(seed);
  return l2normalize(Float32Array.from({ length: 512 }, () => r()));
}

/** A face of `person` (a unit vector) with noise so that similarity to the person is about `sim`. */
function face(person: Float32Array, x: number, y: number, opts: { quality?: number; sim?: number; seed?: number; size?: number } = {}): Face {
  const noise = unit(opts.seed ?? Math.floor(x * 7 + y * 13 + 1));
  const s = opts.sim ?? 0.8;
  const w = Math.sqrt(1 - s * s);
  const embedding = l2normalize(person.map((v, i) => s * v + w * noise[i]!));
  const size = opts.size ?? 80;
  return {
    box: { x, y, width: size, height: size },
    score: 0.99,
    landmarks: [],
    quality: opts.quality ?? 0.6,
    qualityParts: { size: 1, sharpness: 0.6, frontalness: 1 },
    embedding,
    modelId: 'test',
    detectorId: 'test',
    rotation: 0,
  };
}

const A = unit(101);
const B = unit(202);
const opts = (interval = 0.5, duration: number | null = 20) => trackOptions(DEFAULT_LIBRARY_SETTINGS, interval, duration);

describe('video face tracks', () => {
  it('merges a person across frames into one track with one widened range', () => {
    const frames: FrameFaces[] = [];
    for (let i = 0; i < 10; i++) frames.push({ timeSec: 2 + i * 0.5, faces: [face(A, 100 + i * 3, 50, { seed: i + 1 })] });
    const tracks = buildTracks(frames, opts());
    expect(tracks).toHaveLength(1);
    expect(tracks[0]!.faceCount).toBe(10);
    expect(tracks[0]!.ranges).toEqual([[1.75, 6.75]]);
    expect(tracks[0]!.meanQuality).toBeCloseTo(0.6, 6);
  });

  it('never puts two faces of one frame into the same track, even of look-alikes', () => {
    const frames: FrameFaces[] = [];
    for (let i = 0; i < 6; i++) {
      // Two faces of the same person (a mirror, twins): both look like A, only one can continue each track.
      frames.push({ timeSec: i * 0.5, faces: [face(A, 100, 50, { seed: 10 + i }), face(A, 400, 50, { seed: 20 + i })] });
    }
    const tracks = buildTracks(frames, opts());
    expect(tracks).toHaveLength(2);
    expect(tracks.map((t) => t.faceCount)).toEqual([6, 6]);
    // Overlap decides who continues which: the left face stays in the left track.
    expect(tracks.map((t) => Math.round(t.bestFace.box.x)).sort((a, b) => a - b)).toEqual([100, 400]);
  });

  it('keeps two people apart when they swap places (looks outweigh position)', () => {
    const frames: FrameFaces[] = [
      { timeSec: 0, faces: [face(A, 100, 50, { seed: 1 }), face(B, 400, 50, { seed: 2 })] },
      { timeSec: 0.5, faces: [face(A, 110, 50, { seed: 3 }), face(B, 390, 50, { seed: 4 })] },
      // A cut: now B is on the left where A was, A on the right.
      { timeSec: 1, faces: [face(B, 110, 50, { seed: 5 }), face(A, 390, 50, { seed: 6 })] },
    ];
    const tracks = buildTracks(frames, opts());
    expect(tracks).toHaveLength(2);
    for (const t of tracks) {
      const person = cosine(t.embedding, A) > cosine(t.embedding, B) ? A : B;
      expect(t.faceCount).toBe(3);
      expect(cosine(t.embedding, person)).toBeGreaterThan(0.8);
    }
  });

  it('does not link a different person who steps into the same spot', () => {
    const frames: FrameFaces[] = [
      { timeSec: 0, faces: [face(A, 100, 50, { seed: 1 })] },
      { timeSec: 0.5, faces: [face(B, 102, 50, { seed: 2 })] },
    ];
    expect(buildTracks(frames, opts())).toHaveLength(2);
  });

  it('links on overlap despite low similarity (a turned head), but not on low similarity alone', () => {
    const frames: FrameFaces[] = [
      { timeSec: 0, faces: [face(A, 100, 50, { seed: 1, sim: 0.9 })] },
      { timeSec: 0.5, faces: [face(A, 104, 50, { seed: 2, sim: 0.45 })] }, // poor frame, same place
      { timeSec: 1, faces: [face(A, 600, 300, { seed: 3, sim: 0.45 })] }, // poor frame, elsewhere
    ];
    const tracks = buildTracks(frames, opts());
    expect(tracks.map((t) => t.faceCount)).toEqual([2, 1]);
  });

  it('continues a range over a short absence and starts a new range in the same track after a long one', () => {
    const frames: FrameFaces[] = [];
    const at = (t: number, x: number) => frames.push({ timeSec: t, faces: [face(A, x, 50, { seed: Math.round(t * 10) + 1, sim: 0.9 })] });
    at(0, 100);
    at(0.5, 100);
    for (const t of [1, 1.5, 2]) frames.push({ timeSec: t, faces: [] }); // gone 1.5 s: within trackGapSec
    at(2.5, 300); // back elsewhere: looks alone link it
    for (let t = 3; t < 9; t += 0.5) frames.push({ timeSec: t, faces: [] }); // gone 6 s
    at(9, 500);
    at(9.5, 505);
    const tracks = buildTracks(frames, opts(0.5, 9.6));
    expect(tracks).toHaveLength(1);
    expect(tracks[0]!.ranges).toEqual([[0, 2.75], [8.75, 9.6]]);
  });

  it('tolerates gaps of 1.5 sample intervals on long videos sampled sparsely', () => {
    const frames: FrameFaces[] = [0, 12, 24, 48].map((t, i) => ({ timeSec: t, faces: [face(A, 100, 50, { seed: i + 1, sim: 0.9 })] }));
    const tracks = buildTracks(frames, opts(12, 100));
    expect(tracks[0]!.ranges).toEqual([[0, 30], [42, 54]]);
  });

  it('gives the best face with its time, and the mean or best embedding as configured', () => {
    const frames: FrameFaces[] = [0, 0.5, 1, 1.5].map((t, i) => ({
      timeSec: t,
      faces: [face(A, 100, 50, { seed: i + 1, sim: 0.7, quality: [0.3, 0.9, 0.5, 0.4][i]! })],
    }));
    const mean = buildTracks(frames, opts())[0]!;
    expect(mean.bestFace.timeSec).toBe(0.5);
    expect(mean.bestFace.quality).toBe(0.9);
    const best = buildTracks(frames, trackOptions(librarySettings({ trackEmbedding: 'best' }), 0.5, 20))[0]!;
    expect(best.embedding).toBe(frames[1]!.faces[0]!.embedding);
    // Averaging cancels the independent noise: the mean is closer to the person than any single face.
    expect(cosine(mean.embedding, A)).toBeGreaterThan(cosine(best.embedding, A) + 0.1);
    const top2 = buildTracks(frames, trackOptions(librarySettings({ trackMeanTopK: 2 }), 0.5, 20))[0]!;
    const expected = meanEmbedding([frames[1]!.faces[0]!.embedding, frames[2]!.faces[0]!.embedding]);
    expect(cosine(top2.embedding, expected)).toBeCloseTo(1, 6);
    let norm = 0;
    for (const v of mean.embedding) norm += v * v;
    expect(norm).toBeCloseTo(1, 5);
  });

  it('refuses frames out of time order', () => {
    expect(() => buildTracks([{ timeSec: 1, faces: [] }, { timeSec: 0.5, faces: [] }], opts())).toThrow(/time order/);
  });
});
