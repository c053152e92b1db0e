/**
 * Clip search's core: a video's matching tracks → the time ranges where the person is on screen.
 * A person often forms several tracks in one video (cuts, turning away, another camera angle), and
 * each track has its own disjoint ranges; the clips are the union of them all, with close ranges
 * joined, each carrying its best track's score and best-frame time.
 */
import type { Occurrence } from '../../contract/search';

export interface TrackHit {
  /** The track's ranges in seconds (may overlap other tracks'). */
  ranges: [number, number][];
  /** Time of the track's best face; null when unknown. */
  frameTime: number | null;
  score: number;
}

/** The faces table's `ranges` JSON; a track without ranges was seen at its best frame only. */
export function parseRanges(json: string | null, frameTime: number | null): [number, number][] {
  if (json) {
    try {
      const parsed: unknown = JSON.parse(json);
      if (Array.isArray(parsed)) {
        const out: [number, number][] = [];
        for (const r of parsed) {
          if (Array.isArray(r) && r.length === 2 && Number.isFinite(r[0]) && Number.isFinite(r[1])) {
            const a = Number(r[0]), b = Number(r[1]);
            out.push(a <= b ? [a, b] : [b, a]);
          }
        }
        if (out.length > 0) return out;
      }
    } catch {
      // Damaged JSON: fall back to the best frame below.
    }
  }
  return frameTime === null ? [] : [[frameTime, frameTime]];
}

/**
 * Merges the tracks' ranges: ranges that overlap or lie within `gapSec` of each other become one
 * occurrence, scored as its best contributing track. bestFrameTime is the best frame of the
 * best-scoring contributing track whose best frame lies inside the occurrence (a track's best frame
 * may belong to another of its ranges); failing that, the best track's frame moved into the range.
 */
export function mergeClips(tracks: readonly TrackHit[], gapSec: number): Occurrence[] {
  const pieces: { start: number; end: number; track: TrackHit }[] = [];
  for (const t of tracks) for (const [start, end] of t.ranges) pieces.push({ start, end, track: t });
  pieces.sort((a, b) => a.start - b.start || a.end - b.end);
  const groups: { start: number; end: number; tracks: TrackHit[] }[] = [];
  for (const p of pieces) {
    const cur = groups[groups.length - 1];
    if (cur && p.start <= cur.end + gapSec) {
      cur.end = Math.max(cur.end, p.end);
      cur.tracks.push(p.track);
    } else {
      groups.push({ start: p.start, end: p.end, tracks: [p.track] });
    }
  }
  return groups.map((g) => {
    const byScore = [...g.tracks].sort((a, b) => b.score - a.score);
    const best = byScore[0]!;
    const inside = byScore.find((t) => t.frameTime !== null && t.frameTime >= g.start && t.frameTime <= g.end);
    const t = inside?.frameTime ?? best.frameTime;
    const bestFrameTime = t === null ? (g.start + g.end) / 2 : Math.min(g.end, Math.max(g.start, t));
    return { startTime: g.start, endTime: g.end, score: best.score, bestFrameTime };
  });
}
