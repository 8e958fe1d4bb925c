import * as fs from 'fs';
import * as path from 'path';
import { analyze, describeFindings, StackTemplate } from './rollback-analysis';
import { CfnTemplate } from '../../codebuild/change-report/template';
import { loadConfig } from '../../config/load-config';
import { InputError } from '../../shared/cli/errors';
import { EXIT } from '../../shared/cli/exit-codes';
import { parseCliArgs } from '../../shared/cli/parse-args';
import { CliIo, PROCESS_IO, runCli, runMain } from '../../shared/cli/run-cli';
import { cloudAssemblyDir } from '../cloud-assembly';
import { stacksOfAssembly } from '../execution-policy/sufficiency';
import { extraPolicyVariants, PolicyVariant, variantAssembly } from '../execution-policy/variants';

/**
 * `npx projen rollback:check`: the rollback analysis (rollback-analysis.ts) over every stack
 * template of the sample (cdk.out) and of the variants the execution policies cover (every
 * environment with a domain: variants.ts), created from nothing and updated to the next commit.
 * Prints one line per finding and exits 1 on any (2 on bad input, or without a cloud assembly).
 *
 * Options:
 * - `--assembly <dir>`: the sample's cloud assembly (default `cdk.out`; run synth first);
 * - `--templates <dir>`: analyze the `*.template.json` files of a directory instead (create and
 *   order only), e.g. the templates kept in test/fixtures/rollback/.
 */

/** The commit the "next deploy" of the update analysis is synthesized for. */
export const NEXT_COMMIT = 'feedfacefeedfacefeedfacefeedfacefeedface';
/** The commit the variants are synthesized for first (as policy:check does). */
const VARIANT_COMMIT = '0000000000000000000000000000000000000000';

/** Every stack of a cloud assembly: the pipeline's and the stages'. */
export function assemblyStacks(dir: string, source = 'the sample'): StackTemplate[] {
  const { pipeline, stage } = stacksOfAssembly(dir);
  return [...pipeline, ...stage].map((s) => ({ stackName: s.stackName, template: s.template as CfnTemplate, source }));
}

/** The `*.template.json` files of a directory, named after their file. */
export function directoryStacks(dir: string): StackTemplate[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.template.json')).sort().map((f) => ({
    source: path.basename(dir),
    stackName: f.replace(/\.template\.json$/, ''),
    template: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as CfnTemplate,
  }));
}

/** Stacks of a config synthesized for a commit (variants.ts: in-process, or shared in the test command). */
function synthesizedStacks(variant: PolicyVariant, rootDir: string, commit: string): StackTemplate[] {
  const assembly = variantAssembly(variant, rootDir, commit);
  try {
    return assemblyStacks(assembly.directory, variant.name);
  } finally {
    assembly.release();
  }
}

/** Pairs (before, after) of the same stack name. */
function pairs(before: readonly StackTemplate[], after: readonly StackTemplate[]): [StackTemplate, StackTemplate][] {
  return after.flatMap((a) => {
    const b = before.find((x) => x.stackName === a.stackName);
    return b ? [[b, a] as [StackTemplate, StackTemplate]] : [];
  });
}

/** How to call it. */
export const ROLLBACK_USAGE = 'usage: npx projen rollback:check [-- --assembly path/to/cdk.out] [-- --templates <dir of *.template.json>]';

function rollbackCheck(argv: readonly string[], out: (line: string) => void, rootDir: string): number {
  const { values } = parseCliArgs(argv, {
    options: { assembly: { type: 'string', hint: 'path/to/cdk.out' }, templates: { type: 'string', hint: '<dir of *.template.json>' } },
  });
  const started = Date.now();
  let stacks: StackTemplate[];
  let updates: [StackTemplate, StackTemplate][] = [];
  let scope: string;
  if (values.templates) {
    const dir = path.resolve(values.templates);
    if (!fs.existsSync(dir)) throw new InputError(`--templates ${values.templates}: no such directory`);
    stacks = directoryStacks(dir);
    if (stacks.length === 0) throw new InputError(`--templates ${values.templates}: no *.template.json in it`);
    scope = `${stacks.length} stacks of ${values.templates} (create and order)`;
  } else {
    const sample = assemblyStacks(cloudAssemblyDir(values.assembly));
    const variants = extraPolicyVariants();
    const variantStacks = variants.flatMap((v) => synthesizedStacks(v, rootDir, VARIANT_COMMIT));
    const sampleNext = synthesizedStacks({ name: 'the sample', config: loadConfig() }, rootDir, NEXT_COMMIT);
    const variantNext = variants.flatMap((v) => synthesizedStacks(v, rootDir, NEXT_COMMIT));
    stacks = [...sample, ...variantStacks];
    updates = [...pairs(sample, sampleNext), ...pairs(variantStacks, variantNext)];
    scope = `${stacks.length} stacks (sample + ${variants.length} variant${variants.length === 1 ? '' : 's'}), each created and updated to the next commit`;
  }
  const result = analyze(stacks, updates);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  out(`Rollback analysis: ${scope}: ${result.failurePoints} failure points (${result.updateFailurePoints} in updates), `
    + `${result.stepsEvaluated} rollback steps, ${seconds} s: `
    + `${result.findings.length ? `${result.findings.length} finding(s)` : 'every rollback completes and the retry is free'}.`);
  for (const line of describeFindings(result.findings)) out(line);
  return result.findings.length ? EXIT.FAILED : EXIT.OK;
}

/** The CLI; resolves to the exit code (1 on findings, 2 on bad input or no cloud assembly). */
export function rollbackCli(argv: readonly string[], io: CliIo = PROCESS_IO, rootDir = process.cwd()): Promise<number> {
  return runCli({ name: 'rollback:check', usage: ROLLBACK_USAGE }, argv, () => rollbackCheck(argv, (line) => io.out(`${line}\n`), rootDir), io);
}

if (require.main === module) runMain((argv) => rollbackCli(argv));
