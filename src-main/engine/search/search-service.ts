/**
 * The four searches over a library, each answering like the cloud API it mirrors (see
 * src-main/contract/search.ts): face search, person search by group, media search (coarse) and clip
 * search. Requests are validated here, so every door gets the same errors with the limits in them.
 */
import { EngineError } from '../errors';
import type { SearchSettings } from '../settings';
import type { LibraryStore } from '../store/library-store';
import type { FolderRow, MediaRow } from '../store/rows';
import { EMBEDDING_DIM } from '../store/schema';
import { parseRequest } from '../validate';
import {
  ClipSearchRequestSchema,
  FaceSearchRequestSchema,
  MediaSearchRequestSchema,
  PersonSearchRequestSchema,
  SEARCH_LIMITS,
} from '../../contract/search';
import type {
  ClipSearchRequest,
  ClipSearchResult,
  FaceMatch,
  FaceSearchRequest,
  FaceSearchResult,
  MediaClip,
  MediaInfo,
  MediaSearchRequest,
  MediaSearchResult,
  PersonSearchRequest,
  PersonSearchResult,
  QueryImage,
  SearchIndexStatus,
} from '../../contract/search';
import type { FaceIndex, IndexLog, VectorHit } from '../store/face-index';
import type { FaceFilter } from '../store/filters';
import { mediaPredicate } from './filters';
import { PersonFeatures, dot } from './person-features';
import { facesOfImage, storedFace } from './query-faces';
import type { FaceSource } from './query-faces';
import { canonicalVector, decodeToken, encodeToken } from './search-token';
import type { SearchToken } from './search-token';
import { mergeClips, parseRanges } from './clips';

export type { FaceSource } from './query-faces';

const FACE_COLUMNS = ['id', 'media_id', 'kind', 'captured_at', 'frame_time', 'x', 'y', 'w', 'h', 'person_id'] as const;
const MATCH_COLUMNS = ['id', 'media_id', 'kind', 'captured_at', 'frame_time', 'ranges', 'x', 'y', 'w', 'h'] as const;
/** First page of an "everything above the threshold" scan; grows 4x while the last hit still matches. */
const FIRST_SWEEP = 256;

interface Match {
  faceId: string;
  mediaId: string;
  kind: 'image' | 'video';
  capturedAt: number | null;
  frameTime: number | null;
  ranges: string | null;
  box: { x: number; y: number; width: number; height: number };
  score: number;
}

/** A media or clip search's query after token, image or person are resolved. */
interface MediaQuery {
  token: SearchToken;
  /** Cosine similarity floor (vector queries). */
  threshold: number;
}

export interface SearchServiceOptions {
  /** Where index upkeep reports (builds, failures). */
  log?: IndexLog;
}

export class SearchService {
  readonly index: FaceIndex;
  private readonly persons: PersonFeatures;
  private modelCheck: { key: string; modelId: string; mixed: boolean } | null = null;

  constructor(
    private readonly store: LibraryStore,
    private readonly settings: SearchSettings,
    private readonly embed: FaceSource,
    opts: SearchServiceOptions = {},
  ) {
    this.index = store.faceIndex(settings, opts.log ? { log: opts.log } : {});
    this.persons = new PersonFeatures(store);
  }

  // ---- face search (IMM CreateFacesSearchingTask) -----------------------------------------------

  async searchFaces(request: FaceSearchRequest): Promise<FaceSearchResult> {
    const req = parseRequest(FaceSearchRequestSchema, request);
    await this.requireFaces();
    const queries = req.faceId !== undefined
      ? [await storedFace(this.store, req.faceId)]
      : await facesOfImage(this.embed, req.image!, req);
    const threshold = req.threshold ?? this.settings.faceThreshold;
    const maxResults = req.maxResults ?? SEARCH_LIMITS.defaultMaxResults;
    const limit = maxResults === 0 ? SEARCH_LIMITS.maxResults : maxResults;
    const folderIds = req.folderIds ? (await this.resolveFolders(req.folderIds)).map((f) => f.id) : undefined;
    const out: FaceSearchResult['queries'] = [];
    for (const q of queries) {
      const filter: FaceFilter = { folderIds, from: req.startTime, to: req.endTime, modelId: await this.modelFilter(q.modelId) };
      const hits = await this.index.search(q.vector, { limit: limit + (q.excludeFaceId ? 1 : 0), filter, columns: FACE_COLUMNS });
      const kept = hits.filter((h) => h.score >= threshold && h.row.id !== q.excludeFaceId).slice(0, limit);
      out.push({ queryFace: q.queryFace, results: await this.faceMatches(kept) });
    }
    return { queries: out, threshold, modelId: queries[0]!.modelId };
  }

  // ---- person search by group (Tencent SearchPersonsReturnsByGroup) -----------------------------

  async searchPersons(request: PersonSearchRequest): Promise<PersonSearchResult> {
    const req = parseRequest(PersonSearchRequestSchema, request);
    await this.requireFaces();
    const groups = req.groupIds ? await this.resolveFolders(req.groupIds) : await this.store.folders.list();
    const queries = await facesOfImage(this.embed, req.image, {
      maxFaces: req.maxFaces ?? 1,
      minFaceSize: req.minFaceSize,
      qualityControl: req.qualityControl,
    });
    const threshold = req.faceMatchThreshold ?? this.settings.personThreshold;
    const perGroup = req.maxPersonsPerGroup ?? SEARCH_LIMITS.defaultMaxPersonsPerGroup;
    const catalog = (await this.persons.catalog()).persons.filter((p) => !p.hidden);
    const members = groups.map((g) => catalog.filter((p) => p.folders.has(g.id)));
    const compared = new Set(members.flat());
    return {
      resultsReturnsByGroup: queries.map((q) => {
        // One dot product per person, then each group keeps its members above the threshold.
        const score = new Map<(typeof catalog)[number], number>();
        for (const p of compared) score.set(p, dot(q.vector, p.feature));
        return {
          queryFace: q.queryFace,
          faceRect: q.queryFace.box,
          groupCandidates: groups.map((g, i) => ({
            groupId: g.id,
            groupPath: g.path,
            candidates: members[i]!
              .filter((p) => score.get(p)! >= threshold)
              .sort((a, b) => score.get(b)! - score.get(a)! || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
              .slice(0, perGroup)
              .map((p) => ({ personId: p.id, personName: p.name, faceId: p.coverFaceId, score: score.get(p)! })),
            searchPersonNums: members[i]!.length,
          })),
        };
      }),
      personNum: compared.size,
      modelId: queries[0]!.modelId,
    };
  }

  // ---- media search (ICE SearchMediaByFace) ----------------------------------------------------

  async searchMedia(request: MediaSearchRequest): Promise<MediaSearchResult> {
    const req = parseRequest(MediaSearchRequestSchema, request);
    await this.requireFaces();
    const query = await this.mediaQuery(req);
    const filter: FaceFilter = { kind: req.mediaType, from: req.utcCreate?.gte, to: req.utcCreate?.lte };
    const matches = await this.matches(query, filter);
    // Best match per media; the face that gave it stands for the media.
    const best = new Map<string, { m: Match; count: number }>();
    for (const m of matches) {
      const b = best.get(m.mediaId);
      if (!b) best.set(m.mediaId, { m, count: 1 });
      else {
        b.count++;
        if (m.score > b.m.score || (m.score === b.m.score && m.faceId < b.m.faceId)) b.m = m;
      }
    }
    let ids = [...best.keys()];
    const rows = new Map<string, MediaRow>();
    const predicate = mediaPredicate(req.customFilters);
    if (predicate.active) {
      for (const r of await this.store.media.byIdsMatching(ids, predicate.filter)) if (predicate.test(r)) rows.set(r.id, r);
      ids = ids.filter((id) => rows.has(id));
    }
    ids.sort((a, b) => {
      const x = best.get(a)!.m, y = best.get(b)!.m;
      return y.score - x.score || (y.capturedAt ?? -Infinity) - (x.capturedAt ?? -Infinity) || (a < b ? -1 : a > b ? 1 : 0);
    });
    const pageNo = req.pageNo ?? 1;
    const pageSize = req.pageSize ?? SEARCH_LIMITS.defaultPageSize;
    const page = ids.slice((pageNo - 1) * pageSize, pageNo * pageSize);
    const missing = page.filter((id) => !rows.has(id));
    for (const r of await this.store.media.byIds(missing)) rows.set(r.id, r);
    const mediaInfoList: MediaInfo[] = [];
    for (const id of page) {
      const r = rows.get(id);
      const { m, count } = best.get(id)!;
      // A face whose media row is gone (a crash between the two writes) has nothing to show.
      if (!r) continue;
      mediaInfoList.push({ mediaId: id, path: r.path, kind: r.kind, capturedAt: r.captured_at, score: m.score, faceId: m.faceId, box: m.box, frameTime: m.frameTime, matchedFaces: count });
    }
    return { faceSearchToken: this.token(query), total: ids.length, pageNo, pageSize, mediaInfoList };
  }

  // ---- clip search (ICE SearchMediaClipByFace) ---------------------------------------------------

  async searchClips(request: ClipSearchRequest): Promise<ClipSearchResult> {
    const req = parseRequest(ClipSearchRequestSchema, request);
    await this.requireFaces();
    const query = await this.mediaQuery(req);
    const matches = await this.matches(query, { kind: 'video', from: req.utcCreate?.gte, to: req.utcCreate?.lte, mediaIds: req.mediaIds });
    const byVideo = new Map<string, Match[]>();
    for (const m of matches) {
      const list = byVideo.get(m.mediaId);
      if (list) list.push(m);
      else byVideo.set(m.mediaId, [m]);
    }
    const clips = [...byVideo].map(([mediaId, ms]) => {
      const occurrences = mergeClips(
        ms.map((m) => ({ ranges: parseRanges(m.ranges, m.frameTime), frameTime: m.frameTime, score: m.score })),
        this.settings.clipMergeGapSec,
      );
      const top = [...occurrences].sort((a, b) => b.score - a.score)[0];
      return { mediaId, capturedAt: ms[0]!.capturedAt, occurrences, score: top?.score ?? 0, bestFrameTime: top?.bestFrameTime ?? 0 };
    }).filter((c) => c.occurrences.length > 0);
    clips.sort((a, b) => b.score - a.score || (b.capturedAt ?? -Infinity) - (a.capturedAt ?? -Infinity) || (a.mediaId < b.mediaId ? -1 : 1));
    const pageNo = req.pageNo ?? 1;
    const pageSize = req.pageSize ?? SEARCH_LIMITS.defaultPageSize;
    const page = clips.slice((pageNo - 1) * pageSize, pageNo * pageSize);
    const rows = new Map((await this.store.media.byIds(page.map((c) => c.mediaId))).map((r) => [r.id, r]));
    const mediaClipList: MediaClip[] = [];
    for (const c of page) {
      const r = rows.get(c.mediaId);
      if (!r) continue;
      mediaClipList.push({ mediaId: c.mediaId, path: r.path, duration: r.duration, capturedAt: r.captured_at, score: c.score, bestFrameTime: c.bestFrameTime, occurrencesInfos: c.occurrences });
    }
    return { faceSearchToken: this.token(query), total: clips.length, pageNo, pageSize, mediaClipList };
  }

  // ---- index upkeep ------------------------------------------------------------------------------

  /** Row counts and index state, for status screens and the benchmark. */
  indexStatus(): Promise<SearchIndexStatus> {
    return this.index.status();
  }

  /**
   * Index upkeep after indexing runs: builds, retrains or extends the vector index when the policy
   * asks for it. Searches also start it (without waiting); `wait` makes the caller wait for it.
   */
  async maintainIndex(opts: { wait?: boolean; force?: boolean } = {}): Promise<void> {
    if (opts.wait || opts.force) await this.index.ensure({ force: opts.force ?? false });
    else this.index.maintain();
  }

  /** Waits for background index work (call before closing the store). */
  close(): Promise<void> {
    return this.index.idle();
  }

  // ---- helpers -----------------------------------------------------------------------------------

  private async requireFaces(): Promise<void> {
    this.index.maintain();
    if ((await this.store.faces.count()) === 0) {
      throw new EngineError('LIBRARY_EMPTY', 'The library has no faces to search yet: add a folder and let indexing finish');
    }
  }

  /** Folder ids or root paths → folders; an unknown one is an error naming it. */
  private async resolveFolders(refs: readonly string[]): Promise<FolderRow[]> {
    const folders = await this.store.folders.list();
    const trim = (p: string) => (p.length > 1 ? p.replace(/[\\/]+$/, '') : p);
    const out: FolderRow[] = [];
    for (const ref of refs) {
      const f = folders.find((x) => x.id === ref) ?? folders.find((x) => trim(x.path) === trim(ref));
      if (!f) throw new EngineError('NOT_FOUND', `${ref} is not a folder of the library`, { folder: ref });
      if (!out.includes(f)) out.push(f);
    }
    return out;
  }

  /**
   * Embeddings of different models are never compared. The check is one count per table version:
   * libraries normally hold one model, and then no filter is added to the vector search.
   */
  private async modelFilter(modelId: string): Promise<string | undefined> {
    const key = String(await this.store.faces.version());
    if (this.modelCheck?.key !== key || this.modelCheck.modelId !== modelId) {
      const other = await this.store.faces.countOtherModels(modelId);
      this.modelCheck = { key, modelId, mixed: other > 0 };
    }
    return this.modelCheck.mixed ? modelId : undefined;
  }

  private async faceMatches(hits: VectorHit[]): Promise<FaceMatch[]> {
    const mediaIds = [...new Set(hits.map((h) => String(h.row.media_id)))];
    const personIds = [...new Set(hits.map((h) => h.row.person_id).filter((p): p is string => typeof p === 'string'))];
    const [mediaRows, personRows] = await Promise.all([this.store.media.byIds(mediaIds), this.store.persons.byIds(personIds)]);
    const media = new Map(mediaRows.map((m) => [m.id, m]));
    const persons = new Map(personRows.map((p) => [p.id, p]));
    const out: FaceMatch[] = [];
    for (const { row, score } of hits) {
      const m = media.get(String(row.media_id));
      if (!m) continue;
      const personId = typeof row.person_id === 'string' ? row.person_id : null;
      out.push({
        faceId: String(row.id),
        mediaId: m.id,
        path: m.path,
        kind: m.kind,
        box: { x: Number(row.x), y: Number(row.y), width: Number(row.w), height: Number(row.h) },
        frameTime: row.frame_time === null || row.frame_time === undefined ? null : Number(row.frame_time),
        capturedAt: row.captured_at === null || row.captured_at === undefined ? null : Number(row.captured_at),
        personId,
        personName: personId ? (persons.get(personId)?.name ?? null) : null,
        score,
      });
    }
    return out;
  }

  private async mediaQuery(req: { personImage?: QueryImage | undefined; personId?: string | undefined; faceSearchToken?: string | undefined; faceIndex?: number | undefined; threshold?: number | undefined }): Promise<MediaQuery> {
    if (req.faceSearchToken !== undefined) {
      const token = decodeToken(req.faceSearchToken, this.store.meta.libraryId, EMBEDDING_DIM);
      if (token.query.kind === 'person') await this.requirePerson(token.query.personId);
      return { token, threshold: req.threshold ?? token.threshold };
    }
    const threshold = req.threshold ?? this.settings.mediaThreshold;
    if (req.personId !== undefined) {
      await this.requirePerson(req.personId);
      return { token: { query: { kind: 'person', personId: req.personId }, threshold, modelId: '' }, threshold };
    }
    const [q] = await facesOfImage(this.embed, req.personImage!, { faceIndex: req.faceIndex, maxFaces: 1 });
    return { token: { query: { kind: 'vector', vector: canonicalVector(q!.vector) }, threshold, modelId: q!.modelId }, threshold };
  }

  private async requirePerson(personId: string): Promise<void> {
    if ((await this.store.persons.byIds([personId])).length === 0) {
      throw new EngineError('NOT_FOUND', `No person with id ${personId} is in the library`, { personId });
    }
  }

  private token(q: MediaQuery): string {
    return encodeToken({ ...q.token, threshold: q.threshold }, this.store.meta.libraryId);
  }

  /**
   * Every face matching the query under the filter, up to mediaMaxFaces. A vector query sweeps the
   * index in growing pages until a page ends below the threshold; a person query reads the person's
   * assigned faces (a scalar filter: ~4 ms at 100k faces, where a filtered vector scan took 225 ms)
   * and scores them against the person's fused feature.
   */
  private async matches(q: MediaQuery, filter: FaceFilter): Promise<Match[]> {
    const max = this.settings.mediaMaxFaces;
    let hits: VectorHit[];
    if (q.token.query.kind === 'person') {
      const personId = q.token.query.personId;
      const feature = await this.persons.featureOf(personId);
      if (!feature) return [];
      const rows = await this.store.faces.matching({ ...filter, personId }, [...MATCH_COLUMNS, 'vector'], max);
      hits = rows.map((row) => ({ row: row as unknown as Record<string, unknown>, score: dot(feature, row.vector as Float32Array) }));
      hits.sort((a, b) => b.score - a.score || (String(a.row.id) < String(b.row.id) ? -1 : 1));
    } else {
      const vector = q.token.query.vector;
      const vectorFilter: FaceFilter = { ...filter, modelId: q.token.modelId ? await this.modelFilter(q.token.modelId) : undefined };
      let limit = Math.min(FIRST_SWEEP, max);
      for (;;) {
        hits = await this.index.search(vector, { limit, filter: vectorFilter, columns: MATCH_COLUMNS, candidates: Math.max(this.settings.annCandidates, 2 * limit) });
        const last = hits[hits.length - 1];
        if (hits.length < limit || !last || last.score < q.threshold || limit >= max) break;
        limit = Math.min(max, limit * 4);
      }
      hits = hits.filter((h) => h.score >= q.threshold);
    }
    return hits.map(({ row, score }) => ({
      faceId: String(row.id),
      mediaId: String(row.media_id),
      kind: row.kind === 'video' ? 'video' : 'image',
      capturedAt: row.captured_at === null || row.captured_at === undefined ? null : Number(row.captured_at),
      frameTime: row.frame_time === null || row.frame_time === undefined ? null : Number(row.frame_time),
      ranges: typeof row.ranges === 'string' ? row.ranges : null,
      box: { x: Number(row.x), y: Number(row.y), width: Number(row.w), height: Number(row.h) },
      score,
    }));
  }
}
