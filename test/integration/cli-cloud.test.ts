/**
 * The cloud-* commands as a user runs them (the package's bin, a real process) against the loopback
 * emulator (FACE_ORGANIZER_CLOUD_ENDPOINT), on a small real library: obama's 4 and amy's 5 photos,
 * indexed and clustered by the engine. The emulator's fake recogniser knows a person by the file
 * name's prefix, which for these fixtures agrees with who is in the photo.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudStatus, CloudSyncReport } from '../../src-main/contract/cloud';
import type { Person } from '../../src-main/contract/people';
import type { Task } from '../../src-main/engine/tasks/task-registry';
import { CloudEmulator } from '../cloud/emulator';
import { KEY, TARGET } from '../cloud/helpers';
import { FIXTURES, REPO_ROOT, tempDir } from '../helpers/paths';

const SECRET = KEY.accessKeySecret;
const root = tempDir('cli-cloud');
const library = join(root, 'library');
const photos = join(root, 'photos');
const obamaPhotos = readdirSync(join(FIXTURES, 'people', 'obama')).map((f) => join(photos, f));
const amyPhotos = readdirSync(join(FIXTURES, 'people', 'amy')).map((f) => join(photos, f));
let emu: CloudEmulator;

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** The CLI in a child process (async: the emulator answers from this process). stdin gets `input`, then EOF. */
function cli(args: string[], input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'face-organizer.mjs'), ...args, '--library', library, '--provider', 'cpu'], {
      cwd: root,
      env: { ...process.env, FACE_ORGANIZER_MODELS_DIR: join(REPO_ROOT, 'resources', 'models'), FACE_ORGANIZER_CLOUD_ENDPOINT: emu.url },
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => child.kill(), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
    child.stdin.end(input);
  });
}

async function json<T>(args: string[]): Promise<T> {
  const r = await cli([...args, '--json']);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as T;
}

async function personNames(): Promise<string[]> {
  return (await json<{ persons: Person[] }>(['people'])).persons.map((p) => p.name ?? '').sort();
}

beforeAll(async () => {
  emu = await CloudEmulator.start({ keys: [KEY], clusterNames: { obama: 'Barack Obama', amy: 'Amy Farrah Fowler' } });
  mkdirSync(photos);
  for (const id of ['obama', 'amy']) for (const f of readdirSync(join(FIXTURES, 'people', id))) copyFileSync(join(FIXTURES, 'people', id, f), join(photos, f));
  const r = await cli(['index', photos]);
  expect(r.code, r.err).toBe(0);
  expect(r.out).toMatch(/2 persons/);
});

afterAll(async () => {
  await emu?.close();
});

describe('face-organizer cloud-*', () => {
  it('is off by default, and login reads the secret from stdin and never shows it', async () => {
    const off = await json<CloudStatus>(['cloud-status']);
    expect(off).toMatchObject({ enabled: false, ready: false, credentials: { stored: false }, config: { folders: [] } });

    // The secret is never an argument; no secret on stdin saves nothing.
    const argv = await cli(['cloud-login', '--access-key-id', KEY.accessKeyId, '--access-key-secret', 'Argv-Secret-123456']);
    expect(argv.code).toBe(64);
    expect(argv.err).toMatch(/^error \[USAGE\]: the AccessKey secret is not taken on the command line/m);
    expect(argv.out + argv.err).not.toContain('Argv-Secret-123456');
    const empty = await cli(['cloud-login', '--access-key-id', KEY.accessKeyId]);
    expect(empty.code).toBe(64);
    expect(empty.err).toMatch(/no AccessKey secret on stdin/);
    expect(existsSync(join(library, 'cloud', 'cloud-credentials.json'))).toBe(false);

    const login = await cli(['cloud-login', '--access-key-id', KEY.accessKeyId], `${SECRET}\n`);
    expect(login.code, login.err).toBe(0);
    expect(login.out).toMatch(/^saved AccessKey LTAI\S+001, protected by AES-256-GCM/);
    expect(login.out + login.err).not.toContain(SECRET);
    expect(login.out).not.toContain(KEY.accessKeyId);
    // Nothing in the library's cloud folder holds the secret in clear.
    const dir = join(library, 'cloud');
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f), 'utf8')).not.toContain(SECRET);

    const text = await cli(['cloud-status']);
    expect(text.out).toMatch(/^key\s+LTAI\S+001, protected by AES-256-GCM/m);
    expect(text.out).toMatch(/^ready\s+no: Cloud sync is turned off\./m);
    const status = await cli(['cloud-status', '--json']);
    expect(status.out).not.toContain(SECRET);
    expect(JSON.parse(status.out).credentials).toMatchObject({ stored: true, protection: 'file-aes-256-gcm', accessKeyIdMasked: expect.stringMatching(/^LTAI.+001$/) });
  });

  it('refuses to sync with no folder chosen, uploading nothing, and takes only library folders', async () => {
    const conf = await cli(['cloud-configure', '--enable', '--region', TARGET.region, '--project', TARGET.projectName, '--dataset', TARGET.datasetName, '--bucket', TARGET.bucket, '--prefix', 'library']);
    expect(conf.code, conf.err).toBe(0);
    expect(conf.out).toMatch(/^prefix\s+library\/$/m);
    expect(conf.out).toMatch(/^folders\s+none chosen/m);
    expect(conf.out).toMatch(/^ready\s+yes$/m);

    const sync = await cli(['cloud-sync']);
    expect(sync.code).toBe(1);
    expect(sync.err).toMatch(/^error \[INVALID_ARGUMENT\]: No folder is chosen for cloud sync, so nothing was uploaded\. .*cloud-configure --folder/m);
    expect(emu.calls).toEqual([]);

    const notLibrary = await cli(['cloud-configure', '--folder', root]);
    expect(notLibrary.code).toBe(1);
    expect(notLibrary.err).toContain(`error [INVALID_ARGUMENT]: ${root} is not a library folder. Library folders: ${photos}.`);
    const inside = await cli(['cloud-configure', '--folder', obamaPhotos[0]!]);
    expect(inside.code).toBe(1);
    expect(inside.err).toMatch(/is inside the library folder/);
    expect((await json<CloudStatus>(['cloud-status'])).config.folders).toEqual([]);
  });

  it('syncs the chosen folder, with progress on stderr and the comparison with local persons on stdout', async () => {
    // A relative path, resolved against the working folder.
    const conf = await cli(['cloud-configure', '--folder', 'photos']);
    expect(conf.code, conf.err).toBe(0);
    expect(conf.out).toContain(`folder    ${photos}\n`);
    const test = await cli(['cloud-test']);
    expect(test.code, test.err).toBe(0);
    expect(test.out).toMatch(/^oss {2}ok\nimm {2}ok\nconnection ok\n$/);

    const sync = await cli(['cloud-sync']);
    expect(sync.code, sync.err).toBe(0);
    expect(emu.callsOf('PutObject')).toHaveLength(9);
    expect(sync.err).toMatch(/^cloud sync: uploading/m);
    expect(sync.out).not.toMatch(/cloud sync:/);
    expect(sync.out).toContain(`folder ${photos}: 9 uploaded, 0 skipped (unchanged), 9 indexed\n`);
    // One row per cloud cluster, each matched with its local person on all of its photos.
    expect(sync.out).toMatch(/^ {2}Cluster-\S+ +Barack Obama +\S+ +\(unnamed\) +1\.00 +4\/4\/4$/m);
    expect(sync.out).toMatch(/^ {2}Cluster-\S+ +Amy Farrah Fowler +\S+ +\(unnamed\) +1\.00 +5\/5\/5$/m);
    expect(sync.out).toMatch(/cloud-import-names --cluster <id>/);

    // Again, as JSON: the task, nothing uploaded twice.
    const again = await json<Task>(['cloud-sync']);
    expect(again.status).toBe('succeeded');
    const pushes = (again.result as CloudSyncReport).pushes;
    expect(pushes).toHaveLength(1);
    expect(pushes[0]).toMatchObject({ folder: photos, uploaded: 0, skipped: 9, indexed: 0, warnings: [] });
    expect(emu.callsOf('PutObject')).toHaveLength(9);
  });

  it('imports cloud names onto persons; a name the user gave is replaced only with --allow-rename', async () => {
    expect((await cli(['cloud-import-names'])).code).toBe(64);
    const report = await json<CloudSyncReport>(['cloud-report']);
    const amy = report.imports.find((i) => i.name === 'Amy Farrah Fowler')!;
    expect(report.imports.map((i) => i.name).sort()).toEqual(['Amy Farrah Fowler', 'Barack Obama']);
    expect((await cli(['rename', amy.personId, 'Amy'])).code).toBe(0);

    const all = await cli(['cloud-import-names', '--all']);
    expect(all.code, all.err).toBe(0);
    expect(all.out).toMatch(/^named \S+ "Barack Obama"/m);
    expect(all.out).toContain(`skipped cluster ${amy.clusterId}: the person already has a name you gave`);
    expect(await personNames()).toEqual(['Amy', 'Barack Obama']);

    const rename = await cli(['cloud-import-names', '--cluster', amy.clusterId, '--allow-rename']);
    expect(rename.code, rename.err).toBe(0);
    expect(rename.out).toContain(`named ${amy.personId} "Amy Farrah Fowler"`);
    expect(await personNames()).toEqual(['Amy Farrah Fowler', 'Barack Obama']);
    expect((await cli(['cloud-report'])).out).toMatch(/no cloud names to import/);
  });

  it('searches the cloud by one face and shows the hits as library photos', async () => {
    const r = await cli(['cloud-search', join('photos', 'obama_test1.jpg')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^query face #0 .*uploaded as oss:\/\/test-bucket\/library\/search\/\S+-obama_test1-face\.jpg$/m);
    expect(r.out).toMatch(/^ {2}Cluster-\S+ {2}"Barack Obama" {2}similarity [\d.]+ {2}4 files$/m);
    const listed = r.out.split('\n').filter((l) => l.startsWith('    /')).map((l) => l.trim());
    expect(listed.sort()).toEqual([...obamaPhotos, ...obamaPhotos].sort()); // IMM cluster files, then ICE media
    for (const p of amyPhotos) expect(r.out).not.toContain(p);

    const badFace = await cli(['cloud-search', obamaPhotos[0]!, '--face', '7']);
    expect(badFace.code).toBe(1);
    expect(badFace.err).toMatch(/^error \[QUERY_NO_FACE\]: --face 7 is out of range/m);
  });

  it('logout erases the key, turns sync off and forgets the last sync', async () => {
    const r = await cli(['cloud-logout']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/AccessKey erased/);
    expect(readdirSync(join(library, 'cloud')).filter((f) => f.startsWith('cloud-credentials'))).toEqual([]);
    const status = await json<CloudStatus>(['cloud-status']);
    expect(status).toMatchObject({ enabled: false, ready: false, credentials: { stored: false }, config: { folders: [photos] } });
    expect((await cli(['cloud-report'])).out).toMatch(/^nothing synced yet/);

    const puts = emu.callsOf('PutObject').length;
    const sync = await cli(['cloud-sync']);
    expect(sync.code).toBe(1);
    expect(sync.err).toMatch(/^error \[CLOUD_DISABLED\]: /m);
    expect(emu.callsOf('PutObject')).toHaveLength(puts);
  });
});
