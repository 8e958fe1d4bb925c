import * as fs from 'fs';
import * as path from 'path';
import { findTemplates, renderGuardFailures, renderGuardReport, runGuard } from './guard';

/**
 * `npx projen compliance:guard [cdk.out]`: the Control Tower guard rules over every template
 * of the cloud assembly (nested stage assemblies included). Prints one readable list, writes
 * <outdir>/guard-report.md (every suppression with its reason) and exits 1 on any
 * unsuppressed finding. Run `synth` first.
 */
function main(): void {
  const outdir = path.resolve(process.argv[2] ?? 'cdk.out');
  if (!fs.existsSync(path.join(outdir, 'manifest.json'))) {
    process.stderr.write(`compliance:guard: no cloud assembly at ${outdir}; run \`npx projen synth\` first.\n`);
    process.exit(1);
  }
  const templates = findTemplates(outdir);
  const started = Date.now();
  const result = runGuard(templates, outdir);
  fs.writeFileSync(path.join(outdir, 'guard-report.md'), renderGuardReport(result));
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const failures = renderGuardFailures(result);
  if (failures) {
    process.stderr.write(`${failures}\n`);
    process.exit(1);
  }
  process.stdout.write(`Control Tower guard rules: ${templates.length} templates, 0 unsuppressed findings, `
    + `${result.suppressed.length} suppressed with reasons (${path.relative(process.cwd(), path.join(outdir, 'guard-report.md'))}), ${seconds} s.\n`);
}

main();
