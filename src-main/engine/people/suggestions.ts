/**
 * Suggestions the user confirms or dismisses:
 * - merge: pairs of persons that are likely one person (split by a change of look, age, or a strict
 *   pair rule), scored by the median similarity of their sampled faces' pairs, best first; never
 *   persons seen together in one photo, two differently named persons, or a pair the user dismissed;
 * - "Is this <name>?": unassigned faces close to a named person but not close enough to join it
 *   automatically, scored like the join rule (mean of the top three similarities), best first.
 */
import type { LibraryStore } from '../store/library-store';
import type { FaceRow, PersonRow } from '../store/rows';
import type { PeopleSettings } from '../settings';
import type { FaceSuggestion, MergeSuggestion } from '../../contract/people';
import type { KnnKernel } from './knn-kernel';
import type { PeoplePrefs } from './people-prefs';
import { parseRejected } from './face-snapshot';
import { FACE_COLUMNS, faceRefs, personDtos } from './queries';
import { dotAt } from './vector-math';
import { EMBEDDING_DIM } from '../store/schema';

interface Samples {
  /** Row-major sample vectors. */
  vectors: Float32Array;
  /** Person index (into the persons given) of each sample row. */
  owner: Int32Array;
  /** Media of all of each person's faces. */
  media: Set<string>[];
}

/** Up to `perPerson` best-quality faces of each person, and the media each person appears in. */
async function sampleFaces(store: LibraryStore, persons: readonly PersonRow[], perPerson: number): Promise<Samples> {
  const index = new Map(persons.map((p, i) => [p.id, i]));
  const media = persons.map(() => new Set<string>());
  const best: FaceRow[][] = persons.map(() => []);
  for (const f of await store.faces.ofPersons(persons.map((p) => p.id), ['id', 'person_id', 'media_id', 'quality'])) {
    const i = index.get(f.person_id!)!;
    media[i]!.add(f.media_id);
    best[i]!.push(f);
  }
  const chosen = best.flatMap((l, i) => l.sort((a, b) => b.quality - a.quality).slice(0, perPerson).map((f) => ({ id: f.id, i })));
  const rows = await store.faces.byIds(chosen.map((c) => c.id), ['id', 'vector']);
  const vecById = new Map(rows.map((r) => [r.id, r.vector as Float32Array]));
  const kept = chosen.filter((c) => vecById.has(c.id));
  const vectors = new Float32Array(kept.length * EMBEDDING_DIM);
  kept.forEach((c, r) => vectors.set(vecById.get(c.id)!, r * EMBEDDING_DIM));
  return { vectors, owner: Int32Array.from(kept.map((c) => c.i)), media };
}

function median(values: number[]): number {
  if (values.length === 0) return -1;
  const s = values.sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function mergeSuggestions(
  store: LibraryStore,
  kernel: KnnKernel,
  prefs: PeoplePrefs,
  settings: Pick<PeopleSettings, 'mergeSuggestMinSim' | 'mergeSampleFaces'>,
  opts: { personId?: string; maxResults: number },
): Promise<MergeSuggestion[]> {
  const persons = (await store.persons.find({ hidden: false, withFaces: true })).filter((p) => p.centroid);
  if (persons.length < 2) return [];
  const dim = EMBEDDING_DIM;
  const centroids = new Float32Array(persons.length * dim);
  persons.forEach((p, i) => centroids.set(p.centroid as Float32Array, i * dim));
  const focus = opts.personId ? persons.findIndex((p) => p.id === opts.personId) : -1;
  if (opts.personId && focus < 0) return [];
  const queries = focus >= 0 ? centroids.subarray(focus * dim, focus * dim + dim) : centroids;
  const k = Math.min(persons.length, 16);
  const near = await kernel.topK(queries, centroids, dim, k);
  const pairs = new Map<string, [number, number]>();
  for (let q = 0; q < near.values.length / k; q++) {
    const a = focus >= 0 ? focus : q;
    for (let j = 0; j < k; j++) {
      const b = near.indices[q * k + j]!;
      // Centroids of one person's two halves sit far closer than the face pairs' median: a cheap pre-filter.
      if (b < 0 || b === a || near.values[q * k + j]! < settings.mergeSuggestMinSim) continue;
      const pa = persons[a]!, pb = persons[b]!;
      if (pa.name && pb.name && pa.name.toLowerCase() !== pb.name.toLowerCase()) continue;
      if (prefs.isDismissed(pa.id, pb.id)) continue;
      pairs.set(a < b ? `${a}:${b}` : `${b}:${a}`, a < b ? [a, b] : [b, a]);
    }
  }
  if (pairs.size === 0) return [];
  const involved = [...new Set([...pairs.values()].flat())];
  const local = new Map(involved.map((p, i) => [p, i]));
  const samples = await sampleFaces(store, involved.map((i) => persons[i]!), settings.mergeSampleFaces);
  const rowsOf = involved.map(() => [] as number[]);
  for (let r = 0; r < samples.owner.length; r++) rowsOf[samples.owner[r]!]!.push(r);
  const scored: { a: PersonRow; b: PersonRow; similarity: number; pairs: number }[] = [];
  for (const [a, b] of pairs.values()) {
    const la = local.get(a)!, lb = local.get(b)!;
    const ma = samples.media[la]!, mb = samples.media[lb]!;
    // Seen together in a photo: two people.
    if ([...(ma.size < mb.size ? ma : mb)].some((m) => (ma.size < mb.size ? mb : ma).has(m))) continue;
    const sims: number[] = [];
    for (const x of rowsOf[la]!) for (const y of rowsOf[lb]!) sims.push(dotAt(samples.vectors, x * dim, samples.vectors, y * dim, dim));
    const s = median(sims);
    if (s >= settings.mergeSuggestMinSim) scored.push({ a: persons[a]!, b: persons[b]!, similarity: s, pairs: sims.length });
  }
  scored.sort((x, y) => y.similarity - x.similarity);
  const top = scored.slice(0, opts.maxResults);
  const dtos = new Map((await personDtos(store, [...new Set(top.flatMap((t) => [t.a, t.b]))])).map((d) => [d.id, d]));
  return top.map((t) => ({ a: dtos.get(t.a.id)!, b: dtos.get(t.b.id)!, similarity: t.similarity, pairs: t.pairs }));
}

export async function faceSuggestions(
  store: LibraryStore,
  kernel: KnnKernel,
  settings: Pick<PeopleSettings, 'suggestMinSim' | 'knnK'>,
  opts: { personId?: string; maxResults: number },
): Promise<FaceSuggestion[]> {
  const persons = opts.personId ? await store.persons.byIds([opts.personId]) : await store.persons.find({ named: true, withFaces: true });
  if (persons.length === 0) return [];
  const faces = await store.faces.unassignedUndecided([...FACE_COLUMNS, 'vector']);
  if (faces.length === 0) return [];
  const dim = EMBEDDING_DIM;
  const samples = await sampleFaces(store, persons, 64);
  if (samples.owner.length === 0) return [];
  const queries = new Float32Array(faces.length * dim);
  faces.forEach((f, i) => queries.set(f.vector as Float32Array, i * dim));
  const k = Math.min(samples.owner.length, settings.knnK);
  const near = await kernel.topK(queries, samples.vectors, dim, k);
  const best: { face: FaceRow; person: number; score: number }[] = [];
  faces.forEach((f, q) => {
    const rejected = new Set(parseRejected(f.rejected) ?? []);
    const sims = new Map<number, number[]>();
    for (let j = 0; j < k; j++) {
      const r = near.indices[q * k + j]!;
      if (r < 0) break;
      const p = samples.owner[r]!;
      let l = sims.get(p);
      if (!l) sims.set(p, (l = []));
      if (l.length < 3) l.push(near.values[q * k + j]!);
    }
    let top: { person: number; score: number } | null = null;
    for (const [p, l] of sims) {
      const person = persons[p]!;
      if (rejected.has(person.id) || samples.media[p]!.has(f.media_id)) continue;
      if (person.birth_date !== null && person.birth_date !== undefined && f.captured_at !== null && f.captured_at < person.birth_date) continue;
      const score = l.reduce((s, v) => s + v, 0) / l.length;
      if (score >= settings.suggestMinSim && (!top || score > top.score)) top = { person: p, score };
    }
    if (top) best.push({ face: f, ...top });
  });
  best.sort((a, b) => b.score - a.score);
  const picked = best.slice(0, opts.maxResults);
  const refs = await faceRefs(store, picked.map((b) => b.face));
  const dtos = new Map((await personDtos(store, [...new Set(picked.map((b) => persons[b.person]!))])).map((d) => [d.id, d]));
  return picked.map((b, i) => ({ face: refs[i]!, person: dtos.get(persons[b.person]!.id)!, score: b.score }));
}
