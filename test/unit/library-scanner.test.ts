/**
 * The scanner on real folders: what it lists and skips, symlinks (loops, links into the tree, broken
 * ones), awkward names, an unreadable folder in the middle of a walk, and the shared ignore rule.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import type { EngineError } from '../../src-main/engine/errors';
import { extensionOf, mediaKindOf } from '../../src-main/engine/library/media-types';
import { isIgnoredName, isIgnoredPath, scanFolder } from '../../src-main/engine/library/scanner';
import type { FileInfo } from '../../src-main/engine/library/scanner';
import { REPO_ROOT, tempDir } from '../helpers/paths';

function put(root: string, rel: string, content = 'x'): string {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, content);
  return p;
}

async function scan(root: string, errors: { path: string; error: EngineError }[] = []): Promise<FileInfo[]> {
  const out: FileInfo[] = [];
  for await (const f of scanFolder(root, { onError: (path, error) => errors.push({ path, error }) })) out.push(f);
  return out;
}

const rel = (root: string, files: FileInfo[]) => files.map((f) => relative(root, f.path).split(sep).join('/'));

describe('media types', () => {
  it('knows image and video extensions, case-insensitively, and nothing else', () => {
    for (const n of ['a.jpg', 'b.JPEG', 'c.png', 'd.WebP', 'e.tif', 'f.tiff', 'g.gif', 'h.avif', 'i.HEIC', 'j.heif']) expect(mediaKindOf(n), n).toBe('image');
    for (const n of ['a.mp4', 'b.MOV', 'c.m4v', 'd.mkv', 'e.avi', 'f.webm']) expect(mediaKindOf(n), n).toBe('video');
    for (const n of ['a.txt', 'b.dng', 'c.jpg.part', 'jpg', '.jpg', 'dir.jpg/readme', 'x.']) expect(mediaKindOf(n), n).toBeNull();
    expect(extensionOf('/a.b/c')).toBe('');
    expect(extensionOf('C:\\photos\\IMG.JPG')).toBe('jpg');
  });
});

describe('scanFolder', () => {
  it('lists supported files recursively with size, mtime and kind, skipping hidden, system and app folders', async () => {
    const root = tempDir('scan-rules');
    put(root, 'a.jpg', 'abc');
    put(root, 'clip.MOV');
    put(root, 'notes.txt');
    put(root, 'sub/deeper/b.png');
    put(root, '.hidden.jpg');
    put(root, '._a.jpg'); // macOS resource fork
    for (const d of ['.git', 'node_modules', '@eaDir', '#recycle', '.thumbnails', '.Trashes', '.Spotlight-V100', '$RECYCLE.BIN',
      'System Volume Information', 'Catalog Previews.lrdata', 'Catalog Smart Previews.lrdata', '.picasaoriginals', '__MACOSX',
      'Photos Library.photoslibrary', 'sub/@EADIR']) {
      put(root, `${d}/x.jpg`);
    }
    const files = await scan(root);
    expect(rel(root, files).sort()).toEqual(['a.jpg', 'clip.MOV', 'sub/deeper/b.png']);
    const a = files.find((f) => f.path.endsWith('a.jpg'))!;
    expect(a).toMatchObject({ size: 3, kind: 'image' });
    expect(a.mtimeMs).toBeGreaterThan(0);
    expect(files.find((f) => f.path.endsWith('clip.MOV'))!.kind).toBe('video');
  });

  it('walks files of a folder before its subfolders, in name order', async () => {
    const root = tempDir('scan-order');
    for (const r of ['b/2.jpg', 'a/1.jpg', 'z.jpg', 'c.jpg', 'a/0.jpg']) put(root, r);
    expect(rel(root, await scan(root))).toEqual(['c.jpg', 'z.jpg', 'a/0.jpg', 'a/1.jpg', 'b/2.jpg']);
  });

  it('follows a symlinked folder once, ends link loops, skips links into the tree and broken links', async () => {
    const root = tempDir('scan-links');
    const outside = tempDir('scan-outside');
    put(outside, 'o.jpg');
    put(root, 'real/r.jpg');
    symlinkSync(outside, join(root, 'linked')); // outside the root: followed
    symlinkSync(join(root, 'linked'), join(root, 'linked-again')); // same target: not walked twice
    symlinkSync(root, join(root, 'real', 'loop')); // back to the root: a loop
    symlinkSync(join(root, 'real'), join(root, 'a-link-to-real')); // into the tree, sorted before "real"
    symlinkSync(join(root, 'nowhere'), join(root, 'broken'));
    symlinkSync(join(root, 'nowhere.jpg'), join(root, 'broken.jpg'));
    symlinkSync(join(root, 'real', 'r.jpg'), join(root, 'file-link.jpg')); // a link to a photo is a photo
    const errors: { path: string; error: EngineError }[] = [];
    const files = await scan(root, errors);
    // Real folders win over links to them, whatever the name order.
    expect(rel(root, files).sort()).toEqual(['file-link.jpg', 'linked/o.jpg', 'real/r.jpg']);
    expect(errors).toEqual([]);
    const noFollow: FileInfo[] = [];
    for await (const f of scanFolder(root, { followSymlinks: false })) noFollow.push(f);
    expect(rel(root, noFollow).sort()).toEqual(['file-link.jpg', 'real/r.jpg']);
  });

  it('handles unicode, spaces and a ~1000-character path', async () => {
    const root = tempDir('scan-names');
    const names = ['Ünïcödé ñame.jpg', '日本語の写真.png', 'emoji 😀 face.webp', 'with  two  spaces .jpeg', "quote's & (paren).jpg"];
    for (const n of names) put(root, `Fotos 2024/${n}`);
    const deep = Array.from({ length: 8 }, (_, i) => `${i}-${'d'.repeat(110)}`).join('/');
    const long = put(root, `${deep}/${'n'.repeat(200)}.jpg`);
    expect(long.length).toBeGreaterThan(1000);
    const files = await scan(root);
    expect(files.map((f) => f.path).sort()).toEqual([...names.map((n) => join(root, 'Fotos 2024', n)), long].sort());
  });

  it('reports an unreadable subfolder through onError and keeps walking', async () => {
    const root = tempDir('scan-unreadable');
    put(root, 'ok/1.jpg');
    put(root, 'locked/2.jpg');
    put(root, 'z/3.jpg');
    chmodSync(join(root, 'locked'), 0o000);
    try {
      if (process.getuid?.() === 0) {
        // root reads any folder whatever its mode, so the walk runs as "nobody" in a child process.
        chmodSync(root, 0o755);
        const code = `import(${JSON.stringify(join(REPO_ROOT, 'src-main/engine/library/scanner.ts'))}).then(async (m) => {
          const out = { files: [], errors: [] };
          for await (const f of m.scanFolder(${JSON.stringify(root)}, { onError: (p, e) => out.errors.push({ p, code: e.code }) })) out.files.push(f.path);
          console.log(JSON.stringify(out));
        })`;
        const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { uid: 65534, gid: 65534, cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
        expect(r.status, r.stderr).toBe(0);
        const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { files: string[]; errors: { p: string; code: string }[] };
        expect(out.files.sort()).toEqual([join(root, 'ok', '1.jpg'), join(root, 'z', '3.jpg')]);
        expect(out.errors).toEqual([{ p: join(root, 'locked'), code: 'FILE_UNREADABLE' }]);
      } else {
        const errors: { path: string; error: EngineError }[] = [];
        const files = await scan(root, errors);
        expect(rel(root, files).sort()).toEqual(['ok/1.jpg', 'z/3.jpg']);
        expect(errors.map((e) => [e.path, e.error.code])).toEqual([[join(root, 'locked'), 'FILE_UNREADABLE']]);
      }
    } finally {
      chmodSync(join(root, 'locked'), 0o755);
    }
  });

  it('throws a coded error when the root itself is missing, so it never looks like an empty library', async () => {
    const root = join(tempDir('scan-missing'), 'gone');
    await expect(scan(root)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    const file = put(tempDir('scan-file'), 'a.jpg');
    await expect(scan(file)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('stops with CANCELLED when aborted', async () => {
    const root = tempDir('scan-abort');
    for (let i = 0; i < 5; i++) put(root, `d${i}/a.jpg`);
    const ac = new AbortController();
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const f of scanFolder(root, { signal: ac.signal })) {
          seen.push(f.path);
          ac.abort();
        }
      })(),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(seen).toHaveLength(1);
  });
});

describe('isIgnoredPath', () => {
  const root = join(sep, 'lib', 'Photos');
  it('judges the segments below the containing root only', () => {
    expect(isIgnoredPath(join(root, 'a', 'b.jpg'), [root])).toBe(false);
    expect(isIgnoredPath(join(root, '.git', 'b.jpg'), [root])).toBe(true);
    expect(isIgnoredPath(join(root, 'x', '@eaDir', 'SYNOPHOTO_THUMB_M.jpg'), [root])).toBe(true);
    expect(isIgnoredPath(join(root, 'Lightroom', 'Cat Previews.lrdata', '1', 'p.jpg'), [root])).toBe(true);
    expect(isIgnoredPath(root, [root])).toBe(false);
    // A library inside a dot-folder is fine; only what is below the root is judged.
    const hiddenRoot = join(sep, 'home', 'me', '.photos');
    expect(isIgnoredPath(join(hiddenRoot, 'a.jpg'), [hiddenRoot])).toBe(false);
    // Nested roots: the longest one decides.
    expect(isIgnoredPath(join(root, 'node_modules', 'keep', 'a.jpg'), [root, join(root, 'node_modules', 'keep')])).toBe(false);
    // Outside every root: the name alone.
    expect(isIgnoredPath(join(sep, 'elsewhere', '.x.jpg'), [root])).toBe(true);
    expect(isIgnoredName('SYSTEM VOLUME INFORMATION')).toBe(true);
    expect(isIgnoredName('Holiday.lrdata.jpg')).toBe(false);
  });
});
