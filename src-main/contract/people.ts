/**
 * Contract of the people operations (persons = IMM figure clusters): queries, corrections, suggestions,
 * clustering runs, export and XMP interop. Parameter names follow IMM QueryFigureClusters /
 * GetFigureCluster / BatchGetFigureCluster where they map (MaxResults, NextToken, Sort, Order).
 * No logic; the engine validates requests with these schemas.
 */
import { z } from 'zod';

const id = z.string().min(1).max(200);
const ids = (max: number, what: string) => z.array(id).min(1).max(max, `at most ${max} ${what} per request`);

/** Paging: an opaque NextToken from the previous page, or a 1-based page number. MaxResults 1-100. */
export const PagingSchema = z.object({
  maxResults: z.number().int().min(1).max(100).optional(),
  nextToken: z.string().max(200).optional(),
  page: z.number().int().min(1).optional(),
});
export type Paging = z.infer<typeof PagingSchema>;

export const BoxSchema = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() });

export const FaceRefSchema = z.object({
  id: z.string(),
  mediaId: z.string(),
  /** The photo or video the face is in (absent when the media row is gone). */
  path: z.string().optional(),
  kind: z.enum(['image', 'video']),
  /** Oriented-image pixels. */
  box: BoxSchema,
  score: z.number(),
  quality: z.number(),
  capturedAt: z.number().nullable(),
  /** Video: the frame the box is from, seconds. */
  frameTime: z.number().nullable(),
  /** Video: time ranges (seconds) the face is on screen. */
  ranges: z.array(z.tuple([z.number(), z.number()])).optional(),
  personId: z.string().nullable(),
  assignment: z.enum(['none', 'auto', 'user']),
});
export type FaceRef = z.infer<typeof FaceRefSchema>;

export const PersonSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  coverFaceId: z.string().nullable(),
  coverFace: FaceRefSchema.optional(),
  hidden: z.boolean(),
  confirmed: z.boolean(),
  faceCount: z.number(),
  mediaCount: z.number(),
  createdAt: z.number(),
  updatedAt: z.number(),
  /** Capture time of the person's most recent photo or video (ms). */
  lastCapturedAt: z.number().nullable(),
  birthDate: z.number().nullable(),
});
export type Person = z.infer<typeof PersonSchema>;

export const PersonSortSchema = z.enum(['faceCount', 'name', 'updatedAt', 'lastCaptured', 'createdAt']);
export type PersonSort = z.infer<typeof PersonSortSchema>;

export const ListPersonsRequestSchema = PagingSchema.extend({
  /** true: named persons only; false: unnamed only; absent: both. */
  named: z.boolean().optional(),
  /** Hidden persons: left out (default), included, or only them. */
  hidden: z.enum(['exclude', 'include', 'only']).optional(),
  /** Persons with at least this many faces. */
  minFaces: z.number().int().min(0).optional(),
  sort: PersonSortSchema.optional(),
  /** Default: ascending for name, descending otherwise. */
  order: z.enum(['asc', 'desc']).optional(),
});
export type ListPersonsRequest = z.infer<typeof ListPersonsRequestSchema>;

export const ListPersonsResultSchema = z.object({
  persons: z.array(PersonSchema),
  nextToken: z.string().optional(),
  totalCount: z.number(),
});
export type ListPersonsResult = z.infer<typeof ListPersonsResultSchema>;

export const GetPersonRequestSchema = z.object({ personId: id });
export type GetPersonRequest = z.infer<typeof GetPersonRequestSchema>;

export const BatchGetPersonsRequestSchema = z.object({ personIds: ids(100, 'person ids') });
export type BatchGetPersonsRequest = z.infer<typeof BatchGetPersonsRequestSchema>;
export const BatchGetPersonsResultSchema = z.object({ persons: z.array(PersonSchema), notFound: z.array(z.string()) });
export type BatchGetPersonsResult = z.infer<typeof BatchGetPersonsResultSchema>;

export const PersonMediaRequestSchema = PagingSchema.extend({
  personId: id,
  /** Capture time range, ms since the epoch, inclusive. */
  from: z.number().optional(),
  to: z.number().optional(),
  /** By capture time; default newest first. */
  order: z.enum(['asc', 'desc']).optional(),
  mediaType: z.enum(['image', 'video']).optional(),
});
export type PersonMediaRequest = z.infer<typeof PersonMediaRequestSchema>;

export const PersonMediaSchema = z.object({
  mediaId: z.string(),
  path: z.string(),
  kind: z.enum(['image', 'video']),
  capturedAt: z.number().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  /** The person's faces in this photo or video. */
  faces: z.array(FaceRefSchema),
});
export type PersonMedia = z.infer<typeof PersonMediaSchema>;
export const PersonMediaResultSchema = z.object({ media: z.array(PersonMediaSchema), nextToken: z.string().optional(), totalCount: z.number() });
export type PersonMediaResult = z.infer<typeof PersonMediaResultSchema>;

export const PersonFacesRequestSchema = PagingSchema.extend({ personId: id });
export type PersonFacesRequest = z.infer<typeof PersonFacesRequestSchema>;
export const UnassignedFacesRequestSchema = PagingSchema.extend({
  /** Leave out faces below this quality (0..1). */
  minQuality: z.number().min(0).max(1).optional(),
});
export type UnassignedFacesRequest = z.infer<typeof UnassignedFacesRequestSchema>;
export const FacesResultSchema = z.object({ faces: z.array(FaceRefSchema), nextToken: z.string().optional(), totalCount: z.number() });
export type FacesResult = z.infer<typeof FacesResultSchema>;

// ---- corrections ------------------------------------------------------------------------------

export const RenamePersonRequestSchema = z.object({ personId: id, name: z.string().max(200).nullable() });
export type RenamePersonRequest = z.infer<typeof RenamePersonRequestSchema>;
export const MergePersonsRequestSchema = z.object({ targetId: id, sourceIds: ids(100, 'persons to merge') });
export type MergePersonsRequest = z.infer<typeof MergePersonsRequestSchema>;
export const SplitFacesRequestSchema = z.object({ faceIds: ids(10_000, 'faces'), name: z.string().max(200).optional() });
export type SplitFacesRequest = z.infer<typeof SplitFacesRequestSchema>;
export const MoveFacesRequestSchema = z.object({ faceIds: ids(10_000, 'faces'), personId: id });
export type MoveFacesRequest = z.infer<typeof MoveFacesRequestSchema>;
/** "Not this person": personId defaults to the face's current person. */
export const RejectFaceRequestSchema = z.object({ faceId: id, personId: id.optional() });
export type RejectFaceRequest = z.infer<typeof RejectFaceRequestSchema>;
export const RemoveFacesRequestSchema = z.object({ faceIds: ids(10_000, 'faces') });
export type RemoveFacesRequest = z.infer<typeof RemoveFacesRequestSchema>;
export const SetHiddenRequestSchema = z.object({ personIds: ids(10_000, 'persons'), hidden: z.boolean() });
export type SetHiddenRequest = z.infer<typeof SetHiddenRequestSchema>;
/** Hides every visible, unnamed person with fewer than minFaces faces (strangers in the background). */
export const HideSmallPersonsRequestSchema = z.object({ minFaces: z.number().int().min(1).max(1_000_000) });
export type HideSmallPersonsRequest = z.infer<typeof HideSmallPersonsRequestSchema>;
export const SetCoverRequestSchema = z.object({ personId: id, faceId: id });
export type SetCoverRequest = z.infer<typeof SetCoverRequestSchema>;
export const SetConfirmedRequestSchema = z.object({ personId: id, confirmed: z.boolean() });
export type SetConfirmedRequest = z.infer<typeof SetConfirmedRequestSchema>;
export const SetBirthDateRequestSchema = z.object({ personId: id, birthDate: z.number().nullable() });
export type SetBirthDateRequest = z.infer<typeof SetBirthDateRequestSchema>;
export const DeletePersonRequestSchema = z.object({ personId: id });
export type DeletePersonRequest = z.infer<typeof DeletePersonRequestSchema>;

export const CorrectionResultSchema = z.object({
  /** Faces whose person or state changed. */
  changedFaces: z.number(),
  /** The persons the correction touched that still exist, as they are now. */
  persons: z.array(PersonSchema),
  /** Persons the correction removed (merged away, emptied and unnamed, deleted). */
  deletedPersons: z.array(z.string()),
  /** The history entry this correction made (people:undo with this id undoes exactly it). */
  historyId: z.string().optional(),
});
export type CorrectionResult = z.infer<typeof CorrectionResultSchema>;

// ---- history (undo / redo) -----------------------------------------------------------------------

/** What a history entry did; 'answer' is a "yes" or "no" to "Is this <name>?". */
export const HistoryOpSchema = z.enum([
  'rename', 'merge', 'split', 'move', 'reject', 'remove', 'hide', 'unhide', 'hideSmall', 'setCover', 'confirm', 'unconfirm',
  'birthDate', 'delete', 'dismissMerge', 'answerYes', 'answerNo',
]);
export type HistoryOp = z.infer<typeof HistoryOpSchema>;
export const HistoryEntrySchema = z.object({
  id: z.string(),
  op: HistoryOpSchema,
  /** One line for people and the CLI, e.g. "Merged 2 persons into Amy". */
  label: z.string(),
  at: z.number(),
  /** Faces whose person, assignment or rejections the entry changed. */
  faces: z.number(),
  /** Persons the entry changed, created or removed. */
  persons: z.array(z.string()),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;
export const HistoryRequestSchema = z.object({ maxResults: z.number().int().min(1).max(1000).optional() });
export type HistoryRequest = z.infer<typeof HistoryRequestSchema>;
export const HistoryResultSchema = z.object({
  /** Newest first: undo takes undo[0]. */
  undo: z.array(HistoryEntrySchema),
  /** Newest undone first: redo takes redo[0]. */
  redo: z.array(HistoryEntrySchema),
  /** Entries kept at most (settings: people.historyMaxEntries). */
  maxEntries: z.number(),
});
export type HistoryResult = z.infer<typeof HistoryResultSchema>;
/** Undo or redo the latest entry; with entryId, only if it is that entry (HISTORY_CONFLICT otherwise). */
export const UndoRequestSchema = z.object({ entryId: id.optional() });
export type UndoRequest = z.infer<typeof UndoRequestSchema>;
export const UndoResultSchema = CorrectionResultSchema.extend({
  entry: HistoryEntrySchema,
  /** Faces the entry touched that no longer exist (their photo left the library): nothing to put back. */
  missingFaces: z.number(),
  /** Faces the user changed since outside the history (e.g. names read from a photo's regions): left as they are. */
  keptFaces: z.number(),
});
export type UndoResult = z.infer<typeof UndoResultSchema>;

// ---- suggestions -------------------------------------------------------------------------------

export const MergeSuggestionsRequestSchema = z.object({
  /** Only suggestions involving this person. */
  personId: id.optional(),
  maxResults: z.number().int().min(1).max(100).optional(),
});
export type MergeSuggestionsRequest = z.infer<typeof MergeSuggestionsRequestSchema>;
export const MergeSuggestionSchema = z.object({
  a: PersonSchema,
  b: PersonSchema,
  /** Median cosine similarity of sampled face pairs. */
  similarity: z.number(),
  pairs: z.number(),
});
export type MergeSuggestion = z.infer<typeof MergeSuggestionSchema>;
export const MergeSuggestionsResultSchema = z.object({ suggestions: z.array(MergeSuggestionSchema) });
export type MergeSuggestionsResult = z.infer<typeof MergeSuggestionsResultSchema>;
export const DismissMergeRequestSchema = z.object({ personIdA: id, personIdB: id });
export type DismissMergeRequest = z.infer<typeof DismissMergeRequestSchema>;

export const FaceSuggestionsRequestSchema = z.object({
  /** Only suggestions for this (named) person. */
  personId: id.optional(),
  maxResults: z.number().int().min(1).max(100).optional(),
});
export type FaceSuggestionsRequest = z.infer<typeof FaceSuggestionsRequestSchema>;
export const FaceSuggestionSchema = z.object({
  face: FaceRefSchema,
  person: PersonSchema,
  /** Mean of the face's top three similarities to the person's faces. */
  score: z.number(),
});
export type FaceSuggestion = z.infer<typeof FaceSuggestionSchema>;
export const FaceSuggestionsResultSchema = z.object({ suggestions: z.array(FaceSuggestionSchema) });
export type FaceSuggestionsResult = z.infer<typeof FaceSuggestionsResultSchema>;
/** "Is this <name>?": yes moves the face to the person, no rejects it from the person. */
export const AnswerFaceSuggestionRequestSchema = z.object({ faceId: id, personId: id, accept: z.boolean() });
export type AnswerFaceSuggestionRequest = z.infer<typeof AnswerFaceSuggestionRequestSchema>;

// ---- runs, export, interop ---------------------------------------------------------------------

export const ClusterRequestSchema = z.object({
  /** incremental: faces not clustered yet (the default); full: every face but the user's, ids and names kept. */
  mode: z.enum(['incremental', 'full']).optional(),
});
export type ClusterRequest = z.infer<typeof ClusterRequestSchema>;

export const ClusterRunResultSchema = z.object({
  mode: z.enum(['incremental', 'full']),
  facesProcessed: z.number(),
  facesChanged: z.number(),
  facesAssigned: z.number(),
  facesUnassigned: z.number(),
  personsCreated: z.number(),
  personsUpdated: z.number(),
  personsDeleted: z.number(),
  regionSeeds: z.number(),
  worker: z.boolean(),
  timingsMs: z.object({ regions: z.number(), load: z.number(), plan: z.number(), write: z.number(), total: z.number() }),
});
export type ClusterRunResultDto = z.infer<typeof ClusterRunResultSchema>;

export const ExportPersonsRequestSchema = z.object({
  personIds: ids(100, 'persons to export'),
  /** Folder the person folders are made in (created when missing). */
  targetDir: z.string().min(1),
  /** Hard links where possible (default from settings) or copies. */
  mode: z.enum(['link', 'copy']).optional(),
  /** Also write a face crop per face under <person>/faces/. */
  crops: z.boolean().optional(),
});
export type ExportPersonsRequest = z.infer<typeof ExportPersonsRequestSchema>;

export const ExportResultSchema = z.object({
  targetDir: z.string(),
  persons: z.number(),
  files: z.number(),
  linked: z.number(),
  copied: z.number(),
  /** Already there and identical (a repeated export). */
  skipped: z.number(),
  /** Written under another name because a different file had the name. */
  renamed: z.number(),
  crops: z.number(),
  failed: z.array(z.object({ path: z.string(), error: z.string() })),
  manifestJson: z.string(),
  manifestCsv: z.string(),
});
export type ExportResult = z.infer<typeof ExportResultSchema>;

export const WriteXmpRequestSchema = z.object({
  /** Photos of these persons; absent: every photo with a named face. */
  personIds: z.array(id).max(10_000).optional(),
});
export type WriteXmpRequest = z.infer<typeof WriteXmpRequestSchema>;
export const WriteXmpResultSchema = z.object({
  written: z.number(),
  unchanged: z.number(),
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
});
export type WriteXmpResult = z.infer<typeof WriteXmpResultSchema>;
