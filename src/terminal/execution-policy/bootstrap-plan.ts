import * as fs from 'fs';
import * as path from 'path';
import { BOOTSTRAP_TEMPLATE_FILE } from './bootstrap-template';
import { pipelineGuardrailScp, scpDocumentFile } from './pipeline-guardrail-scp';
import { BOUNDARY_PLACEHOLDER } from './policy-rules';
import { DeliveryConfig } from '../../config/schema';
import { integStageIdOf, stageIdOf } from '../../config/waves';
import { applicationSlug, partitionOf, permissionsBoundaryArn, PIPELINE_ROLE_NAME_PREFIX } from '../../shared/aws-names';

/**
 * What `npx projen bootstrap` does, as data: which account/region pairs need `cdk bootstrap`,
 * with which trust and which CloudFormation execution policy, and the commands that create
 * those least-privilege policies first. Pure: the CLI prints it, runs it, or prints it as JSON.
 */

/** Name of the pipeline stack (src/main.ts). Its support stacks are `DeliveryPipeline-support-<region>`. */
export const PIPELINE_STACK_NAME = 'DeliveryPipeline';
/** The bootstrap stack name `cdk bootstrap` creates (default toolkit stack name). */
export const BOOTSTRAP_STACK_NAME = 'CDKToolkit';

/** Customer-managed policy the stage accounts' CloudFormation execution role gets. */
export const WORKLOAD_POLICY_NAME = 'cdk-delivery-cfn-exec';
/** Customer-managed policy the pipeline account's CloudFormation execution role gets. */
export const PIPELINE_POLICY_NAME = 'cdk-delivery-pipeline-cfn-exec';

/** Where the shipped policy documents live (relative to the repository root). */
export const POLICY_SOURCES: Readonly<Record<string, string>> = {
  [WORKLOAD_POLICY_NAME]: 'bootstrap/cfn-execution-policy.json',
  [PIPELINE_POLICY_NAME]: 'bootstrap/pipeline-cfn-execution-policy.json',
};
/** Where the per-account rendered documents are written (git-ignored). */
export const RENDERED_DIR = 'bootstrap/rendered';

/** IAM's limit for a managed policy document, whitespace excluded. */
export const MANAGED_POLICY_MAX_CHARS = 6144;

/** Why an account/region is bootstrapped. */
export type TargetPurpose = 'pipeline' | 'pipeline-support' | 'stage';

/** One account/region to bootstrap (each pair appears once). */
export interface BootstrapTarget {
  readonly account: string;
  readonly region: string;
  /** Why: the pipeline's home, a cross-region support stack of the pipeline, stages. */
  readonly purposes: readonly TargetPurpose[];
  /** Stage ids (`<env>-<region>`) deployed here. */
  readonly stages: readonly string[];
}

/** One command line, as argv (no shell). */
export interface Command {
  readonly argv: readonly string[];
}

/** Create (or update) one managed policy in one account. */
export interface PolicyStep {
  readonly account: string;
  readonly policyName: string;
  readonly policyArn: string;
  /** Shipped document it is rendered from. */
  readonly source: string;
  /** Rendered document for this account (written by the CLI before it prints or runs). */
  readonly documentFile: string;
  /** The rendered document. */
  readonly document: unknown;
  /** Exit 0 when the policy exists already. */
  readonly probe: Command;
  /** First time: create the policy. */
  readonly create: Command;
  /** Policy exists: publish the rendered document as its new default version. */
  readonly update: Command;
}

/** `cdk bootstrap` for one account/region. */
export interface BootstrapStep extends BootstrapTarget {
  readonly command: Command;
}

/**
 * The organization guardrail for the pipeline account (pipeline-guardrail-scp.ts): an SCP the
 * management account creates and attaches. Printed, never run: the bootstrap credentials are
 * not the management account's.
 */
export interface GuardrailStep {
  readonly account: string;
  /** The rendered SCP (written to `documentFile` by the CLI). */
  readonly document: unknown;
  readonly documentFile: string;
  /** With credentials of the organization's management account. */
  readonly create: Command;
  readonly attach: Command;
}

/** The whole plan. */
export interface BootstrapPlan {
  readonly pipeline: { readonly account: string; readonly region: string };
  /** Policies first: the bootstrap commands reference them. */
  readonly policies: readonly PolicyStep[];
  readonly bootstrap: readonly BootstrapStep[];
  /** The SCP that keeps build overrides and pipeline edits to the pipeline itself. */
  readonly guardrail: GuardrailStep;
  /** What the ECR scan gate needs from bootstrap (nothing): one line. */
  readonly ecrScanGate: string;
  /**
   * What ECR replication does to the pipeline account's registry, with the command that shows
   * what it would replace: one line (empty when no stage runs outside the pipeline region).
   */
  readonly imageReplication: string;
}

/** Options of the plan. */
export interface PlanOptions {
  /** AWS CLI profile per account (`--profile-<account>=name`); none: the current credentials. */
  readonly profiles?: Readonly<Record<string, string>>;
  /** Read a shipped policy document (tests inject; default reads from `rootDir`). */
  readonly readPolicy?: (source: string) => unknown;
  /** Repository root. @default process.cwd() */
  readonly rootDir?: string;
}

/**
 * Every account/region to bootstrap, in deployment order, each pair once:
 * - the pipeline account in its home region (the pipeline stack, its assets, self-mutation);
 * - the pipeline account in every other region a stage uses: CodePipeline needs a
 *   cross-region support stack (`DeliveryPipeline-support-<region>`: replication bucket and
 *   key) in the pipeline account for each region it deploys to other than its own, and the
 *   image replica's creation template lives there too (`DeliveryPipeline-Images-<region>`);
 *   the CLI deploys both stacks with the bootstrap roles of that region;
 * - every environment account in each of its regions, trusting the pipeline account.
 */
export function bootstrapTargets(config: DeliveryConfig): BootstrapTarget[] {
  const byKey = new Map<string, { account: string; region: string; purposes: TargetPurpose[]; stages: string[] }>();
  const add = (account: string, region: string, purpose: TargetPurpose, stage?: string) => {
    const key = `${account}/${region}`;
    let target = byKey.get(key);
    if (!target) {
      target = { account, region, purposes: [], stages: [] };
      byKey.set(key, target);
    }
    if (!target.purposes.includes(purpose)) target.purposes.push(purpose);
    if (stage && !target.stages.includes(stage)) target.stages.push(stage);
  };
  const { account: pipelineAccount, region: pipelineRegion } = config.pipeline;
  add(pipelineAccount, pipelineRegion, 'pipeline');
  for (const env of config.environments) {
    for (const region of env.regions) {
      if (region !== pipelineRegion) add(pipelineAccount, region, 'pipeline-support');
    }
  }
  for (const env of config.environments) {
    for (const region of env.regions) add(env.account, region, 'stage', stageIdOf(env, region));
  }
  return [...byKey.values()];
}

/** Accounts that host a production environment (`production: true`): no sandbox may deploy there. */
export function productionAccountsOf(config: DeliveryConfig): ReadonlySet<string> {
  return new Set(config.environments.filter((e) => e.production).map((e) => e.account));
}

/** The gated repository's name prefix (see imageRepositoryName in src/synth/pipeline). */
function pipelineRepositoryPrefix(config: DeliveryConfig): string {
  return config.pipeline.name.toLowerCase().replace(/[^a-z0-9._-]/g, '-');
}

/** The values a shipped policy document is rendered with, for one account. */
export interface RenderValues {
  /** Stage ids deployed in the account (`{stage}`). */
  readonly stages: readonly string[];
  /** The gated image repository's prefix (`{pipeline}`). */
  readonly pipeline: string;
  /** The application slug that starts the stages' fixed names (`{app}`: `<app>-<stage>-...`). @default 'app' */
  readonly app?: string;
  /** The ARNs of the account's permissions boundaries, one per region it is bootstrapped in (`{boundary}`). @default none */
  readonly boundaries?: readonly string[];
}

/**
 * Render a shipped policy document for one account: every Resource or NotResource containing
 * `{stage}` is repeated once per stage id deployed in that account; `{pipeline}` becomes the
 * gated image repository's prefix, `{app}` the application slug; a condition value `{boundary}` becomes the account's
 * permissions boundaries. Stage stacks are named `<env>-<region>-<Stack>` and CloudFormation
 * names the roles, buckets, functions, rules and nested stacks it creates after the stack, so
 * `<stage>-*` scopes IAM, S3, Lambda, EventBridge and CloudFormation to this project's stages.
 */
export function renderPolicy(document: unknown, values: RenderValues): unknown {
  const doc = JSON.parse(JSON.stringify(document)) as { Statement: Array<Record<string, any>> };
  const expand = (list: string | string[]) => (Array.isArray(list) ? list : [list])
    .flatMap((r) => (r.includes('{stage}') ? values.stages.map((st) => r.split('{stage}').join(st)) : [r]))
    .flatMap((r) => (r === BOUNDARY_PLACEHOLDER ? values.boundaries ?? [] : [r]))
    .map((r) => r.split('{pipeline}').join(values.pipeline).split('{app}').join(values.app ?? 'app'));
  const single = (list: string[]) => (list.length === 1 ? list[0] : list);
  for (const statement of doc.Statement) {
    for (const key of ['Resource', 'NotResource']) {
      if (statement[key] !== undefined) statement[key] = single(expand(statement[key]));
    }
    if (Array.isArray(statement.NotResource) && statement.NotResource.length === 0) {
      // No stage in the account: nothing is excepted, the statement covers every resource.
      delete statement.NotResource;
      statement.Resource = '*';
    }
    for (const operator of Object.values(statement.Condition ?? {}) as Array<Record<string, string | string[]>>) {
      for (const [conditionKey, value] of Object.entries(operator)) operator[conditionKey] = single(expand(value));
    }
  }
  return doc;
}

/** IAM's default quota of managed policies attached to one role. */
export const MANAGED_POLICIES_PER_ROLE = 10;

/**
 * Split a policy document into documents of at most `maxChars` (whitespace excluded), keeping
 * statement order; a statement too large alone is split by its actions. The union of the parts
 * allows and denies exactly what the whole did (IAM evaluates every attached policy together).
 */
export function splitPolicy(document: unknown, maxChars: number): unknown[] {
  const doc = document as { Version?: string; Statement: Array<Record<string, unknown>> };
  const shell = (statements: Array<Record<string, unknown>>) => ({ Version: doc.Version ?? '2012-10-17', Statement: statements });
  const fits = (statements: Array<Record<string, unknown>>) => policySize(shell(statements)) <= maxChars;
  const pieces: Array<Record<string, unknown>> = [];
  const explode = (statement: Record<string, unknown>, part = 0): void => {
    if (fits([statement])) {
      pieces.push(statement);
      return;
    }
    const actions = statement.Action;
    if (!Array.isArray(actions) || actions.length < 2) {
      throw new Error(`statement ${String(statement.Sid)} alone renders above IAM's ${maxChars} characters and cannot be split by action`);
    }
    const half = Math.ceil(actions.length / 2);
    const sid = String(statement.Sid ?? 'Statement');
    explode({ ...statement, Sid: `${sid}${part * 2 + 1}`, Action: actions.slice(0, half) }, part * 2 + 1);
    explode({ ...statement, Sid: `${sid}${part * 2 + 2}`, Action: actions.slice(half) }, part * 2 + 2);
  };
  doc.Statement.forEach((s) => explode(s));
  const parts: Array<Array<Record<string, unknown>>> = [[]];
  for (const piece of pieces) {
    const current = parts[parts.length - 1];
    if (current.length && !fits([...current, piece])) parts.push([piece]);
    else current.push(piece);
  }
  return parts.map(shell);
}

/** Characters IAM counts against the managed-policy limit (whitespace excluded). */
export function policySize(document: unknown): number {
  return JSON.stringify(document).replace(/\s/g, '').length;
}

function withProfile(argv: string[], account: string, profiles: Readonly<Record<string, string>>): Command {
  const profile = profiles[account];
  return { argv: profile ? [...argv, '--profile', profile] : argv };
}

/** The whole plan: policies first, then `cdk bootstrap` per account/region. */
export function bootstrapPlan(config: DeliveryConfig, options: PlanOptions = {}): BootstrapPlan {
  const profiles = options.profiles ?? {};
  const rootDir = options.rootDir ?? process.cwd();
  const readPolicy = options.readPolicy ?? ((source: string) => JSON.parse(fs.readFileSync(path.join(rootDir, source), 'utf8')));
  const { account: pipelineAccount, region: pipelineRegion } = config.pipeline;
  const targets = bootstrapTargets(config);

  // Which policies each account needs, in first-seen order.
  const needed = new Map<string, { partition: string; names: string[]; stages: string[]; regions: string[] }>();
  for (const t of targets) {
    let entry = needed.get(t.account);
    if (!entry) {
      entry = { partition: partitionOf(t.region), names: [], stages: [], regions: [] };
      needed.set(t.account, entry);
    }
    entry.regions.push(t.region);
    const name = t.purposes.includes('stage') ? WORKLOAD_POLICY_NAME : PIPELINE_POLICY_NAME;
    if (t.account === pipelineAccount && !entry.names.includes(PIPELINE_POLICY_NAME)) entry.names.push(PIPELINE_POLICY_NAME);
    if (!entry.names.includes(name)) entry.names.push(name);
    entry.stages.push(...t.stages);
  }

  const productionAccounts = productionAccountsOf(config);
  const policyArn = (account: string, name: string) => `arn:${needed.get(account)!.partition}:iam::${account}:policy/${name}`;
  const policies: PolicyStep[] = [];
  const attached = new Map<string, string[]>();
  for (const [account, entry] of needed) {
    for (const baseName of entry.names) {
      const source = POLICY_SOURCES[baseName];
      // Non-production stage accounts may host the integ sandbox (integ:deploy), whose stacks are
      // `integ-<region>-*`; a production account never does (integ-preflight-cli.ts refuses it).
      const sandboxes = baseName === WORKLOAD_POLICY_NAME && !productionAccounts.has(account)
        ? [...new Set(targets.filter((t) => t.account === account && t.stages.length).map((t) => integStageIdOf(t.region)))] : [];
      const rendered = renderPolicy(readPolicy(source), {
        stages: [...entry.stages, ...sandboxes],
        pipeline: pipelineRepositoryPrefix(config),
        app: applicationSlug(config.tags.Application),
        boundaries: entry.regions.map((region) => permissionsBoundaryArn(account, region)),
      });
      // One generated document can outgrow one managed policy: it is attached as several.
      splitPolicy(rendered, MANAGED_POLICY_MAX_CHARS).forEach((document, i) => {
        const policyName = i === 0 ? baseName : `${baseName}-${i + 1}`;
        const arn = policyArn(account, policyName);
        const documentFile = `${RENDERED_DIR}/${account}-${policyName}.json`;
        attached.set(account, [...(attached.get(account) ?? []), policyName]);
        policies.push({
          account,
          policyName,
          policyArn: arn,
          source,
          documentFile,
          document,
          probe: withProfile(['aws', 'iam', 'get-policy', '--policy-arn', arn], account, profiles),
          create: withProfile(['aws', 'iam', 'create-policy', '--policy-name', policyName, '--policy-document', `file://${documentFile}`,
            '--description', `CloudFormation execution policy for ${PIPELINE_STACK_NAME} (cdk bootstrap); from ${source}`], account, profiles),
          update: withProfile(['aws', 'iam', 'create-policy-version', '--policy-arn', arn, '--policy-document', `file://${documentFile}`,
            '--set-as-default'], account, profiles),
        });
      });
    }
  }
  if ([...attached.values()].some((names) => names.length > MANAGED_POLICIES_PER_ROLE)) {
    throw new Error(`the execution policies need more than ${MANAGED_POLICIES_PER_ROLE} managed policies in one account, IAM's default quota per role; `
      + 'scope them by environment instead of by stage, or raise the quota and this limit');
  }

  const bootstrap = targets.map((t): BootstrapStep => {
    // The project's template (bootstrap-template.ts): the trust of the CDK roles narrowed to the
    // pipeline's own roles, and the permissions boundary the execution policies require.
    const argv = ['npx', 'cdk', 'bootstrap', `aws://${t.account}/${t.region}`, '--template', BOOTSTRAP_TEMPLATE_FILE];
    if (t.account !== pipelineAccount) {
      argv.push('--trust', pipelineAccount, '--trust-for-lookup', pipelineAccount);
    }
    argv.push('--cloudformation-execution-policies', attached.get(t.account)!.map((n) => policyArn(t.account, n)).join(','));
    // Deleting a bootstrap stack breaks every pipeline deploying through it.
    argv.push('--termination-protection');
    return { ...t, command: withProfile(argv, t.account, profiles) };
  });

  const scpFile = scpDocumentFile(pipelineAccount);
  const guardrail: GuardrailStep = {
    account: pipelineAccount,
    document: pipelineGuardrailScp(partitionOf(pipelineRegion), pipelineAccount),
    documentFile: scpFile,
    create: {
      argv: ['aws', 'organizations', 'create-policy', '--type', 'SERVICE_CONTROL_POLICY', '--name', `cdk-delivery-pipeline-guardrails-${pipelineAccount}`,
        '--description', `Only the delivery pipeline overrides its builds or changes its projects (account ${pipelineAccount})`, '--content', `file://${scpFile}`],
    },
    attach: { argv: ['aws', 'organizations', 'attach-policy', '--policy-id', '<id printed by create-policy>', '--target-id', pipelineAccount] },
  };

  return {
    pipeline: { account: pipelineAccount, region: pipelineRegion },
    policies,
    bootstrap,
    guardrail,
    ecrScanGate: `ECR scan gate: needs nothing from bootstrap; it scans the project-owned repository ${pipelineRepositoryPrefix(config)}/service `
      + `(scan-on-push, immutable tags) that the ${PIPELINE_STACK_NAME} stack creates in ${pipelineAccount}/${pipelineRegion}, `
      + 'not the bootstrap asset repositories (cdk-*-container-assets-*).',
    imageReplication: replicationWarning(config),
  };
}

/**
 * ECR keeps ONE replication configuration per registry (account + region) and the pipeline
 * stack writes the whole of it: say so before the first deploy, with the command that shows
 * the rules it would replace.
 */
function replicationWarning(config: DeliveryConfig): string {
  const { account, region } = config.pipeline;
  const destinations = [...new Set(config.environments.flatMap((e) => e.regions))].filter((r) => r !== region).sort();
  if (destinations.length === 0) return '';
  return `ECR replication: the ${PIPELINE_STACK_NAME} stack sets THE replication configuration of registry ${account}/${region} `
    + `(${pipelineRepositoryPrefix(config)}/service to ${destinations.join(', ')}); ECR keeps one per registry, so any other replication rule `
    + `there is replaced (and removed if the stack is deleted). Check first: aws ecr describe-registry --region ${region} --query replicationConfiguration`;
}

/** Quote one argument for a POSIX shell, only when needed. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, '\'\\\'\'')}'`;
}

/** A command as a copy-pasteable shell line. */
export function commandLine(command: Command): string {
  return command.argv.map(shellQuote).join(' ');
}

/** The plan as text: what to run, in order, and why. */
export function renderPlanText(plan: BootstrapPlan, config: DeliveryConfig): string {
  const lines: string[] = [];
  lines.push(`# Bootstrap plan for pipeline account ${plan.pipeline.account} (home region ${plan.pipeline.region}), `
    + `${config.environments.length} environment(s), ${plan.bootstrap.length} account/region pair(s).`);
  lines.push('# Commands use the current AWS credentials unless --profile-<account>=<name> is given for that account.');
  lines.push('');
  lines.push(`# 1. Least-privilege CloudFormation execution policies (documents rendered to ${RENDERED_DIR}/).`);
  lines.push('#    If a policy exists already, publish the new version with the second command instead.');
  for (const p of plan.policies) {
    lines.push(`# ${p.policyName} in ${p.account} (from ${p.source})`);
    lines.push(commandLine(p.create));
    lines.push(`#   exists? ${commandLine(p.update)}`);
  }
  lines.push('');
  lines.push('# 2. cdk bootstrap, one per account/region (CDK Pipelines: the pipeline account in every region it deploys to).');
  lines.push(`#    With the project's template (${BOOTSTRAP_TEMPLATE_FILE}): the deploy, publishing and lookup roles trust only the pipeline's`);
  lines.push(`#    own roles (${PIPELINE_ROLE_NAME_PREFIX}*) of ${plan.pipeline.account}, and it creates the permissions boundary every role carries.`);
  lines.push('#    A bootstrap stack made from the stock template is another variant: the CDK CLI skips it with a warning');
  lines.push('#    ("Not overwriting it"); add --force to that command once (RUNBOOKS.md, "Bootstrap template").');
  for (const b of plan.bootstrap) {
    const why = b.purposes.map((p) => (p === 'stage' ? `stages ${b.stages.join(', ')}` : p === 'pipeline' ? 'pipeline home'
      : 'pipeline cross-region support stack and image replica template'));
    lines.push(`# ${b.account}/${b.region}: ${why.join('; ')}`);
    lines.push(commandLine(b.command));
  }
  lines.push('');
  lines.push(`# 3. Organization guardrail (SCP) for the pipeline account ${plan.guardrail.account}, rendered to ${plan.guardrail.documentFile}:`);
  lines.push('#    only the pipeline overrides its builds (buildspec, source, image, privileged mode, role, environment variables),');
  lines.push('#    only CloudFormation changes its projects and the pipeline, nobody overrides a stage condition. With credentials of the');
  lines.push('#    organization\'s management account (never run by --run); doctor --aws then checks its effect (README "Pipeline account guardrails").');
  lines.push(commandLine(plan.guardrail.create));
  lines.push(commandLine(plan.guardrail.attach));
  lines.push('');
  lines.push(`# ${plan.ecrScanGate}`);
  if (plan.imageReplication) lines.push(`# ${plan.imageReplication}`);
  return `${lines.join('\n')}\n`;
}
