/** Export file placement: safe names, conflict numbering, identity checks, links and copies. */
import { describe, expect, it } from 'vitest';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { numbered, place, safeName } from '../../src-main/engine/people/export-files';
import { manifestCsv } from '../../src-main/engine/people/export';
import { tempDir } from '../helpers/paths';

describe('export files', () => {
  it('makes names every file system accepts', () => {
    expect(safeName('Amy: F/F', 'x')).toBe('Amy_ F_F');
    expect(safeName('  ..  ', 'fallback')).toBe('fallback');
    expect(safeName('CON', 'x')).toBe('CON_');
    expect(safeName('a'.repeat(300), 'x')).toHaveLength(100);
    expect(numbered('a.b.jpg', 0)).toBe('a.b.jpg');
    expect(numbered('a.b.jpg', 2)).toBe('a.b (2).jpg');
    expect(numbered('noext', 1)).toBe('noext (1)');
  });

  it('links, skips what is already there, and renames around a different file', async () => {
    const dir = tempDir('place');
    const src = join(dir, 'src.jpg');
    writeFileSync(src, 'photo');
    const out = join(dir, 'out');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(out);
    const a = await place(src, out, 'p.jpg', 'link');
    expect(a).toMatchObject({ kind: 'linked', renamed: false });
    expect(statSync(a.path).ino).toBe(statSync(src).ino);
    expect((await place(src, out, 'p.jpg', 'link')).kind).toBe('skipped');
    const other = join(dir, 'other.jpg');
    writeFileSync(other, 'another photo');
    const b = await place(other, out, 'p.jpg', 'copy');
    expect(b).toMatchObject({ kind: 'copied', renamed: true, path: join(out, 'p (1).jpg') });
    expect(readFileSync(b.path, 'utf8')).toBe('another photo');
    expect(Math.abs(statSync(b.path).mtimeMs - statSync(other).mtimeMs)).toBeLessThan(1);
    expect((await place(other, out, 'p.jpg', 'copy')).kind).toBe('skipped');
    expect(readFileSync(join(out, 'p.jpg'), 'utf8')).toBe('photo');
  });

  it('writes a CSV manifest with quoting', () => {
    const csv = manifestCsv([
      { personId: 'p', personName: 'Doe, "J"', file: 'a/b.jpg', originalPath: '/x/b.jpg', mediaId: 'm', faceId: 'f', x: 1.23456, y: 2, width: 3, height: 4, score: 0.9, quality: 0.8, capturedAt: null, frameTime: null, crop: null },
    ]);
    expect(csv.split('\n')[1]).toBe('p,"Doe, ""J""",a/b.jpg,/x/b.jpg,m,f,1.235,2,3,4,0.9,0.8,,,');
  });
});
