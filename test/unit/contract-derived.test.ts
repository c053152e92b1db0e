/**
 * The doors' requests are derived from the engine's: the page's search requests take every option and
 * bound the engine's schemas take (only the query image becomes a reference), and the CLI's flags check
 * the engine's bounds. A hand-written copy drifted before (face search over IPC had no folderIds,
 * maxFaces, minFaceSize or qualityControl); these tests fail on the next drift.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { INVOKE_CONTRACT } from '../../src-main/contract/ipc';
import { ClipSearchFields, FaceSearchFields, MediaSearchFields, PersonSearchRequestSchema } from '../../src-main/contract/search';
import { UsageError, boundsOf, intFlag } from '../../src-main/cli/command';

/** The object schema under a refined (or plain) request schema. */
function shapeOf(schema: z.ZodType): Record<string, z.ZodType> {
  expect(schema).toBeInstanceOf(z.ZodObject);
  return (schema as z.ZodObject).shape as Record<string, z.ZodType>;
}

function numberBounds(field: z.ZodType): [number, number] | null {
  try {
    return boundsOf(field);
  } catch {
    return null;
  }
}

const PAIRS = [
  { channel: 'search:faces', engine: FaceSearchFields, image: 'image' },
  { channel: 'search:persons', engine: PersonSearchRequestSchema, image: 'image' },
  { channel: 'search:media', engine: MediaSearchFields, image: 'personImage' },
  { channel: 'search:clips', engine: ClipSearchFields, image: 'personImage' },
] as const;

describe('search requests over the API', () => {
  for (const { channel, engine, image } of PAIRS) {
    it(`${channel} takes every field of the engine's request, with the same bounds`, () => {
      const door = shapeOf(INVOKE_CONTRACT[channel].request);
      const own = shapeOf(engine);
      expect(Object.keys(door).sort()).toEqual(Object.keys(own).sort());
      for (const key of Object.keys(own)) {
        if (key === image) continue;
        expect(numberBounds(door[key]!), key).toEqual(numberBounds(own[key]!));
      }
    });
  }

  it('accepts the face-search options the page had lost, and keeps the engine\'s rules and strictness', () => {
    const schema = INVOKE_CONTRACT['search:faces'].request;
    const ok = schema.safeParse({ image: { uploadId: 'u1' }, folderIds: ['f1'], maxFaces: 3, minFaceSize: 40, qualityControl: 2 });
    expect(ok.success).toBe(true);
    // The engine's cross-field rules apply at the door too.
    expect(schema.safeParse({ image: { uploadId: 'u1' }, faceId: 'face-1' }).success).toBe(false);
    expect(schema.safeParse({ image: { uploadId: 'u1' }, maxFaces: 2, faceIndex: 1 }).success).toBe(false);
    // Bounds as the engine's: qualityControl 0-4, maxFaces 1-10.
    expect(schema.safeParse({ image: { uploadId: 'u1' }, qualityControl: 5 }).success).toBe(false);
    expect(schema.safeParse({ image: { uploadId: 'u1' }, maxFaces: 11 }).success).toBe(false);
    // Still strict, and still no paths from the page.
    expect(schema.safeParse({ image: { uploadId: 'u1' }, extra: 1 }).success).toBe(false);
    expect(schema.safeParse({ image: '/etc/passwd' }).success).toBe(false);
  });

  it('takes custom filters as an object over the API (the engine\'s JSON-string form stays engine-side)', () => {
    const schema = INVOKE_CONTRACT['search:media'].request;
    expect(schema.safeParse({ personId: 'p1', customFilters: { intField1: { gte: 3 } } }).success).toBe(true);
    expect(schema.safeParse({ personId: 'p1', customFilters: '{"intField1":3}' }).success).toBe(false);
    expect(schema.safeParse({ personId: 'p1', faceSearchToken: 't' }).success).toBe(false);
  });
});

describe('CLI flags', () => {
  it('check the bounds of the engine\'s fields and name the flag', () => {
    expect(intFlag('99', '--face-index', FaceSearchFields.shape.faceIndex)).toBe(99);
    // The CLI once allowed 100 here while the engine refused it.
    expect(() => intFlag('100', '--face-index', FaceSearchFields.shape.faceIndex)).toThrow(UsageError);
    expect(() => intFlag('100', '--face-index', FaceSearchFields.shape.faceIndex)).toThrow(/--face-index must be an integer from 0 to 99/);
  });
});
