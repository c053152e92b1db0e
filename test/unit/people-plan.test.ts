/**
 * The clustering plan's rules on small hand-made embeddings: joins need evidence, new persons need
 * size and tightness, and the constraints (same photo, rejected, birth date, the user's faces, poor
 * faces not seeding) hold in incremental and full runs; persons that do not hold together are split.
 */
import { describe, expect, it } from 'vitest';
import { planClusters } from '../../src-main/engine/people/cluster-plan';
import { enforceCohesion } from '../../src-main/engine/people/cohesion';
import { Membership } from '../../src-main/engine/people/membership';
import type { ClusterInput } from '../../src-main/engine/people/cluster-input';
import { rejectedCsr } from '../../src-main/engine/people/cluster-input';
import { JsKnnKernel } from '../../src-main/engine/people/knn-kernel';
import { DEFAULT_PEOPLE_SETTINGS } from '../../src-main/engine/settings';
import { seededRandom } from '../../src-main/engine/people/random';

const DIM = 64;
const kernel = new JsKnnKernel();
const rand = seededRandom(11);

function unit(v: number[]): number[] {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
}
function randomUnit(): number[] {
  return unit(Array.from({ length: DIM }, () => rand() - 0.5));
}
/** A face of identity `c` at cosine `rho` to it. */
function faceOf(c: number[], rho = 0.85): number[] {
  const u = randomUnit();
  const dot = u.reduce((s, x, i) => s + x * c[i]!, 0);
  const orth = unit(u.map((x, i) => x - dot * c[i]!));
  return c.map((x, i) => rho * x + Math.sqrt(1 - rho * rho) * orth[i]!);
}

interface Row {
  v: number[];
  media?: number;
  person?: number;
  free?: boolean;
  pinned?: boolean;
  quality?: number;
  captured?: number;
  rejected?: number[];
}

let mediaSeq = 1000;
function input(rows: Row[], persons = 0, births: number[] = []): ClusterInput {
  return {
    dim: DIM,
    vectors: Float32Array.from(rows.flatMap((r) => r.v)),
    quality: Float32Array.from(rows.map((r) => r.quality ?? 0.9)),
    media: Int32Array.from(rows.map((r) => r.media ?? mediaSeq++)),
    captured: Float64Array.from(rows.map((r) => r.captured ?? NaN)),
    person: Int32Array.from(rows.map((r) => (r.free === false ? (r.person ?? -1) : -1))),
    free: Uint8Array.from(rows.map((r) => (r.free === false ? 0 : 1))),
    pinned: Uint8Array.from(rows.map((r) => (r.pinned ? 1 : 0))),
    ...rejectedCsr(rows.map((r) => r.rejected ?? null)),
    personBirth: Float64Array.from({ length: persons }, (_, i) => births[i] ?? NaN),
  };
}

const params = { ...DEFAULT_PEOPLE_SETTINGS };

describe('clustering plan', () => {
  it('forms one person per identity and leaves a lone face alone', async () => {
    const a = randomUnit(), b = randomUnit(), c = randomUnit();
    const rows = [...[0, 1, 2, 3].map(() => ({ v: faceOf(a) })), ...[0, 1, 2].map(() => ({ v: faceOf(b) })), { v: faceOf(c) }];
    const plan = await planClusters(input(rows), params, kernel, 'incremental');
    const pa = plan.assign[0]!, pb = plan.assign[4]!;
    expect(pa).toBeGreaterThanOrEqual(0);
    expect([...plan.assign.slice(0, 4)]).toEqual([pa, pa, pa, pa]);
    expect([...plan.assign.slice(4, 7)]).toEqual([pb, pb, pb]);
    expect(pb).not.toBe(pa);
    expect(plan.assign[7]).toBe(-1);
    expect(plan.newPersons).toBe(2);
  });

  it('makes a pair a person only above the pair similarity', async () => {
    const a = randomUnit(), b = randomUnit();
    // rho 0.8: pair cosine ~0.64 (> 0.48); rho 0.6: ~0.36 (< 0.48).
    const plan = await planClusters(input([{ v: faceOf(a, 0.8) }, { v: faceOf(a, 0.8) }, { v: faceOf(b, 0.6) }, { v: faceOf(b, 0.6) }]), params, kernel, 'incremental');
    expect(plan.assign[0]).toBe(plan.assign[1]);
    expect(plan.assign[0]).toBeGreaterThanOrEqual(0);
    expect([plan.assign[2], plan.assign[3]]).toEqual([-1, -1]);
  });

  it('never puts two faces of one photo in one person, even identical ones', async () => {
    const a = randomUnit();
    const v = faceOf(a);
    const plan = await planClusters(input([{ v, media: 1 }, { v, media: 1 }, { v: faceOf(a), media: 2 }, { v: faceOf(a), media: 3 }]), params, kernel, 'incremental');
    expect(plan.assign[0]).not.toBe(plan.assign[1]);
    expect(plan.assign[2]).toBeGreaterThanOrEqual(0);
  });

  it('joins a new face to an existing person on evidence, and honours rejected and birth date', async () => {
    const a = randomUnit();
    const known = [0, 1, 2].map(() => ({ v: faceOf(a), free: false, person: 0, captured: 100 }));
    const plan = await planClusters(input([...known, { v: faceOf(a), captured: 200 }, { v: faceOf(a), rejected: [0], captured: 200 }, { v: faceOf(a), captured: 10 }], 1, [50]), params, kernel, 'incremental');
    expect(plan.assign[3]).toBe(0);
    expect(plan.assign[4]).not.toBe(0);
    expect(plan.assign[5]).not.toBe(0);
    expect(plan.counts.joined).toBe(1);
  });

  it('does not let poor faces seed a person but lets them join one', async () => {
    const a = randomUnit(), b = randomUnit();
    const plan = await planClusters(
      input([{ v: faceOf(a), quality: 0.1 }, { v: faceOf(a), quality: 0.1 }, { v: faceOf(a), quality: 0.1 }, ...[0, 1, 2].map(() => ({ v: faceOf(b) })), { v: faceOf(b), quality: 0.1 }]),
      params,
      kernel,
      'incremental',
    );
    expect([...plan.assign.slice(0, 3)]).toEqual([-1, -1, -1]);
    expect(plan.assign[6]).toBe(plan.assign[3]);
    expect(plan.assign[6]).toBeGreaterThanOrEqual(0);
  });

  it('decides again the unassigned faces new faces land near, but never the user\'s', async () => {
    const a = randomUnit(), b = randomUnit();
    // Two old faces of a stranger stayed unassigned (a weak pair); a third arrives.
    const old = [{ v: faceOf(a, 0.7), free: false }, { v: faceOf(a, 0.7), free: false }];
    const plan = await planClusters(input([...old, { v: faceOf(a, 0.9) }]), { ...params, pairSim: 0.99 }, kernel, 'incremental');
    expect(plan.assign[0]).toBeGreaterThanOrEqual(0);
    expect([plan.assign[1], plan.assign[2]]).toEqual([plan.assign[0], plan.assign[0]]);
    const pinned = [{ v: faceOf(b, 0.9), free: false, pinned: true }, { v: faceOf(b, 0.9), free: false, pinned: true }];
    const p2 = await planClusters(input([...pinned, { v: faceOf(b, 0.9) }]), params, kernel, 'incremental');
    expect([p2.assign[0], p2.assign[1]]).toEqual([-1, -1]);
  });

  it('keeps the user\'s persons apart in a full run and grows them', async () => {
    const a = randomUnit();
    // The user split one identity into two persons: a full run must not merge them back.
    const rows = [
      { v: faceOf(a), free: false, pinned: true, person: 0 },
      { v: faceOf(a), free: false, pinned: true, person: 1 },
      ...[0, 1, 2, 3].map(() => ({ v: faceOf(a) })),
    ];
    const plan = await planClusters(input(rows, 2), params, kernel, 'full');
    expect(plan.assign[0]).toBe(0);
    expect(plan.assign[1]).toBe(1);
    for (let i = 2; i < 6; i++) expect([0, 1]).toContain(plan.assign[i]);
  });

  it('the density alternative finds the same easy persons', async () => {
    const a = randomUnit(), b = randomUnit();
    const rows = [...[0, 1, 2].map(() => ({ v: faceOf(a) })), ...[0, 1, 2].map(() => ({ v: faceOf(b) }))];
    const plan = await planClusters(input(rows), { ...params, algorithm: 'density' }, kernel, 'incremental');
    expect(new Set(plan.assign.slice(0, 3)).size).toBe(1);
    expect(new Set(plan.assign.slice(3)).size).toBe(1);
    expect(plan.assign[0]).not.toBe(plan.assign[3]);
  });

  it('splits a person that holds two groups and drops a face that resembles no one in it', () => {
    const a = randomUnit(), b = randomUnit();
    const rows = [...[0, 1, 2, 3].map(() => ({ v: faceOf(a) })), ...[0, 1, 2, 3].map(() => ({ v: faceOf(b) })), { v: randomUnit() }];
    const inp = input(rows);
    const m = new Membership(inp);
    const p = m.newPerson();
    rows.forEach((_, r) => m.add(r, p));
    const result = enforceCohesion(inp, m, params, 0);
    expect(result).toEqual({ removed: 1, split: 1 });
    const groupA = new Set(m.assign.slice(0, 4)), groupB = new Set(m.assign.slice(4, 8));
    expect(groupA.size).toBe(1);
    expect(groupB.size).toBe(1);
    expect([...groupA][0]).not.toBe([...groupB][0]);
    expect(m.assign[8]).toBe(-1);
  });

  it('leaves a person of one identity whole, and never touches the user\'s faces', () => {
    const a = randomUnit(), b = randomUnit();
    const whole = [0, 1, 2, 3, 4, 5].map(() => ({ v: faceOf(a, 0.75) }));
    const inp = input(whole);
    const m = new Membership(inp);
    const p = m.newPerson();
    whole.forEach((_, r) => m.add(r, p));
    expect(enforceCohesion(inp, m, params, 0)).toEqual({ removed: 0, split: 0 });
    const mixed = [{ v: faceOf(a), pinned: true }, ...[0, 1, 2].map(() => ({ v: faceOf(a) })), ...[0, 1, 2, 3].map(() => ({ v: faceOf(b) }))];
    const inp2 = input(mixed);
    const m2 = new Membership(inp2);
    const p2 = m2.newPerson();
    mixed.forEach((_, r) => m2.add(r, p2));
    expect(enforceCohesion(inp2, m2, params, 0)).toEqual({ removed: 0, split: 0 });
  });
});
