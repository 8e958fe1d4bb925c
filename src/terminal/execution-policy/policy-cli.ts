import * as fs from 'fs';
import * as path from 'path';
import { bootstrapPlan, PIPELINE_POLICY_NAME, POLICY_SOURCES, WORKLOAD_POLICY_NAME } from './bootstrap-plan';
import { expandTransforms, transformsOf } from './deploy-requests';
import { generatePolicy } from './generate-policy';
import { HandlerPermissions, HandlerPermissionsSnapshot, readHandlerLists, SNAPSHOT_FILE } from './handler-permissions';
import { PolicyDocument } from './iam-evaluator';
import { PolicyKind } from './policy-rules';
import { checkSufficiency, describeGaps, integSnapshotStacks, stacksOfAssembly, StackToCheck, unrequestedGrants } from './sufficiency';
import { extraPolicyVariants, variantAssembly } from './variants';
import { loadConfig } from '../../config/load-config';
import { UsageError } from '../../shared/cli/errors';
import { EXIT } from '../../shared/cli/exit-codes';
import { parseCliArgs } from '../../shared/cli/parse-args';
import { runCli, runMain } from '../../shared/cli/run-cli';
import { cloudAssemblyDir } from '../cloud-assembly';

/**
 * `npx projen policy:<command>`: the execution policies, from CloudFormation's own data.
 *
 * - `policy:check [--assembly cdk.out]`: evaluate the rendered policies against every template of
 *   the sample assembly and of the variants (variants.ts); exit 1 on any missing permission or
 *   condition it cannot evaluate.
 * - `policy:generate [--assembly cdk.out]`: rewrite bootstrap/cfn-execution-policy.json and
 *   bootstrap/pipeline-cfn-execution-policy.json for the resource types those templates use.
 * - `policy:handlers --schemas <dir> --source "<where from>" [--assembly cdk.out]`: refresh
 *   bootstrap/handler-permissions.json from a directory of CloudFormation registry schemas (unzip
 *   https://schema.cloudformation.<region>.amazonaws.com/CloudformationSchema.zip into it) for every
 *   type those templates use, recording the source and today's date.
 */

const ROOT = process.cwd();
const POLICY_FILE: Record<PolicyKind, string> = {
  stage: POLICY_SOURCES[WORKLOAD_POLICY_NAME],
  pipeline: POLICY_SOURCES[PIPELINE_POLICY_NAME],
};

/** The stacks of the sample assembly, of the integ snapshots and of every variant, by policy kind. */
export function allStacks(assemblyDir: string, log: (line: string) => void): Record<PolicyKind, StackToCheck[]> {
  const stacks: Record<PolicyKind, StackToCheck[]> = { stage: [], pipeline: [] };
  const add = (dir: string) => {
    const found = stacksOfAssembly(dir);
    stacks.stage.push(...found.stage);
    stacks.pipeline.push(...found.pipeline);
  };
  add(assemblyDir);
  stacks.stage.push(...integSnapshotStacks(ROOT));
  for (const variant of extraPolicyVariants()) {
    log(`synthesizing variant: ${variant.name}`);
    const assembly = variantAssembly(variant, ROOT);
    add(assembly.directory);
    assembly.release();
  }
  return stacks;
}

/** Resource types CloudFormation creates for the stacks: their own and those their transforms add. */
function typesOf(stacks: readonly StackToCheck[]): Set<string> {
  return new Set(stacks.flatMap((s) => Object.values(expandTransforms(s.template, s.stackName).Resources ?? {}).map((r) => r.Type)));
}

export const POLICY_USAGE = `usage: policy-cli.ts check|generate|handlers [--assembly cdk.out]
  npx projen policy:check | policy:generate
  npx projen policy:handlers -- --schemas <dir of registry schema JSON files> --source "<where they came from>"`;

/**
 * The options. Every value takes the words after it up to the next `--option`: projen hands
 * `-- ...` arguments to a shell unquoted, so `--source "registry schemas, us-east-1"` arrives as
 * several words.
 */
const OPTIONS = {
  assembly: { type: 'string', hint: 'cdk.out', words: true },
  schemas: { type: 'string', hint: '<dir of registry schema JSON files>', words: true },
  source: { type: 'string', hint: '"<where they came from>"', words: true },
} as const;

const COMMANDS = ['check', 'generate', 'handlers'] as const;

/** What the command line asks for. */
export interface PolicyArgs {
  readonly command: typeof COMMANDS[number];
  /** @default cdk.out */
  readonly assembly?: string;
  /** `handlers` only. */
  readonly schemas?: string;
  /** `handlers` only. */
  readonly source?: string;
}

/** Read the command line; throws UsageError. */
export function parsePolicyArgs(argv: readonly string[]): PolicyArgs {
  const { values, positionals } = parseCliArgs(argv, { options: OPTIONS, positionals: 1 });
  const command = COMMANDS.find((c) => c === positionals[0]);
  if (!command) throw new UsageError(`${positionals[0] === undefined ? 'missing command' : `unknown command "${positionals[0]}"`}: use ${COMMANDS.join(', ')}`);
  if (command === 'handlers' && (!values.schemas || !values.source)) {
    throw new UsageError('policy:handlers needs --schemas <dir of registry schema JSON files> and --source "<where they came from>"');
  }
  return { command, ...values };
}

function policy(argv: readonly string[]): number {
  const args = parsePolicyArgs(argv);
  const assemblyDir = cloudAssemblyDir(args.assembly);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (args.command === 'handlers') {
    const stacks = allStacks(assemblyDir, log);
    const current = HandlerPermissions.load(ROOT).snapshot;
    const types = new Set([...Object.keys(current.types), ...typesOf(stacks.stage), ...typesOf(stacks.pipeline)]);
    const snapshot: HandlerPermissionsSnapshot = {
      source: args.source!,
      readAt: new Date().toISOString().slice(0, 10),
      refresh: current.refresh,
      types: readHandlerLists(args.schemas!, types),
    };
    fs.writeFileSync(path.join(ROOT, SNAPSHOT_FILE), `${JSON.stringify(snapshot, null, 2)}\n`);
    process.stdout.write(`${SNAPSHOT_FILE}: ${Object.keys(snapshot.types).length} resource types from ${args.source}\n`);
    return EXIT.OK;
  }
  const permissions = HandlerPermissions.load(ROOT);
  if (args.command === 'generate') {
    const stacks = allStacks(assemblyDir, log);
    for (const kind of ['stage', 'pipeline'] as const) {
      const transforms = stacks[kind].flatMap((s) => transformsOf(s.template));
      const document = generatePolicy(kind, typesOf(stacks[kind]), permissions, transforms);
      fs.writeFileSync(path.join(ROOT, POLICY_FILE[kind]), `${JSON.stringify(document, null, 2)}\n`);
      process.stdout.write(`${POLICY_FILE[kind]}: ${typesOf(stacks[kind]).size} resource types\n`);
    }
    return EXIT.OK;
  }
  return check(allStacks(assemblyDir, log), permissions);
}

/**
 * `policy:check`: the committed documents are what the handler data generates, every request is
 * allowed, nothing unneeded is; exit 1 listing each problem.
 */
function check(stacks: Record<PolicyKind, StackToCheck[]>, permissions: HandlerPermissions): number {
  const problems: string[] = [];
  // 1. The committed documents are what the handler data generates for these templates.
  for (const kind of ['stage', 'pipeline'] as const) {
    const transforms = stacks[kind].flatMap((s) => transformsOf(s.template));
    const expected = JSON.stringify(generatePolicy(kind, typesOf(stacks[kind]), permissions, transforms), null, 2);
    const committed = JSON.stringify(JSON.parse(fs.readFileSync(path.join(ROOT, POLICY_FILE[kind]), 'utf8')), null, 2);
    if (expected !== committed) problems.push(`${POLICY_FILE[kind]} is not what the handler data generates for the templates: run \`npx projen policy:generate\` and review the diff`);
  }
  // 2. Every request is allowed by the rendered policies of its account.
  const plan = bootstrapPlan(loadConfig(), { rootDir: ROOT });
  const policiesOf = (account: string) => plan.policies.filter((p) => p.account === account).map((p) => p.document as PolicyDocument);
  const everything = [...stacks.pipeline, ...stacks.stage];
  const result = checkSufficiency(everything, policiesOf, permissions);
  problems.push(...describeGaps([...result.missing, ...result.unevaluable]));
  if (result.unknownTypes.length) problems.push(`no handler data for ${result.unknownTypes.join(', ')}: run \`npx projen policy:handlers\``);
  // 3. Least privilege: nothing allowed that no request needs.
  const unneeded = unrequestedGrants(plan.policies.map((p) => p.document as PolicyDocument), everything, permissions);
  if (unneeded.length) problems.push(`allowed but needed by no template: ${unneeded.join(', ')}`);
  process.stdout.write(`Execution policies: ${result.pairsChecked} (action, resource type) pairs over ${result.typesChecked.length} resource types, `
    + `${result.requestsChecked} requests in ${result.stacksChecked} stacks (sample + ${extraPolicyVariants().length} variants): `
    + `${problems.length ? `${problems.length} problem(s)` : 'all allowed, nothing unneeded'}.\n`);
  for (const line of problems) process.stdout.write(`  - ${line}\n`);
  return problems.length ? EXIT.FAILED : EXIT.OK;
}

/** The CLI; resolves to the exit code. */
export function policyCli(argv: readonly string[]): Promise<number> {
  return runCli({ name: 'policy', usage: POLICY_USAGE }, argv, () => policy(argv));
}

if (require.main === module) runMain(policyCli);
