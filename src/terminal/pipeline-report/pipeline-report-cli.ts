import * as fs from 'fs';
import * as path from 'path';
import { EXIT } from '../../shared/cli/exit-codes';
import { parseCliArgs } from '../../shared/cli/parse-args';
import { runCli, runMain } from '../../shared/cli/run-cli';
import { failurePolicyOf } from '../../synth/pipeline/stage-failures';
import { defaultPipelineShape, leadTimeOf, renderLeadTime } from '../../synth/pipeline-shape/lead-time';
import { PipelineShape, readAssemblyFacts, readPipelineShape } from '../../synth/pipeline-shape/pipeline-shape';
import { embedBlock, embedDiagram, LEAD_TIME_BLOCK, renderMermaid, renderReport } from '../../synth/pipeline-shape/render-pipeline';
import { cloudAssemblyDir } from '../cloud-assembly';

/**
 * Prints the synthesized pipeline.
 *   (default)          every action in order, totals, what each stage does on failure and why,
 *                      the lead-time model of this pipeline and of the default CDK Pipeline of
 *                      the same waves (deliberate waits apart from overhead), embedded in
 *                      docs/performance.md between its lead-time-model markers, and the Mermaid
 *                      diagram written to docs/pipeline.mmd and embedded in README.md between its markers
 *   --assembly DIR     cloud assembly to read (default cdk.out)
 *   --json             totals and the lead-time model, as JSON
 */
export const PIPELINE_REPORT_USAGE = 'usage: npx projen pipeline:report [--assembly cdk.out] [--json] [--mermaid-out docs/pipeline.mmd] [--readme README.md] [--performance docs/performance.md]';

const OPTIONS = {
  'assembly': { type: 'string', hint: 'cdk.out' },
  'json': { type: 'boolean' },
  'mermaid-out': { type: 'string', hint: 'docs/pipeline.mmd' },
  'readme': { type: 'string', hint: 'README.md' },
  'performance': { type: 'string', hint: 'docs/performance.md' },
} as const;

/** What each stage does on failure, as the template says, with the reason it was decided so. */
export function renderFailurePolicies(shape: PipelineShape): string {
  const lines = ['On failure (OnFailure of each stage; src/synth/pipeline/stage-failures.ts)'];
  for (const stage of shape.stages) {
    const policy = failurePolicyOf({
      name: stage.name,
      deploysStacks: stage.actions.some((a) => a.provider === 'CloudFormation'),
      hasApproval: stage.actions.some((a) => a.category === 'Approval'),
      isSource: stage.actions.some((a) => a.category === 'Source'),
    });
    const actual = stage.rollsBackOnFailure ? 'ROLLBACK' : stage.retriesOnFailure ? 'RETRY' : 'NONE';
    const note = actual === policy.onFailure ? '' : ` (the template says ${actual})`;
    lines.push(`  ${stage.name.padEnd(16)}${policy.onFailure.padEnd(10)}${policy.reason}${note}`);
  }
  return lines.join('\n');
}

function report(argv: readonly string[]): number {
  const { values } = parseCliArgs(argv, { options: OPTIONS });
  const dir = cloudAssemblyDir(values.assembly);
  const shape = readPipelineShape(dir);
  const facts = readAssemblyFacts(dir);
  const defaults = defaultPipelineShape(shape, facts);
  const ours = leadTimeOf(shape, facts);
  const theirs = leadTimeOf(defaults, facts);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ...shape.totals, leadTime: ours, defaultPipeline: { totals: defaults.totals, leadTime: theirs } })}\n`);
    return EXIT.OK;
  }
  const leadTime = renderLeadTime(ours, theirs, { ours: shape, defaults });
  process.stdout.write(`${renderReport(shape)}\n\n${renderFailurePolicies(shape)}\n\n${leadTime}\n`);
  const performance = values.performance ?? path.join('docs', 'performance.md');
  if (fs.existsSync(performance)) fs.writeFileSync(performance, embedBlock(fs.readFileSync(performance, 'utf8'), LEAD_TIME_BLOCK, leadTime));
  const out = values['mermaid-out'] ?? path.join('docs', 'pipeline.mmd');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${renderMermaid(shape)}\n`);
  const readme = values.readme ?? 'README.md';
  if (fs.existsSync(readme)) fs.writeFileSync(readme, embedDiagram(fs.readFileSync(readme, 'utf8'), renderMermaid(shape)));
  process.stdout.write(`\nMermaid diagram written to ${out} and ${readme}; the lead-time model to ${performance}\n`);
  return EXIT.OK;
}

/** The CLI; resolves to the exit code. */
export function pipelineReportCli(argv: readonly string[]): Promise<number> {
  return runCli({ name: 'pipeline report', usage: PIPELINE_REPORT_USAGE }, argv, () => report(argv));
}

if (require.main === module) runMain(pipelineReportCli);
