/** index, watch, status, errors: the library commands (they open the library database). */
import type { Task } from '../../engine/tasks/task-registry';
import type { IndexSummary } from '../../engine/library/indexer';
import type { Command, CommandContext } from '../command';
import { int, printJson } from '../command';
import { ProgressPrinter } from '../progress';

async function runIndex(ctx: CommandContext, label: string): Promise<Task> {
  const { engine, err, json, signal } = ctx;
  const printer = json ? null : new ProgressPrinter(err, label);
  const off = engine.tasks.subscribe((t) => printer?.update(t));
  const { taskId, done } = await engine.library.index();
  const onAbort = () => engine.tasks.cancel(taskId);
  signal.addEventListener('abort', onAbort);
  const task = await done;
  signal.removeEventListener('abort', onAbort);
  off();
  printer?.done();
  return task;
}

function printSummary(out: NodeJS.WritableStream, task: Task): void {
  const s = task.result as IndexSummary | undefined;
  if (!s) {
    out.write(`indexing ${task.status}${task.error ? `: [${task.error.code}] ${task.error.message}` : ''}\n`);
    return;
  }
  out.write(
    `${task.status === 'cancelled' ? 'stopped' : 'done'}: ${s.files} files (${s.indexed} indexed, ${s.unchanged} unchanged, ${s.moved} moved, ${s.duplicates} duplicates, ${s.removed} removed), ${s.faces} faces, ${s.errors} errors, ${s.seconds} s\n`,
  );
  if (s.errors > 0) out.write('run `face-organizer errors` to see which files failed and why\n');
}

export const index: Command = {
  name: 'index',
  summary: 'Add folders to the library and index every photo and video in them',
  synopsis: 'index [folder...]',
  library: true,
  async run(ctx) {
    if (ctx.positionals.length) await ctx.engine.library.addFolders(ctx.positionals);
    const task = await runIndex(ctx, 'indexing');
    if (!ctx.json) printSummary(ctx.out, task);
    // New faces are grouped into persons right after indexing, as in the app.
    if (task.status === 'succeeded') {
      if (!ctx.json) ctx.err.write('grouping faces into persons…\n');
      await ctx.engine.settled();
      if (!ctx.json) {
        const st = await ctx.engine.library.status();
        ctx.out.write(`${st.persons} persons; \`face-organizer people\` lists them\n`);
      }
    }
    if (ctx.json) printJson(ctx.out, task);
    return task.status === 'succeeded' ? 0 : task.status === 'cancelled' ? 130 : 1;
  },
};

export const watch: Command = {
  name: 'watch',
  summary: 'Index, then keep the library current as files come and go (Ctrl-C stops)',
  synopsis: 'watch [folder...]',
  library: true,
  async run(ctx) {
    const { engine, out, json, signal } = ctx;
    if (ctx.positionals.length) await engine.library.addFolders(ctx.positionals);
    const first = await runIndex(ctx, 'indexing');
    if (!json) printSummary(out, first);
    if (signal.aborted) return 130;
    let lastRun = first.id;
    const off = engine.tasks.subscribe((t) => {
      if (t.kind !== 'index' || t.id === lastRun || t.status === 'running') return;
      lastRun = t.id;
      const s = t.result as IndexSummary | undefined;
      if (json) out.write(`${JSON.stringify({ event: 'indexed', task: t })}\n`);
      else if (s) out.write(`${new Date().toLocaleTimeString()}  +${s.indexed} indexed, ${s.moved} moved, ${s.removed} removed, ${s.faces} faces, ${s.errors} errors\n`);
    });
    await engine.library.startWatching();
    if (!json) out.write(`watching ${(await engine.library.listFolders()).map((f) => f.path).join(', ')} (Ctrl-C to stop)\n`);
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    off();
    await engine.library.stopWatching();
    return 0;
  },
};

export const status: Command = {
  name: 'status',
  summary: 'Library folders, counts of photos, videos, faces and persons, and the running task',
  synopsis: 'status',
  library: true,
  async run({ engine, json, out }) {
    const s = await engine.library.status();
    if (json) {
      printJson(out, s);
      return 0;
    }
    out.write(`library   ${s.dir}\n`);
    for (const f of s.folders) out.write(`folder    ${f.path}  (${f.media} files${f.lastScanAt ? `, scanned ${new Date(f.lastScanAt).toLocaleString()}` : ''})\n`);
    if (s.folders.length === 0) out.write('folder    none yet: `face-organizer index <folder>` adds one\n');
    out.write(`media     ${s.media.total} (${s.media.images} photos, ${s.media.videos} videos; ${s.media.ok} indexed, ${s.media.pending} pending, ${s.media.error} failed)\n`);
    out.write(`faces     ${s.faces}\npersons   ${s.persons}\ndisk      ${(s.bytesOnDisk / 1e6).toFixed(1)} MB\n`);
    if (s.indexing) out.write(`indexing  ${s.indexing.progress.done}/${s.indexing.progress.total}${s.paused ? ' (paused)' : ''}\n`);
    return 0;
  },
};

export const errors: Command = {
  name: 'errors',
  summary: 'Files that could not be indexed, with the reason (retried when they change)',
  synopsis: 'errors',
  library: true,
  options: { limit: { type: 'string' }, offset: { type: 'string' } },
  optionHelp: ['--limit <n>               At most n files (default 100)', '--offset <n>              Skip the first n'],
  async run({ engine, json, out, values }) {
    const r = await engine.library.errors({
      ...(values.limit !== undefined ? { limit: int(values.limit, '--limit', 1, 10_000) } : {}),
      ...(values.offset !== undefined ? { offset: int(values.offset, '--offset') } : {}),
    });
    if (json) printJson(out, r);
    else {
      for (const e of r.items) out.write(`${e.path}\n  [${e.code}] ${e.message}\n`);
      out.write(`${r.total} file${r.total === 1 ? '' : 's'} failed\n`);
    }
    return 0;
  },
};

export const LIBRARY_COMMANDS: Command[] = [index, watch, status, errors];
