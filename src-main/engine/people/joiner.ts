/**
 * The join rule: an undecided face joins an existing person only on strong evidence from that person's
 * own faces among its nearest neighbours, never on a centroid alone (a centroid sits between a
 * person's looks and is close to look-alikes too).
 *
 * A face joins person P when P is allowed (constraints) and either
 *   - at least `need` = min(joinMinNeighbours, |P|) of its neighbours are in P and the mean of its top
 *     three similarities to P (the score) is >= joinSim, or
 *   - its best neighbour in P is >= joinStrongSim and its cosine with P's centroid is >= joinCentroidSim,
 * and no other person scores within joinMargin of P (look-alikes stay undecided and become suggestions).
 * A person's score is the mean of the face's top three similarities to it. Only faces good enough to
 * seed a person (or placed by the user) count as evidence.
 */
import type { ClusterInput, ClusterParams } from './cluster-input';
import type { Membership } from './membership';
import type { Neighbours } from './knn-graph';

export interface JoinCandidate {
  person: number;
  score: number;
  qualifies: boolean;
}

/** Scores the persons among a query's neighbours (only allowed ones). */
export function candidatesOf(q: number, nb: Neighbours, m: Membership, params: ClusterParams, input: ClusterInput): JoinCandidate[] {
  const row = nb.rows[q]!;
  const byPerson = new Map<number, number[]>();
  for (let j = 0; j < nb.k; j++) {
    const other = nb.nbr[q * nb.k + j]!;
    if (other < 0) break;
    const p = m.assign[other]!;
    // A poor face (tiny, blurred, profile, cut by the frame) may join but never vouches for another:
    // chains of poor faces are how strangers and look-alikes get pulled into a person.
    if (p < 0 || (input.quality[other]! < params.seedQuality && !input.pinned[other])) continue;
    let sims = byPerson.get(p);
    if (!sims) byPerson.set(p, (sims = []));
    sims.push(nb.sim[q * nb.k + j]!);
  }
  const out: JoinCandidate[] = [];
  for (const [p, sims] of byPerson) {
    if (!m.allowed(row, p)) continue;
    const need = Math.min(params.joinMinNeighbours, m.size(p));
    const top = Math.min(3, sims.length);
    let score = 0;
    for (let i = 0; i < top; i++) score += sims[i]!;
    score /= top;
    const qualifies =
      (sims.length >= need && score >= params.joinSim) ||
      (sims[0]! >= params.joinStrongSim && m.centroidSim(row, p) >= params.joinCentroidSim);
    out.push({ person: p, score, qualifies });
  }
  return out.sort((a, b) => b.score - a.score);
}

/**
 * Joins eligible, still unassigned query rows, best quality first, so later faces see the earlier ones
 * as evidence. Returns how many joined.
 */
export function joinPass(input: ClusterInput, nb: Neighbours, m: Membership, params: ClusterParams, eligible: (q: number) => boolean): number {
  const order = Array.from(nb.rows.keys()).sort((a, b) => input.quality[nb.rows[b]!]! - input.quality[nb.rows[a]!]!);
  let joined = 0;
  for (const q of order) {
    const row = nb.rows[q]!;
    if (m.assign[row]! >= 0 || !eligible(q)) continue;
    const cands = candidatesOf(q, nb, m, params, input);
    const best = cands.find((c) => c.qualifies);
    if (!best) continue;
    const rival = cands.find((c) => c !== best && c.score > best.score - params.joinMargin);
    if (rival) continue;
    m.add(row, best.person);
    joined++;
  }
  return joined;
}
