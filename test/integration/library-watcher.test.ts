/**
 * The library watcher on real folders with real chokidar: files and folders added, changed, deleted,
 * renamed and moved; a file written slowly; a burst of files; ignored paths; a vanished root.
 * Write-finish and debounce are shortened so the suite stays quick; one test uses realistic values.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { appendFileSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LibrarySettings } from '../../src-main/engine/settings';
import { LibraryWatcher } from '../../src-main/engine/library/watcher';
import type { WatchBatch } from '../../src-main/engine/library/watcher';
import { tempDir } from '../helpers/paths';

const FAST: Partial<LibrarySettings> = { writeFinishMs: 300, writeFinishPollMs: 50, watchDebounceMs: 150 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function put(root: string, rel: string, content = 'x'): string {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, content);
  return p;
}

interface Harness {
  watcher: LibraryWatcher;
  batches: (WatchBatch & { at: number })[];
  /** Waits until the batches so far satisfy `done`, then a little longer to catch strays. */
  until(done: (all: WatchBatch[]) => boolean, timeoutMs?: number): Promise<void>;
  /** Everything since the last call, merged. */
  take(): { added: string[]; changed: string[]; removed: string[]; missingRoots: string[]; batches: number };
}

const open: LibraryWatcher[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
});

async function watch(roots: string[], known: string[] = [], settings: Partial<LibrarySettings> = FAST): Promise<Harness> {
  const batches: (WatchBatch & { at: number })[] = [];
  const watcher = new LibraryWatcher({ known, settings, onBatch: (b) => void batches.push({ ...b, at: Date.now() }) });
  open.push(watcher);
  for (const r of roots) await watcher.addRoot(r);
  let taken = 0;
  return {
    watcher,
    batches,
    async until(done, timeoutMs = 8000) {
      const start = Date.now();
      while (!done(batches.slice(taken))) {
        if (Date.now() - start > timeoutMs) throw new Error(`timed out; batches: ${JSON.stringify(batches.slice(taken))}`);
        await sleep(25);
      }
      await sleep(200);
    },
    take() {
      const mine = batches.slice(taken);
      taken = batches.length;
      return {
        added: mine.flatMap((b) => b.added.map((f) => f.path)).sort(),
        changed: mine.flatMap((b) => b.changed.map((f) => f.path)).sort(),
        removed: mine.flatMap((b) => b.removed).sort(),
        missingRoots: mine.flatMap((b) => b.missingRoots),
        batches: mine.length,
      };
    },
  };
}

const count = (all: WatchBatch[], key: 'added' | 'changed' | 'removed') => all.reduce((n, b) => n + b[key].length, 0);

describe('LibraryWatcher', () => {
  it('reports added, changed and removed files with their stats', async () => {
    const root = tempDir('watch-basic');
    const old = put(root, 'old.jpg', 'old');
    const h = await watch([root], [old]);

    const a = put(root, 'a.jpg', 'hello');
    await h.until((all) => count(all, 'added') >= 1);
    const first = h.batches[0]!;
    expect(first.added).toEqual([{ path: a, size: 5, mtimeMs: expect.any(Number), kind: 'image' }]);
    expect(h.take()).toMatchObject({ added: [a], changed: [], removed: [] });

    appendFileSync(a, ' world');
    writeFileSync(old, 'changed');
    await h.until((all) => count(all, 'changed') >= 2);
    expect(h.take()).toMatchObject({ added: [], changed: [a, old], removed: [] });

    rmSync(a);
    rmSync(old);
    await h.until((all) => count(all, 'removed') >= 2);
    expect(h.take()).toMatchObject({ added: [], changed: [], removed: [a, old] });
  });

  it('reports a rename and a folder move as removed + added in the same batch', async () => {
    const root = tempDir('watch-move');
    const known = ['album/1.jpg', 'album/2.png', 'album/sub/3.mp4', 'single.jpg'].map((r) => put(root, r, r));
    const h = await watch([root], known);

    renameSync(join(root, 'single.jpg'), join(root, 'renamed.jpg'));
    await h.until((all) => count(all, 'added') >= 1 && count(all, 'removed') >= 1);
    expect(h.take()).toEqual({ added: [join(root, 'renamed.jpg')], changed: [], removed: [join(root, 'single.jpg')], missingRoots: [], batches: 1 });

    mkdirSync(join(root, '2024'));
    renameSync(join(root, 'album'), join(root, '2024', 'album'));
    await h.until((all) => count(all, 'added') >= 3 && count(all, 'removed') >= 3);
    const moved = h.take();
    expect(moved.batches).toBe(1);
    expect(moved.removed).toEqual(known.slice(0, 3));
    expect(moved.added).toEqual(['album/1.jpg', 'album/2.png', 'album/sub/3.mp4'].map((r) => join(root, '2024', r)));
  });

  it('expands a deleted folder to every known file below it, and handles folders moved in and out', async () => {
    const root = tempDir('watch-dirs');
    const outside = tempDir('watch-outside');
    const known = ['trip/a.jpg', 'trip/b.jpg', 'trip/deep/c.jpg'].map((r) => put(root, r));
    // A path the index knows but chokidar never saw (gone from disk before the watch started) must still
    // come out as removed when its folder is deleted.
    const h = await watch([root], [...known, join(root, 'trip', 'not-on-disk-anymore.jpg')]);

    rmSync(join(root, 'trip'), { recursive: true });
    await h.until((all) => count(all, 'removed') >= 4);
    expect(h.take().removed).toEqual([...known, join(root, 'trip', 'not-on-disk-anymore.jpg')].sort());

    put(outside, 'incoming/x.jpg');
    put(outside, 'incoming/y.webm');
    renameSync(join(outside, 'incoming'), join(root, 'incoming'));
    await h.until((all) => count(all, 'added') >= 2);
    expect(h.take().added).toEqual([join(root, 'incoming', 'x.jpg'), join(root, 'incoming', 'y.webm')]);

    renameSync(join(root, 'incoming'), join(outside, 'gone-out'));
    await h.until((all) => count(all, 'removed') >= 2);
    expect(h.take().removed).toEqual([join(root, 'incoming', 'x.jpg'), join(root, 'incoming', 'y.webm')]);
  });

  it('waits for a slowly written file to finish and reports it once, complete', async () => {
    const root = tempDir('watch-slow');
    const h = await watch([root], [], { writeFinishMs: 1000, writeFinishPollMs: 100, watchDebounceMs: 300 });
    const p = join(root, 'copying.mp4');
    const chunk = Buffer.alloc(64 * 1024, 7);
    writeFileSync(p, chunk);
    let lastWrite = Date.now();
    for (let i = 1; i < 8; i++) {
      await sleep(200); // pauses well under writeFinishMs: the copy is still going
      appendFileSync(p, chunk);
      lastWrite = Date.now();
    }
    await h.until((all) => all.length >= 1);
    await sleep(800);
    expect(h.batches).toHaveLength(1);
    expect(h.batches[0]!.added).toEqual([{ path: p, size: 8 * chunk.length, mtimeMs: expect.any(Number), kind: 'video' }]);
    expect(h.batches[0]!.at - lastWrite).toBeGreaterThanOrEqual(1000);
  });

  it('debounces a burst of 50 files into few batches', async () => {
    const root = tempDir('watch-burst');
    const h = await watch([root]);
    const files: string[] = [];
    for (let i = 0; i < 50; i++) {
      files.push(put(root, `burst/${String(i).padStart(2, '0')}.jpg`, `photo ${i}`));
      if (i % 10 === 9) await sleep(20);
    }
    await h.until((all) => count(all, 'added') >= 50);
    const got = h.take();
    expect(got.added).toEqual(files);
    expect(got.batches).toBeLessThanOrEqual(3);
  });

  it('ignores hidden, system and non-media files, and a file that came and went between batches', async () => {
    const root = tempDir('watch-ignore');
    const h = await watch([root]);
    put(root, '.hidden.jpg');
    put(root, '.git/objects/x.jpg');
    put(root, 'x/@eaDir/SYNOPHOTO_THUMB_M.jpg');
    put(root, 'Cat Previews.lrdata/1/p.jpg');
    put(root, 'notes.txt');
    const temp = put(root, 'temp.jpg');
    await sleep(50);
    rmSync(temp);
    const real = put(root, 'real.png');
    await h.until((all) => count(all, 'added') >= 1);
    await sleep(400);
    expect(h.take()).toEqual({ added: [real], changed: [], removed: [], missingRoots: [], batches: 1 });
  });

  it('follows a symlinked folder outside the root, but not a link loop or a link into the tree', async () => {
    const root = tempDir('watch-links');
    const outside = tempDir('watch-link-target');
    mkdirSync(join(root, 'a'));
    symlinkSync(root, join(root, 'a', 'loop'));
    symlinkSync(join(root, 'a'), join(root, 'also-a'));
    symlinkSync(outside, join(root, 'external'));
    const h = await watch([root]);
    const x = put(root, 'a/x.jpg');
    writeFileSync(join(outside, 'y.jpg'), 'y');
    await h.until((all) => count(all, 'added') >= 2);
    await sleep(300);
    expect(h.take().added).toEqual([x, join(root, 'external', 'y.jpg')]);
  });

  it('reports a vanished root as missing without listing its files as removed', async () => {
    const parent = tempDir('watch-root');
    const root = join(parent, 'lib');
    const known = [put(root, 'a.jpg'), put(root, 'sub/b.jpg')];
    const h = await watch([root], known);
    renameSync(root, join(parent, 'elsewhere')); // what an unmount looks like to the watcher
    await h.until((all) => all.some((b) => b.missingRoots.length > 0));
    const got = h.take();
    expect(got.missingRoots).toEqual([root]);
    expect(got.removed.filter((p) => known.includes(p))).toEqual([]);
  });

  it('adds and removes roots while running', async () => {
    const one = tempDir('watch-one');
    const two = tempDir('watch-two');
    const h = await watch([one]);
    await h.watcher.addRoot(two);
    expect(h.watcher.roots.sort()).toEqual([one, two].sort());
    const a = put(one, 'a.jpg');
    const b = put(two, 'b.jpg');
    await h.until((all) => count(all, 'added') >= 2);
    expect(h.take().added).toEqual([a, b].sort());
    await h.watcher.removeRoot(two);
    put(two, 'ignored-now.jpg');
    const c = put(one, 'c.jpg');
    await h.until((all) => count(all, 'added') >= 1);
    await sleep(300);
    expect(h.take().added).toEqual([c]);
    await expect(h.watcher.addRoot(join(one, 'missing'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('flush() hands over what has settled without waiting for the debounce, and emits "batch" events too', async () => {
    const root = tempDir('watch-flush');
    const h = await watch([root], [], { writeFinishMs: 100, writeFinishPollMs: 50, watchDebounceMs: 60_000 });
    const events: WatchBatch[] = [];
    h.watcher.on('batch', (b: WatchBatch) => events.push(b));
    const a = put(root, 'a.jpg');
    await sleep(600);
    expect(h.batches).toHaveLength(0); // held by the long debounce
    await h.watcher.flush();
    expect(h.take().added).toEqual([a]);
    expect(events).toHaveLength(1);
  });

  it('polls a folder when told to (network shares), and still reports what changed', async () => {
    const root = tempDir('watch-polled');
    const h = await watch([root], [], { ...FAST, watchPolling: 'always', watchPollIntervalMs: 100 });
    expect(h.watcher.isPolled(root)).toBe(true);
    const a = put(root, 'share/a.jpg', 'polled');
    await h.until((all) => count(all, 'added') >= 1);
    expect(h.take().added).toEqual([a]);
    // A local temp folder is not a network file system: 'auto' uses events there.
    const local = await watch([tempDir('watch-local')], [], FAST);
    expect(local.watcher.isPolled(local.watcher.roots[0]!)).toBe(false);
  });
});
