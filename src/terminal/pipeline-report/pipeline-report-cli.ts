import * as fs from 'fs';
import * as path from 'path';
import { readPipelineShape } from '../../synth/pipeline-shape/pipeline-shape';
import { embedDiagram, renderMermaid, renderReport } from '../../synth/pipeline-shape/render-pipeline';

/**
 * Prints the synthesized pipeline.
 *   (default)          every action in order, totals, and the Mermaid diagram written to
 *                      docs/pipeline.mmd and embedded in README.md between its markers
 *   --assembly DIR     cloud assembly to read (default cdk.out)
 *   --json             totals only, as JSON
 */
function main(argv: string[]): number {
  const arg = (flag: string) => { const i = argv.indexOf(flag); return i >= 0 ? argv[i + 1] : undefined; };
  const assembly = arg('--assembly') ?? 'cdk.out';
  const shape = readPipelineShape(assembly);
  if (argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(shape.totals)}\n`);
  } else {
    process.stdout.write(`${renderReport(shape)}\n`);
    const out = arg('--mermaid-out') ?? path.join('docs', 'pipeline.mmd');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${renderMermaid(shape)}\n`);
    const readme = arg('--readme') ?? 'README.md';
    if (fs.existsSync(readme)) fs.writeFileSync(readme, embedDiagram(fs.readFileSync(readme, 'utf8'), renderMermaid(shape)));
    process.stdout.write(`\nMermaid diagram written to ${out} and ${readme}\n`);
  }
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`pipeline report: ${(e as Error).message}\n`);
  process.exitCode = 2;
}
