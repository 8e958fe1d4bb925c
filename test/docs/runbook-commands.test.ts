import * as fs from 'fs';
import * as path from 'path';
import { issuerRegionOf } from '../../src/config/issuer';
import { resilienceOf, primaryRegionOf } from '../../src/config/resilience';
import { DeliveryConfig, EnvironmentConfig } from '../../src/config/schema';
import { DocCommand, docCommands, optionsOf } from '../support/doc-commands';
import { declares, outputMentions, pathMentions, resolvesTo, sectionReferences, symbolPointers } from '../support/doc-references';
import { REPO_ROOT } from '../support/repo-root';
import { sampleAssembly } from '../support/sample-assembly';
import { Placed, SampleNames } from '../support/sample-names';
import { taskFlags } from '../support/task-flags';
import { sampleConfig } from '../support/test-app';

/**
 * Every command of README.md, RUNBOOKS.md, app/README.md and docs/ (their ```bash / ```sh blocks
 * and the inline commands of their prose), checked against what it names in the synthesized
 * sample: stack names (in the account of `--profile` and the region of `--region`), output keys,
 * the resource types a query picks, secrets (a secondary stage holds a replica, no stack
 * secret), log groups, clusters, the engine version, the image repository, the pipeline, its
 * stages and actions, projen tasks and the flags their CLIs take, test files and cloud-assembly
 * paths. And what the prose sends a reader to: sections by title, repository paths, and the
 * symbols it places in a file.
 *
 * Placeholders are resolved against the sample (`<env>`, `<region>`, `<stage>` range over its
 * stages; a command must hold for every stage its `--profile` and `--region` allow) or skipped
 * by name in RUNTIME_VALUES, with the reason; a placeholder in neither list fails the test.
 */

const DOCS = ['README.md', 'RUNBOOKS.md', 'app/README.md', 'docs/config-rules.md', 'docs/performance.md', 'docs/mutation-testing.md'];

/** Placeholders that stand for what AWS assigns, or the reader chooses, at run time: nothing offline to check them against. */
const RUNTIME_VALUES: Record<string, string> = {
  '<id>': 'a pipeline execution id',
  '<execution id>': 'a pipeline execution id',
  '<id returned by rollback-stage>': 'a pipeline execution id',
  '<commit>': 'a commit id',
  '<bad commit>': 'a commit id',
  '<a commit whose tag exists in the image repository>': 'a commit id',
  '<why>': 'the reader\'s reason',
  '<ticket>': 'the reader\'s change or incident ticket, named in the session',
  '<arn>': 'an ARN AWS assigns',
  '<its ARN>': 'an ARN AWS assigns',
  '<cluster arn>': 'the ARN of a cluster the text names',
  '<cluster id>': 'the physical id a stack event names',
  '<load balancer arn>': 'the physical id a stack event names',
  '<DeletionProtectionClusterId>': 'an output value of the deployed stack',
  '<DeletionProtectionLoadBalancerArn>': 'an output value of the deployed stack',
  '<physical id>': 'the physical id a drift report names',
  '<role>': 'a role name CloudFormation generates',
  '<version id>': 'a secret version id describe-secret lists',
  '<1 h ago>': 'a time',
  '<now>': 'a time',
  '<cluster>': 'the ECS cluster name CloudFormation generates (the ClusterName output)',
  '<service>': 'the ECS service name CloudFormation generates (the ServiceName output)',
  '<family>': 'the task definition family CloudFormation generates',
  '<previous revision>': 'a task definition revision',
  '<digest from the log>': 'an image digest',
  '<build id>': 'a CodeBuild build id',
  '<bucket>': 'a bucket name CloudFormation generates',
  '<report bucket>': 'a bucket name CloudFormation generates',
  '<LogicalId>': 'the logical id a failed stack event names',
  '<hostedZoneId>': 'the reader\'s own hosted zone',
  '<zone>': 'the reader\'s own hosted zone',
  '<zone name>': 'the reader\'s own hosted zone',
  '<zoneName>': 'the reader\'s own hosted zone',
  '<recordName>': 'the reader\'s own record name',
  '<name>': 'an alarm or profile name the reader picks',
  '<date>': 'a date',
  '<dir>': 'a directory of the reader\'s',
  '<N>': 'a number the reader picks',
  '<next stage>': 'the pipeline stage after the one that failed',
  '<stack>': 'any stack of a stage',
  '<client name>': 'a name the reader gives an API client',
  '<client id>': 'an app client id Cognito generates',
  '<client secret>': 'an app client secret Cognito generates',
  '<client secret id>': 'a client secret id Cognito lists (<client id>--<time>)',
  '<checks client id>': 'the checks\' app client id (the IssuerChecksClientId output)',
  '<new pool id>': 'a user pool id Cognito generates',
  '<task definition arn>': 'a task definition revision ECS registers',
  '<key>': 'an object key a listing returned',
  '<yyyy>': 'the year of the hour the reader reconciles',
  '<MM>': 'its month',
  '<dd>': 'its day',
  '<HH>': 'its hour (UTC)',
};

/** Paths the docs name that a command writes when it runs (not in the repository). */
const WRITTEN_AT_RUN_TIME: Record<string, string> = {
  'bootstrap/rendered/': '`npx projen bootstrap` renders the policies per account into it (git-ignored)',
};

/** Where a command runs: an account (by the profile that reaches it) and a region, and the environment there, if any. */
interface Binding {
  readonly profile: string;
  readonly account: string;
  readonly region: string;
  readonly env?: EnvironmentConfig;
}

type Resolver = (b: Binding, names: SampleNames, config: DeliveryConfig) => string | readonly string[] | undefined;

/** Placeholders resolved against the sample; undefined: the binding does not have it (e.g. `<env>` in the pipeline account). */
const RESOLVED: Record<string, Resolver> = {
  '<app>': (_b, _n, c) => c.tags.Application.toLowerCase(),
  '<pipeline>': (_b, n) => n.pipelineName,
  '<pipeline region>': (_b, _n, c) => c.pipeline.region,
  '<home>': (_b, _n, c) => c.pipeline.region,
  '<dest>': (b, _n, c) => (b.env === undefined && b.region !== c.pipeline.region ? b.region : undefined),
  '<env>': (b) => b.env?.name,
  '<acct>': (b) => b.account,
  '<profile>': (b) => b.profile,
  '<account>': (b) => b.account,
  '<region>': (b) => b.region,
  '<stage>': (b) => (b.env ? `${b.env.name}-${b.region}` : undefined),
  '<global env>': (b) => (b.env && resilienceOf(b.env) === 'global' ? b.env.name : undefined),
  '<independent stage>': (b) => (b.env && resilienceOf(b.env) === 'independent' ? `${b.env.name}-${b.region}` : undefined),
  '<primary region>': (b) => (b.env && resilienceOf(b.env) === 'global' ? primaryRegionOf(b.env) : undefined),
  '<issuer region>': (b) => (b.env ? issuerRegionOf(b.env) : undefined),
  '<writer region>': (b) => (b.env && resilienceOf(b.env) === 'global' ? primaryRegionOf(b.env) : undefined),
  '<to>': (b) => (b.env && resilienceOf(b.env) === 'global' ? b.region : undefined),
  '<wave>': (b, n) => (b.env ? n.waveOf(`${b.env.name}-${b.region}`) : [...n.pipelineStages.keys()].filter((s) => n.pipelineStages.get(s)!.some((a) => /\.Deploy$/.test(a)))),
  '<module>': (_b, n) => Object.keys(n.tasks).filter((t) => t.startsWith('mutate:')).map((t) => t.slice('mutate:'.length)),
};

const PLACEHOLDER = /<[^<>\s][^<>]*>/g;

/** Options whose value is prose for people, not a name. */
const FREE_TEXT_OPTIONS = ['--reason', '--result'];

/** A value that names something as written: no placeholder, no shell variable. */
const isLiteral = (value: string | undefined): value is string => value !== undefined && value !== '' && !value.includes('<') && !value.includes('$');

/** Every account and region of the sample a command may run in. */
function bindingsOf(config: DeliveryConfig): Binding[] {
  const pipelineRegions = [...new Set([config.pipeline.region, ...config.environments.flatMap((e) => e.regions)])];
  return [
    ...pipelineRegions.map((region) => ({ profile: 'pipeline', account: config.pipeline.account, region })),
    ...config.environments.flatMap((env) => env.regions.map((region) => ({ profile: env.name, account: env.account, region, env }))),
  ];
}

/** A command with its placeholders resolved for one binding (runtime placeholders stay). */
interface Resolved {
  readonly command: DocCommand;
  readonly words: readonly string[];
  readonly binding: Binding;
  readonly where: string;
}

/** Resolve a command for every binding its literal `--profile` / `--region` allow and its placeholders exist in. */
function resolveCommand(command: DocCommand, names: SampleNames, config: DeliveryConfig, problems: string[]): Resolved[] {
  const where = `${command.doc}:${command.line}: ${command.words.join(' ')}`;
  // Free text (a reason, an approval summary) may mention a placeholder without naming anything.
  const freeText = new Set(command.words.flatMap((w, i) => (FREE_TEXT_OPTIONS.includes(command.words[i - 1]) ? [i] : [])));
  const words = command.words.map((w, i) => (freeText.has(i) ? w.replace(PLACEHOLDER, '…') : w));
  const used = new Set(words.flatMap((w) => w.match(PLACEHOLDER) ?? []));
  for (const p of used) {
    if (!(p in RESOLVED) && !(p in RUNTIME_VALUES)) problems.push(`${where}: placeholder ${p} is neither resolved against the sample (RESOLVED) nor listed as a run-time value (RUNTIME_VALUES)`);
  }
  const options = optionsOf(command);
  const profile = options.get('profile')?.[0] ?? command.env.AWS_PROFILE;
  const region = options.get('region')?.[0];
  const out = new Map<string, Resolved>();
  for (const binding of bindingsOf(config)) {
    // The profile decides the account an AWS CLI call reaches; a projen task takes its own options (`--env <env>`).
    const pinnedProfile = command.words[0] === 'aws' && profile !== undefined && !/<[^<>]+>/.test(profile);
    if (pinnedProfile && profile !== binding.profile) continue;
    let combos: string[][] = [[]];
    let fits = true;
    for (const word of words) {
      let variants = [word];
      for (const p of word.match(PLACEHOLDER) ?? []) {
        if (!(p in RESOLVED)) continue;
        const value = RESOLVED[p](binding, names, config);
        if (value === undefined) fits = false;
        const values = value === undefined ? [] : typeof value === 'string' ? [value] : value;
        variants = variants.flatMap((v) => values.map((x) => v.split(p).join(x)));
      }
      combos = combos.flatMap((c) => variants.map((v) => [...c, v]));
    }
    if (!fits) continue;
    for (const combo of combos) {
      const r = optionsOf({ ...command, words: combo }).get('region')?.[0];
      if (region !== undefined && isLiteral(r) && r !== binding.region) continue;
      out.set(`${binding.account}/${binding.region} ${combo.join(' ')}`, { command, words: combo, binding, where });
    }
  }
  if (out.size === 0) problems.push(`${where}: no stage or pipeline region of the sample fits its --profile, --region and placeholders`);
  return [...out.values()];
}

/** What the checks looked at, by kind: a check that finds nothing to check cannot fail. */
type Tally = Record<string, number>;


/** The names of one resolved command that the sample must have; problems are pushed, checks counted. */
function checkResolved(r: Resolved, names: SampleNames, config: DeliveryConfig, problems: string[], tally: Tally): void {
  const count = (kind: string): void => {
    tally[kind] = (tally[kind] ?? 0) + 1;
  };
  const fail = (message: string): void => {
    problems.push(`${r.where}: ${message}`);
  };
  const [program, ...args] = r.words;
  const options = optionsOf({ ...r.command, words: r.words });
  const opt = (name: string) => options.get(name)?.[0];
  const account = r.binding.account;
  const regionOpt = opt('region');
  const region = isLiteral(regionOpt) ? regionOpt : undefined;
  const here = (p: Placed) => p.account === account && (region === undefined || p.region === region);
  const profiles = ['pipeline', ...config.environments.map((e) => e.name)];
  const profile = opt('profile') ?? r.command.env.AWS_PROFILE;
  if (isLiteral(profile)) {
    count('profile');
    if (!profiles.includes(profile)) fail(`--profile ${profile} is not one of the profiles the runbooks use (${profiles.join(', ')})`);
  }
  if (region) {
    count('region');
    if (!bindingsOf(config).some((b) => b.region === region)) fail(`--region ${region} is no region of the sample`);
  }
  if (program === 'aws') {
    const [service, operation] = args;
    const query = opt('query') ?? '';
    const stackName = opt('stack-name');
    if (service === 'cloudformation' && isLiteral(stackName) && stackName !== 'CDKToolkit') {
      count('stack');
      const stack = names.stacks.get(stackName);
      if (!stack) return fail(`no stack ${stackName} in the sample`);
      if (stack.account !== account || (region && stack.region !== region)) fail(`${stackName} deploys to ${stack.account}/${stack.region}, not to the --profile/--region given (${account}/${region ?? 'any'})`);
      for (const m of query.matchAll(/OutputKey\s*==\s*'([^']+)'|starts_with\(OutputKey,\s*'([^']+)'\)/g)) {
        const key = m[1] ?? m[2];
        if (!isLiteral(key)) continue;
        count('output');
        const found = m[1] ? stack.outputKeys.includes(key) : stack.outputKeys.some((k) => k.startsWith(key));
        if (!found) fail(`${stackName} has no output ${m[1] ? `${key}` : `starting with ${key}`} (its outputs: ${stack.outputKeys.filter((k) => !k.startsWith('ExportsOutput')).join(', ')})`);
      }
      // `ResourceType=='X'`, optionally narrowed with `&& starts_with(LogicalResourceId,'Y')`.
      for (const m of query.matchAll(/ResourceType\s*==\s*'([^']+)'(?:\s*&&\s*starts_with\(LogicalResourceId,\s*'([^']+)'\))?/g)) {
        count('resource type');
        const n = m[2] === undefined ? stack.resourceTypes.get(m[1]) ?? 0
          : Object.entries<any>(stack.template.Resources ?? {}).filter(([id, res]) => res.Type === m[1] && id.startsWith(m[2])).length;
        const what = m[2] === undefined ? m[1] : `${m[1]} whose logical id starts with ${m[2]}`;
        if (n === 0) fail(`${stackName} has no ${what}`);
        else if (r.command.assignsTo && opt('output') === 'text' && n > 1) fail(`${stackName} has ${n} resources of type ${what}: $${r.command.assignsTo} would hold ${n} ids`);
      }
    }
    const secret = opt('secret-id');
    if (service === 'secretsmanager' && isLiteral(secret)) {
      count('secret');
      if (!names.secrets.some((s) => s.name === secret && here(s))) fail(`no secret ${secret} in ${account}/${region ?? 'any region'}`);
    }
    const logGroup = opt('log-group-name');
    if (service === 'logs' && isLiteral(logGroup)) {
      count('log group');
      if (!names.logGroups.some((l) => l.name === logGroup && here(l))) fail(`no log group ${logGroup} in ${account}/${region ?? 'any region'}`);
    }
    if (service === 'rds') {
      const global = opt('global-cluster-identifier');
      if (isLiteral(global)) {
        count('global cluster');
        if (!names.globalClusters.some((g) => g.name === global && g.account === account)) fail(`no global cluster ${global} in account ${account}`);
      }
      for (const key of ['db-cluster-identifier', 'target-db-cluster-identifier']) {
        const value = opt(key);
        if (!isLiteral(value)) continue;
        count('cluster');
        const arn = /^arn:aws:rds:([^:]+):([^:]+):cluster:(.+)$/.exec(value);
        const [clusterRegion, id] = arn ? [arn[1], arn[3]] : [region, value];
        if (!names.clusters.some((c) => c.name === id && c.account === account && (clusterRegion === undefined || c.region === clusterRegion))) fail(`no cluster ${id} in ${account}/${clusterRegion ?? 'any region'}`);
      }
      const engine = opt('engine-version');
      if (isLiteral(engine)) {
        count('engine version');
        if (!names.engineVersions.has(engine)) fail(`the sample's clusters run ${[...names.engineVersions].join(', ')}, not ${engine}`);
      }
    }
    if (service === 'ecr') {
      for (const repo of [opt('repository-name'), opt('repository-names')]) {
        if (!isLiteral(repo)) continue;
        count('repository');
        if (!names.repositories.some((x) => x.name === repo && x.account === account)) fail(`no image repository ${repo} in account ${account}`);
      }
    }
    if (service === 'codepipeline') {
      const pipeline = opt('pipeline-name') ?? opt('name');
      if (isLiteral(pipeline)) {
        count('pipeline');
        if (pipeline !== names.pipelineName) fail(`the sample's pipeline is ${names.pipelineName}, not ${pipeline}`);
      }
      const stages = [opt('stage-name'), ...[...query.matchAll(/stageName\s*==\s*'([^']+)'/g)].map((m) => m[1])].filter(isLiteral);
      for (const stage of stages) {
        count('pipeline stage');
        if (!names.pipelineStages.has(stage)) fail(`the pipeline has no stage ${stage} (its stages: ${[...names.pipelineStages.keys()].join(', ')})`);
      }
      const actions = [opt('action-name'), ...[...query.matchAll(/actionName\s*==\s*'([^']+)'/g)].map((m) => m[1])].filter(isLiteral);
      for (const action of actions) {
        count('pipeline action');
        if (!stages.some((s) => names.pipelineStages.get(s)?.includes(action))) fail(`no stage ${stages.join('/')} of the pipeline has an action ${action}`);
      }
    }
    return;
  }
  if (program === 'npx' && args[0] === 'projen' && args[1] !== undefined) {
    const task = args[1];
    if (task.startsWith('-') || task === '...') return;
    count('task');
    if (!(task in names.tasks)) return fail(`no projen task ${task} (.projen/tasks.json)`);
    const given = args.slice(2).map((a) => a.replace(/^\[|\]$/g, '')).filter((a) => a.startsWith('--') && a !== '--');
    if (given.length === 0) return;
    const accepted = taskFlags(task);
    for (const flag of given) {
      const name = flag.slice(2).split('=')[0];
      count('flag');
      const patterned = accepted.patterns.some((p) => p.test(name) || (name.includes('<') && p.test(name.replace(PLACEHOLDER, '123456789012'))));
      if (!accepted.flags.has(name) && !patterned) fail(`npx projen ${task} does not take --${name} (${accepted.file ?? 'it runs no CLI of ours'} takes ${[...accepted.flags].map((f) => `--${f}`).join(', ') || 'no flags'})`);
    }
    return;
  }
  if (program === 'npx' && args[0] === 'jest') {
    for (const arg of args.slice(1).filter((a) => !a.startsWith('-'))) {
      count('test path');
      if (!fs.existsSync(path.join(REPO_ROOT, r.command.cwd, arg))) fail(`no ${path.posix.join(r.command.cwd, arg)}`);
    }
    return;
  }
  if (program === 'npx' && args[0] === 'cdk') {
    const app = opt('app');
    const dir = isLiteral(app) && app.startsWith('cdk.out/') ? app.slice('cdk.out/'.length) : undefined;
    if (dir !== undefined) {
      count('assembly');
      if (!fs.existsSync(path.join(names.sample.directory, dir))) fail(`the sample assembly has no ${app}`);
    }
    const valued = new Set(['app', 'profile', 'context', 'c', 'region']);
    const positional = args.slice(2).filter((a, i, all) => !a.startsWith('-') && !(all[i - 1]?.startsWith('-') && valued.has(all[i - 1].replace(/^-+/, ''))));
    for (const id of positional) {
      count('stack');
      const stack = [...names.stacks.values()].find((s) => s.name === id || s.hierarchicalId === id);
      if (!stack) fail(`no stack ${id} in the sample`);
      else if (dir !== undefined && stack.assemblyDir !== dir) fail(`${id} is in ${stack.assemblyDir || 'the top-level assembly'}, not in ${dir}`);
    }
  }
  for (const arg of r.words.filter((w) => /^cdk\.out\/[\w./-]+$/.test(w) && w !== 'cdk.out/')) {
    if (program === 'npx') continue;
    count('assembly');
    if (!fs.existsSync(path.join(names.sample.directory, arg.slice('cdk.out/'.length)))) fail(`the sample assembly has no ${arg}`);
  }
}

/** What checking a document's commands found. */
interface CommandCheck {
  readonly problems: string[];
  readonly tally: Tally;
  /** How many commands the document has. */
  readonly commands: number;
}

/**
 * Every problem with the commands of a document, and what was checked. A command resolved to
 * the same words for several accounts (no `--profile`) holds when it holds in one of them; a
 * command whose placeholders give different words per stage must hold for each.
 */
function commandProblems(markdown: string, doc: string, names: SampleNames, config: DeliveryConfig): CommandCheck {
  const problems: string[] = [];
  const tally: Tally = {};
  const commands = docCommands(markdown, doc);
  for (const command of commands) {
    const groups = new Map<string, Resolved[]>();
    for (const r of resolveCommand(command, names, config, problems)) groups.set(r.words.join(' '), [...groups.get(r.words.join(' ')) ?? [], r]);
    for (const group of groups.values()) {
      const results = group.map((r) => {
        const found: string[] = [];
        const counted: Tally = {};
        checkResolved(r, names, config, found, counted);
        return { found, counted };
      });
      const best = results.reduce((a, b) => (b.found.length < a.found.length ? b : a));
      problems.push(...best.found);
      for (const [kind, n] of Object.entries(best.counted)) tally[kind] = (tally[kind] ?? 0) + n;
    }
  }
  return { problems: [...new Set(problems)], tally, commands: commands.length };
}

const read = (rel: string) => fs.readFileSync(path.join(REPO_ROOT, rel), 'utf8');

let paths: string[] | undefined;
/** Every file and directory of the working tree (directories with a trailing `/`), outside what is generated or installed. */
function repositoryPaths(): string[] {
  const walk = (dir: string): string[] => fs.readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = dir === '' ? e.name : `${dir}/${e.name}`;
    if (['node_modules', '.git', 'cdk.out', '.cache', 'coverage'].includes(e.name)) return [];
    return e.isDirectory() ? [`${rel}/`, ...walk(rel)] : [rel];
  });
  paths ??= walk('');
  return paths;
}

let names: SampleNames;
let config: DeliveryConfig;
beforeAll(() => {
  names = new SampleNames(sampleAssembly());
  config = sampleConfig();
});

describe('the checks themselves', () => {
  test('shell blocks are read as bash reads them: continuations, comments, variables, functions, loops, substitutions, cd', () => {
    const md = [
      '```sh',
      'STACK=prod-us-east-1-Service; R=us-east-1     # the failed stage',
      'out() { aws cloudformation describe-stacks --stack-name $STACK --region $R \\',
      '  --query "Stacks[0].Outputs[?OutputKey==\'$1\'].OutputValue" --output text; }',
      'CLUSTER=$(out ClusterName)',
      'for r in us-east-1 us-east-2; do',
      '  aws rds describe-db-clusters --region $r --query \'DBClusters[].{a:b}\' | cat',
      'done',
      'cd app && npx jest test/rotation.test.ts',
      '```',
      'Inline: `aws ecs update-service --desired-count N ...` and `npx projen failover -- --env <env> [--run]`.',
    ].join('\n');
    const commands = docCommands(md, 'X.md');
    expect(commands.map((c) => [c.line, c.words.join(' '), c.assignsTo ?? '', c.cwd, c.partial])).toEqual([
      [5, 'aws cloudformation describe-stacks --stack-name prod-us-east-1-Service --region us-east-1 --query Stacks[0].Outputs[?OutputKey==\'ClusterName\'].OutputValue --output text', 'CLUSTER', '', false],
      [7, 'aws rds describe-db-clusters --region us-east-1 --query DBClusters[].{a:b}', '', '', false],
      [7, 'aws rds describe-db-clusters --region us-east-2 --query DBClusters[].{a:b}', '', '', false],
      [7, 'cat', '', '', false],
      [9, 'npx jest test/rotation.test.ts', '', 'app', false],
      [11, 'aws ecs update-service --desired-count N ...', '', '', true],
      [11, 'npx projen failover -- --env <env> [--run]', '', '', true],
    ]);
  });

  test('a wrong stack, output key, resource type, secret, task, flag or placeholder is reported', () => {
    const md = [
      '```sh',
      'aws cloudformation describe-stacks --stack-name prod-us-east-1-Platform --profile prod --region us-east-1 --query "Stacks[0].Outputs[?OutputKey==\'LoadBalancerUrl\'].OutputValue"',
      'aws cloudformation describe-stacks --stack-name prod-us-east-3-Platform --profile prod --region us-east-1',
      'SECRET=$(aws cloudformation describe-stack-resources --stack-name <stage>-Platform --profile <env> --region <region> --query "StackResources[?ResourceType==\'AWS::SecretsManager::Secret\' && starts_with(LogicalResourceId,\'Data\')].PhysicalResourceId" --output text)',
      // The issuer region's Platform stacks hold two secrets (the database's and the checks' credentials): unnarrowed, $S holds two ids.
      'S=$(aws cloudformation describe-stack-resources --stack-name dev-us-east-1-Platform --profile dev --region us-east-1 --query "StackResources[?ResourceType==\'AWS::SecretsManager::Secret\'].PhysicalResourceId" --output text)',
      'aws secretsmanager rotate-secret --secret-id <app>-<env>-global/credentials --profile prod --region us-east-2',
      'aws logs tail aws-waf-logs-x --log-group-name /aws/rds/cluster/<app>-dev-<region>/postgresql --profile dev --region us-east-1',
      'npx projen failover -- --env prod --to us-east-2 --yes',
      'npx projen rollback',
      'aws codepipeline rollback-stage --pipeline-name <pipeline> --stage-name <wave> --target <nope> --profile pipeline',
      '```',
    ].join('\n');
    const { problems } = commandProblems(md, 'X.md', names, config);
    const expected = [
      /prod-us-east-1-Platform has no output LoadBalancerUrl \(its outputs: .*EdgeLoadBalancerUrl/,
      /no stack prod-us-east-3-Platform in the sample/,
      /prod-us-east-2-Platform has no AWS::SecretsManager::Secret whose logical id starts with Data/,
      /dev-us-east-1-Platform has 2 resources of type AWS::SecretsManager::Secret: \$S would hold 2 ids/,
      /no log group \/aws\/rds\/cluster\/transactions-dev-us-east-1\/postgresql/,
      /npx projen failover does not take --yes/,
      /no projen task rollback/,
      /placeholder <nope> is neither resolved/,
    ];
    for (const pattern of expected) expect(problems.some((p) => pattern.test(p))).toBe(true);
    // The global secret's replica is in us-east-2: rotating it there names a secret that exists (the runbook says why it cannot be rotated).
    expect(problems.filter((p) => p.includes('no secret'))).toEqual([]);
    expect(problems).toHaveLength(expected.length);
  });

  test('a task\'s flags are read from the options its CLI hands the kit (spread-in ones too), or from a hand-written parser', () => {
    expect([...taskFlags('failover').flags].sort()).toEqual(['config', 'env', 'help', 'planned', 'run', 'to', 'unplanned']);
    expect(taskFlags('failover').file).toBe('src/terminal/ops/failover-cli.ts');
    expect(taskFlags('bootstrap').patterns.some((p) => p.test('profile-444444444444'))).toBe(true);
    expect(taskFlags('app:bench')).toMatchObject({ file: 'app/tools/bench.ts', flags: new Set(['seconds']) });
    expect(taskFlags('integ').file).toBeUndefined();
  });

  test('a section is found by the start of its title, or as a heading or bold run-in under another section', () => {
    const md = '# T\n## Bake between regions, and rollback\ntext\n## The workload\n**HTTPS and HTTP-only mode.** text\n### Global database (two regions)\n## Next\n';
    expect(resolvesTo(md, 'Bake between regions')).toBe(true);
    expect(resolvesTo(md, 'HTTPS and HTTP-only mode')).toBe(false);
    expect(resolvesTo(md, 'HTTPS and HTTP-only mode', 'The workload')).toBe(true);
    expect(resolvesTo(md, 'Global database', 'The workload')).toBe(true);
    expect(resolvesTo(md, 'HTTPS and HTTP-only mode', 'Next')).toBe(false);
    expect(sectionReferences('see RUNBOOKS.md, "A stack\nis"; README "Tasks" under "X"', 'a.ts').map((r) => [r.doc, r.title, r.under ?? ''])).toEqual([
      ['README.md', 'Tasks', 'X'],
    ]);
    expect(sectionReferences('(README "HTTPS and HTTP-only mode"\nunder "The workload"); see "Versions"', 'README.md', 'README.md').map((r) => [r.doc, r.title, r.under ?? ''])).toEqual([
      ['README.md', 'HTTPS and HTTP-only mode', 'The workload'], ['README.md', 'Versions', ''],
    ]);
    // A title inside a single-quoted string of a source file, its apostrophe escaped.
    expect(sectionReferences('throw new Error(\'see RUNBOOKS.md "The issuer\\\'s region is down"\');', 'a.ts').map((r) => r.title)).toEqual(["The issuer's region is down"]);
  });

  test('outputs named in prose are found, with … marking the start of a key', () => {
    expect(outputMentions('the `AlarmNames` output; `ClusterName`/`ServiceName` outputs; the `EdgeLoadBalancerUrl…` output; `x` outputs nothing', 'X.md')
      .map((m) => `${m.key}${m.prefix ? '…' : ''}`)).toEqual(['AlarmNames', 'ClusterName', 'ServiceName', 'EdgeLoadBalancerUrl…', 'x']);
  });

  test('symbols placed in a file are found in the forms the docs use, and checked against its declarations', () => {
    const md = 'Add it in `src/a.ts` (`TrafficSwitchRole`); `DATABASE_ENGINE_VERSION` in `src/b.ts`; (src/db/pool.ts, `A` and `B`); `checkX` (src/c.ts).';
    expect(symbolPointers(md, 'X.md').map((p) => `${p.symbol}@${p.path}`)).toEqual([
      'DATABASE_ENGINE_VERSION@src/b.ts', 'TrafficSwitchRole@src/a.ts', 'A@src/db/pool.ts', 'B@src/db/pool.ts', 'checkX@src/c.ts',
    ]);
    expect(declares('export class TrafficSwitchRole extends Construct {}', 'TrafficSwitchRole')).toBe(true);
    expect(declares('const newLoadBalancerRole = 1;', 'TrafficSwitchRole')).toBe(false);
    expect(declares('export class ComplianceChecks { public static applyTo(x) {} }', 'ComplianceChecks.applyTo')).toBe(true);
  });
});

describe.each(DOCS)('%s', (doc) => {
  test('every command names a stack, output, resource, secret, log group, cluster, repository, pipeline stage, task and flag the sample has', () => {
    const { problems, tally, commands } = commandProblems(read(doc), doc, names, config);
    expect(problems).toEqual([]);
    if (doc === 'RUNBOOKS.md') {
      expect(commands).toBeGreaterThan(80);
      for (const kind of ['stack', 'output', 'resource type', 'secret', 'log group', 'global cluster', 'cluster', 'engine version', 'repository', 'pipeline stage', 'pipeline action', 'task', 'flag', 'profile']) {
        expect({ kind, checked: (tally[kind] ?? 0) > 0 }).toEqual({ kind, checked: true });
      }
    }
  });

  test('every stack output its prose names is an output key of the sample (written `Key…` where CDK appends a hash)', () => {
    const keys = [...names.stacks.values()].flatMap((st) => st.outputKeys);
    const unknown = outputMentions(read(doc), doc)
      .filter((m) => !(m.prefix ? keys.some((k) => k.startsWith(m.key)) : keys.includes(m.key)))
      .map((m) => `${doc}:${m.line}: \`${m.key}${m.prefix ? '…' : ''}\` (${keys.some((k) => k.startsWith(m.key)) ? 'only as the start of a key: write it with …' : 'no such output'})`);
    expect(unknown).toEqual([]);
  });

  test('every section it sends the reader to exists', () => {
    const text = read(doc);
    const missing = sectionReferences(text, doc, doc)
      .filter((r) => !resolvesTo(read(r.doc), r.title, r.under))
      .map((r) => `${r.from}:${r.line}: ${r.doc} "${r.title}"${r.under ? ` under "${r.under}"` : ''}`);
    expect(missing).toEqual([]);
  });

  test('every repository path it names exists, and every symbol it places in a file is declared there', () => {
    const text = read(doc);
    const base = path.posix.dirname(doc);
    const exists = (p: string) => {
      const pattern = (c: string) => new RegExp(`^${c.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/<[^>]*>|\*/g, '[^/]*').replace(/\/$/, '')}/?$`);
      return [path.posix.join(base, p), p].some((c) => repositoryPaths().some((f) => pattern(c).test(f)));
    };
    const missingPaths = pathMentions(text, doc).filter((m) => !(m.path in WRITTEN_AT_RUN_TIME) && !exists(m.path)).map((m) => `${doc}:${m.line}: ${m.path}`);
    expect(missingPaths).toEqual([]);
    const fileOf = (p: string) => [path.posix.join(base, p), p].find((c) => fs.existsSync(path.join(REPO_ROOT, c)));
    const undeclared = symbolPointers(text, doc)
      .filter((s) => {
        const file = fileOf(s.path);
        return !file || !declares(read(file), s.symbol);
      })
      .map((s) => `${doc}:${s.line}: \`${s.symbol}\` is not declared in ${s.path}`);
    expect(undeclared).toEqual([]);
  });
});

test('every section the code and the tests cite exists', () => {
  const sources = (dir: string): string[] => fs.readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return rel === 'test/fixtures' ? [] : sources(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
  // This file and its readers hold example references on purpose.
  const files = [...sources('src'), ...sources('test'), ...sources('app/src')]
    .filter((f) => !['test/docs/runbook-commands.test.ts', 'test/support/doc-references.ts'].includes(f));
  const references = files.flatMap((f) => sectionReferences(read(f), f));
  expect(references.length).toBeGreaterThan(5);
  const missing = references.filter((r) => !resolvesTo(read(r.doc), r.title, r.under))
    .map((r) => `${r.from}:${r.line}: ${r.doc} "${r.title}"${r.under ? ` under "${r.under}"` : ''}`);
  expect(missing).toEqual([]);
});
