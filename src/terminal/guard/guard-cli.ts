import * as fs from 'fs';
import * as path from 'path';
import { findTemplates, renderGuardFailures, renderGuardReport, runGuard } from './guard';
import { EXIT } from '../../shared/cli/exit-codes';
import { parseCliArgs } from '../../shared/cli/parse-args';
import { runCli, runMain } from '../../shared/cli/run-cli';
import { cloudAssemblyDir } from '../cloud-assembly';

/**
 * `npx projen compliance:guard [cdk.out]`: the Control Tower guard rules over every template
 * of the cloud assembly (nested stage assemblies included). Prints one readable list, writes
 * <outdir>/guard-report.md (every suppression with its reason) and exits 1 on any
 * unsuppressed finding, 2 when there is no cloud assembly (run `synth` first).
 */
export const GUARD_USAGE = 'usage: npx projen compliance:guard [path/to/cdk.out] [--no-cache]';

/** Where the CLI keeps cfn-guard's findings by the hash of their inputs (guard-cache.ts); `--no-cache` runs cfn-guard every time. */
export const GUARD_CACHE_DIR = path.join('.cache', 'guard');

function guard(argv: readonly string[]): number {
  const args = parseCliArgs(argv, { options: { 'no-cache': { type: 'boolean' } }, positionals: 1 });
  const outdir = cloudAssemblyDir(args.positionals[0]);
  const templates = findTemplates(outdir);
  const started = Date.now();
  const result = runGuard(templates, outdir, { cacheDir: args.values['no-cache'] ? undefined : path.resolve(GUARD_CACHE_DIR) });
  fs.writeFileSync(path.join(outdir, 'guard-report.md'), renderGuardReport(result));
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const failures = renderGuardFailures(result);
  if (failures) {
    process.stderr.write(`${failures}\n`);
    return EXIT.FAILED;
  }
  process.stdout.write(`Control Tower guard rules: ${templates.length} templates, 0 unsuppressed findings, `
    + `${result.suppressed.length} suppressed with reasons (${path.relative(process.cwd(), path.join(outdir, 'guard-report.md'))}), ${seconds} s`
    + `${result.cache ? ` (cfn-guard runs: ${result.cache.misses} run, ${result.cache.hits} unchanged and read from ${GUARD_CACHE_DIR})` : ''}.\n`);
  return EXIT.OK;
}

/** The CLI; resolves to the exit code. */
export function guardCli(argv: readonly string[]): Promise<number> {
  return runCli({ name: 'compliance:guard', usage: GUARD_USAGE }, argv, () => guard(argv));
}

if (require.main === module) runMain(guardCli);
