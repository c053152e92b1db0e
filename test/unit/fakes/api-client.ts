/**
 * An in-memory ApiClient for unit tests of the renderer stores: a small library of persons and faces that
 * answers the people channels the way the engine does (paging, named-first listing, merge moving every
 * face to the target and deleting the sources, NOT_FOUND for unknown ids), so a store test sees what a
 * user would. Channels it does not model reject with NOT_IMPLEMENTED, so a test never passes on an answer
 * the fake made up. `failNext` makes one call fail the way the engine reports errors (an ApiError).
 */
import { ApiError } from '../../../src-renderer/api/client';
import type { ApiClient, PayloadArgs } from '../../../src-renderer/api/client';
import type { EventName, EventPayload, InvokeChannel, InvokeRequest, InvokeResponse } from '../../../src-main/contract/ipc';
import type { CorrectionResult, FaceRef, Person, PersonMedia } from '../../../src-main/contract/people';

export interface FakePerson {
  id: string;
  name: string | null;
  hidden?: boolean;
}

export interface FakeFace {
  id: string;
  mediaId: string;
  personId: string | null;
  quality?: number;
}

type Handler = (payload: never) => unknown;

export class FakeApiClient implements ApiClient {
  readonly transport = 'ipc' as const;
  readonly calls: { channel: string; payload: unknown }[] = [];
  private persons = new Map<string, FakePerson & { createdAt: number; updatedAt: number }>();
  private faces = new Map<string, FakeFace>();
  private failures = new Map<string, ApiError>();
  private gates = new Map<string, Promise<void>>();
  private listeners = new Map<string, Set<(payload: unknown) => void>>();
  private clock = 1_700_000_000_000;

  constructor(data: { persons?: FakePerson[]; faces?: FakeFace[] } = {}) {
    for (const p of data.persons ?? []) this.persons.set(p.id, { hidden: false, ...p, createdAt: this.clock, updatedAt: this.clock });
    for (const f of data.faces ?? []) this.faces.set(f.id, f);
  }

  /** The next call on `channel` rejects with this error, as the engine's would arrive. */
  failNext(channel: InvokeChannel, code: string, message: string): void {
    this.failures.set(channel, new ApiError({ code, message }));
  }

  /** Calls on `channel` wait until the returned function is called: lets a test look at a store mid-action. */
  hold(channel: InvokeChannel): () => void {
    let release!: () => void;
    this.gates.set(channel, new Promise<void>((r) => (release = r)));
    return () => {
      this.gates.delete(channel);
      release();
    };
  }

  /** Pushes an event to subscribers, as main does. */
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const l of this.listeners.get(event) ?? []) l(payload);
  }

  async invoke<C extends InvokeChannel>(channel: C, ...[payload]: PayloadArgs<C>): Promise<InvokeResponse<C>> {
    this.calls.push({ channel, payload });
    await this.gates.get(channel);
    // A real transport always answers asynchronously.
    await Promise.resolve();
    const failure = this.failures.get(channel);
    if (failure) {
      this.failures.delete(channel);
      throw failure;
    }
    const handler = (this.handlers as Record<string, Handler | undefined>)[channel];
    if (!handler) throw new ApiError({ code: 'NOT_IMPLEMENTED', message: `the fake client does not model ${channel}` });
    // Structured clone: the store must not share objects with the "engine", as over IPC or HTTP.
    return structuredClone(handler(payload as never)) as InvokeResponse<C>;
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener as (payload: unknown) => void);
    this.listeners.set(event, set);
    return () => set.delete(listener as (payload: unknown) => void);
  }

  mediaUrl(kind: string, id: string): string {
    return `fake://${kind}/${encodeURIComponent(id)}`;
  }

  setMediaToken(): void {}

  // ---- the modelled engine -------------------------------------------------------------------

  private person(id: string): FakePerson & { createdAt: number; updatedAt: number } {
    const p = this.persons.get(id);
    if (!p) throw new ApiError({ code: 'NOT_FOUND', message: `No person with id ${id}` });
    return p;
  }

  private faceRef(f: FakeFace): FaceRef {
    return {
      id: f.id,
      mediaId: f.mediaId,
      path: `/photos/${f.mediaId}.jpg`,
      kind: 'image',
      box: { x: 10, y: 10, width: 50, height: 50 },
      score: 0.9,
      quality: f.quality ?? 0.8,
      capturedAt: null,
      frameTime: null,
      personId: f.personId,
      assignment: f.personId ? 'auto' : 'none',
    };
  }

  private dto(id: string): Person {
    const p = this.person(id);
    const faces = [...this.faces.values()].filter((f) => f.personId === id);
    return {
      id: p.id,
      name: p.name,
      coverFaceId: faces[0]?.id ?? null,
      hidden: !!p.hidden,
      confirmed: false,
      faceCount: faces.length,
      mediaCount: new Set(faces.map((f) => f.mediaId)).size,
      createdAt: p.createdAt,
      updatedAt: p.updatedAt,
      lastCapturedAt: null,
      birthDate: null,
    };
  }

  private page<T>(items: T[], req: { maxResults?: number; nextToken?: string } | undefined): { items: T[]; nextToken?: string } {
    const start = Number(req?.nextToken ?? 0);
    const size = req?.maxResults ?? 100;
    const slice = items.slice(start, start + size);
    return start + size < items.length ? { items: slice, nextToken: String(start + size) } : { items: slice };
  }

  private touched(changedFaces: number, ids: string[], deleted: string[] = []): CorrectionResult {
    return { changedFaces, persons: ids.filter((id) => this.persons.has(id)).map((id) => this.dto(id)), deletedPersons: deleted };
  }

  private readonly handlers: { [C in InvokeChannel]?: (payload: InvokeRequest<C>) => InvokeResponse<C> } = {
    'people:list': (req) => {
      const hidden = req?.hidden ?? 'exclude';
      let list = [...this.persons.keys()].map((id) => this.dto(id));
      if (req?.named !== undefined) list = list.filter((p) => (p.name !== null) === req.named);
      if (hidden === 'exclude') list = list.filter((p) => !p.hidden);
      if (hidden === 'only') list = list.filter((p) => p.hidden);
      list.sort((a, b) => b.faceCount - a.faceCount || a.id.localeCompare(b.id));
      if (req?.order === 'asc') list.reverse();
      const { items, nextToken } = this.page(list, req);
      return { persons: items, totalCount: list.length, ...(nextToken ? { nextToken } : {}) };
    },
    'people:get': (req) => this.dto(req.personId),
    'people:faces': (req) => {
      this.person(req.personId);
      const all = [...this.faces.values()].filter((f) => f.personId === req.personId).map((f) => this.faceRef(f));
      const { items, nextToken } = this.page(all, req);
      return { faces: items, totalCount: all.length, ...(nextToken ? { nextToken } : {}) };
    },
    'people:media': (req) => {
      this.person(req.personId);
      const byMedia = new Map<string, FaceRef[]>();
      for (const f of this.faces.values()) if (f.personId === req.personId) byMedia.set(f.mediaId, [...(byMedia.get(f.mediaId) ?? []), this.faceRef(f)]);
      const all: PersonMedia[] = [...byMedia].map(([mediaId, faces]) => ({ mediaId, path: `/photos/${mediaId}.jpg`, kind: 'image', capturedAt: null, width: 800, height: 600, faces }));
      const { items, nextToken } = this.page(all, req);
      return { media: items, totalCount: all.length, ...(nextToken ? { nextToken } : {}) };
    },
    'people:unassigned': (req) => {
      const all = [...this.faces.values()].filter((f) => f.personId === null && (f.quality ?? 0.8) >= (req?.minQuality ?? 0)).map((f) => this.faceRef(f));
      const { items } = this.page(all, req);
      return { faces: items, totalCount: all.length };
    },
    'people:faceSuggestions': () => ({ suggestions: [] }),
    'people:rename': (req) => {
      const p = this.person(req.personId);
      p.name = req.name?.trim() || null;
      p.updatedAt = ++this.clock;
      return this.touched(0, [p.id]);
    },
    'people:merge': (req) => {
      const sources = [...new Set(req.sourceIds)].filter((s) => s !== req.targetId);
      if (sources.length === 0) throw new ApiError({ code: 'INVALID_ARGUMENT', message: 'sourceIds: name at least one person other than the target' });
      const target = this.person(req.targetId);
      const others = sources.map((s) => this.person(s));
      let changed = 0;
      for (const f of this.faces.values()) {
        if (f.personId === target.id || sources.includes(f.personId ?? '')) {
          f.personId = target.id;
          changed++;
        }
      }
      target.name = target.name ?? others.find((o) => o.name)?.name ?? null;
      target.updatedAt = ++this.clock;
      for (const s of sources) this.persons.delete(s);
      return this.touched(changed, [target.id], sources);
    },
    'people:setHidden': (req) => {
      for (const id of req.personIds) this.person(id).hidden = req.hidden;
      return this.touched(0, req.personIds);
    },
    'people:removeFaces': (req) => {
      const before = new Set<string>();
      for (const id of req.faceIds) {
        const f = this.faces.get(id);
        if (!f) throw new ApiError({ code: 'NOT_FOUND', message: `No face with id ${id}` });
        if (f.personId) before.add(f.personId);
        f.personId = null;
      }
      // An unnamed person left without faces is gone, as in the engine.
      const deleted = [...before].filter((p) => this.persons.get(p)?.name === null && this.dto(p).faceCount === 0);
      for (const p of deleted) this.persons.delete(p);
      return this.touched(req.faceIds.length, [...before], deleted);
    },
  };
}
