import { lintWorkflows } from './workflow-lint';
import { EXIT } from '../../shared/cli/exit-codes';
import { parseCliArgs } from '../../shared/cli/parse-args';
import { runCli, runMain } from '../../shared/cli/run-cli';

/** `npx projen lint:workflows [dir]`: exit 1 with one line per problem (or when there is no workflow). */
export const WORKFLOW_LINT_USAGE = 'usage: npx projen lint:workflows [dir, default .github/workflows]';

async function lint(argv: readonly string[]): Promise<number> {
  const dir = parseCliArgs(argv, { options: {}, positionals: 1 }).positionals[0] ?? '.github/workflows';
  const { files, problems } = await lintWorkflows(dir);
  for (const p of problems) {
    process.stdout.write(`${p.file}${p.line ? `:${p.line}` : ''}: [${p.source}] ${p.message}\n`);
  }
  process.stdout.write(`${files.length} workflow(s) checked with actionlint, the workflow schema and the pinning/permissions policy: ${problems.length} problem(s).\n`);
  return problems.length === 0 && files.length > 0 ? EXIT.OK : EXIT.FAILED;
}

/** The CLI; resolves to the exit code. */
export function workflowLintCli(argv: readonly string[]): Promise<number> {
  return runCli({ name: 'workflow lint', usage: WORKFLOW_LINT_USAGE }, argv, () => lint(argv));
}

if (require.main === module) runMain(workflowLintCli);
