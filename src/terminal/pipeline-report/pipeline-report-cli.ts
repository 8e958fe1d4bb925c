import * as fs from 'fs';
import * as path from 'path';
import { EXIT } from '../../shared/cli/exit-codes';
import { parseCliArgs } from '../../shared/cli/parse-args';
import { runCli, runMain } from '../../shared/cli/run-cli';
import { readPipelineShape } from '../../synth/pipeline-shape/pipeline-shape';
import { embedDiagram, renderMermaid, renderReport } from '../../synth/pipeline-shape/render-pipeline';
import { cloudAssemblyDir } from '../cloud-assembly';

/**
 * Prints the synthesized pipeline.
 *   (default)          every action in order, totals, and the Mermaid diagram written to
 *                      docs/pipeline.mmd and embedded in README.md between its markers
 *   --assembly DIR     cloud assembly to read (default cdk.out)
 *   --json             totals only, as JSON
 */
export const PIPELINE_REPORT_USAGE = 'usage: npx projen pipeline:report [--assembly cdk.out] [--json] [--mermaid-out docs/pipeline.mmd] [--readme README.md]';

const OPTIONS = {
  'assembly': { type: 'string', hint: 'cdk.out' },
  'json': { type: 'boolean' },
  'mermaid-out': { type: 'string', hint: 'docs/pipeline.mmd' },
  'readme': { type: 'string', hint: 'README.md' },
} as const;

function report(argv: readonly string[]): number {
  const { values } = parseCliArgs(argv, { options: OPTIONS });
  const shape = readPipelineShape(cloudAssemblyDir(values.assembly));
  if (values.json) {
    process.stdout.write(`${JSON.stringify(shape.totals)}\n`);
  } else {
    process.stdout.write(`${renderReport(shape)}\n`);
    const out = values['mermaid-out'] ?? path.join('docs', 'pipeline.mmd');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${renderMermaid(shape)}\n`);
    const readme = values.readme ?? 'README.md';
    if (fs.existsSync(readme)) fs.writeFileSync(readme, embedDiagram(fs.readFileSync(readme, 'utf8'), renderMermaid(shape)));
    process.stdout.write(`\nMermaid diagram written to ${out} and ${readme}\n`);
  }
  return EXIT.OK;
}

/** The CLI; resolves to the exit code. */
export function pipelineReportCli(argv: readonly string[]): Promise<number> {
  return runCli({ name: 'pipeline report', usage: PIPELINE_REPORT_USAGE }, argv, () => report(argv));
}

if (require.main === module) runMain(pipelineReportCli);
