/** cluster, people, person, rename, merge, move-face, reject-face, undo, redo, history, export: the people commands. */
import { HistoryRequestSchema, ListPersonsRequestSchema, type HistoryEntry, type Person, type UndoResult } from '../../contract/people';
import type { Task } from '../../engine/tasks/task-registry';
import type { Command, CommandContext } from '../command';
import { UsageError, boundsOf, intFlag, printJson } from '../command';
import { ProgressPrinter } from '../progress';

/** `people` flags take their bounds and choices from the engine's request schema. */
const L = ListPersonsRequestSchema.shape;

function personLine(p: Person): string {
  const name = p.name ?? '(unnamed)';
  return `${p.id}  ${name.padEnd(24)} ${String(p.faceCount).padStart(5)} faces ${String(p.mediaCount).padStart(5)} photos${p.hidden ? '  hidden' : ''}${p.confirmed ? '  confirmed' : ''}`;
}

/** Follows a task to its end with a progress line; Ctrl-C cancels it. */
async function follow(ctx: CommandContext, start: (started: (id: string) => void) => Promise<Task>, label: string): Promise<Task> {
  const printer = ctx.json ? null : new ProgressPrinter(ctx.err, label);
  let id = '';
  const off = ctx.engine.tasks.subscribe((t) => t.id === id && printer?.update(t));
  const onAbort = () => id && ctx.engine.tasks.cancel(id);
  ctx.signal.addEventListener('abort', onAbort);
  try {
    return await start((taskId) => (id = taskId));
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    off();
    printer?.done();
  }
}

function exitOf(task: Task, out: NodeJS.WritableStream, json: boolean): number {
  if (json) printJson(out, task);
  else if (task.error) out.write(`${task.kind} ${task.status}: [${task.error.code}] ${task.error.message}\n`);
  return task.status === 'succeeded' ? 0 : task.status === 'cancelled' ? 130 : 1;
}

export const cluster: Command = {
  name: 'cluster',
  summary: 'Group faces not yet clustered into persons (runs by itself after indexing)',
  synopsis: 'cluster',
  library: true,
  options: { full: { type: 'boolean', default: false } },
  optionHelp: ['--full                    Re-cluster every face except your corrections (names and ids are kept)'],
  async run(ctx) {
    const task = await follow(ctx, (started) => ctx.engine.people.cluster({ mode: ctx.values.full ? 'full' : 'incremental' }, { started }), 'clustering');
    if (!ctx.json && task.result) {
      const r = task.result as Record<string, unknown>;
      ctx.out.write(`${Object.entries(r).filter(([, v]) => typeof v === 'number').map(([k, v]) => `${k} ${v}`).join(', ')}\n`);
    }
    return exitOf(task, ctx.out, ctx.json);
  },
};

export const people: Command = {
  name: 'people',
  summary: 'List persons, named first then by number of faces',
  synopsis: 'people',
  library: true,
  options: {
    named: { type: 'boolean', default: false },
    unnamed: { type: 'boolean', default: false },
    hidden: { type: 'boolean', default: false },
    sort: { type: 'string' },
    limit: { type: 'string' },
    page: { type: 'string' },
  },
  optionHelp: [
    '--named / --unnamed       Only named, or only unnamed persons',
    '--hidden                  Include hidden persons',
    `--sort <s>                ${L.sort.unwrap().options.join(' | ')}`,
    `--limit <n> --page <n>    Paging (at most ${boundsOf(L.maxResults)[1]} a page)`,
  ],
  async run({ engine, json, out, values }) {
    if (values.named && values.unnamed) throw new UsageError('--named and --unnamed exclude each other');
    const sorts = L.sort.unwrap().options;
    if (values.sort !== undefined && !sorts.includes(values.sort as (typeof sorts)[number])) throw new UsageError(`--sort must be one of ${sorts.join(', ')}`);
    const r = await engine.people.listPersons({
      ...(values.named ? { named: true } : values.unnamed ? { named: false } : {}),
      ...(values.hidden ? { hidden: 'include' as const } : {}),
      ...(values.sort ? { sort: values.sort as (typeof sorts)[number] } : {}),
      ...(values.limit !== undefined ? { maxResults: intFlag(values.limit, '--limit', L.maxResults) } : {}),
      ...(values.page !== undefined ? { page: intFlag(values.page, '--page', L.page) } : {}),
    });
    if (json) printJson(out, r);
    else {
      for (const p of r.persons) out.write(`${personLine(p)}\n`);
      out.write(`${r.persons.length} of ${r.totalCount} persons\n`);
    }
    return 0;
  },
};

export const person: Command = {
  name: 'person',
  summary: "One person and their photos and videos, newest first",
  synopsis: 'person <id>',
  library: true,
  async run({ engine, json, out, positionals }) {
    const [personId] = positionals;
    if (!personId) throw new UsageError('person needs a person id (see `face-organizer people`)');
    const p = await engine.people.getPerson({ personId });
    const media = await engine.people.personMedia({ personId, maxResults: 100 });
    if (json) printJson(out, { person: p, media });
    else {
      out.write(`${personLine(p)}\n`);
      for (const m of media.media) out.write(`  ${m.capturedAt ? new Date(m.capturedAt).toISOString().slice(0, 10) : '          '}  ${m.path}\n`);
      if (media.totalCount > media.media.length) out.write(`  … ${media.totalCount - media.media.length} more\n`);
    }
    return 0;
  },
};

export const rename: Command = {
  name: 'rename',
  summary: 'Name a person (an empty name removes it)',
  synopsis: 'rename <id> <name>',
  library: true,
  async run({ engine, json, out, positionals }) {
    const [personId, ...name] = positionals;
    if (!personId || name.length === 0) throw new UsageError('rename needs a person id and a name');
    const joined = name.join(' ').trim();
    const r = await engine.people.renamePerson({ personId, name: joined || null });
    if (json) printJson(out, r);
    else out.write(`${personLine(r.persons[0]!)}\n`);
    return 0;
  },
};

export const merge: Command = {
  name: 'merge',
  summary: 'Merge persons into the first one given',
  synopsis: 'merge <targetId> <otherId...>',
  library: true,
  async run({ engine, json, out, positionals }) {
    const [targetId, ...sourceIds] = positionals;
    if (!targetId || sourceIds.length === 0) throw new UsageError('merge needs at least two person ids: the one to keep first');
    const r = await engine.people.mergePersons({ targetId, sourceIds });
    if (json) printJson(out, r);
    else out.write(`${personLine(r.persons.find((p) => p.id === targetId) ?? r.persons[0]!)}\n`);
    return 0;
  },
};

export const moveFace: Command = {
  name: 'move-face',
  summary: 'Move a face to another person (your choice is never undone by clustering)',
  synopsis: 'move-face <faceId> <personId>',
  library: true,
  async run({ engine, json, out, positionals }) {
    const [faceId, personId] = positionals;
    if (!faceId || !personId) throw new UsageError('move-face needs a face id and a person id');
    const r = await engine.people.moveFaces({ faceIds: [faceId], personId });
    if (json) printJson(out, r);
    else out.write(`moved ${r.changedFaces} face\n`);
    return 0;
  },
};

export const rejectFace: Command = {
  name: 'reject-face',
  summary: '"Not this person": the face leaves the person and is never assigned to it again',
  synopsis: 'reject-face <faceId> <personId>',
  library: true,
  async run({ engine, json, out, positionals }) {
    const [faceId, personId] = positionals;
    if (!faceId || !personId) throw new UsageError('reject-face needs a face id and a person id');
    const r = await engine.people.rejectFace({ faceId, personId });
    if (json) printJson(out, r);
    else out.write(`face ${faceId} is not ${personId}\n`);
    return 0;
  },
};

export const exportPersons: Command = {
  name: 'export',
  summary: "Copy or link persons' photos into one folder per person, with a manifest (JSON and CSV)",
  synopsis: 'export <personId...> --to <dir>',
  library: true,
  options: { to: { type: 'string' }, copy: { type: 'boolean', default: false }, crops: { type: 'boolean', default: false } },
  optionHelp: [
    '--to <dir>                Target folder (created when missing)',
    '--copy                    Copy files instead of hard-linking them',
    '--crops                   Also write a crop of each face',
  ],
  async run(ctx) {
    const { values, positionals } = ctx;
    if (positionals.length === 0) throw new UsageError('export needs at least one person id');
    if (typeof values.to !== 'string') throw new UsageError('export needs --to <dir>');
    const task = await follow(
      ctx,
      (started) => ctx.engine.people.exportPersons({ personIds: positionals, targetDir: values.to as string, ...(values.copy ? { mode: 'copy' as const } : {}), ...(values.crops ? { crops: true } : {}) }, { started }),
      'exporting',
    );
    if (!ctx.json && task.result) {
      const r = task.result as { targetDir: string; persons: number; files: number };
      ctx.out.write(`exported ${r.files} files of ${r.persons} persons to ${r.targetDir}\n`);
    }
    return exitOf(task, ctx.out, ctx.json);
  },
};

function undoSummary(r: UndoResult, verb: string): string {
  const left = [r.missingFaces ? `${r.missingFaces} faces no longer exist` : '', r.keptFaces ? `${r.keptFaces} faces you changed since were left as they are` : ''].filter(Boolean);
  return `${verb}: ${r.entry.label} (${r.changedFaces} faces changed${left.length ? `; ${left.join('; ')}` : ''})\n`;
}

function historyStep(name: 'undo' | 'redo', summary: string, verb: string): Command {
  return {
    name,
    summary,
    synopsis: name,
    library: true,
    async run({ engine, json, out }) {
      const r = await engine.people[name]();
      if (json) printJson(out, r);
      else out.write(undoSummary(r, verb));
      return 0;
    },
  };
}

export const undo = historyStep('undo', 'Undo the latest change to people (merge, rename, hide, move, "not this person", …)', 'undone');
export const redo = historyStep('redo', 'Redo the latest undone change to people', 'redone');

export const history: Command = {
  name: 'history',
  summary: 'The changes to people that undo and redo would take back, newest first',
  synopsis: 'history',
  library: true,
  options: { limit: { type: 'string' } },
  optionHelp: ['--limit <n>               At most n entries of each list (default 50)'],
  async run({ engine, json, out, values }) {
    const r = await engine.people.history(values.limit !== undefined ? { maxResults: intFlag(values.limit, '--limit', HistoryRequestSchema.shape.maxResults) } : {});
    if (json) printJson(out, r);
    else {
      const line = (e: HistoryEntry) => `  ${new Date(e.at).toISOString().slice(0, 19).replace('T', ' ')}  ${e.label}\n`;
      out.write(r.undo.length ? `undo (newest first):\n${r.undo.map(line).join('')}` : 'nothing to undo\n');
      if (r.redo.length) out.write(`redo (newest first):\n${r.redo.map(line).join('')}`);
    }
    return 0;
  },
};

export const PEOPLE_COMMANDS: Command[] = [cluster, people, person, rename, merge, moveFace, rejectFace, undo, redo, history, exportPersons];
