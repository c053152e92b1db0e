/**
 * The CLI as a user runs it (the package's bin, a real process): --json output, exit codes, and a clear
 * coded error, never a stack trace, for every kind of bad input.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { FIXTURES, REPO_ROOT, tempDir } from '../helpers/paths';
import { writeBadFiles } from '../helpers/bad-files';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'face-organizer.mjs'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, FACE_ORGANIZER_MODELS_DIR: join(REPO_ROOT, 'resources', 'models') },
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('face-organizer CLI', () => {
  it('detect --json prints faces with boxes in oriented pixels, scores and quality', () => {
    const r = cli('detect', join(FIXTURES, 'groups', 'bbt3.jpg'), '--json', '--provider', 'cpu');
    expect(r.code, r.err).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.faces.length).toBeGreaterThanOrEqual(5);
    for (const f of json.faces) {
      expect(f.box.x).toBeGreaterThanOrEqual(0);
      expect(f.box.x + f.box.width).toBeLessThanOrEqual(json.image.width + 0.5);
      expect(f.score).toBeGreaterThan(0.5);
      expect(f.quality).toBeGreaterThan(0);
      expect(f.quality).toBeLessThanOrEqual(1);
    }
  });

  it('compare says same person for two photos of one identity and different for two people', () => {
    const same = cli('compare', join(FIXTURES, 'people', 'biden', 'biden_biden.jpg'), join(FIXTURES, 'people', 'biden', 'biden_biden2.jpg'), '--json');
    expect(same.code, same.err).toBe(0);
    expect(JSON.parse(same.out).samePerson).toBe(true);
    const diff = cli('compare', join(FIXTURES, 'people', 'biden', 'biden_biden.jpg'), join(FIXTURES, 'people', 'obama', 'obama_obama.jpg'));
    expect(diff.code).toBe(0);
    expect(diff.out).toMatch(/different people/);
  });

  it('gives each bad input its own error code, a non-zero exit and no stack trace', () => {
    const dir = tempDir('cli-bad');
    const bad = writeBadFiles(dir);
    const r = cli('detect', ...bad.map((b) => b.path), '--json');
    expect(r.code).not.toBe(0);
    const results = JSON.parse(r.out) as { path: string; error?: { code: string; message: string } }[];
    expect(results.map((x) => x.error?.code)).toEqual(bad.map((b) => b.code));
    for (const x of results) expect(x.error!.message).toContain(x.path.split('/').pop());
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('refuses an image without a face in compare with NO_FACE', () => {
    const dir = tempDir('cli-noface');
    const blank = join(dir, 'blank.png');
    spawnSync(process.execPath, ['-e', `require('sharp')({create:{width:200,height:200,channels:3,background:'#88aacc'}}).png().toFile(${JSON.stringify(blank)})`], { cwd: REPO_ROOT });
    const r = cli('compare', blank, join(FIXTURES, 'people', 'obama', 'obama_obama.jpg'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error \[NO_FACE\]: /m);
  });

  it('rejects bad usage with a usage error', () => {
    const r = cli('detect', '--max-faces', 'lots', join(FIXTURES, 'groups', 'bbt3.jpg'));
    expect(r.code).toBe(64);
    expect(r.err).toMatch(/--max-faces must be/);
    expect(cli('frobnicate').code).toBe(64);
    expect(cli('--help').out).toMatch(/Commands:/);
  });

  it('undo, redo and history take back a merge across separate runs of the CLI', () => {
    const lib = ['--library', join(tempDir('cli-undo'), 'library')];
    expect(cli('index', join(FIXTURES, 'people', 'amy'), join(FIXTURES, 'people', 'penny'), ...lib, '--provider', 'cpu').code).toBe(0);
    const list = () => (JSON.parse(cli('people', '--json', ...lib).out) as { persons: { id: string; faceCount: number }[] }).persons;
    const before = list();
    expect(before.length).toBeGreaterThanOrEqual(2);
    const [a, b] = before;
    expect(cli('merge', a!.id, b!.id, ...lib).code).toBe(0);
    expect(list().length).toBe(before.length - 1);
    expect(cli('history', ...lib).out).toMatch(/Merged 2 persons/);

    const undone = cli('undo', ...lib);
    expect(undone.code, undone.err).toBe(0);
    expect(undone.out).toMatch(/^undone: Merged 2 persons/);
    expect(list().map((p) => [p.id, p.faceCount]).sort()).toEqual(before.map((p) => [p.id, p.faceCount]).sort());
    expect(cli('redo', ...lib).out).toMatch(/^redone: Merged 2 persons/);
    expect(list().length).toBe(before.length - 1);
    expect(cli('undo', ...lib).code).toBe(0);
    const nothing = cli('undo', ...lib);
    expect(nothing.code).toBe(1);
    expect(nothing.err).toMatch(/^error \[NOTHING_TO_UNDO\]: /m);
  });
});
