import * as fs from 'fs';
import * as path from 'path';
import { bootstrapPlan, PIPELINE_POLICY_NAME, POLICY_SOURCES, WORKLOAD_POLICY_NAME } from './bootstrap-plan';
import { expandTransforms, transformsOf } from './deploy-requests';
import { generatePolicy } from './generate-policy';
import { HandlerPermissions, HandlerPermissionsSnapshot, readHandlerLists, SNAPSHOT_FILE } from './handler-permissions';
import { PolicyDocument } from './iam-evaluator';
import { PolicyKind } from './policy-rules';
import { checkSufficiency, describeGaps, integSnapshotStacks, stacksOfAssembly, StackToCheck, unrequestedGrants } from './sufficiency';
import { extraPolicyVariants, synthesizeVariant } from './variants';
import { loadConfig } from '../../config/load-config';

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
    const dir = synthesizeVariant(variant, ROOT);
    add(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return stacks;
}

/** Resource types CloudFormation creates for the stacks: their own and those their transforms add. */
function typesOf(stacks: readonly StackToCheck[]): Set<string> {
  return new Set(stacks.flatMap((s) => Object.values(expandTransforms(s.template, s.stackName).Resources ?? {}).map((r) => r.Type)));
}

/**
 * The value of `--<name>`: every word up to the next `--option`, joined by spaces. projen hands
 * `-- ...` arguments to a shell unquoted, so `--source "registry schemas, us-east-1"` arrives as
 * several words.
 */
export function option(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const end = argv.findIndex((a, j) => j > i && a.startsWith('--'));
  const words = argv.slice(i + 1, end < 0 ? undefined : end);
  return words.length > 0 ? words.join(' ') : undefined;
}

function main(argv: readonly string[]): number {
  const [command] = argv;
  const assemblyDir = path.resolve(option(argv, 'assembly') ?? 'cdk.out');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (!fs.existsSync(path.join(assemblyDir, 'manifest.json'))) {
    log(`${assemblyDir} holds no cloud assembly: run \`npx projen synth\` first`);
    return 1;
  }
  if (command === 'handlers') {
    const schemaDir = option(argv, 'schemas');
    const source = option(argv, 'source');
    if (!schemaDir || !source) {
      log('usage: npx projen policy:handlers -- --schemas <dir of registry schema JSON files> --source "<where they came from>"');
      return 2;
    }
    const stacks = allStacks(assemblyDir, log);
    const current = HandlerPermissions.load(ROOT).snapshot;
    const types = new Set([...Object.keys(current.types), ...typesOf(stacks.stage), ...typesOf(stacks.pipeline)]);
    const snapshot: HandlerPermissionsSnapshot = {
      source,
      readAt: new Date().toISOString().slice(0, 10),
      refresh: current.refresh,
      types: readHandlerLists(schemaDir, types),
    };
    fs.writeFileSync(path.join(ROOT, SNAPSHOT_FILE), `${JSON.stringify(snapshot, null, 2)}\n`);
    process.stdout.write(`${SNAPSHOT_FILE}: ${Object.keys(snapshot.types).length} resource types from ${source}\n`);
    return 0;
  }
  const permissions = HandlerPermissions.load(ROOT);
  if (command === 'generate') {
    const stacks = allStacks(assemblyDir, log);
    for (const kind of ['stage', 'pipeline'] as const) {
      const transforms = stacks[kind].flatMap((s) => transformsOf(s.template));
      const document = generatePolicy(kind, typesOf(stacks[kind]), permissions, transforms);
      fs.writeFileSync(path.join(ROOT, POLICY_FILE[kind]), `${JSON.stringify(document, null, 2)}\n`);
      process.stdout.write(`${POLICY_FILE[kind]}: ${typesOf(stacks[kind]).size} resource types\n`);
    }
    return 0;
  }
  if (command === 'check') {
    const stacks = allStacks(assemblyDir, log);
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
    return problems.length ? 1 : 0;
  }
  log('usage: policy-cli.ts check|generate|handlers');
  return 2;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
