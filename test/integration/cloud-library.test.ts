/**
 * Cloud sync of a real library: the people/ fixtures indexed and clustered by the real engine, then
 * pushed, clustered, pulled and compared against the loopback emulator (which verifies every
 * signature; its fake recogniser knows a person by the file name's prefix, which for these fixtures
 * agrees with who is in the photo). Covers what only the whole engine shows: folder choice, the
 * library's quick hash as the skip identity, per-folder object keys, the name import through the
 * people corrections, and cloud face search mapped back to library photos.
 */
import { readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudSyncReport } from '../../src-main/contract/cloud';
import { Engine } from '../../src-main/engine/engine';
import { folderTag } from '../../src-main/engine/cloud/library-sync';
import type { LibraryStore } from '../../src-main/engine/store/library-store';
import type { Task } from '../../src-main/engine/tasks/task-registry';
import { CloudEmulator } from '../cloud/emulator';
import { FAST, KEY, TARGET } from '../cloud/helpers';
import { FIXTURES, tempDir } from '../helpers/paths';

// The library keeps folders by their real path (../shared may be a symlink, as in CI).
const PEOPLE = realpathSync(join(FIXTURES, 'people'));
const PHOTOS = readdirSync(PEOPLE).flatMap((id) => readdirSync(join(PEOPLE, id)).map((f) => join(PEOPLE, id, f)));

let emu: CloudEmulator;
let engine: Engine;

async function personNamed(name: string): Promise<{ id: string; name: string | null } | undefined> {
  const { persons } = await engine.people.listPersons({ maxResults: 100 });
  return persons.find((p) => p.name === name);
}

async function personOfPhoto(file: string): Promise<string> {
  // The store is the library service's own; the test reads it as the indexer and watch tests do.
  const store = (engine.library as unknown as { store: LibraryStore }).store;
  const media = await store.media.byPaths([file]);
  const faces = await store.faces.ofMedia([media[0]!.id], ['person_id']);
  return faces[0]!.person_id!;
}

function report(task: Task): CloudSyncReport {
  expect(task.error).toBeUndefined();
  expect(task.status).toBe('succeeded');
  return task.result as CloudSyncReport;
}

beforeAll(async () => {
  emu = await CloudEmulator.start({ keys: [KEY], taskRunningPolls: 1, clusterNames: { amy: 'Amy Farrah Fowler', obama: 'Barack Obama', sheldon: 'Sheldon Cooper' } });
  engine = await Engine.open({
    library: tempDir('cloud-library'),
    fetchModels: false,
    settings: { vision: { provider: 'cpu' }, cloud: FAST },
    cloud: { endpointOverride: emu.url },
  });
  await engine.library.addFolders([PEOPLE]);
  await (await engine.library.index()).done;
  await engine.settled();
  await engine.cloud.updateConfig({ ...TARGET, enabled: true });
  await engine.cloud.saveCredentials(KEY);
});

afterAll(async () => {
  await engine?.close();
  await emu?.close();
});

describe('cloud sync of an indexed library', () => {
  it('uploads nothing until the user chooses a folder', async () => {
    const task = await engine.cloud.library.sync();
    expect(task.status).toBe('failed');
    expect(task.error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('No folder is chosen') });
    expect(emu.callsOf('PutObject')).toHaveLength(0);
    expect(await engine.cloud.library.report()).toBeNull();
  });

  it('pushes the chosen folder under its own tag, and every cloud cluster matches its local person exactly', async () => {
    await engine.cloud.updateConfig({ folders: [PEOPLE] });
    const r = report(await engine.cloud.library.sync());
    expect(r.kind).toBe('sync');
    expect(r.pushes).toEqual([{ folder: PEOPLE, uploaded: PHOTOS.length, skipped: 0, indexed: PHOTOS.length, registered: 0, warnings: [] }]);
    const keys = [...emu.objects.get(TARGET.bucket)!.keys()];
    expect(keys).toContain(`${TARGET.prefix}${folderTag(PEOPLE)}/amy/amy_1.png`);
    expect(keys.every((k) => k.startsWith(`${TARGET.prefix}${folderTag(PEOPLE)}/`))).toBe(true);
    // 14 people in the fixtures: 14 cloud clusters. Every local person is paired with the cluster
    // holding exactly its photos; the one person with a single photo is no local person yet.
    expect(r.clusters).toBe(readdirSync(PEOPLE).length);
    expect(r.comparison.unmappedMedia).toBe(0);
    const { persons } = await engine.people.listPersons({ maxResults: 100 });
    const matched = r.comparison.matches.filter((m) => m.personId);
    expect(matched).toHaveLength(persons.length);
    expect(r.comparison.unmatchedPersons).toEqual([]);
    for (const m of matched) expect(m).toMatchObject({ score: 1, shared: m.clusterMedia, personMedia: m.clusterMedia });
    const alone = r.comparison.matches.filter((m) => !m.personId);
    expect(alone.map((m) => m.clusterMedia)).toEqual([1]);
  });

  it('skips every unchanged photo on the next sync (the library identity is stored with each object)', async () => {
    const puts = emu.callsOf('PutObject').length;
    const r = report(await engine.cloud.library.sync());
    expect(r.pushes[0]).toMatchObject({ uploaded: 0, skipped: PHOTOS.length, indexed: 0, warnings: [] });
    expect(emu.callsOf('PutObject').length).toBe(puts);
  });

  it('imports cloud names onto unnamed persons; a name the user gave is kept unless renaming is allowed', async () => {
    const sheldon = await personOfPhoto(join(PEOPLE, 'sheldon', readdirSync(join(PEOPLE, 'sheldon'))[0]!));
    await engine.people.renamePerson({ personId: sheldon, name: 'Shelly' });
    const before = (await engine.cloud.library.report())!;
    const imports = new Map(before.imports.map((i) => [i.name, i]));
    expect([...imports.keys()].sort()).toEqual(['Amy Farrah Fowler', 'Barack Obama', 'Sheldon Cooper']);
    expect(imports.get('Amy Farrah Fowler')!.renames).toBe(false);
    expect(imports.get('Sheldon Cooper')).toMatchObject({ personId: sheldon, renames: true });

    const ids = before.imports.map((i) => i.clusterId);
    const first = await engine.cloud.library.importNames({ clusterIds: ids });
    expect(first.applied.map((a) => a.name).sort()).toEqual(['Amy Farrah Fowler', 'Barack Obama']);
    expect(first.skipped).toEqual([{ clusterId: imports.get('Sheldon Cooper')!.clusterId, reason: 'the person already has a name you gave' }]);
    const amy = await personNamed('Amy Farrah Fowler');
    expect(amy?.id).toBe(await personOfPhoto(join(PEOPLE, 'amy', 'amy_1.png')));
    expect((await personNamed('Shelly'))?.id).toBe(sheldon);

    const second = await engine.cloud.library.importNames({ clusterIds: ids, allowRename: true });
    expect(second.applied.map((a) => a.name)).toEqual(['Sheldon Cooper']);
    expect((await personNamed('Sheldon Cooper'))?.id).toBe(sheldon);
    // Imported names are ordinary corrections: a full re-cluster keeps them.
    await engine.people.runClustering('full');
    expect((await personNamed('Amy Farrah Fowler'))?.id).toBe(amy!.id);
    expect((await engine.cloud.library.report())!.imports).toEqual([]);
  });

  it('searches the cloud by one face: only the face is uploaded, and hits come back as library photos', async () => {
    const query = join(PEOPLE, 'obama', 'obama_test1.jpg');
    const detected = await engine.detect({ path: query });
    const box = detected.faces[0]!.box;
    const r = await engine.cloud.library.searchFace({ path: query, name: 'obama_test1.jpg', box });
    expect(r.errors).toEqual([]);
    const crop = emu.objects.get(TARGET.bucket)!.get(r.queryUri.replace(`oss://${TARGET.bucket}/`, ''))!;
    expect(r.queryUri).toMatch(/\/search\/[0-9a-f]{16}-obama_test1-face\.jpg$/);
    const meta = await sharp(crop.body).metadata();
    const original = await sharp(query).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.width!).toBeLessThan(original.width!);
    expect(meta.width!).toBeGreaterThan(box.width);

    const obama = await personOfPhoto(query);
    const photos = new Set((await engine.people.personMedia({ personId: obama, maxResults: 100 })).media.map((m) => m.mediaId));
    expect(photos.size).toBe(4);
    const cluster = r.imm!.clusters[0]!;
    expect(cluster.name).toBe('Barack Obama');
    expect(new Set(cluster.items.map((i) => i.localMediaId))).toEqual(photos);
    expect(new Set(r.ice!.items.map((i) => i.localMediaId))).toEqual(photos);
  });

  it('pulls without uploading, and disconnecting forgets what was pulled', async () => {
    const puts = emu.callsOf('PutObject').length;
    const r = report(await engine.cloud.library.pull());
    expect(r).toMatchObject({ kind: 'pull', pushes: [], clusters: readdirSync(PEOPLE).length });
    expect(emu.callsOf('PutObject').length).toBe(puts);
    await engine.cloud.disconnect();
    expect(await engine.cloud.library.report()).toBeNull();
    expect((await engine.cloud.status()).credentials.stored).toBe(false);
  });
});
