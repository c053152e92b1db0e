/**
 * What a clustering run sees, as flat typed arrays (transferable to a worker thread without copying):
 * one row per face of one embedding model, the persons they may join, and the user's constraints.
 */
import type { PeopleSettings } from '../settings';

export interface ClusterInput {
  dim: number;
  /** Row-major unit embeddings, rows x dim. */
  vectors: Float32Array;
  quality: Float32Array;
  /** Dense media index per row: two rows with the same value are in one photo or one video. */
  media: Int32Array;
  /** Capture time (ms), NaN when unknown. */
  captured: Float64Array;
  /** Person index per row before the run, -1 for none. Free rows always carry -1. */
  person: Int32Array;
  /** 1 for the rows this run decides; the others are fixed evidence. */
  free: Uint8Array;
  /** 1 for rows the user decided (assignment 'user', with or without a person): never changed by a run. */
  pinned: Uint8Array;
  /** Persons each row must never join ("not this person"), CSR: row r owns rejected[offsets[r]..offsets[r+1]). */
  rejectedOffsets: Int32Array;
  rejected: Int32Array;
  /** Birth date (ms) of each existing person, NaN when unset; its length is the number of existing persons. */
  personBirth: Float64Array;
}

export function rowCount(input: ClusterInput): number {
  return input.quality.length;
}

export function rejects(input: ClusterInput, row: number, person: number): boolean {
  for (let i = input.rejectedOffsets[row]!; i < input.rejectedOffsets[row + 1]!; i++) if (input.rejected[i] === person) return true;
  return false;
}

/** Rejected-list CSR arrays from per-row lists. */
export function rejectedCsr(lists: readonly (readonly number[] | null)[]): { rejectedOffsets: Int32Array; rejected: Int32Array } {
  const rejectedOffsets = new Int32Array(lists.length + 1);
  let total = 0;
  lists.forEach((l, i) => {
    rejectedOffsets[i] = total;
    total += l?.length ?? 0;
  });
  rejectedOffsets[lists.length] = total;
  const rejected = new Int32Array(total);
  lists.forEach((l, i) => l?.forEach((p, j) => (rejected[rejectedOffsets[i]! + j] = p)));
  return { rejectedOffsets, rejected };
}

/** The cluster-relevant slice of PeopleSettings (see settings.ts for each value's measurement). */
export type ClusterParams = Pick<
  PeopleSettings,
  | 'knnK'
  | 'joinSim'
  | 'joinMinNeighbours'
  | 'joinStrongSim'
  | 'joinCentroidSim'
  | 'joinMargin'
  | 'revisitSim'
  | 'linkageSim'
  | 'pairSim'
  | 'minClusterSize'
  | 'seedQuality'
  | 'outlierSim'
  | 'splitSim'
  | 'exactMaxCells'
  | 'nprobe'
  | 'algorithm'
  | 'densityEps'
  | 'densityMinPoints'
>;
