/**
 * Contract of the search operations. Each mirrors a cloud API the product grew from, keeping its
 * parameter names (camelCased) and limits so a caller moving between the cloud and the app reads the
 * same words:
 * - face search          ← IMM CreateFacesSearchingTask / faceset search_face
 * - person search        ← Tencent IAI SearchPersonsReturnsByGroup (groups are library folders)
 * - media search (coarse) ← ICE SearchMediaByFace
 * - clip search          ← ICE SearchMediaClipByFace
 *
 * Scores everywhere are cosine similarity of L2-normalized 512-d embeddings, -1..1 (unrelated faces sit
 * around 0, the same person mostly 0.43-0.98); thresholds use the same scale (docs/search.md has the
 * measured table). No logic here: the search service validates requests with these schemas.
 */
import { z } from 'zod';
import { BoxSchema } from './vision';

export const SEARCH_LIMITS = {
  /** IMM MaxResult: 0-100, default 5. */
  maxResults: 100,
  defaultMaxResults: 5,
  /** Query faces per image (face search) and Tencent MaxFaceNum: 1-10, default 1. */
  maxFaces: 10,
  /** Tencent GroupIds: up to 60. Also the folder filter of face search. */
  groupIds: 60,
  /** Tencent MaxPersonNumPerGroup: 1-10, default 5. */
  maxPersonsPerGroup: 10,
  defaultMaxPersonsPerGroup: 5,
  /** ICE PageSize: at most 50, default 10. */
  pageSize: 50,
  defaultPageSize: 10,
  /** Values in one custom-filter list and media ids in one clip search. */
  listValues: 50,
  /** Face index within the query image (largest first). IMM detects at most 100 faces per image. */
  faceIndex: 99,
  minFaceSize: 10_000,
} as const;

const L = SEARCH_LIMITS;

// Messages carry the limit so every door can show them as they are ("maxResults must be between 0 and 100").
const between = (lo: number, hi: number) => `must be between ${lo} and ${hi}`;
const int = (lo: number, hi: number) =>
  z.number({ message: `must be a number between ${lo} and ${hi}` }).int(`must be a whole number between ${lo} and ${hi}`).min(lo, between(lo, hi)).max(hi, between(lo, hi));
const score = () => z.number({ message: 'must be a number between 0 and 1' }).min(0, between(0, 1)).max(1, between(0, 1));
/** Milliseconds since 1970 (UTC), the unit of capture times. */
const epochMs = () => z.number({ message: 'must be a time in milliseconds since 1970' }).finite('must be a finite time in milliseconds');
const id = () => z.string().min(1, 'must not be empty');
const qualityControl = () => int(0, 4);

/** A query image: a file path, or the image's bytes (a Buffer is a Uint8Array). */
export const QueryImageSchema = z.union([z.string().min(1, 'must not be empty'), z.instanceof(Uint8Array)], {
  message: 'must be a file path or the image bytes',
});
export type QueryImage = z.infer<typeof QueryImageSchema>;

/** Shorter box side in oriented pixels; query faces smaller than this are not used (cloud default 0). */
const minFaceSize = () => int(0, L.minFaceSize);

// ---- face search (IMM CreateFacesSearchingTask) ------------------------------------------------

/**
 * The fields of a face search, without the cross-field rules: the doors derive their requests from it
 * (contract/ipc.ts swaps the query image for a reference), so a new option reaches every door.
 */
export const FaceSearchFields = z
  .object({
    /** Query image (path or bytes). Exactly one of image / faceId. */
    image: QueryImageSchema.optional(),
    /** A face already in the library as the query; it is left out of its own results. */
    faceId: id().optional(),
    /** Which face of the image, 0 = largest (the IMM default). */
    faceIndex: int(0, L.faceIndex).optional(),
    /** Search with the N largest faces at once, results per query face (1-10, default 1). */
    maxFaces: int(1, L.maxFaces).optional(),
    /** Results per query face, 0-100 (default 5); 0 means "all above the threshold", capped at 100. */
    maxResults: int(0, L.maxResults).optional(),
    /** Score floor (cosine similarity 0-1). Default: SearchSettings.faceThreshold. */
    threshold: score().optional(),
    /** Capture-time range, inclusive, ms since 1970. */
    startTime: epochMs().optional(),
    endTime: epochMs().optional(),
    /** Only faces in these library folders (ids or root paths), up to 60. */
    folderIds: z.array(id()).min(1, 'must list at least one folder').max(L.groupIds, `must list at most ${L.groupIds} folders`).optional(),
    minFaceSize: minFaceSize().optional(),
    /** Quality control of the query faces, 0 none .. 4 very high (floors as in docs/vision.md). */
    qualityControl: qualityControl().optional(),
  })
  .strict();

/** Rules across the fields of a face search (the doors' derived requests apply them too). */
export function faceSearchRules(
  r: { image?: unknown; faceId?: unknown; faceIndex?: number | undefined; maxFaces?: number | undefined; startTime?: number | undefined; endTime?: number | undefined },
  ctx: z.RefinementCtx,
): void {
  if ((r.image === undefined) === (r.faceId === undefined)) ctx.addIssue({ code: 'custom', path: ['image'], message: 'give exactly one of image or faceId' });
  if (r.faceIndex !== undefined && (r.maxFaces ?? 1) > 1) ctx.addIssue({ code: 'custom', path: ['faceIndex'], message: 'cannot be combined with maxFaces above 1' });
  if (r.faceId !== undefined && (r.faceIndex !== undefined || (r.maxFaces ?? 1) > 1)) {
    ctx.addIssue({ code: 'custom', path: ['faceId'], message: 'a faceId query has one face: faceIndex and maxFaces do not apply' });
  }
  if (r.startTime !== undefined && r.endTime !== undefined && r.startTime > r.endTime) ctx.addIssue({ code: 'custom', path: ['startTime'], message: 'must not be after endTime' });
}

export const FaceSearchRequestSchema = FaceSearchFields.superRefine(faceSearchRules);
export type FaceSearchRequest = z.input<typeof FaceSearchRequestSchema>;

/** A face of the query image as it was used. */
export const QueryFaceSchema = z.object({
  /** Index among the image's faces, largest first (0 for a faceId query). */
  index: z.number(),
  /** Set for a faceId query. */
  faceId: z.string().optional(),
  box: BoxSchema,
  quality: z.number(),
});
export type QueryFace = z.infer<typeof QueryFaceSchema>;

export const FaceMatchSchema = z.object({
  faceId: z.string(),
  mediaId: z.string(),
  path: z.string(),
  kind: z.enum(['image', 'video']),
  /** Oriented-image pixels (video: the track's best frame). */
  box: BoxSchema,
  /** Seconds into the video of the face's best frame; null for photos. */
  frameTime: z.number().nullable(),
  capturedAt: z.number().nullable(),
  personId: z.string().nullable(),
  personName: z.string().nullable(),
  /** Cosine similarity to the query face. */
  score: z.number(),
});
export type FaceMatch = z.infer<typeof FaceMatchSchema>;

export const FaceSearchResultSchema = z.object({
  /** One entry per query face, in query order; each lists its matches by score, descending. */
  queries: z.array(z.object({ queryFace: QueryFaceSchema, results: z.array(FaceMatchSchema) })),
  threshold: z.number(),
  modelId: z.string(),
});
export type FaceSearchResult = z.infer<typeof FaceSearchResultSchema>;

// ---- person search, results by group (Tencent SearchPersonsReturnsByGroup) ---------------------

export const PersonSearchRequestSchema = z
  .object({
    image: QueryImageSchema,
    /** Library folders (ids or root paths) to search, up to 60; all folders when left out. */
    groupIds: z.array(id()).min(1, 'must list at least one group').max(L.groupIds, `must list at most ${L.groupIds} groups`).optional(),
    /** Faces of the query image to search with, largest first: 1-10, default 1. */
    maxFaces: int(1, L.maxFaces).optional(),
    /** Candidates per group: 1-10, default 5. */
    maxPersonsPerGroup: int(1, L.maxPersonsPerGroup).optional(),
    minFaceSize: minFaceSize().optional(),
    /** Candidate floor (cosine similarity to the person's fused feature, 0-1). Default: SearchSettings.personThreshold. */
    faceMatchThreshold: score().optional(),
    qualityControl: qualityControl().optional(),
  })
  .strict();
export type PersonSearchRequest = z.input<typeof PersonSearchRequestSchema>;

export const PersonCandidateSchema = z.object({
  personId: z.string(),
  personName: z.string().nullable(),
  /** The person's cover face, for a thumbnail. */
  faceId: z.string().nullable(),
  /** Cosine similarity of the query face to the person's fused feature (normalized mean of their faces). */
  score: z.number(),
});
export type PersonCandidate = z.infer<typeof PersonCandidateSchema>;

export const PersonSearchResultSchema = z.object({
  resultsReturnsByGroup: z.array(
    z.object({
      queryFace: QueryFaceSchema,
      /** The query face's rectangle (Tencent FaceRect). */
      faceRect: BoxSchema,
      groupCandidates: z.array(
        z.object({
          groupId: z.string(),
          /** The folder's root path. */
          groupPath: z.string(),
          candidates: z.array(PersonCandidateSchema),
          /** Persons of the group compared with the query face. */
          searchPersonNums: z.number(),
        }),
      ),
    }),
  ),
  /** Distinct persons compared over all groups. */
  personNum: z.number(),
  modelId: z.string(),
});
export type PersonSearchResult = z.infer<typeof PersonSearchResultSchema>;

// ---- media search (ICE SearchMediaByFace) and clip search (ICE SearchMediaClipByFace) -----------

/** ICE range form: { gte, lte }, both inclusive, either optional. */
const RangeSchema = (what: () => z.ZodNumber) =>
  z
    .object({ gte: what().optional(), lte: what().optional() })
    .strict()
    .refine((r) => r.gte === undefined || r.lte === undefined || r.gte <= r.lte, { message: 'gte must not be above lte' });

const intValue = () => z.number({ message: 'must be a whole number' }).int('must be a whole number');
const listOf = <T extends z.ZodType>(t: T) => z.array(t).min(1, 'must list at least one value').max(L.listValues, `must list at most ${L.listValues} values`);

/**
 * ICE CustomFilters: one field may use one match form; different fields are ANDed. Mapping to the
 * library (docs/search.md): intField1 = rating (exact, any of a list, or { gte, lte }), strField1 =
 * camera (exact, or any of a list), strField2 = tags (media having any of the given tags). ICE sends the
 * object as a JSON string; both are accepted.
 */
export const CustomFiltersSchema = z
  .object({
    intField1: z.union([intValue(), listOf(intValue()), RangeSchema(intValue)]).optional(),
    strField1: z.union([z.string(), listOf(z.string())]).optional(),
    strField2: z.union([z.string(), listOf(z.string())]).optional(),
  })
  .strict();
export type CustomFilters = z.infer<typeof CustomFiltersSchema>;

const CustomFiltersInput = z
  .union([z.string(), z.record(z.string(), z.unknown())], { message: 'must be an object or its JSON string' })
  .transform((v, ctx): CustomFilters => {
    let value: unknown = v;
    if (typeof v === 'string') {
      try {
        value = JSON.parse(v);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not valid JSON' });
        return z.NEVER;
      }
    }
    const r = CustomFiltersSchema.safeParse(value);
    if (!r.success) {
      const i = r.error.issues[0]!;
      ctx.addIssue({ code: 'custom', message: `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}` });
      return z.NEVER;
    }
    return r.data;
  });

/** Fields shared by media and clip search (ICE SearchMediaByFace / SearchMediaClipByFace). */
export const mediaQueryFields = {
  /** ICE PersonImageUrl: the query image (path or bytes). */
  personImage: QueryImageSchema.optional(),
  /** ICE EntityId: a person of the library; their assigned faces are the matches. */
  personId: id().optional(),
  /** Token of an earlier media or clip search: the same query (face or person, threshold) without analyzing the image again. */
  faceSearchToken: id().optional(),
  /** Which face of personImage, 0 = largest. */
  faceIndex: int(0, L.faceIndex).optional(),
  /** Match floor for image/token queries (cosine similarity 0-1). Default: SearchSettings.mediaThreshold. */
  threshold: score().optional(),
  /** ICE UtcCreate, here the capture time: { gte, lte } in ms since 1970. */
  utcCreate: RangeSchema(epochMs).optional(),
  pageNo: int(1, 1_000_000).optional(),
  pageSize: int(1, L.pageSize).optional(),
};

/** Exactly one query of media and clip search (the doors' derived requests apply it too). */
export function oneQuery(r: { personImage?: unknown; personId?: unknown; faceSearchToken?: unknown }, ctx: z.RefinementCtx): void {
  const given = [r.personImage, r.personId, r.faceSearchToken].filter((v) => v !== undefined).length;
  if (given !== 1) ctx.addIssue({ code: 'custom', path: ['personImage'], message: 'give exactly one of personImage, personId or faceSearchToken' });
}

export const MediaSearchFields = z
  .object({
    ...mediaQueryFields,
    /** ICE MediaType: image | video; both when left out. */
    mediaType: z.enum(['image', 'video'], { message: 'must be image or video' }).optional(),
    customFilters: CustomFiltersInput.optional(),
  })
  .strict();
export const MediaSearchRequestSchema = MediaSearchFields.superRefine(oneQuery);
export type MediaSearchRequest = z.input<typeof MediaSearchRequestSchema>;

export const MediaInfoSchema = z.object({
  mediaId: z.string(),
  path: z.string(),
  kind: z.enum(['image', 'video']),
  capturedAt: z.number().nullable(),
  /** Best match in the media: cosine similarity to the query face (person queries: to the person's fused feature). */
  score: z.number(),
  /** The matching face with the best score, its box and (videos) the time of its best frame. */
  faceId: z.string(),
  box: BoxSchema,
  frameTime: z.number().nullable(),
  /** Matching faces (photos) or tracks (videos) in this media. */
  matchedFaces: z.number(),
});
export type MediaInfo = z.infer<typeof MediaInfoSchema>;

export const MediaSearchResultSchema = z.object({
  /** Pass to the next page or to clip search; see docs/search.md for its format. */
  faceSearchToken: z.string(),
  /** Media matching the query and filters, over all pages. */
  total: z.number(),
  pageNo: z.number(),
  pageSize: z.number(),
  /** Best score first; ties by capture time (newest first), then media id. */
  mediaInfoList: z.array(MediaInfoSchema),
});
export type MediaSearchResult = z.infer<typeof MediaSearchResultSchema>;

export const ClipSearchFields = z
  .object({
    ...mediaQueryFields,
    /** ICE MediaId: only these videos (up to 50). */
    mediaIds: listOf(id()).optional(),
  })
  .strict();
export const ClipSearchRequestSchema = ClipSearchFields.superRefine(oneQuery);
export type ClipSearchRequest = z.input<typeof ClipSearchRequestSchema>;

export const OccurrenceSchema = z.object({
  /** Seconds into the video, start <= end. */
  startTime: z.number(),
  endTime: z.number(),
  /** Best score of the tracks forming this range. */
  score: z.number(),
  /** Time of that track's best face, inside the range. */
  bestFrameTime: z.number(),
});
export type Occurrence = z.infer<typeof OccurrenceSchema>;

export const MediaClipSchema = z.object({
  mediaId: z.string(),
  path: z.string(),
  duration: z.number().nullable(),
  capturedAt: z.number().nullable(),
  /** Best score over the video's ranges. */
  score: z.number(),
  bestFrameTime: z.number(),
  /** Merged across tracks, in time order, disjoint. */
  occurrencesInfos: z.array(OccurrenceSchema),
});
export type MediaClip = z.infer<typeof MediaClipSchema>;

export const ClipSearchResultSchema = z.object({
  faceSearchToken: z.string(),
  /** Videos with at least one range, over all pages. */
  total: z.number(),
  pageNo: z.number(),
  pageSize: z.number(),
  mediaClipList: z.array(MediaClipSchema),
});
export type ClipSearchResult = z.infer<typeof ClipSearchResultSchema>;

// ---- index status --------------------------------------------------------------------------------

export const SearchIndexStatusSchema = z.object({
  rows: z.number(),
  /** null while the library is too small for an index (searched exactly). */
  indexType: z.string().nullable(),
  indexedRows: z.number(),
  unindexedRows: z.number(),
  partitions: z.number(),
  /** Rows when the index was last trained. */
  rowsAtBuild: z.number(),
  building: z.boolean(),
});
export type SearchIndexStatus = z.infer<typeof SearchIndexStatusSchema>;
