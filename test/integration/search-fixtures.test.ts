/**
 * The four searches on a library of the real fixtures (people/, groups/, the video), analyzed by the
 * real engine and stored in a real LanceDB: identities find each other first, sheldon's photo finds
 * every group photo he is in, Lin-Manuel Miranda's photo finds his time range in the video, filters
 * and paging are exact, persons are found per folder, and bad queries fail with their own codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Engine } from '../../src-main/engine/engine';
import { LibraryStore } from '../../src-main/engine/store/library-store';
import { SearchService } from '../../src-main/engine/search/search-service';
import { searchSettings } from '../../src-main/engine/settings';
import type { MediaInfo, MediaSearchRequest } from '../../src-main/contract/search';
import { openEngine } from '../helpers/engines';
import { FIXTURES, tempDir } from '../helpers/paths';
import { LABELS } from '../helpers/truth';
import { FIXTURE_DAY, FIXTURE_T0, buildFixtureLibrary, fixturePaths } from '../helpers/search-library';
import type { FixtureLibrary } from '../helpers/search-library';

const VIDEO_TRUTH = (LABELS.video['video/short_hamilton_clip.mp4'] as { lin_manuel_miranda: [number, number][]; duration_s: number });

let engine: Engine;
let store: LibraryStore;
let lib: FixtureLibrary;
let search: SearchService;

// Removed explicitly: a folder made in beforeAll can outlive the worker (~100 MB for the 20k-face table).
let dir = '';

beforeAll(async () => {
  engine = await openEngine('default');
  store = await LibraryStore.open((dir = tempDir('search-fixtures')));
  lib = await buildFixtureLibrary(store, engine, { video: true, withoutCentroid: ['penny'] });
  search = new SearchService(store, searchSettings(), engine);
});

afterAll(async () => {
  await search?.close();
  store?.close();
  await engine?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const people = (id: string, file: string) => join(FIXTURES, 'people', id, file);

/** Every page of a media search, pageSize at a time. */
async function allPages(req: MediaSearchRequest, pageSize: number): Promise<{ items: MediaInfo[]; total: number; token: string }> {
  const items: MediaInfo[] = [];
  let total = -1, token = '';
  for (let pageNo = 1; ; pageNo++) {
    const r = await search.searchMedia({ ...req, pageNo, pageSize });
    total = r.total;
    token = r.faceSearchToken;
    items.push(...r.mediaInfoList);
    if (r.mediaInfoList.length < pageSize) break;
  }
  return { items, total, token };
}

describe('face search', () => {
  it('finds, for each people/ photo, the other photos of the same identity before anyone else', async () => {
    const photos = fixturePaths().filter((p) => p.includes('/people/'));
    let checked = 0;
    for (const path of photos) {
      const rel = path.slice(FIXTURES.length + 1);
      const own = lib.mediaByFixture.get(rel)!;
      const who = lib.identityOfMedia.get(own.id)!;
      const siblings = [...lib.identityOfMedia].filter(([m, id]) => id === who && m !== own.id).map(([m]) => m);
      if (siblings.length === 0) continue;
      const r = await search.searchFaces({ image: path, maxResults: 0, threshold: 0, folderIds: [lib.folders.people] });
      // The main (largest) face of the other people/ photos, in score order, the photo itself left out.
      const ranked = r.queries[0]!.results.filter((m) => m.mediaId !== own.id && m.faceId.endsWith('-face-0')).map((m) => m.mediaId);
      expect(new Set(ranked.slice(0, siblings.length)), `${rel}: ${ranked.slice(0, siblings.length + 2).join(' ')}`).toEqual(new Set(siblings));
      checked++;
    }
    expect(checked).toBeGreaterThan(40);
  });

  it('returns results by score with everything a viewer needs, and person names', async () => {
    const r = await search.searchFaces({ image: people('sheldon', 'sheldon_1.png'), maxResults: 20 });
    const results = r.queries[0]!.results;
    expect(r.threshold).toBe(0.32);
    expect(results.length).toBeGreaterThan(5);
    for (let i = 1; i < results.length; i++) expect(results[i - 1]!.score).toBeGreaterThanOrEqual(results[i]!.score);
    expect(results.every((m) => m.score >= 0.32)).toBe(true);
    expect(results[0]).toMatchObject({ path: people('sheldon', 'sheldon_1.png'), kind: 'image', frameTime: null, personId: lib.personOf.get('sheldon'), personName: 'sheldon' });
    expect(results[0]!.score).toBeGreaterThan(0.99);
    expect(results[0]!.box.width).toBeGreaterThan(50);
  });

  it('searches by a stored face id, leaving that face out', async () => {
    const face = lib.faces.find((f) => f.media_id === lib.mediaByFixture.get('people/obama/obama_obama.jpg')!.id && f.id.endsWith('-face-0'))!;
    const r = await search.searchFaces({ faceId: face.id, maxResults: 3 });
    expect(r.queries[0]!.queryFace.faceId).toBe(face.id);
    expect(r.queries[0]!.results.map((m) => m.faceId)).not.toContain(face.id);
    expect(r.queries[0]!.results[0]!.personName).toBe('obama');
    await expect(search.searchFaces({ faceId: 'no-such-face' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('searches with several faces of a group photo, results per face', async () => {
    const bbt4 = join(FIXTURES, 'groups', 'bbt4.jpg');
    const r = await search.searchFaces({ image: bbt4, maxFaces: 6, maxResults: 3, folderIds: [join(FIXTURES, 'people')] });
    expect(r.queries).toHaveLength(6);
    const names = r.queries.map((q) => q.results[0]?.personName);
    // labels.json: raj, sheldon, bernadette, amy, leonard, penny are all in bbt4.
    expect(new Set(names)).toEqual(new Set(LABELS.groups['groups/bbt4.jpg']!.present));
    const one = await search.searchFaces({ image: bbt4, faceIndex: 2, maxResults: 1 });
    expect(one.queries[0]!.queryFace).toEqual(r.queries[2]!.queryFace);
  });

  it('filters by capture time and folder exactly', async () => {
    const from = FIXTURE_T0 + 20 * FIXTURE_DAY, to = FIXTURE_T0 + 60 * FIXTURE_DAY;
    const all = (await search.searchFaces({ image: people('leonard', 'leonard_1.png'), maxResults: 0, threshold: 0 })).queries[0]!.results;
    const ranged = (await search.searchFaces({ image: people('leonard', 'leonard_1.png'), maxResults: 0, threshold: 0, startTime: from, endTime: to })).queries[0]!.results;
    expect(ranged.length).toBeGreaterThan(0);
    expect(ranged.every((m) => m.capturedAt! >= from && m.capturedAt! <= to)).toBe(true);
    // What the range keeps of the unfiltered top 100 comes first, in the same order.
    const expected = all.filter((m) => m.capturedAt! >= from && m.capturedAt! <= to).map((m) => m.faceId);
    expect(ranged.map((m) => m.faceId).slice(0, expected.length)).toEqual(expected);
    const groupsOnly = (await search.searchFaces({ image: people('leonard', 'leonard_1.png'), folderIds: [lib.folders.groups], maxResults: 10 })).queries[0]!.results;
    expect(groupsOnly.length).toBeGreaterThan(0);
    expect(groupsOnly.every((m) => m.path.includes('/groups/'))).toBe(true);
  });

  it('fails with distinct codes: no face in the image, a face too small, the index out of range', async () => {
    const blank = join(tempDir('search-blank'), 'blank.png');
    await sharp({ create: { width: 320, height: 240, channels: 3, background: '#88aacc' } }).png().toFile(blank);
    await expect(search.searchFaces({ image: blank })).rejects.toMatchObject({ code: 'QUERY_NO_FACE', message: expect.stringContaining('No face was found') });
    await expect(search.searchFaces({ image: people('sheldon', 'sheldon_1.png'), minFaceSize: 5000 })).rejects.toMatchObject({
      code: 'QUERY_NO_FACE',
      message: expect.stringContaining('at least 5000 px'),
    });
    await expect(search.searchFaces({ image: people('sheldon', 'sheldon_1.png'), faceIndex: 7 })).rejects.toMatchObject({
      code: 'QUERY_NO_FACE',
      message: expect.stringContaining('out of range'),
    });
    await expect(search.searchFaces({ image: readFileSync(blank) })).rejects.toMatchObject({ code: 'QUERY_NO_FACE' });
    await expect(search.searchFaces({ image: join(FIXTURES, 'nope.jpg') })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('takes the query image as bytes', async () => {
    const bytes = readFileSync(people('amy', 'amy_1.png'));
    const r = await search.searchFaces({ image: new Uint8Array(bytes), maxResults: 2 });
    expect(r.queries[0]!.results[0]!.personName).toBe('amy');
  });
});

describe('person search by group', () => {
  it('finds the person in every group they appear in, from fused features', async () => {
    const r = await search.searchPersons({ image: people('sheldon', 'sheldon_2.png'), groupIds: [lib.folders.people, lib.folders.groups] });
    expect(r.resultsReturnsByGroup).toHaveLength(1);
    const q = r.resultsReturnsByGroup[0]!;
    expect(q.faceRect.width).toBeGreaterThan(50);
    expect(q.groupCandidates.map((g) => g.groupId)).toEqual([lib.folders.people, lib.folders.groups]);
    for (const g of q.groupCandidates) {
      expect(g.candidates[0]).toMatchObject({ personId: lib.personOf.get('sheldon'), personName: 'sheldon' });
      expect(g.candidates.length).toBeLessThanOrEqual(5);
      expect(g.candidates.every((c) => c.score >= 0.32)).toBe(true);
    }
    expect(q.groupCandidates[0]!.searchPersonNums).toBe(14);
  });

  it('computes a missing centroid from the faces (penny has none stored)', async () => {
    expect(lib.persons.find((p) => p.name === 'penny')!.centroid).toBeNull();
    const r = await search.searchPersons({ image: people('penny', 'penny_3.png'), groupIds: [join(FIXTURES, 'people')], maxPersonsPerGroup: 1 });
    expect(r.resultsReturnsByGroup[0]!.groupCandidates[0]!.candidates).toEqual([expect.objectContaining({ personName: 'penny' })]);
  });

  it('searches with up to 10 faces of the query image, each with its rectangle', async () => {
    const r = await search.searchPersons({ image: join(FIXTURES, 'groups', 'bbt1.jpg'), maxFaces: 10, groupIds: [lib.folders.people], maxPersonsPerGroup: 1 });
    expect(r.resultsReturnsByGroup).toHaveLength(4);
    const names = r.resultsReturnsByGroup.map((q) => q.groupCandidates[0]!.candidates[0]?.personName);
    expect(new Set(names)).toEqual(new Set(LABELS.groups['groups/bbt1.jpg']!.present));
    const rects = r.resultsReturnsByGroup.map((q) => q.faceRect);
    expect(new Set(rects.map((b) => `${b.x},${b.y}`)).size).toBe(4);
  });

  it('refuses an unknown group', async () => {
    await expect(search.searchPersons({ image: people('raj', 'raj_1.png'), groupIds: ['/not/a/folder'] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('media search', () => {
  it('finds every group photo labels.json puts sheldon in', async () => {
    const { items, total } = await allPages({ personImage: people('sheldon', 'sheldon_1.png') }, 50);
    expect(items).toHaveLength(total);
    const paths = new Set(items.map((m) => m.path.slice(FIXTURES.length + 1)));
    const withSheldon = Object.entries(LABELS.groups).filter(([, g]) => g.present.includes('sheldon')).map(([p]) => p);
    expect(withSheldon.length).toBe(5);
    for (const p of withSheldon) expect(paths, p).toContain(p);
    for (const m of items) {
      const who = lib.identityOfMedia.get(m.mediaId);
      if (who) expect(who, m.path).toBe('sheldon');
    }
    expect(items.filter((m) => m.path.includes('/people/sheldon/'))).toHaveLength(5);
  });

  it('pages exactly: no duplicates, no gaps, the same order as one big page', async () => {
    // Threshold 0 makes most of the library match: enough media for many pages.
    const req = { personImage: people('howard', 'howard_2.png'), threshold: 0 };
    const one = await search.searchMedia({ ...req, pageSize: 50 });
    const { items, total } = await allPages(req, 7);
    expect(total).toBe(one.total);
    expect(total).toBeGreaterThan(30);
    expect(items.map((m) => m.mediaId)).toHaveLength(total);
    expect(new Set(items.map((m) => m.mediaId)).size).toBe(total);
    expect(items.slice(0, 50).map((m) => m.mediaId)).toEqual(one.mediaInfoList.map((m) => m.mediaId));
    for (let i = 1; i < items.length; i++) expect(items[i - 1]!.score).toBeGreaterThanOrEqual(items[i]!.score);
    // A token replays the query without the image: the same pages.
    const viaToken = await allPages({ faceSearchToken: one.faceSearchToken }, 7);
    expect(viaToken.items.map((m) => m.mediaId)).toEqual(items.map((m) => m.mediaId));
    const past = await search.searchMedia({ ...req, pageNo: Math.ceil(total / 7) + 1, pageSize: 7 });
    expect(past.mediaInfoList).toEqual([]);
    expect(past.total).toBe(total);
  });

  it('filters by capture time, media type and custom filters exactly', async () => {
    const req = { personImage: people('howard', 'howard_2.png'), threshold: 0 };
    const { items: all } = await allPages(req, 50);
    const byId = new Map(lib.media.map((m) => [m.id, m]));
    const subset = (keep: (id: string) => boolean) => all.map((m) => m.mediaId).filter(keep);
    const ids = async (extra: Partial<MediaSearchRequest>) => (await allPages({ ...req, ...extra }, 50)).items.map((m) => m.mediaId);

    const gte = FIXTURE_T0 + 10 * FIXTURE_DAY, lte = FIXTURE_T0 + 40 * FIXTURE_DAY;
    expect(await ids({ utcCreate: { gte, lte } })).toEqual(subset((id) => byId.get(id)!.captured_at! >= gte && byId.get(id)!.captured_at! <= lte));
    expect(await ids({ utcCreate: { gte } })).toEqual(subset((id) => byId.get(id)!.captured_at! >= gte));
    expect(await ids({ mediaType: 'image' })).toEqual(subset((id) => byId.get(id)!.kind === 'image'));
    const videos = await ids({ mediaType: 'video' });
    expect(videos).toEqual(subset((id) => byId.get(id)!.kind === 'video'));

    const tags = (id: string) => JSON.parse(byId.get(id)!.tags!) as string[];
    // ICE form: intField1 = rating (range), strField1 = camera (exact), strField2 = tags (any of).
    const rated = await ids({ customFilters: { intField1: { gte: 2, lte: 3 } } });
    expect(rated).toEqual(subset((id) => byId.get(id)!.rating! >= 2 && byId.get(id)!.rating! <= 3));
    expect(rated.length).toBeGreaterThan(0);
    expect(await ids({ customFilters: { strField1: 'cam-A' } })).toEqual(subset((id) => byId.get(id)!.camera === 'cam-A'));
    expect(await ids({ customFilters: { strField2: ['k3', 'k4', 'odd'] } })).toEqual(subset((id) => tags(id).some((t) => ['k3', 'k4', 'odd'].includes(t))));
    // Combined, and sent as ICE's JSON string.
    const combined = await ids({ customFilters: JSON.stringify({ intField1: [1, 4], strField1: 'cam-B', strField2: 'odd' }) });
    expect(combined).toEqual(subset((id) => [1, 4].includes(byId.get(id)!.rating!) && byId.get(id)!.camera === 'cam-B' && tags(id).includes('odd')));
  });

  it('searches by person id: the media of their assigned faces', async () => {
    const personId = lib.personOf.get('leonard')!;
    const { items, total } = await allPages({ personId }, 10);
    const expected = new Set(lib.faces.filter((f) => f.person_id === personId).map((f) => f.media_id));
    expect(total).toBe(expected.size);
    expect(new Set(items.map((m) => m.mediaId))).toEqual(expected);
    await expect(search.searchMedia({ personId: 'nobody' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('clip search', () => {
  it('finds Lin-Manuel Miranda on screen 3.5-8.0 s and nowhere in the last 2 s', async () => {
    const media = await search.searchMedia({ personImage: people('lin_manuel_miranda', 'lin_manuel_miranda_1.png'), mediaType: 'video' });
    expect(media.mediaInfoList.map((m) => m.path)).toEqual([join(FIXTURES, 'video', 'short_hamilton_clip.mp4')]);
    const r = await search.searchClips({ faceSearchToken: media.faceSearchToken });
    expect(r.total).toBe(1);
    const clip = r.mediaClipList[0]!;
    expect(clip.duration).toBeCloseTo(VIDEO_TRUTH.duration_s, 0);
    const [t0, t1] = VIDEO_TRUTH.lin_manuel_miranda[0]!;
    expect(clip.occurrencesInfos.some((o) => o.startTime < t1 && o.endTime > t0)).toBe(true);
    // The last 2 s show the audience: no range of his may reach into them (ranges are widened by half
    // a sample interval, 0.25 s at the clip's 2 fps).
    for (const o of clip.occurrencesInfos) expect(o.endTime).toBeLessThanOrEqual(VIDEO_TRUTH.duration_s - 2 + 0.25);
    for (let i = 1; i < clip.occurrencesInfos.length; i++) expect(clip.occurrencesInfos[i]!.startTime).toBeGreaterThan(clip.occurrencesInfos[i - 1]!.endTime);
    const best = clip.occurrencesInfos.find((o) => o.score === clip.score)!;
    expect(clip.bestFrameTime).toBeGreaterThanOrEqual(best.startTime);
    expect(clip.bestFrameTime).toBeLessThanOrEqual(best.endTime);
    // The same answer straight from the image (analyzers on different threads may differ in the last float bits).
    const direct = await search.searchClips({ personImage: people('lin_manuel_miranda', 'lin_manuel_miranda_1.png') });
    const rounded = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' ? Math.round(x * 1e4) / 1e4 : x));
    expect(rounded(direct.mediaClipList)).toBe(rounded(r.mediaClipList));
  });

  it('finds nothing for someone who is not in the video', async () => {
    const r = await search.searchClips({ personImage: people('amy', 'amy_2.png') });
    expect(r).toMatchObject({ total: 0, mediaClipList: [] });
  });

  it('refuses a token from another library', async () => {
    const other = await LibraryStore.open(tempDir('search-other'));
    try {
      const otherSearch = new SearchService(other, searchSettings(), engine);
      const token = (await search.searchMedia({ personImage: people('amy', 'amy_2.png') })).faceSearchToken;
      await other.media.upsert([lib.media[0]!]);
      await other.faces.add([lib.faces[0]!]);
      await expect(otherSearch.searchClips({ faceSearchToken: token })).rejects.toMatchObject({ code: 'SEARCH_TOKEN_INVALID' });
    } finally {
      other.close();
    }
  });
});
