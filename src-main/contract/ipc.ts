/**
 * The renderer-facing API contract: for every channel in `channels.ts`, what it accepts and
 * answers. Electron's main process, the web-mode server, the renderer's client (types only) and
 * the tests read this file, so a channel is added here (and its name in channels.ts) once.
 *
 * Plain zod and types only: no electron, no engine, no logic beyond parsing.
 */
import { z } from 'zod';
import { APP_COMMANDS, type ApiErrorData, type EventName, type InvokeChannel } from './channels';

export * from './channels';

import {
  AnswerFaceSuggestionRequestSchema,
  ClusterRequestSchema,
  CorrectionResultSchema,
  ExportPersonsRequestSchema,
  FaceSuggestionsRequestSchema,
  FaceSuggestionsResultSchema,
  FacesResultSchema,
  GetPersonRequestSchema,
  ListPersonsRequestSchema,
  ListPersonsResultSchema,
  MergePersonsRequestSchema,
  MergeSuggestionsRequestSchema,
  MergeSuggestionsResultSchema,
  MoveFacesRequestSchema,
  PersonFacesRequestSchema,
  PersonMediaRequestSchema,
  PersonMediaResultSchema,
  PersonSchema,
  RejectFaceRequestSchema,
  RemoveFacesRequestSchema,
  RenamePersonRequestSchema,
  SetCoverRequestSchema,
  SetHiddenRequestSchema,
  UnassignedFacesRequestSchema,
  BatchGetPersonsRequestSchema,
  BatchGetPersonsResultSchema,
  SplitFacesRequestSchema,
  HideSmallPersonsRequestSchema,
  SetConfirmedRequestSchema,
  SetBirthDateRequestSchema,
  DeletePersonRequestSchema,
  DismissMergeRequestSchema,
  WriteXmpRequestSchema,
  HistoryRequestSchema,
  HistoryResultSchema,
  UndoRequestSchema,
  UndoResultSchema,
} from './people';
import {
  ClipSearchFields,
  ClipSearchResultSchema,
  CustomFiltersSchema,
  FaceSearchFields,
  FaceSearchResultSchema,
  MediaSearchFields,
  MediaSearchResultSchema,
  PersonSearchRequestSchema,
  PersonSearchResultSchema,
  faceSearchRules,
  oneQuery,
} from './search';
import {
  CloudConfigPatchSchema,
  CloudConfigSchema,
  CloudStatusSchema,
  ConnectionCheckSchema,
  CredentialsInputSchema,
  CredentialSummarySchema,
  CloudSearchResultSchema,
  CloudSyncReportSchema,
  ClipSearchRequestSchema,
  ClipSearchResultSchema as CloudClipSearchResultSchema,
  ImportNamesRequestSchema,
  ImportNamesResultSchema,
} from './cloud';
import {
  CompareResultSchema,
  DetectOptionsSchema,
  DetectResultSchema,
  VisionStatusSchema,
} from './vision';

export const AppInfoSchema = z.object({
  version: z.string(),
  platform: z.string(),
  /** Electron's version; `null` in web mode, where no Electron is involved. */
  electron: z.string().nullable(),
  /**
   * Web mode only: the read-only token the media routes take as `?t=` (an <img> cannot send an
   * Authorization header). It grants nothing but reading library media; absent inside Electron.
   */
  mediaToken: z.string().optional(),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

// ---- shared pieces ----------------------------------------------------------------------------

/** Opaque ids (UUIDs from the engine); bounded so a request cannot carry megabytes in an id. */
export const IdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'an id');
const PathSchema = z.string().min(1).max(4096);
const IdRequestSchema = z.strictObject({ id: IdSchema });
const PagingShape = {
  offset: z.number().int().min(0).max(10_000_000).optional(),
  limit: z.number().int().min(1).max(1000).optional(),
};

// ---- vision -----------------------------------------------------------------------------------

/**
 * An image the renderer refers to: one it uploaded (`media:upload`), or a library media row. Never a
 * raw path: the page cannot name arbitrary files on the disk.
 */
export const ImageRefSchema = z.union([
  z.strictObject({ uploadId: IdSchema }),
  z.strictObject({ mediaId: IdSchema }),
]);
export type ImageRef = z.infer<typeof ImageRefSchema>;

export const DetectImageRequestSchema = z.strictObject({ image: ImageRefSchema, options: DetectOptionsSchema.optional() });
export type DetectImageRequest = z.infer<typeof DetectImageRequestSchema>;
export const CompareImagesRequestSchema = z.strictObject({ a: ImageRefSchema, b: ImageRefSchema });

/** The tunables a user sees in Settings, with their current values (read-only for now). */
export const SettingsSchema = z.object({
  provider: z.string(),
  sameFaceThreshold: z.number(),
  detectScoreThreshold: z.number(),
  yunetScoreThreshold: z.number(),
  minFaceSize: z.number(),
  qualityControl: z.number(),
  detectRotated: z.boolean(),
});
export type SettingsDto = z.infer<typeof SettingsSchema>;

// ---- tasks ------------------------------------------------------------------------------------

export const TaskStatusSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
export const TaskProgressSchema = z.object({
  done: z.number(),
  total: z.number(),
  counters: z.record(z.string(), z.number()).optional(),
  current: z.string().optional(),
  rate: z.number().optional(),
  etaSeconds: z.number().optional(),
  phase: z.string().optional(),
});
export const TaskSchema = z.object({
  id: z.string(),
  kind: z.string(),
  status: TaskStatusSchema,
  progress: TaskProgressSchema,
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
  userData: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  result: z.unknown().optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type TaskDto = z.infer<typeof TaskSchema>;
export type TaskProgressDto = z.infer<typeof TaskProgressSchema>;

// ---- library ----------------------------------------------------------------------------------

export const FolderSchema = z.object({
  id: z.string(),
  path: z.string(),
  addedAt: z.number(),
  lastScanAt: z.number().nullable(),
});
export type FolderDto = z.infer<typeof FolderSchema>;

/**
 * Whether a library folder is being watched for changes now: `off` (keep-current mode is not on, e.g. a
 * one-shot CLI command), `watching` (through change events), `polling` (a network share, checked on a timer), `missing` (the folder is not there; it is looked for again every few
 * seconds and rescanned when it returns), `error` (the watcher failed on it; `reason` says why).
 */
export const FolderWatchSchema = z.object({
  state: z.enum(['off', 'watching', 'polling', 'missing', 'error']),
  reason: z.string().optional(),
});
export type FolderWatchDto = z.infer<typeof FolderWatchSchema>;

export const LibraryStatusSchema = z.object({
  dir: z.string(),
  folders: z.array(z.object({ id: z.string(), path: z.string(), lastScanAt: z.number().nullable(), media: z.number(), watch: FolderWatchSchema })),
  media: z.object({ total: z.number(), ok: z.number(), pending: z.number(), error: z.number(), images: z.number(), videos: z.number() }),
  faces: z.number(),
  persons: z.number(),
  bytesOnDisk: z.number(),
  indexing: TaskSchema.nullable(),
  paused: z.boolean(),
  watching: z.boolean(),
});
export type LibraryStatusDto = z.infer<typeof LibraryStatusSchema>;

export const MediaErrorSchema = z.object({
  mediaId: z.string(),
  path: z.string(),
  code: z.string(),
  message: z.string(),
  indexedAt: z.number().nullable(),
});
export const MediaErrorsSchema = z.object({ total: z.number(), items: z.array(MediaErrorSchema) });
export type MediaErrorDto = z.infer<typeof MediaErrorSchema>;

// ---- media ------------------------------------------------------------------------------------

export const MediaKindSchema = z.enum(['image', 'video']);
export const MediaSchema = z.object({
  id: z.string(),
  path: z.string(),
  /** File name, for captions and alt text. */
  name: z.string(),
  folderId: z.string(),
  kind: MediaKindSchema,
  bytes: z.number(),
  /** Capture time (EXIF, container, else file time), ms since the epoch. */
  capturedAt: z.number().nullable(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  /** Seconds, videos only. */
  duration: z.number().nullable(),
  camera: z.string().nullable(),
  status: z.enum(['pending', 'ok', 'error']),
  errorCode: z.string().nullable(),
  errorText: z.string().nullable(),
  faceCount: z.number().nullable(),
});
export type MediaDto = z.infer<typeof MediaSchema>;

export const MediaListRequestSchema = z.strictObject({
  ...PagingShape,
  kind: MediaKindSchema.optional(),
  folderId: IdSchema.optional(),
  /** Capture time range, ms since the epoch, inclusive. */
  from: z.number().optional(),
  to: z.number().optional(),
  /** Only media with at least one face. */
  withFaces: z.boolean().optional(),
});
export type MediaListRequest = z.infer<typeof MediaListRequestSchema>;
export const MediaPageSchema = z.object({ total: z.number(), offset: z.number(), items: z.array(MediaSchema) });
export type MediaPageDto = z.infer<typeof MediaPageSchema>;

/** A face as the viewer draws it: the box in the photo's (oriented) pixels, and who it is, if known. */
export const MediaFaceSchema = z.object({
  id: z.string(),
  box: z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() }),
  score: z.number(),
  quality: z.number(),
  /** Videos: the sampled frame the face was seen in, and the time ranges of its track, in seconds. */
  frameTime: z.number().nullable(),
  ranges: z.array(z.tuple([z.number(), z.number()])).nullable(),
  personId: z.string().nullable(),
  personName: z.string().nullable(),
  assignment: z.string(),
});
export type MediaFaceDto = z.infer<typeof MediaFaceSchema>;
export const MediaDetailSchema = z.object({ media: MediaSchema, faces: z.array(MediaFaceSchema) });
export type MediaDetailDto = z.infer<typeof MediaDetailSchema>;

/** Largest query image accepted (a 200 MP JPEG is ~60 MB; phone photos are 2-12 MB). */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;
export const UploadRequestSchema = z.strictObject({
  name: z.string().min(1).max(255),
  bytes: z.instanceof(Uint8Array).refine((b) => b.byteLength > 0 && b.byteLength <= MAX_UPLOAD_BYTES, {
    message: `between 1 byte and ${MAX_UPLOAD_BYTES / 1024 / 1024} MB`,
  }),
});
export const UploadSchema = z.object({
  uploadId: z.string(),
  name: z.string(),
  bytes: z.number(),
  width: z.number(),
  height: z.number(),
});
export type UploadDto = z.infer<typeof UploadSchema>;

// ---- search (renderer-facing) -----------------------------------------------------------------

/**
 * The search requests of the page are the engine's own (contract/search.ts) with the query image as an
 * ImageRef (an upload or a library photo), never a path or raw bytes: derived, so every option and
 * bound the engine takes reaches the page unchanged (test/unit/search-requests.test.ts holds them
 * equal); the engine's schemas check the request again.
 */
export const SearchFacesRequestSchema = FaceSearchFields.extend({ image: ImageRefSchema.optional() }).strict().superRefine(faceSearchRules);
export type SearchFacesRequest = z.infer<typeof SearchFacesRequestSchema>;

/** Person search by folder (Tencent SearchPersonsReturnsByGroup) with the query image as a reference. */
export const SearchPersonsRequestSchema = PersonSearchRequestSchema.extend({ image: ImageRefSchema }).strict();
export type SearchPersonsRequest = z.infer<typeof SearchPersonsRequestSchema>;

// Custom filters arrive as an object over the API (the engine also takes ICE's JSON string form).
export const SearchMediaRequestSchema = MediaSearchFields.extend({ personImage: ImageRefSchema.optional(), customFilters: CustomFiltersSchema.optional() })
  .strict()
  .superRefine(oneQuery);
export type SearchMediaRequest = z.infer<typeof SearchMediaRequestSchema>;

export const SearchClipsRequestSchema = ClipSearchFields.extend({ personImage: ImageRefSchema.optional() }).strict().superRefine(oneQuery);
export type SearchClipsRequest = z.infer<typeof SearchClipsRequestSchema>;

const TaskStartedSchema = z.object({ taskId: z.string() });

/** Cloud face search: the image, and the face in it (as vision:detect gave its box, oriented original px). */
export const CloudFaceSearchRequestSchema = z.strictObject({
  image: ImageRefSchema,
  box: z.strictObject({ x: z.number().finite(), y: z.number().finite(), width: z.number().positive().finite(), height: z.number().positive().finite() }).optional(),
  pageSize: z.number().int().min(1).max(50).optional(),
});
export type CloudFaceSearchRequest = z.infer<typeof CloudFaceSearchRequestSchema>;

/**
 * Requests without arguments accept only `undefined`, so a renderer cannot pass fields that main
 * ignores today and a later version might trust. Object requests are strict for the same reason.
 */
export const INVOKE_CONTRACT = {
  'app:info': { request: z.undefined(), response: AppInfoSchema },
  'dialog:pickFolders': {
    request: z.strictObject({ title: z.string().max(200).optional() }).optional(),
    /** Absolute paths the user chose; empty when the dialog was cancelled. */
    response: z.object({ paths: z.array(z.string()) }),
  },
  'vision:status': { request: z.undefined(), response: VisionStatusSchema },
  'vision:detect': { request: DetectImageRequestSchema, response: DetectResultSchema },
  'vision:compare': { request: CompareImagesRequestSchema, response: CompareResultSchema },
  'settings:get': { request: z.undefined(), response: SettingsSchema },
  'library:status': { request: z.undefined(), response: LibraryStatusSchema },
  'library:folders': { request: z.undefined(), response: z.array(FolderSchema) },
  'library:addFolders': { request: z.strictObject({ paths: z.array(PathSchema).min(1).max(100) }), response: z.array(FolderSchema) },
  'library:removeFolder': { request: IdRequestSchema, response: z.null() },
  'library:index': { request: z.undefined(), response: z.object({ taskId: z.string() }) },
  'library:pause': { request: z.undefined(), response: z.null() },
  'library:resume': { request: z.undefined(), response: z.null() },
  'library:errors': { request: z.strictObject(PagingShape).optional(), response: MediaErrorsSchema },
  'media:list': { request: MediaListRequestSchema.optional(), response: MediaPageSchema },
  'media:get': { request: IdRequestSchema, response: MediaDetailSchema },
  'media:upload': { request: UploadRequestSchema, response: UploadSchema },
  'tasks:list': { request: z.strictObject({ kind: z.string().max(64).optional() }).optional(), response: z.array(TaskSchema) },
  'tasks:get': { request: IdRequestSchema, response: TaskSchema },
  'tasks:cancel': { request: IdRequestSchema, response: TaskSchema },
  'people:list': { request: ListPersonsRequestSchema.strict().optional(), response: ListPersonsResultSchema },
  'people:get': { request: GetPersonRequestSchema.strict(), response: PersonSchema },
  'people:media': { request: PersonMediaRequestSchema.strict(), response: PersonMediaResultSchema },
  'people:faces': { request: PersonFacesRequestSchema.strict(), response: FacesResultSchema },
  'people:unassigned': { request: UnassignedFacesRequestSchema.strict().optional(), response: FacesResultSchema },
  'people:rename': { request: RenamePersonRequestSchema.strict(), response: CorrectionResultSchema },
  'people:merge': { request: MergePersonsRequestSchema.strict(), response: CorrectionResultSchema },
  'people:moveFaces': { request: MoveFacesRequestSchema.strict(), response: CorrectionResultSchema },
  'people:rejectFace': { request: RejectFaceRequestSchema.strict(), response: CorrectionResultSchema },
  'people:removeFaces': { request: RemoveFacesRequestSchema.strict(), response: CorrectionResultSchema },
  'people:setHidden': { request: SetHiddenRequestSchema.strict(), response: CorrectionResultSchema },
  'people:setCover': { request: SetCoverRequestSchema.strict(), response: CorrectionResultSchema },
  'people:faceSuggestions': { request: FaceSuggestionsRequestSchema.strict().optional(), response: FaceSuggestionsResultSchema },
  'people:answerSuggestion': { request: AnswerFaceSuggestionRequestSchema.strict(), response: CorrectionResultSchema },
  'people:mergeSuggestions': { request: MergeSuggestionsRequestSchema.strict().optional(), response: MergeSuggestionsResultSchema },
  /** Starts a clustering run; its progress arrives as task events. */
  'people:cluster': { request: ClusterRequestSchema.strict().optional(), response: TaskStartedSchema },
  /** Starts an export of persons into a folder the user chose; progress as task events. */
  'people:export': { request: ExportPersonsRequestSchema.strict(), response: TaskStartedSchema },
  'people:batchGet': { request: BatchGetPersonsRequestSchema.strict(), response: BatchGetPersonsResultSchema },
  'people:split': { request: SplitFacesRequestSchema.strict(), response: CorrectionResultSchema },
  'people:hideSmall': { request: HideSmallPersonsRequestSchema.strict(), response: CorrectionResultSchema },
  'people:setConfirmed': { request: SetConfirmedRequestSchema.strict(), response: CorrectionResultSchema },
  'people:setBirthDate': { request: SetBirthDateRequestSchema.strict(), response: CorrectionResultSchema },
  'people:delete': { request: DeletePersonRequestSchema.strict(), response: CorrectionResultSchema },
  'people:dismissMerge': { request: DismissMergeRequestSchema.strict(), response: z.null() },
  /** Starts writing XMP face regions beside the photos (sidecars); progress as task events. */
  'people:writeXmp': { request: WriteXmpRequestSchema.strict().optional(), response: TaskStartedSchema },
  /** Undo / redo the latest correction to people (with entryId: only if it is still the latest). */
  'people:undo': { request: UndoRequestSchema.strict().optional(), response: UndoResultSchema },
  'people:redo': { request: UndoRequestSchema.strict().optional(), response: UndoResultSchema },
  'people:history': { request: HistoryRequestSchema.strict().optional(), response: HistoryResultSchema },
  // Cloud sync (off until enabled with saved credentials). Credentials go in, only a summary comes out:
  // secrets never travel back to the renderer.
  'cloud:status': { request: z.undefined(), response: CloudStatusSchema },
  'cloud:configure': { request: CloudConfigPatchSchema, response: CloudConfigSchema },
  'cloud:saveCredentials': { request: CredentialsInputSchema, response: CredentialSummarySchema },
  'cloud:disconnect': { request: z.undefined(), response: CloudStatusSchema },
  'cloud:test': { request: z.undefined(), response: ConnectionCheckSchema },
  /** Starts push → IMM clustering → pull → comparison with local persons; progress as task events. */
  'cloud:sync': { request: z.undefined(), response: TaskStartedSchema },
  /** Starts a pull of the cloud's clusters (no upload) and the comparison; progress as task events. */
  'cloud:pull': { request: z.undefined(), response: TaskStartedSchema },
  /** The last sync/pull compared with the local persons as they are now; null before the first. */
  'cloud:report': { request: z.undefined(), response: CloudSyncReportSchema.nullable() },
  'cloud:importNames': { request: ImportNamesRequestSchema, response: ImportNamesResultSchema },
  /** One face of an image searched in IMM and ICE (the face alone is uploaded), hits mapped to library files. */
  'cloud:searchFace': { request: CloudFaceSearchRequestSchema, response: CloudSearchResultSchema },
  /** Where in one ICE media the searched person appears (ICE SearchMediaClipByFace). */
  'cloud:clips': { request: ClipSearchRequestSchema, response: CloudClipSearchResultSchema },
  'search:faces': { request: SearchFacesRequestSchema, response: FaceSearchResultSchema },
  'search:persons': { request: SearchPersonsRequestSchema, response: PersonSearchResultSchema },
  'search:media': { request: SearchMediaRequestSchema, response: MediaSearchResultSchema },
  'search:clips': { request: SearchClipsRequestSchema, response: ClipSearchResultSchema },
} as const satisfies { [C in InvokeChannel]: { request: z.ZodType; response: z.ZodType } };

export const EVENT_CONTRACT = {
  'task:progress': TaskSchema,
  'app:command': z.object({ command: z.enum(APP_COMMANDS) }),
} as const satisfies { [E in EventName]: z.ZodType };

export type InvokeRequest<C extends InvokeChannel> = z.input<(typeof INVOKE_CONTRACT)[C]['request']>;
export type InvokeResponse<C extends InvokeChannel> = z.output<(typeof INVOKE_CONTRACT)[C]['response']>;
export type EventPayload<E extends EventName> = z.output<(typeof EVENT_CONTRACT)[E]>;

export const ApiErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
}) satisfies z.ZodType<ApiErrorData>;
