/**
 * cloud-status, cloud-configure, cloud-login, cloud-logout, cloud-test, cloud-sync, cloud-pull,
 * cloud-report, cloud-import-names, cloud-search: the optional Alibaba Cloud sync (OSS / IMM / ICE),
 * off by default. A thin door onto engine.cloud and the engine's cloud flows (docs/cloud.md).
 *
 * The AccessKey secret (and an STS token) are read from stdin, never from the command line, where
 * they would land in the shell history and in `ps`; only the masked summary is ever printed.
 */
import { realpath } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { CloudConfigPatch, CloudStatus, CloudSyncReport, CredentialSummary, ImportNamesResult } from '../../contract/cloud';
import type { FaceDto } from '../../contract/vision';
import { ERROR_CODES, EngineError } from '../../engine/errors';
import type { ErrorCode } from '../../engine/errors';
import type { Task } from '../../engine/tasks/task-registry';
import type { Command, CommandContext } from '../command';
import { UsageError, int, printJson } from '../command';

// ---- printing --------------------------------------------------------------------------------

function keyLine(c: CredentialSummary): string {
  if (!c.stored) return 'none saved: `face-organizer cloud-login --access-key-id <id>` (secret on stdin)';
  return [
    c.accessKeyIdMasked ?? '(saved)',
    c.hasSecurityToken ? 'with STS token' : '',
    c.protection ? `protected by ${c.protection === 'os-encryptor' ? 'the desktop keychain' : 'AES-256-GCM file + key file (0600)'}` : '',
    c.savedAt ? `saved ${c.savedAt}` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

async function printStatus(ctx: CommandContext, s: CloudStatus): Promise<void> {
  const { out } = ctx;
  const c = s.config;
  const libraryFolders = new Set((await ctx.engine.library.listFolders()).map((f) => f.path));
  const row = (k: string, v: string) => out.write(`${k.padEnd(10)}${v}\n`);
  row('cloud', s.enabled ? 'on' : 'off');
  row('setup', s.configured ? 'complete' : 'incomplete (region, project, dataset and bucket are all needed)');
  row('region', c.region ?? '-');
  row('project', c.projectName ?? '-');
  row('dataset', c.datasetName ?? '-');
  row('bucket', c.bucket ?? '-');
  row('prefix', c.prefix === '' ? '(none)' : c.prefix);
  if (c.iceSearchLibName || c.iceNamespace) row('ice', `search library ${c.iceSearchLibName ?? '-'}, namespace ${c.iceNamespace ?? '-'}`);
  row('key', keyLine(s.credentials));
  if (c.folders.length === 0) row('folders', 'none chosen (nothing is uploaded): `face-organizer cloud-configure --folder <library folder>`');
  for (const f of c.folders) row('folder', `${f}${libraryFolders.has(f) ? '' : '  (no longer a library folder: not synced)'}`);
  row('ready', s.ready ? 'yes' : `no: ${s.reason ?? 'not ready'}`);
}

const fmtScore = (n: number) => n.toFixed(2);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => `  ${r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}`.trimEnd()).join('\n') + '\n';
}

function printReport(out: NodeJS.WritableStream, r: CloudSyncReport): void {
  out.write(`${r.kind === 'sync' ? 'sync' : 'pull'} of ${r.finishedAt}: ${r.clusters} cloud cluster${r.clusters === 1 ? '' : 's'}\n`);
  for (const p of r.pushes) {
    out.write(`folder ${p.folder}: ${p.uploaded} uploaded, ${p.skipped} skipped (unchanged), ${p.indexed} indexed${p.registered ? `, ${p.registered} added to the ICE search library` : ''}\n`);
    for (const w of p.warnings) out.write(`  warning: ${w}\n`);
  }
  const m = r.comparison.matches;
  if (m.length > 0) {
    out.write('cloud clusters and local persons (score: shared photos / photos of either):\n');
    out.write(
      table([
        ['cluster', 'cloud name', 'person', 'local name', 'score', 'photos (shared/cloud/local)'],
        ...m.map((x) => [
          x.clusterId,
          x.clusterName ?? '-',
          x.personId ?? '(no match)',
          x.personId ? (x.personName ?? '(unnamed)') : '-',
          x.personId ? fmtScore(x.score) : '-',
          `${x.shared}/${x.clusterMedia}/${x.personId ? x.personMedia : '-'}`,
        ]),
      ]),
    );
  }
  if (r.comparison.unmatchedPersons.length > 0) out.write(`local persons no cloud cluster matches: ${r.comparison.unmatchedPersons.join(', ')}\n`);
  if (r.comparison.unmappedMedia > 0) out.write(`cloud files that are no library photo: ${r.comparison.unmappedMedia}\n`);
  if (r.imports.length === 0) out.write('no cloud names to import\n');
  else {
    out.write('cloud names that can go onto local persons (`face-organizer cloud-import-names --cluster <id>` or `--all`):\n');
    out.write(
      table(
        r.imports.map((i) => {
          const current = m.find((x) => x.clusterId === i.clusterId)?.personName;
          return [i.clusterId, `"${i.name}"`, `-> ${i.personId}`, `score ${fmtScore(i.score)}`, i.renames ? `renames "${current ?? ''}" (needs --allow-rename)` : ''];
        }),
      ),
    );
  }
}

const PHASES: Record<string, { label: string; unit: string }> = {
  list: { label: 'listing objects', unit: '' },
  upload: { label: 'uploading', unit: 'files' },
  index: { label: 'indexing in IMM', unit: 'files' },
  'wait-index': { label: 'waiting for IMM to index', unit: 'files' },
  register: { label: 'adding to the ICE search library', unit: 'files' },
  cluster: { label: 'starting IMM clustering', unit: '' },
  poll: { label: 'IMM clustering', unit: '' },
  pull: { label: 'pulling clusters', unit: 'clusters' },
  search: { label: 'searching', unit: '' },
};

/** Cloud task progress on stderr: a redrawn line on a TTY; otherwise a line per phase and every few seconds (as ProgressPrinter). */
class CloudProgress {
  private last = 0;
  private phase = '';
  /** The task keeps the last `current` until a report sets a new one: the previous phase's is not shown. */
  private stale: string | undefined;
  private current: string | undefined;
  private drawn = false;

  constructor(private readonly err: NodeJS.WritableStream & { isTTY?: boolean }, private readonly label: string) {}

  update(task: Task): void {
    const p = task.progress;
    if (!p.phase) return;
    const tty = this.err.isTTY === true;
    const now = Date.now();
    const newPhase = p.phase !== this.phase;
    if (newPhase) this.stale = this.current;
    this.phase = p.phase;
    this.current = p.current;
    if (!newPhase && now - this.last < (tty ? 100 : 5000)) return;
    this.last = now;
    const ph = PHASES[p.phase] ?? { label: p.phase, unit: '' };
    const count = ph.unit && p.total > 0 ? ` ${p.done}/${p.total} ${ph.unit}` : '';
    const current = p.current && p.current !== this.stale && p.current !== ph.unit ? `  ${p.current.length > 50 ? `…${p.current.slice(-49)}` : p.current}` : '';
    const line = `${this.label}: ${ph.label}${count}${current}`;
    if (tty) {
      this.err.write(`\r\x1b[2K${line}`);
      this.drawn = true;
    } else this.err.write(`${line}\n`);
  }

  done(): void {
    if (this.drawn) this.err.write('\n');
    this.drawn = false;
  }
}

/** Runs a cloud task with progress on stderr (Ctrl-C cancels it); prints the report, or the error with its code. */
async function runTask(ctx: CommandContext, start: (opts: { started: (id: string) => void }) => Promise<Task>, label: string): Promise<number> {
  const printer = ctx.json ? null : new CloudProgress(ctx.err, label);
  let id = '';
  const off = ctx.engine.tasks.subscribe((t) => t.id === id && printer?.update(t));
  const onAbort = () => id && ctx.engine.tasks.cancel(id);
  ctx.signal.addEventListener('abort', onAbort);
  let task: Task;
  try {
    task = await start({ started: (taskId) => (id = taskId) });
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    off();
    printer?.done();
  }
  if (ctx.json) printJson(ctx.out, task);
  else if (task.status === 'succeeded' && task.result) printReport(ctx.out, task.result as CloudSyncReport);
  if (task.status === 'succeeded') return 0;
  if (task.status === 'cancelled') {
    ctx.err.write(`${label} cancelled\n`);
    return 130;
  }
  const e = task.error ?? { code: 'INTERNAL', message: `${label} ${task.status}` };
  ctx.err.write(`error [${e.code}]: ${e.message}\n`);
  return 1;
}

// ---- reading secrets -----------------------------------------------------------------------

/** One line typed at the terminal, not echoed. */
function promptHidden(question: string, err: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolvePrompt, reject) => {
    const muted = new Writable({ write: (_chunk, _enc, cb) => cb() });
    const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
    let answered = false;
    err.write(question);
    rl.on('SIGINT', () => {
      rl.close();
      err.write('\n');
      reject(new EngineError('CANCELLED', 'Nothing was saved.'));
    });
    rl.on('close', () => {
      if (!answered) resolvePrompt('');
    });
    rl.question('', (answer) => {
      answered = true;
      rl.close();
      err.write('\n');
      resolvePrompt(answer);
    });
  });
}

/** The first `labels.length` lines of stdin (piped), or prompted without echo on a terminal. */
async function readSecretLines(labels: string[], err: NodeJS.WritableStream): Promise<string[]> {
  if (process.stdin.isTTY) {
    const answers: string[] = [];
    for (const l of labels) answers.push(await promptHidden(`${l}: `, err));
    return answers;
  }
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  const lines: string[] = [];
  for await (const line of rl) {
    lines.push(line.replace(/\r$/, ''));
    if (lines.length === labels.length) break;
  }
  rl.close();
  process.stdin.pause();
  return lines;
}

// ---- commands ------------------------------------------------------------------------------

export const cloudStatus: Command = {
  name: 'cloud-status',
  summary: 'Alibaba Cloud sync (optional, off by default): settings, masked key, chosen folders',
  synopsis: 'cloud-status',
  library: true,
  async run(ctx) {
    const s = await ctx.engine.cloud.status();
    if (ctx.json) printJson(ctx.out, s);
    else await printStatus(ctx, s);
    return 0;
  },
};

/** A --folder argument as the library folder path it names (library folders are stored as real paths). */
async function libraryFolder(ctx: CommandContext, given: string): Promise<string> {
  const folders = await ctx.engine.library.listFolders();
  const abs = resolve(given);
  const real = await realpath(abs).catch(() => abs);
  const hit = folders.find((f) => f.path === real || f.path === abs || f.id === given);
  if (hit) return hit.path;
  const parent = folders.find((f) => real.startsWith(f.path + sep));
  const known = folders.length ? ` Library folders: ${folders.map((f) => f.path).join(', ')}.` : ' The library has no folders yet.';
  if (parent) throw new EngineError('INVALID_ARGUMENT', `${real} is inside the library folder ${parent.path}; cloud sync takes whole library folders: choose ${parent.path}.`);
  throw new EngineError('INVALID_ARGUMENT', `${real} is not a library folder.${known} Add it first with \`face-organizer index ${real}\`.`);
}

export const cloudConfigure: Command = {
  name: 'cloud-configure',
  summary: 'Cloud settings: on/off, region, IMM project and dataset, bucket, the folders to upload',
  synopsis: 'cloud-configure [--folder <dir>...]',
  library: true,
  options: {
    enable: { type: 'boolean', default: false },
    disable: { type: 'boolean', default: false },
    region: { type: 'string' },
    project: { type: 'string' },
    dataset: { type: 'string' },
    bucket: { type: 'string' },
    prefix: { type: 'string' },
    'ice-library': { type: 'string' },
    'ice-namespace': { type: 'string' },
    folder: { type: 'string', multiple: true },
    'no-folders': { type: 'boolean', default: false },
  },
  optionHelp: [
    '--enable / --disable      Turn cloud sync on or off (off by default; nothing reaches the network while off)',
    '--region <id>             Region id, e.g. cn-hangzhou',
    '--project <name>          IMM project (with a service role that can read the bucket)',
    '--dataset <name>          IMM dataset the photos are indexed into',
    '--bucket <name>           OSS bucket the photos are uploaded to',
    '--prefix <p>              Object key prefix (default face-organizer/; a trailing / is added)',
    '--ice-library <name>      ICE search library (optional)',
    '--ice-namespace <name>    ICE namespace (optional)',
    '--folder <dir>            A library folder to upload, repeatable; replaces the chosen folders',
    '                          (none are chosen by default: nothing is uploaded until you choose)',
    '--no-folders              Choose no folder (sync then uploads nothing)',
  ],
  async run(ctx) {
    const { values } = ctx;
    if (values.enable && values.disable) throw new UsageError('--enable and --disable exclude each other');
    if (values.folder !== undefined && values['no-folders']) throw new UsageError('--folder and --no-folders exclude each other');
    const str = (k: string) => (typeof values[k] === 'string' ? (values[k] as string).trim() : undefined);
    const prefix = str('prefix');
    const patch: CloudConfigPatch = {
      ...(values.enable ? { enabled: true } : values.disable ? { enabled: false } : {}),
      ...(str('region') !== undefined ? { region: str('region') } : {}),
      ...(str('project') !== undefined ? { projectName: str('project') } : {}),
      ...(str('dataset') !== undefined ? { datasetName: str('dataset') } : {}),
      ...(str('bucket') !== undefined ? { bucket: str('bucket') } : {}),
      ...(prefix !== undefined ? { prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` } : {}),
      ...(str('ice-library') !== undefined ? { iceSearchLibName: str('ice-library') } : {}),
      ...(str('ice-namespace') !== undefined ? { iceNamespace: str('ice-namespace') } : {}),
      ...(values['no-folders'] ? { folders: [] } : {}),
    };
    if (Array.isArray(values.folder)) {
      const folders: string[] = [];
      for (const f of values.folder as string[]) {
        const path = await libraryFolder(ctx, f);
        if (!folders.includes(path)) folders.push(path);
      }
      patch.folders = folders;
    }
    if (Object.keys(patch).length === 0) throw new UsageError('cloud-configure needs at least one option (see `face-organizer cloud-configure --help`)');
    await ctx.engine.cloud.updateConfig(patch);
    const s = await ctx.engine.cloud.status();
    if (ctx.json) printJson(ctx.out, s);
    else await printStatus(ctx, s);
    return 0;
  },
};

export const cloudLogin: Command = {
  name: 'cloud-login',
  summary: 'Save the cloud AccessKey, encrypted; the secret is read from stdin, never from argv',
  synopsis: 'cloud-login --access-key-id <id> [--sts]',
  library: true,
  options: { 'access-key-id': { type: 'string' }, sts: { type: 'boolean', default: false }, 'access-key-secret': { type: 'string' } },
  optionHelp: [
    '--access-key-id <id>      The AccessKey id (not secret)',
    '--sts                     Temporary STS credentials: a second stdin line holds the security token',
    '',
    'The AccessKey secret is read from stdin, one line (then the STS token, one line, with --sts);',
    'on a terminal it is asked for without echo. It is never taken from the command line, where it',
    'would be kept in the shell history and be visible to `ps`. Only a masked summary is printed.',
    '  face-organizer cloud-login --access-key-id LTAI5t… < secret.txt',
    '  printf "%s\\n%s\\n" "$SECRET" "$TOKEN" | face-organizer cloud-login --access-key-id STS.N… --sts',
    'In the CLI the key is kept AES-256-GCM encrypted in the library\'s cloud/ folder, with its key file',
    'beside it (both 0600): anyone who can read both files as you can decrypt it. cloud-logout erases it.',
  ],
  async run(ctx) {
    const { values } = ctx;
    if (values['access-key-secret'] !== undefined) {
      throw new UsageError('the AccessKey secret is not taken on the command line (shell history, `ps`): give it on stdin. Nothing was saved.');
    }
    const accessKeyId = typeof values['access-key-id'] === 'string' ? values['access-key-id'].trim() : '';
    if (!accessKeyId) throw new UsageError('cloud-login needs --access-key-id <id> (the secret comes on stdin)');
    const labels = values.sts ? ['AccessKey secret', 'STS security token'] : ['AccessKey secret'];
    const [secret = '', token = ''] = (await readSecretLines(labels, ctx.err)).map((l) => l.trim());
    if (!secret) throw new UsageError('no AccessKey secret on stdin: give it as the first line (see `face-organizer cloud-login --help`). Nothing was saved.');
    if (values.sts && !token) throw new UsageError('--sts needs the security token as the second line of stdin. Nothing was saved.');
    const summary = await ctx.engine.cloud.saveCredentials({ accessKeyId, accessKeySecret: secret, ...(values.sts ? { securityToken: token } : {}) });
    if (ctx.json) printJson(ctx.out, summary);
    else {
      ctx.out.write(`saved AccessKey ${keyLine(summary)}\n`);
      const s = await ctx.engine.cloud.status();
      if (!s.ready) ctx.out.write(`cloud sync is not ready yet: ${s.reason ?? ''} (\`face-organizer cloud-status\`)\n`);
    }
    return 0;
  },
};

export const cloudLogout: Command = {
  name: 'cloud-logout',
  summary: 'Disconnect: erase the saved AccessKey, turn cloud sync off, forget the last sync',
  synopsis: 'cloud-logout',
  library: true,
  async run(ctx) {
    const s = await ctx.engine.cloud.disconnect();
    if (ctx.json) printJson(ctx.out, s);
    else ctx.out.write('cloud AccessKey erased, cloud sync turned off, last sync forgotten (settings and chosen folders are kept)\n');
    return 0;
  },
};

export const cloudTest: Command = {
  name: 'cloud-test',
  summary: 'Check the cloud connection and credentials, service by service',
  synopsis: 'cloud-test',
  library: true,
  async run(ctx) {
    const r = await ctx.engine.cloud.testConnection({ signal: ctx.signal });
    if (ctx.json) printJson(ctx.out, r);
    else {
      for (const c of r.checks) {
        ctx.out.write(`${c.service.padEnd(5)}${c.ok ? 'ok' : `failed [${c.code ?? 'ERROR'}] ${c.message ?? ''}${c.requestId ? ` (request ${c.requestId})` : ''}`}\n`);
      }
      ctx.out.write(r.ok ? 'connection ok\n' : 'connection check failed\n');
    }
    return r.ok ? 0 : 1;
  },
};

export const cloudSync: Command = {
  name: 'cloud-sync',
  summary: 'Upload the chosen folders to OSS, cluster in IMM, compare with the local persons',
  synopsis: 'cloud-sync',
  library: true,
  async run(ctx) {
    // The engine refuses too; this says how to choose from the command line, and starts no task.
    if ((await ctx.engine.cloud.getConfig()).folders.length === 0) {
      throw new EngineError(
        'INVALID_ARGUMENT',
        'No folder is chosen for cloud sync, so nothing was uploaded. Choose library folders first: `face-organizer cloud-configure --folder <dir>` (`face-organizer status` lists them).',
      );
    }
    return runTask(ctx, (o) => ctx.engine.cloud.library.sync(o), 'cloud sync');
  },
};

export const cloudPull: Command = {
  name: 'cloud-pull',
  summary: "Pull the cloud's clusters as they are (no upload) and compare with the local persons",
  synopsis: 'cloud-pull',
  library: true,
  async run(ctx) {
    return runTask(ctx, (o) => ctx.engine.cloud.library.pull(o), 'cloud pull');
  },
};

export const cloudReport: Command = {
  name: 'cloud-report',
  summary: 'The last cloud sync or pull, compared with the local persons as they are now',
  synopsis: 'cloud-report',
  library: true,
  async run(ctx) {
    const r = await ctx.engine.cloud.library.report();
    if (ctx.json) printJson(ctx.out, r);
    else if (!r) ctx.out.write('nothing synced yet: `face-organizer cloud-sync` (or `cloud-pull`) first\n');
    else printReport(ctx.out, r);
    return 0;
  },
};

function printImport(out: NodeJS.WritableStream, r: ImportNamesResult): void {
  for (const a of r.applied) out.write(`named ${a.personId} "${a.name}" (cluster ${a.clusterId}, score ${fmtScore(a.score)})\n`);
  for (const s of r.skipped) out.write(`skipped cluster ${s.clusterId}: ${s.reason}\n`);
  out.write(`${r.applied.length} name${r.applied.length === 1 ? '' : 's'} imported${r.skipped.length ? `, ${r.skipped.length} skipped` : ''}\n`);
}

export const cloudImportNames: Command = {
  name: 'cloud-import-names',
  summary: 'Put cloud cluster names onto the matched local persons (see cloud-report)',
  synopsis: 'cloud-import-names --cluster <id>... | --all',
  library: true,
  options: { cluster: { type: 'string', multiple: true }, all: { type: 'boolean', default: false }, 'allow-rename': { type: 'boolean', default: false } },
  optionHelp: [
    '--cluster <id>            A cloud cluster of `cloud-report`, repeatable',
    '--all                     Every name `cloud-report` lists',
    '--allow-rename            Also replace names you gave (otherwise those persons keep them)',
  ],
  async run(ctx) {
    const { values } = ctx;
    const given = Array.isArray(values.cluster) ? (values.cluster as string[]) : [];
    if (values.all && given.length) throw new UsageError('--cluster and --all exclude each other');
    if (!values.all && given.length === 0) throw new UsageError('cloud-import-names needs --cluster <id> (repeatable) or --all');
    let clusterIds = given;
    if (values.all) {
      const report = await ctx.engine.cloud.library.report();
      if (!report) throw new EngineError('NOT_FOUND', 'Nothing has been pulled from the cloud yet: `face-organizer cloud-sync` or `cloud-pull` first.');
      clusterIds = report.imports.map((i) => i.clusterId);
      if (clusterIds.length === 0) {
        if (ctx.json) printJson(ctx.out, { applied: [], skipped: [] });
        else ctx.out.write('no cloud names to import\n');
        return 0;
      }
    }
    const r = await ctx.engine.cloud.library.importNames({ clusterIds, allowRename: values['allow-rename'] === true });
    if (ctx.json) printJson(ctx.out, r);
    else printImport(ctx.out, r);
    return 0;
  },
};

export const cloudSearch: Command = {
  name: 'cloud-search',
  summary: 'One face of an image searched in IMM and ICE; hits shown as library photos',
  synopsis: 'cloud-search <image> [--face n]',
  library: true,
  options: { face: { type: 'string' }, 'page-size': { type: 'string' } },
  optionHelp: [
    '--face <n>                Which face of the image, 0 = largest (default 0)',
    '--page-size <n>           ICE media hits to show, 1-50 (default 10)',
    'Only the face (cut out with a margin, at most 800 px) is uploaded, under <prefix>search/.',
  ],
  async run(ctx) {
    const { values, positionals, engine, out } = ctx;
    const [image] = positionals;
    if (!image || positionals.length > 1) throw new UsageError('cloud-search needs one image path');
    const faceIndex = values.face !== undefined ? int(values.face, '--face', 0, 1000) : 0;
    const pageSize = values['page-size'] !== undefined ? int(values['page-size'], '--page-size', 1, 50) : undefined;
    // Fail early, before detection, when the cloud is not ready to search.
    const st = await engine.cloud.status();
    if (!st.ready) throw new EngineError('CLOUD_DISABLED', `${st.reason ?? 'Cloud sync is not ready.'} (\`face-organizer cloud-status\`)`);
    const path = resolve(image);
    const detected = await engine.detect({ path });
    const faces: FaceDto[] = [...detected.faces].sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
    if (faces.length === 0) throw new EngineError('QUERY_NO_FACE', `No face was found in ${path}`);
    const face = faces[faceIndex];
    if (!face) throw new EngineError('QUERY_NO_FACE', `--face ${faceIndex} is out of range: ${path} has ${faces.length} face${faces.length === 1 ? '' : 's'} (0-${faces.length - 1})`);
    const name = path.split(sep).pop() ?? 'face.jpg';
    const r = await engine.cloud.library.searchFace({ path, name, box: face.box }, pageSize ? { pageSize } : {});
    for (const e of r.errors) ctx.err.write(`warning: the ${e.part.toUpperCase()} part failed [${e.code}]: ${e.message}\n`);
    // Partial results still answer; nothing at all is a failure.
    if (!r.imm && !r.ice && r.errors.length > 0) {
      const e = r.errors[0]!;
      throw new EngineError(e.code in ERROR_CODES ? (e.code as ErrorCode) : 'CLOUD_SERVICE', e.message);
    }
    if (ctx.json) printJson(out, { queryFace: { index: faceIndex, box: face.box }, ...r });
    else {
      out.write(`query face #${faceIndex} (${Math.round(face.box.width)} px of ${faces.length} face${faces.length === 1 ? '' : 's'}), uploaded as ${r.queryUri}\n`);
      const where = (h: { localPath?: string; uri?: string; mediaId?: string }) => h.localPath ?? `${h.uri ?? h.mediaId ?? '?'}  (not a library photo)`;
      if (r.imm) {
        out.write(`IMM clusters: ${r.imm.clusters.length}\n`);
        for (const c of r.imm.clusters) {
          out.write(`  ${c.clusterId}  ${c.name ? `"${c.name}"` : '(unnamed)'}  similarity ${c.similarity.toFixed(3)}  ${c.total} file${c.total === 1 ? '' : 's'}\n`);
          for (const h of c.items) out.write(`    ${where(h)}\n`);
          if (c.total > c.items.length) out.write(`    … ${c.total - c.items.length} more\n`);
        }
        if (r.imm.task) out.write(`  IMM faces-searching task ${r.imm.task.taskId}: ${r.imm.task.status}\n`);
      }
      if (r.ice) {
        out.write(`ICE media: ${r.ice.total}${r.ice.items.length < r.ice.total ? ` (first ${r.ice.items.length})` : ''}\n`);
        for (const h of r.ice.items) out.write(`    ${where(h)}\n`);
      }
    }
    return 0;
  },
};

export const CLOUD_COMMANDS: Command[] = [cloudStatus, cloudConfigure, cloudLogin, cloudLogout, cloudTest, cloudSync, cloudPull, cloudReport, cloudImportNames, cloudSearch];
