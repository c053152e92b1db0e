/**
 * Persons as person search sees them: one fused feature each (the normalized mean of the person's
 * faces: the persons table's `centroid`, kept by the people service; computed here from the faces
 * when a person has none yet), and which library folders each person appears in.
 *
 * Everything is cached against the two tables' versions: a search after no change costs a dot
 * product per person, and any write (new faces, a correction, a rename) makes the next search reload.
 */
import type { LibraryStore } from '../store/library-store';
import { EMBEDDING_DIM } from '../store/schema';

export interface FusedPerson {
  id: string;
  name: string | null;
  coverFaceId: string | null;
  /** Hidden by the user: left out of person search, still searchable by id. */
  hidden: boolean;
  /** L2-normalized. */
  feature: Float32Array;
  /** Library folders holding at least one of the person's faces. */
  folders: Set<string>;
}

export interface PersonCatalog {
  persons: FusedPerson[];
  /** Persons whose centroid was missing and computed from their faces. */
  computed: number;
}

export function normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  n = Math.sqrt(n);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i]! /= n;
  return v;
}

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export class PersonFeatures {
  private cache: { key: string; catalog: PersonCatalog } | null = null;
  private loading: { key: string; promise: Promise<PersonCatalog> } | null = null;

  constructor(private readonly store: LibraryStore) {}

  private async key(): Promise<string> {
    return `${await this.store.faces.version()}/${await this.store.persons.version()}`;
  }

  async catalog(): Promise<PersonCatalog> {
    const key = await this.key();
    if (this.cache?.key === key) return this.cache.catalog;
    if (this.loading?.key === key) return this.loading.promise;
    const promise = this.load();
    this.loading = { key, promise };
    try {
      const catalog = await promise;
      this.cache = { key, catalog };
      return catalog;
    } finally {
      if (this.loading?.promise === promise) this.loading = null;
    }
  }

  /** Fused feature of one person (media/clip search by person), or null when they have no faces. */
  async featureOf(personId: string): Promise<Float32Array | null> {
    const p = (await this.catalog()).persons.find((x) => x.id === personId);
    if (p) return p.feature;
    return null;
  }

  private async load(): Promise<PersonCatalog> {
    const rows = await this.store.persons.find();
    const folders = new Map<string, Set<string>>();
    // Read as Arrow columns: one object per assigned face would cost seconds at a million faces.
    const table = await this.store.faces.assignedArrow(['person_id', 'folder_id']);
    for (const batch of table.batches) {
      const persons = batch.getChild('person_id')!;
      const folderCol = batch.getChild('folder_id')!;
      for (let i = 0; i < batch.numRows; i++) {
        const person = persons.get(i) as string;
        const folder = folderCol.get(i) as string;
        let set = folders.get(person);
        if (!set) folders.set(person, (set = new Set()));
        set.add(folder);
      }
    }
    const missing = rows.filter((p) => !p.centroid || p.centroid.length !== EMBEDDING_DIM).map((p) => p.id);
    const computed = new Map<string, Float32Array>();
    for (const f of await this.store.faces.ofPersons(missing, ['person_id', 'vector'], 200)) {
      const sum = computed.get(f.person_id!) ?? new Float32Array(EMBEDDING_DIM);
      const v = f.vector;
      for (let i = 0; i < EMBEDDING_DIM; i++) sum[i]! += v[i]!;
      computed.set(f.person_id!, sum);
    }
    const persons: FusedPerson[] = [];
    for (const p of rows) {
      const raw = p.centroid && p.centroid.length === EMBEDDING_DIM ? Float32Array.from(p.centroid) : computed.get(p.id);
      // A person without faces has nothing to compare with.
      if (!raw) continue;
      persons.push({ id: p.id, name: p.name, coverFaceId: p.cover_face_id, hidden: p.hidden, feature: normalize(raw), folders: folders.get(p.id) ?? new Set() });
    }
    return { persons, computed: computed.size };
  }
}
