/**
 * A person's cover: the best photo face, never a video frame while the person has a photo face, and
 * never a sharp face that resembles the rest of the person least (one that joined by mistake).
 */
import { describe, expect, it } from 'vitest';
import { personStats } from '../../src-main/engine/people/person-stats';
import type { StatFace } from '../../src-main/engine/people/person-stats';

const v = (...xs: number[]) => {
  const n = Math.hypot(...xs);
  return Float32Array.from(xs, (x) => x / n);
};
const face = (id: string, quality: number, video: boolean, vector = v(1, 0, 0)): StatFace => ({ id, mediaId: `m-${id}`, quality, captured: null, video, vector });

describe('person cover', () => {
  it('is a photo face even when a video frame scores higher', () => {
    expect(personStats([face('frame', 0.95, true), face('photo', 0.6, false)], null).cover_face_id).toBe('photo');
    expect(personStats([face('frame1', 0.5, true), face('frame2', 0.7, true)], null).cover_face_id).toBe('frame2');
  });

  it('is not the sharpest face when that face is unlike the rest of the person', () => {
    const faces = [face('a', 0.7, false, v(1, 0.1, 0)), face('b', 0.72, false, v(1, 0, 0.1)), face('c', 0.8, false, v(1, 0.05, 0.05)), face('stranger', 0.99, false, v(0, 1, 0))];
    expect(personStats(faces, null).cover_face_id).toBe('c');
  });

  it('keeps the user\'s choice while it is one of the faces', () => {
    expect(personStats([face('frame', 0.95, true), face('photo', 0.6, false)], 'frame').cover_face_id).toBe('frame');
  });
});
