/** Clip search's range merging on constructed video tracks (as the faces table stores them). */
import { describe, expect, it } from 'vitest';
import { mergeClips, parseRanges } from '../../src-main/engine/search/clips';

describe('parseRanges', () => {
  it('reads the ranges JSON, ordering each pair', () => {
    expect(parseRanges('[[1,2],[4,3.5]]', 1.5)).toEqual([[1, 2], [3.5, 4]]);
  });

  it('falls back to the best frame when ranges are missing or damaged', () => {
    expect(parseRanges(null, 2.5)).toEqual([[2.5, 2.5]]);
    expect(parseRanges('not json', 2.5)).toEqual([[2.5, 2.5]]);
    expect(parseRanges('[["a", 1]]', 2.5)).toEqual([[2.5, 2.5]]);
    expect(parseRanges(null, null)).toEqual([]);
  });
});

describe('mergeClips', () => {
  it('merges overlapping ranges across tracks, keeping the best score and its frame', () => {
    const out = mergeClips(
      [
        { ranges: [[3.5, 5.25]], frameTime: 4, score: 0.6 },
        { ranges: [[5, 8]], frameTime: 6.5, score: 0.72 },
        { ranges: [[0.5, 1.5]], frameTime: 1, score: 0.4 },
      ],
      0,
    );
    expect(out).toEqual([
      { startTime: 0.5, endTime: 1.5, score: 0.4, bestFrameTime: 1 },
      { startTime: 3.5, endTime: 8, score: 0.72, bestFrameTime: 6.5 },
    ]);
  });

  it('joins ranges closer than the gap and keeps farther ones apart', () => {
    const tracks = [
      { ranges: [[1, 2]] as [number, number][], frameTime: 1.5, score: 0.5 },
      { ranges: [[2.8, 4]] as [number, number][], frameTime: 3, score: 0.5 },
      { ranges: [[6, 7]] as [number, number][], frameTime: 6.5, score: 0.5 },
    ];
    expect(mergeClips(tracks, 1).map((o) => [o.startTime, o.endTime])).toEqual([[1, 4], [6, 7]]);
    expect(mergeClips(tracks, 0.5).map((o) => [o.startTime, o.endTime])).toEqual([[1, 2], [2.8, 4], [6, 7]]);
  });

  it('splits one track with several ranges into several clips', () => {
    const out = mergeClips([{ ranges: [[1, 2], [10, 12]], frameTime: 11, score: 0.8 }], 1);
    expect(out).toEqual([
      // The track's best frame lies in its second range: the first clip shows the nearest moment.
      { startTime: 1, endTime: 2, score: 0.8, bestFrameTime: 2 },
      { startTime: 10, endTime: 12, score: 0.8, bestFrameTime: 11 },
    ]);
  });

  it('takes the best frame from a weaker track when the best one\'s frame lies elsewhere', () => {
    const out = mergeClips(
      [
        { ranges: [[0, 1], [20, 22]], frameTime: 21, score: 0.9 },
        { ranges: [[0.5, 3]], frameTime: 2, score: 0.5 },
      ],
      0,
    );
    expect(out[0]).toEqual({ startTime: 0, endTime: 3, score: 0.9, bestFrameTime: 2 });
  });

  it('handles point ranges, unsorted input and an empty list', () => {
    expect(mergeClips([], 1)).toEqual([]);
    const out = mergeClips(
      [
        { ranges: [[9, 9]], frameTime: 9, score: 0.3 },
        { ranges: [[2, 2]], frameTime: null, score: 0.7 },
      ],
      0,
    );
    expect(out).toEqual([
      { startTime: 2, endTime: 2, score: 0.7, bestFrameTime: 2 },
      { startTime: 9, endTime: 9, score: 0.3, bestFrameTime: 9 },
    ]);
  });

  it('returns disjoint, ordered clips whatever the overlaps', () => {
    const tracks = Array.from({ length: 40 }, (_, i) => {
      const a = (i * 7.3) % 50;
      return { ranges: [[a, a + 1 + (i % 4)]] as [number, number][], frameTime: a + 0.5, score: (i % 10) / 10 };
    });
    const out = mergeClips(tracks, 0.25);
    for (let i = 1; i < out.length; i++) expect(out[i]!.startTime).toBeGreaterThan(out[i - 1]!.endTime + 0.25);
    for (const o of out) {
      expect(o.bestFrameTime).toBeGreaterThanOrEqual(o.startTime);
      expect(o.bestFrameTime).toBeLessThanOrEqual(o.endTime);
    }
    // Every input range lies inside one clip.
    for (const t of tracks) for (const [a, b] of t.ranges) expect(out.some((o) => o.startTime <= a && o.endTime >= b)).toBe(true);
  });
});
