/**
 * Cloud clusters beside local persons: which cloud cluster is which local person, judged by the
 * media they share. Pure and local (no network), so it runs even with cloud sync off.
 *
 * Cloud media are identified by content hash (IMM CustomId, set by this app's push) or by oss://
 * URI (mapped through the push's path <-> URI table); local persons by their media paths. The
 * score of a pair is the Jaccard index |C ∩ P| / |C ∪ P| of the two sets of local paths, and
 * clusters are paired with persons one-to-one, best score first, so one person cannot absorb two
 * clusters the cloud kept apart.
 */
import type { ClusterMatch, CloudCluster, CompareResult, LocalMedia, LocalPerson, NameImport, UploadOutcome } from '../../contract/cloud';

export interface CompareInput {
  clusters: readonly CloudCluster[];
  persons: readonly LocalPerson[];
  media?: readonly LocalMedia[];
  mapping?: readonly UploadOutcome[];
  /** Pairs below this score stay unmatched. Default 0.1: one shared photo out of ten. */
  minScore?: number;
}

function norm(path: string): string {
  return path.replace(/\\/g, '/');
}

export function jaccard<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): { score: number; shared: number } {
  let shared = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const x of small) if (large.has(x)) shared++;
  const union = a.size + b.size - shared;
  return { score: union === 0 ? 0 : shared / union, shared };
}

export function compareClusters(input: CompareInput): CompareResult {
  const minScore = input.minScore ?? 0.1;
  const pathsByHash = new Map<string, string[]>();
  for (const m of input.media ?? []) {
    const list = pathsByHash.get(m.contentHash) ?? [];
    list.push(norm(m.path));
    pathsByHash.set(m.contentHash, list);
  }
  for (const m of input.mapping ?? []) {
    const list = pathsByHash.get(m.contentHash) ?? [];
    if (!list.includes(norm(m.path))) list.push(norm(m.path));
    pathsByHash.set(m.contentHash, list);
  }
  const pathByUri = new Map<string, string>();
  for (const m of input.mapping ?? []) pathByUri.set(m.uri, norm(m.path));

  let unmappedMedia = 0;
  const clusterSets = input.clusters.map((c) => {
    const set = new Set<string>();
    for (const m of c.media) {
      const byHash = m.contentHash ? pathsByHash.get(m.contentHash) : undefined;
      const byUri = pathByUri.get(m.uri);
      if (byHash?.length) for (const p of byHash) set.add(p);
      else if (byUri) set.add(byUri);
      else unmappedMedia++;
    }
    return set;
  });
  const personSets = input.persons.map((p) => new Set(p.mediaPaths.map(norm)));

  const pairs: Array<{ ci: number; pi: number; score: number; shared: number }> = [];
  clusterSets.forEach((cs, ci) => {
    personSets.forEach((ps, pi) => {
      const { score, shared } = jaccard(cs, ps);
      if (shared > 0 && score >= minScore) pairs.push({ ci, pi, score, shared });
    });
  });
  // Best first; ties go to the pair sharing more media, then to input order (stable).
  pairs.sort((a, b) => b.score - a.score || b.shared - a.shared || a.ci - b.ci || a.pi - b.pi);
  const clusterTaken = new Map<number, (typeof pairs)[number]>();
  const personTaken = new Set<number>();
  for (const pair of pairs) {
    if (clusterTaken.has(pair.ci) || personTaken.has(pair.pi)) continue;
    clusterTaken.set(pair.ci, pair);
    personTaken.add(pair.pi);
  }

  const matches: ClusterMatch[] = input.clusters.map((c, ci) => {
    const pair = clusterTaken.get(ci);
    const person = pair ? input.persons[pair.pi] : undefined;
    return {
      clusterId: c.id,
      ...(c.name ? { clusterName: c.name } : {}),
      ...(person ? { personId: person.id, ...(person.name ? { personName: person.name } : {}) } : {}),
      score: pair ? Math.round(pair.score * 1e4) / 1e4 : 0,
      shared: pair?.shared ?? 0,
      clusterMedia: clusterSets[ci]?.size ?? 0,
      personMedia: pair ? (personSets[pair.pi]?.size ?? 0) : 0,
    };
  });
  const unmatchedPersons = input.persons.filter((_, pi) => !personTaken.has(pi)).map((p) => p.id);
  return { matches, unmatchedPersons, unmappedMedia };
}

/**
 * Names the user may import from cloud clusters onto the local persons they matched. Clusters
 * without a name, and matches below `minScore`, suggest nothing; a person who already has a
 * different name is only suggested when `allowRename` is set (and flagged as a rename).
 */
export function planNameImports(
  result: CompareResult,
  persons: readonly LocalPerson[],
  opts: { minScore?: number; allowRename?: boolean } = {},
): NameImport[] {
  const minScore = opts.minScore ?? 0.5;
  const byId = new Map(persons.map((p) => [p.id, p]));
  const out: NameImport[] = [];
  for (const m of result.matches) {
    if (!m.personId || !m.clusterName?.trim() || m.score < minScore) continue;
    const person = byId.get(m.personId);
    const current = person?.name?.trim();
    const name = m.clusterName.trim();
    if (current === name) continue;
    const renames = !!current;
    if (renames && !opts.allowRename) continue;
    out.push({ personId: m.personId, clusterId: m.clusterId, name, score: m.score, renames });
  }
  return out;
}
