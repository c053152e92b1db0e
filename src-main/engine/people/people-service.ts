/**
 * The people service: persons as IMM figure clusters, kept incrementally, corrected by the user, and
 * exported. The facade hands out the service itself (`engine.people`); every request is validated here,
 * so the service is safe to call from any door. Writes (runs, corrections) are serialized; reads are not.
 */
import os from 'node:os';
import type { z } from 'zod';
import { EngineError } from '../errors';
import type { LibraryStore } from '../store/library-store';
import type { FaceRow } from '../store/rows';
import { DEFAULT_VISION_SETTINGS } from '../settings';
import type { PeopleSettings, VisionSettings } from '../settings';
import type { Task, TaskRegistry } from '../tasks/task-registry';
import {
  AnswerFaceSuggestionRequestSchema,
  BatchGetPersonsRequestSchema,
  ClusterRequestSchema,
  DeletePersonRequestSchema,
  DismissMergeRequestSchema,
  ExportPersonsRequestSchema,
  FaceSuggestionsRequestSchema,
  GetPersonRequestSchema,
  HistoryRequestSchema,
  HideSmallPersonsRequestSchema,
  ListPersonsRequestSchema,
  MergePersonsRequestSchema,
  MergeSuggestionsRequestSchema,
  MoveFacesRequestSchema,
  PersonFacesRequestSchema,
  PersonMediaRequestSchema,
  RejectFaceRequestSchema,
  RemoveFacesRequestSchema,
  RenamePersonRequestSchema,
  SetBirthDateRequestSchema,
  SetConfirmedRequestSchema,
  SetCoverRequestSchema,
  SetHiddenRequestSchema,
  SplitFacesRequestSchema,
  UnassignedFacesRequestSchema,
  UndoRequestSchema,
  WriteXmpRequestSchema,
} from '../../contract/people';
import type {
  AnswerFaceSuggestionRequest,
  BatchGetPersonsRequest,
  BatchGetPersonsResult,
  ClusterRequest,
  CorrectionResult,
  DeletePersonRequest,
  DismissMergeRequest,
  ExportPersonsRequest,
  FaceSuggestionsRequest,
  FaceSuggestionsResult,
  FacesResult,
  GetPersonRequest,
  HideSmallPersonsRequest,
  HistoryOp,
  HistoryRequest,
  HistoryResult,
  ListPersonsRequest,
  ListPersonsResult,
  MergePersonsRequest,
  MergeSuggestionsRequest,
  MergeSuggestionsResult,
  MoveFacesRequest,
  Person,
  PersonFacesRequest,
  PersonMediaRequest,
  PersonMediaResult,
  RejectFaceRequest,
  RemoveFacesRequest,
  RenamePersonRequest,
  SetBirthDateRequest,
  SetConfirmedRequest,
  SetCoverRequest,
  SetHiddenRequest,
  SplitFacesRequest,
  UnassignedFacesRequest,
  UndoRequest,
  UndoResult,
  WriteXmpRequest,
} from '../../contract/people';
import { createKnnKernel } from './knn-kernel';
import type { KnnKernel } from './knn-kernel';
import { PeoplePrefs } from './people-prefs';
import { SnapshotCache } from './face-snapshot';
import { runClustering } from './clustering-run';
import type { ClusterRunResult } from './clustering-run';
import { Corrections } from './corrections';
import { CorrectionHistory } from './history';
import { UNNAMED } from './history';
import type { NameOf, Scope } from './history';
import { batchGetPersons, getPerson, listPersons, personFaces, personMedia, unassignedFaces } from './queries';
import { faceSuggestions, mergeSuggestions } from './suggestions';
import { reconcilePersons, refreshPersons } from './person-upkeep';
import type { UpkeepResult } from './person-upkeep';
import { ensureWritable, exportPersons } from './export';
import { writeSidecars } from './sidecar-writer';

type Label<T = CorrectionResult> = (nameOf: NameOf, result: T) => string;

const faces = (n: number) => (n === 1 ? '1 face' : `${n} faces`);

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new EngineError('INVALID_ARGUMENT', `${issue?.path.join('.') || 'request'}: ${issue?.message ?? 'invalid'}`, {
      issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return r.data;
}

export interface TaskOptions {
  /** Receives the task id as soon as the task exists (the call itself resolves when it ends). */
  started?: (taskId: string) => void;
  userData?: string;
}

export class PeopleService {
  private prefsP: Promise<PeoplePrefs> | null = null;
  private historyP: Promise<CorrectionHistory> | null = null;
  private kernelP: Promise<KnnKernel> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly cache: SnapshotCache;

  constructor(
    private readonly store: LibraryStore,
    readonly settings: PeopleSettings,
    private readonly tasks: TaskRegistry,
    private readonly log: (message: string) => void = () => undefined,
    /** The decoder's pixel limit, for export crops (the vision slice of the settings). */
    private readonly vision: Pick<VisionSettings, 'maxPixels'> = DEFAULT_VISION_SETTINGS,
  ) {
    this.cache = new SnapshotCache(settings.snapshotKeepMs);
  }

  private prefs(): Promise<PeoplePrefs> {
    return (this.prefsP ??= PeoplePrefs.open(this.store.dir));
  }

  private kernel(): Promise<KnnKernel> {
    const threads = this.settings.kernelThreads > 0 ? this.settings.kernelThreads : os.availableParallelism();
    return (this.kernelP ??= createKnnKernel({ backend: this.settings.kernel, threads, onFallback: this.log }));
  }

  /** Writes one at a time: a correction never interleaves with a run's read-plan-write. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async corrections(): Promise<Corrections> {
    return new Corrections(this.store, await this.prefs());
  }

  // ---- runs ------------------------------------------------------------------------------------

  /**
   * A clustering run as a task (IMM CreateFigureClusteringTask): resolves with the finished task, whose
   * result is a ClusterRunResult; `started` gets its id at once.
   */
  async cluster(request: ClusterRequest = {}, opts: TaskOptions = {}): Promise<Task> {
    const req = parse(ClusterRequestSchema, request);
    const mode = req.mode ?? 'incremental';
    return this.tasks.run(
      'people.cluster',
      (handle) => this.exclusive(async () => runClustering({ store: this.store, settings: this.settings, prefs: await this.prefs(), kernel: () => this.kernel(), cache: this.cache, handle }, mode)),
      { ...opts, tags: { mode } },
    );
  }

  /** The same run without a task (for callers that already run inside one, like the indexer). */
  async runClustering(mode: 'incremental' | 'full' = 'incremental'): Promise<ClusterRunResult> {
    return this.exclusive(async () => runClustering({ store: this.store, settings: this.settings, prefs: await this.prefs(), kernel: () => this.kernel(), cache: this.cache }, mode));
  }

  // ---- queries ---------------------------------------------------------------------------------

  async listPersons(request: ListPersonsRequest = {}): Promise<ListPersonsResult> {
    return listPersons(this.store, parse(ListPersonsRequestSchema, request));
  }

  async getPerson(request: GetPersonRequest): Promise<Person> {
    return getPerson(this.store, parse(GetPersonRequestSchema, request).personId);
  }

  async batchGetPersons(request: BatchGetPersonsRequest): Promise<BatchGetPersonsResult> {
    return batchGetPersons(this.store, parse(BatchGetPersonsRequestSchema, request).personIds);
  }

  async personMedia(request: PersonMediaRequest): Promise<PersonMediaResult> {
    return personMedia(this.store, parse(PersonMediaRequestSchema, request));
  }

  async personFaces(request: PersonFacesRequest): Promise<FacesResult> {
    return personFaces(this.store, parse(PersonFacesRequestSchema, request));
  }

  async unassignedFaces(request: UnassignedFacesRequest = {}): Promise<FacesResult> {
    return unassignedFaces(this.store, parse(UnassignedFacesRequestSchema, request));
  }

  // ---- corrections -----------------------------------------------------------------------------

  async renamePerson(request: RenamePersonRequest): Promise<CorrectionResult> {
    const r = parse(RenamePersonRequestSchema, request);
    const label: Label = (n) => (r.name?.trim() ? `Named ${n(r.personId)}` : `Took the name off ${n(r.personId)}`);
    return this.recorded('rename', { personIds: [r.personId] }, label, (c) => c.rename(r.personId, r.name));
  }

  async mergePersons(request: MergePersonsRequest): Promise<CorrectionResult> {
    const r = parse(MergePersonsRequestSchema, request);
    const all = [r.targetId, ...r.sourceIds];
    const scope = async (): Promise<Scope> => {
      const faces = await this.store.faces.ofPersons(all, ['id']);
      for (const s of r.sourceIds) faces.push(...(await this.store.faces.rejectedFrom(s, ['id'])));
      return { personIds: all, faceIds: faces.map((f) => f.id) };
    };
    const label: Label = (n) => {
      const into = n(r.targetId);
      return `Merged ${new Set(all).size} persons${into === UNNAMED ? '' : ` into ${into}`}`;
    };
    return this.recorded('merge', scope, label, (c) => c.merge(r.targetId, r.sourceIds));
  }

  async splitFaces(request: SplitFacesRequest): Promise<CorrectionResult> {
    const r = parse(SplitFacesRequestSchema, request);
    return this.recorded('split', { faceIds: r.faceIds }, () => `Split ${faces(r.faceIds.length)} into a new person`, (c) => c.split(r.faceIds, r.name));
  }

  async moveFaces(request: MoveFacesRequest): Promise<CorrectionResult> {
    const r = parse(MoveFacesRequestSchema, request);
    return this.recorded('move', { faceIds: r.faceIds, personIds: [r.personId] }, (n) => `Moved ${faces(r.faceIds.length)} to ${n(r.personId)}`, (c) => c.move(r.faceIds, r.personId));
  }

  async rejectFace(request: RejectFaceRequest): Promise<CorrectionResult> {
    const r = parse(RejectFaceRequestSchema, request);
    const label: Label = (n, res) => `Took a face out of ${n(r.personId ?? res.persons[0]?.id ?? res.deletedPersons[0])}`;
    return this.recorded('reject', { faceIds: [r.faceId], personIds: r.personId ? [r.personId] : [] }, label, (c) => c.reject(r.faceId, r.personId));
  }

  async removeFaces(request: RemoveFacesRequest): Promise<CorrectionResult> {
    const r = parse(RemoveFacesRequestSchema, request);
    return this.recorded('remove', { faceIds: r.faceIds }, (_n, res) => `Removed ${faces(res.changedFaces)} from their person`, (c) => c.remove(r.faceIds));
  }

  async setHidden(request: SetHiddenRequest): Promise<CorrectionResult> {
    const r = parse(SetHiddenRequestSchema, request);
    const ids = [...new Set(r.personIds)];
    const label: Label = (n) => `${r.hidden ? 'Hid' : 'Showed'} ${ids.length === 1 ? n(ids[0]) : `${ids.length} persons`}`;
    return this.recorded(r.hidden ? 'hide' : 'unhide', { personIds: ids }, label, (c) => c.setHidden(r.personIds, r.hidden));
  }

  async hideSmallPersons(request: HideSmallPersonsRequest): Promise<CorrectionResult> {
    const r = parse(HideSmallPersonsRequestSchema, request);
    const scope = async (): Promise<Scope> => ({ personIds: (await this.store.persons.summaries({ hidden: false, named: false, facesBelow: r.minFaces })).map((p) => p.id) });
    return this.recorded('hideSmall', scope, (_n, res) => `Hid ${res.persons.length} persons with fewer than ${r.minFaces} faces`, (c) => c.hideSmall(r.minFaces));
  }

  async setCover(request: SetCoverRequest): Promise<CorrectionResult> {
    const r = parse(SetCoverRequestSchema, request);
    return this.recorded('setCover', { personIds: [r.personId] }, (n) => `Changed the cover of ${n(r.personId)}`, (c) => c.setCover(r.personId, r.faceId));
  }

  async setConfirmed(request: SetConfirmedRequest): Promise<CorrectionResult> {
    const r = parse(SetConfirmedRequestSchema, request);
    const label: Label = (n) => `${r.confirmed ? 'Confirmed' : 'Unconfirmed'} ${n(r.personId)}`;
    return this.recorded(r.confirmed ? 'confirm' : 'unconfirm', this.personScope(r.personId), label, (c) => c.setConfirmed(r.personId, r.confirmed));
  }

  async setBirthDate(request: SetBirthDateRequest): Promise<CorrectionResult> {
    const r = parse(SetBirthDateRequestSchema, request);
    const label: Label = (n) => `${r.birthDate === null ? 'Cleared' : 'Set'} the birth date of ${n(r.personId)}`;
    return this.recorded('birthDate', this.personScope(r.personId), label, (c) => c.setBirthDate(r.personId, r.birthDate));
  }

  async deletePerson(request: DeletePersonRequest): Promise<CorrectionResult> {
    const r = parse(DeletePersonRequestSchema, request);
    return this.recorded('delete', this.personScope(r.personId), (n) => `Deleted ${n(r.personId)}`, (c) => c.deletePerson(r.personId));
  }

  /** A person and its faces. */
  private personScope(personId: string): () => Promise<Scope> {
    return async () => ({ personIds: [personId], faceIds: (await this.store.faces.ofPerson(personId, ['id'])).map((f) => f.id) });
  }

  // ---- history ---------------------------------------------------------------------------------

  /** Runs a correction as one write and records it in the history (`scope`: what it may change). */
  private recorded<T extends CorrectionResult | void>(
    op: HistoryOp,
    scope: Scope | (() => Promise<Scope>),
    label: (nameOf: NameOf, result: T) => string,
    run: (c: Corrections) => Promise<T>,
  ): Promise<T> {
    return this.exclusive(async () => {
      const history = await this.correctionHistory();
      const c = await this.corrections();
      return history.record(op, typeof scope === 'function' ? await scope() : scope, label, () => run(c));
    });
  }

  private correctionHistory(): Promise<CorrectionHistory> {
    return (this.historyP ??= this.prefs().then((prefs) => CorrectionHistory.open(this.store, prefs, this.settings)));
  }

  /** The latest corrections that can be undone and redone, newest first. */
  async history(request: HistoryRequest = {}): Promise<HistoryResult> {
    const r = parse(HistoryRequestSchema, request);
    return this.exclusive(async () => (await this.correctionHistory()).list(r.maxResults));
  }

  /** Undoes the latest correction (with entryId: only if it is that one). */
  async undo(request: UndoRequest = {}): Promise<UndoResult> {
    const r = parse(UndoRequestSchema, request);
    return this.exclusive(async () => (await this.correctionHistory()).undo(r.entryId));
  }

  /** Redoes the latest undone correction; any new correction clears what can be redone. */
  async redo(request: UndoRequest = {}): Promise<UndoResult> {
    const r = parse(UndoRequestSchema, request);
    return this.exclusive(async () => (await this.correctionHistory()).redo(r.entryId));
  }

  // ---- suggestions -----------------------------------------------------------------------------

  async mergeSuggestions(request: MergeSuggestionsRequest = {}): Promise<MergeSuggestionsResult> {
    const r = parse(MergeSuggestionsRequestSchema, request);
    const suggestions = await mergeSuggestions(this.store, await this.kernel(), await this.prefs(), this.settings, {
      ...(r.personId ? { personId: r.personId } : {}),
      maxResults: r.maxResults ?? 20,
    });
    return { suggestions };
  }

  async dismissMergeSuggestion(request: DismissMergeRequest): Promise<void> {
    const r = parse(DismissMergeRequestSchema, request);
    const label: Label<void> = (n) => `Dismissed merging ${n(r.personIdA)} and ${n(r.personIdB)}`;
    return this.recorded('dismissMerge', { personIds: [r.personIdA, r.personIdB] }, label, async () => (await this.prefs()).dismiss(r.personIdA, r.personIdB));
  }

  async faceSuggestions(request: FaceSuggestionsRequest = {}): Promise<FaceSuggestionsResult> {
    const r = parse(FaceSuggestionsRequestSchema, request);
    const suggestions = await faceSuggestions(this.store, await this.kernel(), this.settings, {
      ...(r.personId ? { personId: r.personId } : {}),
      maxResults: r.maxResults ?? 20,
    });
    return { suggestions };
  }

  /** "Is this <name>?": yes puts the face in the person (the user's assignment), no rejects it from it. */
  async answerFaceSuggestion(request: AnswerFaceSuggestionRequest): Promise<CorrectionResult> {
    const r = parse(AnswerFaceSuggestionRequestSchema, request);
    const label: Label = (n) => (r.accept ? `Said a face is ${n(r.personId)}` : `Said a face is not ${n(r.personId)}`);
    const scope = { faceIds: [r.faceId], personIds: [r.personId] };
    return this.recorded(r.accept ? 'answerYes' : 'answerNo', scope, label, (c) => (r.accept ? c.move([r.faceId], r.personId) : c.reject(r.faceId, r.personId)));
  }

  // ---- upkeep (called by the indexer) -----------------------------------------------------------

  /** Recomputes these persons from their faces; empty unnamed ones are deleted. */
  async refreshPersons(personIds: readonly string[]): Promise<UpkeepResult> {
    return this.exclusive(async () => refreshPersons(this.store, await this.prefs(), personIds));
  }

  /** After the indexer deleted faces (removed photos): refreshes the persons they belonged to. */
  async onFacesRemoved(faces: readonly Pick<FaceRow, 'person_id'>[]): Promise<UpkeepResult> {
    return this.refreshPersons([...new Set(faces.map((f) => f.person_id).filter((p): p is string => !!p))]);
  }

  /** Whole-table repair (at open, after a crash): dangling face assignments and stale counts. */
  async reconcilePersons(): Promise<UpkeepResult & { orphanFaces: number }> {
    return this.exclusive(async () => reconcilePersons(this.store, await this.prefs()));
  }

  // ---- export and interop ----------------------------------------------------------------------

  /** Export as a task; an unwritable target fails at once with EXPORT_TARGET_UNWRITABLE (before any task). */
  async exportPersons(request: ExportPersonsRequest, opts: TaskOptions = {}): Promise<Task> {
    const r = parse(ExportPersonsRequestSchema, request);
    await ensureWritable(r.targetDir);
    return this.tasks.run('people.export', (handle) => exportPersons(this.store, { ...this.settings, maxPixels: this.vision.maxPixels }, r, handle), { ...opts, tags: { targetDir: r.targetDir } });
  }

  /** Writes MWG face regions of named persons into XMP sidecars (never into originals). */
  async writeXmpSidecars(request: WriteXmpRequest = {}, opts: TaskOptions = {}): Promise<Task> {
    const r = parse(WriteXmpRequestSchema, request);
    return this.tasks.run('people.xmp', (handle) => writeSidecars(this.store, this.settings, r.personIds, handle), opts);
  }

  async close(): Promise<void> {
    await this.queue;
    this.cache.clear();
    if (this.kernelP) await (await this.kernelP).close();
    this.kernelP = null;
  }
}
