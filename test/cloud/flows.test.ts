/**
 * Every cloud flow end to end against the loopback emulator, which checks each request's
 * signature: push (upload, skip unchanged, index, cluster, poll, pull), the comparison with local
 * persons and the name import, cloud face search (IMM task + ICE media and clips), tasks, the
 * connection test, and the IMM/OSS client operations the flows do not use directly.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudProgress, LocalMedia, LocalPerson, PushResult } from '../../src-main/contract/cloud';
import { CloudHttp } from '../../src-main/engine/cloud/http';
import { ImmClient } from '../../src-main/engine/cloud/imm-client';
import { OssClient, formatOssUri, parseOssUri } from '../../src-main/engine/cloud/oss-client';
import { KEY, TARGET, harness, makeLibrary } from './helpers';
import type { Harness } from './helpers';

describe('push -> cluster -> pull -> compare, against the emulator', () => {
  let h: Harness;
  let media: LocalMedia[];
  let root: string;
  let first: PushResult;
  const progress: CloudProgress[] = [];

  beforeAll(async () => {
    h = await harness({ emulator: { taskRunningPolls: 2, indexLagQueries: 1, clusterNames: { alice: 'Alice Liddell' } } });
    root = join(h.dir, 'photos');
    media = await makeLibrary(root, [
      'trip/alice_01.jpg', 'trip/alice_02.jpg', 'trip/bob_01.jpg', 'home/alice+bob_01.jpg',
      'home/bob_02.jpg', 'home/carol_01.jpg', 'home/landscape_01.jpg', 'video/bob_clip.mp4',
    ]);
    first = await h.service.push({ media, root }, { onProgress: (p) => progress.push(p) });
  });
  afterAll(async () => h?.close());

  it('uploads every file under the prefix with Content-MD5 and the content hash in metadata', () => {
    expect(first.uploaded).toBe(8);
    expect(first.skipped).toBe(0);
    const store = h.emu.objects.get('test-bucket')!;
    expect([...store.keys()].sort()).toEqual(media.map((m) => `library/${m.path.slice(root.length + 1)}`).sort());
    const alice = store.get('library/trip/alice_01.jpg')!;
    expect(alice.meta['content-sha256']).toBe(media[0]!.contentHash);
    expect(alice.contentType).toBe('image/jpeg');
    expect(store.get('library/video/bob_clip.mp4')!.contentType).toBe('video/mp4');
    expect(first.mapping.find((m) => m.path === media[0]!.path)).toEqual({ path: media[0]!.path, uri: 'oss://test-bucket/library/trip/alice_01.jpg', contentHash: media[0]!.contentHash, status: 'uploaded' });
  });

  it('indexes into the dataset with the content hash as CustomId, waits for the index, clusters and pulls', () => {
    expect(first.indexed).toBe(8);
    expect(h.emu.indexed.get('oss://test-bucket/library/video/bob_clip.mp4')?.mediaType).toBe('video');
    expect(h.emu.indexed.get('oss://test-bucket/library/trip/alice_01.jpg')?.customId).toBe(media[0]!.contentHash);
    expect(first.task?.status).toBe('Succeeded');
    expect(first.task?.taskType).toBe('FaceClustering');
    const byName = new Map(first.clusters.map((c) => [c.media.map((m) => m.uri.split('/').pop()).sort().join(','), c]));
    expect([...byName.keys()].sort()).toEqual(['alice+bob_01.jpg,alice_01.jpg,alice_02.jpg', 'alice+bob_01.jpg,bob_01.jpg,bob_02.jpg,bob_clip.mp4', 'carol_01.jpg']);
    const alice = first.clusters.find((c) => c.name === 'Alice Liddell')!;
    expect(alice.imageCount).toBe(3);
    expect(alice.media.every((m) => /^[0-9a-f]{64}$/.test(m.contentHash ?? ''))).toBe(true);
    expect(first.warnings).toEqual([]);
  });

  it('reports progress through every phase, ending each with done == total', () => {
    const phases = [...new Set(progress.map((p) => p.phase))];
    expect(phases).toEqual(['list', 'upload', 'index', 'wait-index', 'cluster', 'poll', 'pull']);
    const lastUpload = progress.filter((p) => p.phase === 'upload').pop()!;
    expect(lastUpload).toMatchObject({ done: 8, total: 8 });
    expect(progress.some((p) => p.phase === 'wait-index' && p.done < p.total)).toBe(true);
  });

  it('skips unchanged files on the next push and re-uploads a changed one', async () => {
    const changed = media[1]!;
    await writeFile(changed.path, 'new bytes for alice_02');
    const updated = media.map((m) => (m === changed ? { ...m, contentHash: createHash('sha256').update('new bytes for alice_02').digest('hex') } : m));
    const before = h.emu.callsOf('PutObject').length;
    const second = await h.service.push({ media: updated, root }, {});
    expect(second).toMatchObject({ skipped: 7, uploaded: 1, indexed: 1, warnings: [] });
    expect(h.emu.callsOf('PutObject').length - before).toBe(1);
    expect(h.emu.objects.get('test-bucket')!.get('library/trip/alice_02.jpg')!.meta['content-sha256']).toBe(updated[1]!.contentHash);
    expect(h.emu.indexed.get('oss://test-bucket/library/trip/alice_02.jpg')?.customId).toBe(updated[1]!.contentHash);
    await writeFile(changed.path, 'fake image bytes of trip/alice_02.jpg\n'.repeat(20));
  });

  it('uploads what is on disk when the library hash is stale, and says so', async () => {
    const [fresh] = await makeLibrary(root, ['new/dave_01.jpg']);
    await writeFile(fresh!.path, 'edited after the library scanned it');
    const r = await h.service.push({ media: [fresh!], root, skipClustering: true });
    expect(r.uploaded).toBe(1);
    expect(r.warnings.join(' ')).toMatch(/dave_01\.jpg changed since it was indexed locally/);
    expect(r.mapping[0]!.contentHash).toBe(createHash('sha256').update('edited after the library scanned it').digest('hex'));
    expect(r.task).toBeUndefined();
  });

  it('maps cloud clusters onto local persons by shared media, with Jaccard scores, and plans name imports', () => {
    const persons: LocalPerson[] = [
      { id: 'p-alice', mediaPaths: [media[0]!.path, media[1]!.path, media[3]!.path] },
      { id: 'p-bob', name: 'Robert', mediaPaths: [media[2]!.path, media[4]!.path, media[3]!.path] },
      { id: 'p-dave', name: 'Dave', mediaPaths: [media[6]!.path] },
    ];
    const result = h.service.compareClusters({ clusters: first.clusters, persons, media, mapping: first.mapping });
    const alice = result.matches.find((m) => m.clusterName === 'Alice Liddell')!;
    expect(alice).toMatchObject({ personId: 'p-alice', score: 1, shared: 3, clusterMedia: 3, personMedia: 3 });
    const bob = result.matches.find((m) => m.personId === 'p-bob')!;
    expect(bob.shared).toBe(3);
    expect(bob.score).toBe(0.75);
    const carol = result.matches.find((m) => m.clusterMedia === 1)!;
    expect(carol.personId).toBeUndefined();
    expect(result.unmatchedPersons).toEqual(['p-dave']);
    expect(result.unmappedMedia).toBe(0);

    const imports = h.service.planNameImports(result, persons);
    expect(imports).toEqual([{ personId: 'p-alice', clusterId: alice.clusterId, name: 'Alice Liddell', score: 1, renames: false }]);
  });

  it('pulls the same clusters again on request, and reads them one by one and in batch', async () => {
    const pulled = await h.service.pullClusters();
    expect(pulled.map((c) => c.id).sort()).toEqual(first.clusters.map((c) => c.id).sort());
    const imm = new ImmClient({ http: new CloudHttp(), region: TARGET.region, credentials: async () => KEY, endpointOverride: h.emu.url });
    const one = await imm.getFigureCluster({ ProjectName: TARGET.projectName, DatasetName: TARGET.datasetName, ObjectId: pulled[0]!.id });
    expect(one.FigureCluster?.ObjectId).toBe(pulled[0]!.id);
    expect(one.RequestId).toMatch(/^[0-9A-F-]{36}$/);
    const batch = await imm.batchGetFigureCluster({ ProjectName: TARGET.projectName, DatasetName: TARGET.datasetName, ObjectIds: pulled.map((c) => c.id) });
    expect(batch.FigureClusters?.length).toBe(pulled.length);
  });

  it('lists and gets tasks', async () => {
    const { tasks } = await h.service.listTasks({ taskTypes: ['FaceClustering'] });
    expect(tasks.length).toBe(2);
    expect(tasks.every((t) => t.status === 'Succeeded')).toBe(true);
    const t = await h.service.getTask(first.task!.taskId);
    expect(t).toMatchObject({ taskId: first.task!.taskId, status: 'Succeeded', taskType: 'FaceClustering' });
  });

  it('searches the cloud by a local face image: IMM clusters with their files, ICE media mapped to objects, clips', async () => {
    const [query] = await makeLibrary(join(h.dir, 'queries'), ['bob_query.jpg']);
    const located: string[][] = [];
    const r = await h.service.search(
      { localImage: query!, maxResults: 10 },
      { locate: async (uris) => (located.push([...uris]), new Map(uris.filter((u) => u.endsWith('bob_02.jpg')).map((u) => [u, { path: '/lib/home/bob_02.jpg', mediaId: 'm-bob-02' }]))) },
    );
    expect(r.errors).toEqual([]);
    expect(r.queryUri).toBe(`oss://test-bucket/library/search/${query!.contentHash.slice(0, 16)}-bob_query.jpg`);
    // IMM answers at once with the cluster the face belongs to; its files come from the index.
    expect(r.imm?.clusters).toHaveLength(1);
    const bob = r.imm!.clusters[0]!;
    expect(bob.similarity).toBeCloseTo(0.93);
    expect(bob.items.map((i) => i.uri).sort()).toEqual(['oss://test-bucket/library/home/alice+bob_01.jpg', 'oss://test-bucket/library/home/bob_02.jpg', 'oss://test-bucket/library/trip/bob_01.jpg', 'oss://test-bucket/library/video/bob_clip.mp4']);
    expect(bob.total).toBe(4);
    expect(r.imm?.task).toBeUndefined();
    // ICE names media by id; GetMediaInfo's InputURL (https bucket domain) becomes the oss:// URI.
    const iceUris = r.ice!.items.map((i) => i.uri).sort();
    expect(iceUris).toEqual(bob.items.map((i) => i.uri).sort());
    expect(r.ice!.items.every((i) => h.emu.uriOfMedia(i.mediaId!) === i.uri)).toBe(true);
    expect(r.ice!.total).toBe(4);
    // Hits found locally carry the library file and media id, in both parts.
    expect(located).toHaveLength(1);
    expect(bob.items.find((i) => i.uri?.endsWith('bob_02.jpg'))).toMatchObject({ localPath: '/lib/home/bob_02.jpg', localMediaId: 'm-bob-02' });
    expect(r.ice!.items.find((i) => i.uri?.endsWith('bob_02.jpg'))).toMatchObject({ localMediaId: 'm-bob-02' });
    expect(r.ice!.items.filter((i) => i.localMediaId)).toHaveLength(1);

    const videos = await h.service.search({ imageUri: r.queryUri, imm: false, mediaType: 'video' });
    expect(videos.imm).toBeUndefined();
    expect(videos.ice!.items).toHaveLength(1);
    const clips = await h.service.searchClips({ faceSearchToken: videos.ice!.faceSearchToken, mediaId: videos.ice!.items[0]!.mediaId! });
    expect(clips.clips).toEqual([{ score: 0.97, label: 'bob', entityId: 'e-1', startTime: 1, endTime: 3.5, boxes: [{ time: 1.5, x: 10, y: 20, width: 64, height: 80 }] }]);
  });

  it('runs IMM CreateFacesSearchingTask to completion when asked (its hits go to notifications)', async () => {
    const r = await h.service.search({ imageUri: 'oss://test-bucket/library/trip/alice_01.jpg', ice: false, immTask: true, maxResults: 10 });
    expect(r.errors).toEqual([]);
    expect(r.imm?.task).toMatchObject({ status: 'Succeeded', taskType: 'FacesSearching' });
    expect(r.imm?.clusters.map((c) => c.name)).toEqual(['Alice Liddell']);
  });

  it('finds nothing for a face no cluster holds', async () => {
    const r = await h.service.search({ imageUri: 'oss://test-bucket/library/home/landscape_01.jpg', maxResults: 5 });
    expect(r.errors).toEqual([]);
    expect(r.imm?.clusters).toEqual([]);
    expect(r.ice?.items).toEqual([]);
  });

  it('passes the connection test', async () => {
    const check = await h.service.testConnection();
    expect(check).toEqual({ ok: true, checks: [{ service: 'oss', ok: true }, { service: 'imm', ok: true }] });
  });
});

describe('ICE search library: push registers the files, search maps hits without asking ICE', () => {
  let h: Harness;
  let media: LocalMedia[];
  let root: string;
  beforeAll(async () => {
    h = await harness({ emulator: { iceRegisteredOnly: true } });
    await h.service.updateConfig({ iceSearchLibName: 'family' });
    root = join(h.dir, 'photos');
    media = await makeLibrary(root, ['bob_01.jpg', 'bob_02.jpg', 'alice_01.jpg', 'clips/bob_party.mp4']);
  });
  afterAll(async () => h?.close());

  it('registers every pushed file once, as image or video, and again only when its content changed', async () => {
    const progress: CloudProgress[] = [];
    const first = await h.service.push({ media, root, skipClustering: true }, { onProgress: (p) => progress.push(p) });
    expect(first.registered).toBe(4);
    expect([...h.emu.searchLibs.get('family')!].sort()).toEqual(first.mapping.map((m) => m.uri).sort());
    expect(progress.filter((p) => p.phase === 'register').pop()).toMatchObject({ done: 4, total: 4 });
    const calls = h.emu.callsOf('InsertMediaToSearchLib').length;
    expect((await h.service.push({ media, root, skipClustering: true })).registered).toBe(0);
    expect(h.emu.callsOf('InsertMediaToSearchLib').length).toBe(calls);

    await writeFile(media[0]!.path, 'bob, edited');
    const edited = media.map((m, i) => (i === 0 ? { ...m, contentHash: createHash('sha256').update('bob, edited').digest('hex') } : m));
    expect((await h.service.push({ media: edited, root, skipClustering: true })).registered).toBe(1);
  });

  it('finds only registered media and names their objects from what push recorded', async () => {
    const r = await h.service.search({ imageUri: `oss://test-bucket/library/bob_02.jpg`, imm: false });
    expect(r.errors).toEqual([]);
    expect(r.ice!.items.map((i) => i.uri).sort()).toEqual(['oss://test-bucket/library/bob_01.jpg', 'oss://test-bucket/library/clips/bob_party.mp4']);
    expect(h.emu.callsOf('GetMediaInfo')).toHaveLength(0);
  });
});

describe('client operations outside the push flow', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(async () => h?.close());

  it('CreateBinding indexes a bucket; IndexFileMeta indexes one file; ListObjectsV2 pages', async () => {
    const http = new CloudHttp();
    const oss = new OssClient({ http, region: TARGET.region, credentials: async () => KEY, endpointOverride: h.emu.url });
    for (let i = 0; i < 5; i++) {
      const data = Buffer.from(`object ${i} / with spaces & ünïcode`);
      await oss.putObject({ bucket: 'test-bucket', key: `raw/dir with space/ü-${i}.jpg`, body: { data }, contentMd5: createHash('md5').update(data).digest('base64') });
    }
    const page1 = await oss.listObjectsV2({ bucket: 'test-bucket', prefix: 'raw/', maxKeys: 2 });
    expect(page1.objects.map((o) => o.key)).toEqual(['raw/dir with space/ü-0.jpg', 'raw/dir with space/ü-1.jpg']);
    expect(page1.isTruncated).toBe(true);
    expect(page1.objects[0]!.etag).toMatch(/^"[0-9A-F]{32}"$/);
    const all = await oss.listAll({ bucket: 'test-bucket', prefix: 'raw/' });
    expect(all).toHaveLength(5);
    const head = await oss.headObject({ bucket: 'test-bucket', key: 'raw/missing.jpg' });
    expect(head.exists).toBe(false);

    const imm = new ImmClient({ http, region: TARGET.region, credentials: async () => KEY, endpointOverride: h.emu.url });
    const b = await imm.createBinding({ ProjectName: TARGET.projectName, DatasetName: TARGET.datasetName, URI: 'oss://test-bucket' });
    expect(b.Binding?.State).toBe('Running');
    expect(h.emu.indexed.size).toBe(5);
    await oss.putObject({ bucket: 'test-bucket', key: 'raw/extra.jpg', body: { data: Buffer.from('x') }, contentMd5: createHash('md5').update('x').digest('base64') });
    const r = await imm.indexFileMeta({ ProjectName: TARGET.projectName, DatasetName: TARGET.datasetName, File: { URI: formatOssUri('test-bucket', 'raw/extra.jpg'), CustomId: 'extra' } });
    expect(r.EventId).toBeTruthy();
    expect(h.emu.indexed.get('oss://test-bucket/raw/extra.jpg')?.customId).toBe('extra');
  });

  it('refuses a body whose Content-MD5 does not match (InvalidDigest)', async () => {
    const oss = new OssClient({ http: new CloudHttp(), region: TARGET.region, credentials: async () => KEY, endpointOverride: h.emu.url });
    await expect(oss.putObject({ bucket: 'test-bucket', key: 'raw/bad.jpg', body: { data: Buffer.from('abc') }, contentMd5: 'AAAAAAAAAAAAAAAAAAAAAA==' })).rejects.toMatchObject({
      code: 'CLOUD_SERVICE', serviceCode: 'InvalidDigest', httpStatus: 400,
    });
  });

  it('parses and formats oss:// URIs', () => {
    expect(parseOssUri('oss://my-bucket/a/b c.jpg')).toEqual({ bucket: 'my-bucket', key: 'a/b c.jpg' });
    expect(parseOssUri('oss://my-bucket')).toEqual({ bucket: 'my-bucket', key: '' });
    expect(formatOssUri('my-bucket', '/x/y.jpg')).toBe('oss://my-bucket/x/y.jpg');
    expect(() => parseOssUri('s3://bucket/key')).toThrow(/not an oss/);
    expect(() => parseOssUri('oss://Bad_Bucket/key')).toThrow(/bucket name/);
  });
});
