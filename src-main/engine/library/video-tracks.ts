/**
 * Face tracks: the faces of one person across the sampled frames of a video, merged so a video yields a
 * handful of rows (best face, embedding, time ranges) instead of one row per face per frame.
 *
 * Linking, frame by frame (frames in time order):
 * - on overlap: the face's box overlaps the track's last box (IoU >= trackIou) in the previous samples
 *   (within the gap tolerance) and looks like the track (similarity >= trackLinkSimilarity, low because the
 *   overlap is strong evidence: motion blur and turned heads lower similarity between neighbouring frames);
 * - on looks alone: similarity >= trackRejoinSimilarity (above the different-person maximum), for a person
 *   who moved across the frame, was cut away from, or came back after a while.
 * Similarity is the larger of the cosine to the track's last face and to its representative (mean of its
 * best faces), so one poor frame does not break a track. Candidates are assigned greedily, overlap links
 * first, best first, one face per track per frame: two faces of one frame never join the same track.
 *
 * Time ranges: a track seen again within max(trackGapSec, 1.5 sample intervals) extends its current range
 * (a person leaving and re-entering within 2 s is on screen continuously, for a viewer); after a longer gap
 * it starts a new range in the same track, when the looks alone link it. Each range extends half a sample
 * interval on both sides, since the person was probably there between the samples around it.
 */
import { cosine, l2normalize } from '../vision/embedder';
import type { Face } from '../vision/face-analyzer';
import { iou } from '../vision/geometry';
import type { LibrarySettings } from '../settings';

export interface FrameFaces {
  timeSec: number;
  faces: Face[];
}

/** A face and the time of the frame it was seen in. */
export type TimedFace = Face & { timeSec: number };

export interface FaceTrack {
  /** The track's highest-quality face, with the time of its frame. */
  bestFace: TimedFace;
  /** L2-normalized: the best face's, or the normalized mean of the best faces (trackEmbedding). */
  embedding: Float32Array;
  /** Disjoint, in time order, clamped to the video. */
  ranges: [number, number][];
  faceCount: number;
  meanQuality: number;
}

export interface TrackOptions {
  iou: number;
  linkSimilarity: number;
  rejoinSimilarity: number;
  gapSec: number;
  embedding: 'best' | 'mean';
  meanTopK: number;
  /** The regular sample interval: ranges extend by half of it. */
  sampleIntervalSec: number;
  /** Clamps the ranges' ends; null when unknown. */
  durationSec: number | null;
}

export function trackOptions(s: LibrarySettings, sampleIntervalSec: number, durationSec: number | null): TrackOptions {
  return {
    iou: s.trackIou,
    linkSimilarity: s.trackLinkSimilarity,
    rejoinSimilarity: s.trackRejoinSimilarity,
    gapSec: s.trackGapSec,
    embedding: s.trackEmbedding,
    meanTopK: s.trackMeanTopK,
    sampleIntervalSec,
    durationSec,
  };
}

interface Seen {
  face: Face;
  timeSec: number;
}

interface TrackState {
  last: Seen;
  /** The best faces by quality, best first, at most max(meanTopK, 1). */
  top: Seen[];
  /** Normalized mean of `top`; recomputed when `top` changes. */
  representative: Float32Array;
  ranges: [number, number][];
  count: number;
  qualitySum: number;
}

export class FaceTracker {
  private readonly tracks: TrackState[] = [];
  private lastTime = Number.NEGATIVE_INFINITY;
  private rawFaces = 0;

  constructor(private readonly opts: TrackOptions) {}

  /** Faces seen so far, before merging. */
  get facesSeen(): number {
    return this.rawFaces;
  }

  push(frame: FrameFaces): void {
    if (frame.timeSec < this.lastTime) throw new Error(`frames must come in time order (${frame.timeSec} after ${this.lastTime})`);
    this.lastTime = frame.timeSec;
    const t = frame.timeSec;
    const faces = frame.faces;
    this.rawFaces += faces.length;
    const maxGap = Math.max(this.opts.gapSec, 1.5 * this.opts.sampleIntervalSec);

    interface Pair { face: number; track: number; score: number }
    const pairs: Pair[] = [];
    for (let f = 0; f < faces.length; f++) {
      const face = faces[f]!;
      for (let k = 0; k < this.tracks.length; k++) {
        const tr = this.tracks[k]!;
        const sim = Math.max(cosine(face.embedding, tr.last.face.embedding), cosine(face.embedding, tr.representative));
        const near = t - tr.last.timeSec <= maxGap;
        if (near && sim >= this.opts.linkSimilarity && iou(face.box, tr.last.face.box) >= this.opts.iou) {
          pairs.push({ face: f, track: k, score: 2 + sim }); // overlap links outrank looks-only links
        } else if (sim >= this.opts.rejoinSimilarity) {
          pairs.push({ face: f, track: k, score: sim });
        }
      }
    }
    pairs.sort((a, b) => b.score - a.score);
    const faceTaken = new Set<number>();
    const trackTaken = new Set<number>();
    for (const p of pairs) {
      if (faceTaken.has(p.face) || trackTaken.has(p.track)) continue;
      faceTaken.add(p.face);
      trackTaken.add(p.track);
      this.extend(this.tracks[p.track]!, { face: faces[p.face]!, timeSec: t }, maxGap);
    }
    for (let f = 0; f < faces.length; f++) {
      if (faceTaken.has(f)) continue;
      const seen = { face: faces[f]!, timeSec: t };
      this.tracks.push({
        last: seen,
        top: [seen],
        representative: faces[f]!.embedding,
        ranges: [[t, t]],
        count: 1,
        qualitySum: faces[f]!.quality,
      });
    }
  }

  private extend(tr: TrackState, seen: Seen, maxGap: number): void {
    const range = tr.ranges[tr.ranges.length - 1]!;
    if (seen.timeSec - tr.last.timeSec <= maxGap) range[1] = seen.timeSec;
    else tr.ranges.push([seen.timeSec, seen.timeSec]);
    tr.last = seen;
    tr.count++;
    tr.qualitySum += seen.face.quality;
    const k = Math.max(1, this.opts.meanTopK);
    if (tr.top.length < k || seen.face.quality > tr.top[tr.top.length - 1]!.face.quality) {
      tr.top.push(seen);
      tr.top.sort((a, b) => b.face.quality - a.face.quality);
      if (tr.top.length > k) tr.top.pop();
      tr.representative = meanEmbedding(tr.top.map((s) => s.face.embedding));
    }
  }

  /** The tracks, by first appearance. */
  finish(): FaceTrack[] {
    const half = this.opts.sampleIntervalSec / 2;
    const end = this.opts.durationSec ?? Number.POSITIVE_INFINITY;
    return this.tracks.map((tr) => {
      const best = tr.top[0]!;
      const ranges: [number, number][] = [];
      for (const [a, b] of tr.ranges) {
        const r: [number, number] = [Math.max(0, a - half), Math.min(end, b + half)];
        const prev = ranges[ranges.length - 1];
        // Widened ranges of one track may touch; keep them disjoint.
        if (prev && r[0] <= prev[1]) prev[1] = Math.max(prev[1], r[1]);
        else ranges.push(r);
      }
      return {
        bestFace: { ...best.face, timeSec: best.timeSec },
        embedding: this.opts.embedding === 'best' ? best.face.embedding : tr.representative,
        ranges,
        faceCount: tr.count,
        meanQuality: tr.qualitySum / tr.count,
      };
    });
  }
}

export function buildTracks(frames: Iterable<FrameFaces>, opts: TrackOptions): FaceTrack[] {
  const tracker = new FaceTracker(opts);
  for (const f of frames) tracker.push(f);
  return tracker.finish();
}

/** Normalized mean of L2-normalized embeddings. */
export function meanEmbedding(embeddings: Float32Array[]): Float32Array {
  const first = embeddings[0];
  if (!first) throw new Error('meanEmbedding of nothing');
  if (embeddings.length === 1) return first;
  const sum = new Float32Array(first.length);
  for (const e of embeddings) for (let i = 0; i < sum.length; i++) sum[i]! += e[i]!;
  return l2normalize(sum);
}
