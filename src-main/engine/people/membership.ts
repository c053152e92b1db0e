/**
 * Who is in which person during a run: the row -> person map plus, per person, what the constraints
 * need (the media it already holds, its birth date) and what the join rule needs (size, centroid sum).
 * Existing persons are indices 0..P-1; persons formed by the run are appended.
 */
import type { ClusterInput } from './cluster-input';
import { rejects, rowCount } from './cluster-input';

export class Membership {
  readonly assign: Int32Array;
  private readonly media: Set<number>[] = [];
  private readonly sums: Float32Array[] = [];
  private readonly sizes: number[] = [];
  private readonly birth: number[] = [];

  constructor(private readonly input: ClusterInput) {
    this.assign = new Int32Array(rowCount(input)).fill(-1);
    for (const b of input.personBirth) this.newPerson(b);
    for (let r = 0; r < this.assign.length; r++) {
      const p = input.person[r]!;
      if (p >= 0 && input.free[r] === 0) this.add(r, p);
    }
  }

  get personCount(): number {
    return this.sizes.length;
  }

  get existingPersons(): number {
    return this.input.personBirth.length;
  }

  newPerson(birth = NaN): number {
    this.media.push(new Set());
    this.sums.push(new Float32Array(this.input.dim));
    this.sizes.push(0);
    this.birth.push(birth);
    return this.sizes.length - 1;
  }

  add(row: number, p: number): void {
    this.assign[row] = p;
    this.media[p]!.add(this.input.media[row]!);
    this.sizes[p]!++;
    const s = this.sums[p]!;
    const v = this.input.vectors;
    const o = row * this.input.dim;
    for (let i = 0; i < s.length; i++) s[i]! += v[o + i]!;
  }

  /** Takes a row out of its person (a person holds one face per photo, so the photo leaves with it). */
  remove(row: number): void {
    const p = this.assign[row]!;
    if (p < 0) return;
    this.assign[row] = -1;
    this.media[p]!.delete(this.input.media[row]!);
    this.sizes[p]!--;
    const s = this.sums[p]!;
    const v = this.input.vectors;
    const o = row * this.input.dim;
    for (let i = 0; i < s.length; i++) s[i]! -= v[o + i]!;
  }

  size(p: number): number {
    return this.sizes[p]!;
  }

  /** Cosine of a row with the person's mean face. */
  centroidSim(row: number, p: number): number {
    const s = this.sums[p]!;
    const v = this.input.vectors;
    const o = row * this.input.dim;
    let d = 0, n = 0;
    for (let i = 0; i < s.length; i++) {
      d += s[i]! * v[o + i]!;
      n += s[i]! * s[i]!;
    }
    return n > 0 ? d / Math.sqrt(n) : 0;
  }

  /** The built-in and user constraints: not the same photo or video, not rejected, not before birth. */
  allowed(row: number, p: number): boolean {
    if (this.media[p]!.has(this.input.media[row]!)) return false;
    if (p < this.existingPersons && rejects(this.input, row, p)) return false;
    const b = this.birth[p]!;
    const c = this.input.captured[row]!;
    return !(b === b && c === c && c < b);
  }
}
