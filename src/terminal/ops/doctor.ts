import { checkAuditTrails, describeAuditTrail } from './audit-trail-check';
import { checkBuildOverrides } from './doctor-build-overrides';
import { DoctorClients, StackDescription, Subscription, Where } from './doctor-clients';
import { compareEngineVersions, olderThan, upgradeCommand } from './engine-versions';
import { regionalClusterIdentifierOf, resilienceOf } from '../../config/resilience';
import { DeliveryConfig, EnvironmentConfig } from '../../config/schema';
import { plannedWaves } from '../../config/waves';
import { errorText, isAssumeRoleDenied, isStackMissingError } from '../../shared/aws-errors';
import { lookupRoleArn, permissionsBoundaryArn, PIPELINE_ROLE_NAME_PREFIX } from '../../shared/aws-names';
import {
  BOOTSTRAP_STACK_NAME, BootstrapPlan, BootstrapStep, commandLine, PIPELINE_STACK_NAME,
} from '../execution-policy/bootstrap-plan';
import { DEFAULT_BOOTSTRAP_VARIANT, DELIVERY_BOOTSTRAP_VARIANT } from '../execution-policy/bootstrap-template';

/**
 * `doctor`: the preflight. Offline it explains what the config will build (waves, stages,
 * approvals, notifications, gates); with AWS credentials it checks what the pipeline needs from
 * the accounts: bootstrap stacks (version, trust, template), the GitHub connection, who may
 * override the pipeline's builds, confirmed e-mails, and that a global environment's clusters
 * run one engine version (what a failover needs).
 */

/**
 * Lowest CDKToolkit version doctor accepts. Measured in node_modules: aws-cdk-lib 2.257's
 * DefaultSynthesizer stamps `requiresBootstrapStackVersion` 6 on deploy roles and 8 on lookup
 * roles (22 only with session tags, unused here), so 8 is the hard floor below which the
 * pipeline's deploy actions fail. We ask for 21, a mid-2024 template, so that stage accounts do
 * not run years-old role policies, while not forcing an update on every CDK release; the CLI
 * pinned in this repo (aws-cdk 2.1148) deploys version 33, and older stacks get a warning.
 */
export const MINIMUM_BOOTSTRAP_VERSION = 21;

/** The offline report: what the config builds, in the order the pipeline runs it. */
export function describeDelivery(config: DeliveryConfig, source: string): string {
  const lines: string[] = [];
  const { pipeline, gates } = config;
  lines.push(`Config ${source}: valid.`);
  lines.push(`Pipeline "${pipeline.name}" (stack ${PIPELINE_STACK_NAME}) in ${pipeline.account}/${pipeline.region}; `
    + `source ${config.source.owner}/${config.source.repo}@${config.source.branch} via ${config.source.connectionArn}`);
  lines.push('Waves, in order:');
  lines.push(`  1. Assets: publish the file assets and, beside it, build the image once, Trivy scan, ECR scan gate (fail on ${gates.failOnSeverities.join('/') || 'nothing'}; `
    + `fail on fixable ${gates.failOnFixableSeverities.join('/') || 'nothing'}; ECR scan timeout ${gates.ecrScanTimeoutMinutes} min)`);
  const replicas = [...new Set(config.environments.flatMap((e) => e.regions))].filter((r) => r !== pipeline.region).sort();
  if (replicas.length > 0) {
    lines.push(`     -> waits until the image has replicated to ${replicas.join(', ')} (timeout ${gates.replicationTimeoutMinutes} min); `
      + `stages pull in their own region (the ${PIPELINE_STACK_NAME} stack owns the one replication configuration of registry ${pipeline.account}/${pipeline.region})`);
  }
  plannedWaves(config).forEach((wave, i) => {
    if (wave.approval) {
      lines.push(`     -> manual approval ${wave.approval} before ${wave.environment.name} (request e-mailed to ${config.notifications.emails.join(', ')})`);
    }
    const stages = wave.stages.map((s) => `${s.id} (${s.account}/${s.region})`).join(', ');
    const how = wave.stages.length > 1 ? ' [regions in parallel]' : '';
    const prod = wave.environment.production ? ' [production: retained data, termination protection]' : '';
    lines.push(`  ${i + 2}. ${wave.id}: ${stages}${how}${prod}`);
    if (wave.bakeMinutes > 0) {
      lines.push(`     -> bake ${wave.bakeMinutes} min: any alarm of ${wave.stages[0].id} in ALARM fails it (and rolls the region back) before the next region`);
    }
  });
  lines.push(`Notifications (failures, successes, approval requests): ${config.notifications.emails.join(', ')}`);
  lines.push(`Endpoints: ${config.environments.map((e) => (e.domain
    ? `${e.name} HTTPS https://${e.domain.recordName}.${e.domain.zoneName} (hosted zone ${e.domain.hostedZoneId})`
    : `${e.name} plain HTTP (no domain${e.allowPlainHttp ? `; allowPlainHttp: ${e.allowPlainHttp.reason}` : ''})`)).join('; ')}`);
  lines.push(`Prod change report: ${config.changeReport.blockStatefulReplacement ? 'blocks' : 'reports'} stateful replacements `
    + `(override marker ${config.changeReport.overrideMarker})`);
  lines.push(describeAuditTrail(config));
  return `${lines.join('\n')}\n`;
}

/** The outcome of one check. */
export interface CheckResult {
  readonly status: 'ok' | 'warn' | 'fail';
  /** What was checked, e.g. `bootstrap`, `connection`, `e-mail`. */
  readonly check: string;
  /** `account/region` (or the e-mail). */
  readonly where: string;
  readonly message: string;
  /** The exact fix: a command, or the one console step that has no command. */
  readonly fix?: string;
}

/** One report line per check. */
export function formatResult(r: CheckResult): string {
  const tag = r.status === 'ok' ? 'OK  ' : r.status === 'warn' ? 'WARN' : 'FAIL';
  return `${tag} ${r.check} ${r.where}: ${r.message}${r.fix ? `\n       fix: ${r.fix}` : ''}`;
}

/** Options of the AWS checks. */
export interface AwsCheckOptions {
  /** BootstrapVersion of the template the repo's CDK CLI deploys; older stacks get a warning. */
  readonly currentTemplateVersion?: number;
}

const param = (stack: StackDescription, key: string) => stack.Parameters?.find((p) => p.ParameterKey === key)?.ParameterValue;
const output = (stack: StackDescription, key: string) => stack.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;
const list = (value: string | undefined) => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const whereText = (w: Where) => `${w.account}/${w.region}`;

/**
 * The fix when a lookup role cannot be assumed. The project's bootstrap template lets only the
 * pipeline's own roles (DeliveryPipeline-*) assume them, so a person reads another account with
 * their own access there (`--profile-<account>`); when the lookup role itself is missing, the
 * bootstrap command creates it.
 */
function assumeFix(where: Where, caller: string, pipelineAccount: string, step: BootstrapStep | undefined): string {
  const ownAccess = `read ${where.account} with your own credentials there: npx projen doctor -- --aws --profile-${where.account}=<profile of ${where.account}>`;
  if (caller !== pipelineAccount) return ownAccess;
  return `${ownAccess}   (the lookup roles trust only the pipeline's ${PIPELINE_ROLE_NAME_PREFIX}* roles of ${pipelineAccount}; `
    + `if ${lookupRoleArn(where.account, where.region)} is missing: ${step ? commandLine(step.command) : 'npx projen bootstrap'})`;
}

/**
 * The project's template (bootstrap/bootstrap-template.yaml): trust narrowed to the pipeline's
 * roles, and the permissions boundary every role of the project must carry. What is wrong, or
 * nothing.
 */
function checkTemplateVariant(stack: StackDescription, step: BootstrapStep, pipelineAccount: string): { message: string; fix: string } | undefined {
  const fix = commandLine(step.command);
  const variant = param(stack, 'BootstrapVariant') ?? DEFAULT_BOOTSTRAP_VARIANT;
  if (variant !== DELIVERY_BOOTSTRAP_VARIANT) {
    return {
      message: `${BOOTSTRAP_STACK_NAME} comes from another template (BootstrapVariant "${variant}"): its roles trust every principal `
        + `of ${pipelineAccount}, not only the pipeline's roles, and it has no permissions boundary, so the execution policies refuse every role`,
      fix: `${fix} --force   (once: the CDK CLI does not replace a bootstrap stack of another variant without --force)`,
    };
  }
  const prefix = param(stack, 'PipelineRoleNamePrefix');
  if (prefix !== PIPELINE_ROLE_NAME_PREFIX) {
    return {
      message: `${BOOTSTRAP_STACK_NAME} trusts the roles ${prefix ?? '(none)'}* of ${pipelineAccount}, not the pipeline's ${PIPELINE_ROLE_NAME_PREFIX}*`,
      fix: `aws cloudformation update-stack --stack-name ${BOOTSTRAP_STACK_NAME} --region ${step.region} --use-previous-template `
        + `--capabilities CAPABILITY_NAMED_IAM --parameters ParameterKey=PipelineRoleNamePrefix,ParameterValue=${PIPELINE_ROLE_NAME_PREFIX}   `
        + '(and ParameterKey=<each other parameter>,UsePreviousValue=true)',
    };
  }
  const expected = permissionsBoundaryArn(step.account, step.region);
  const boundary = output(stack, 'DeliveryPermissionsBoundaryArn');
  if (boundary !== expected) {
    return {
      message: `${BOOTSTRAP_STACK_NAME} has no permissions boundary ${expected} (output DeliveryPermissionsBoundaryArn: ${boundary ?? 'none'}); `
        + 'every role the stacks create needs it',
      fix: `${fix} --force`,
    };
  }
  return undefined;
}

async function checkBootstrap(
  step: BootstrapStep, pipelineAccount: string, caller: string, clients: DoctorClients, options: AwsCheckOptions,
): Promise<CheckResult[]> {
  const where = whereText(step);
  const fix = commandLine(step.command);
  const fail = (message: string, f = fix): CheckResult[] => [{ status: 'fail', check: 'bootstrap', where, message, fix: f }];
  let stack: StackDescription | undefined;
  try {
    stack = (await clients.cloudFormation(step).describeStacks({ StackName: BOOTSTRAP_STACK_NAME })).Stacks?.[0];
  } catch (err) {
    if (isStackMissingError(err)) return fail(`${BOOTSTRAP_STACK_NAME} stack not found: not bootstrapped`);
    if (isAssumeRoleDenied(err)) {
      return fail(`cannot assume ${lookupRoleArn(step.account, step.region)} from account ${caller} (${errorText(err)})`,
        assumeFix(step, caller, pipelineAccount, step));
    }
    return fail(`cannot read the ${BOOTSTRAP_STACK_NAME} stack (${errorText(err)})`, 'check the credentials and network, then re-run: npx projen doctor --aws');
  }
  if (!stack) return fail(`${BOOTSTRAP_STACK_NAME} stack not found: not bootstrapped`);

  const status = stack.StackStatus ?? '';
  if (/FAILED$/.test(status) || status === 'ROLLBACK_COMPLETE') {
    return fail(`${BOOTSTRAP_STACK_NAME} is in state ${status}`,
      status === 'ROLLBACK_COMPLETE'
        ? `aws cloudformation delete-stack --stack-name ${BOOTSTRAP_STACK_NAME} --region ${step.region} && ${fix}   (a stack that never got created holds nothing)`
        : `${fix}   (see the stack events: aws cloudformation describe-stack-events --stack-name ${BOOTSTRAP_STACK_NAME} --region ${step.region})`);
  }
  const version = Number(output(stack, 'BootstrapVersion') ?? param(stack, 'BootstrapVersion'));
  if (!Number.isInteger(version)) return fail(`${BOOTSTRAP_STACK_NAME} has no BootstrapVersion output: not a modern bootstrap stack`);
  if (version < MINIMUM_BOOTSTRAP_VERSION) {
    return fail(`${BOOTSTRAP_STACK_NAME} version ${version} is older than the minimum ${MINIMUM_BOOTSTRAP_VERSION}`);
  }
  const results: CheckResult[] = [];
  if (step.purposes.includes('stage') && step.account !== pipelineAccount) {
    const trusted = list(param(stack, 'TrustedAccounts'));
    if (!trusted.includes(pipelineAccount)) {
      return fail(`${BOOTSTRAP_STACK_NAME} does not trust the pipeline account ${pipelineAccount} `
        + `(TrustedAccounts: ${trusted.join(',') || 'none'}); the pipeline cannot deploy here`);
    }
    const lookup = list(param(stack, 'TrustedAccountsForLookup'));
    if (!lookup.includes(pipelineAccount)) {
      return fail(`${BOOTSTRAP_STACK_NAME} does not trust ${pipelineAccount} for lookups (TrustedAccountsForLookup: ${lookup.join(',') || 'none'}); `
        + 'the pipeline\'s roles cannot read this account through its lookup role');
    }
  }
  // The execution role must carry exactly the generated policies: AdministratorAccess would let
  // a sandbox run prove nothing, and a missing part fails the first deploy that needs it.
  const policies = list(param(stack, 'CloudFormationExecutionPolicies'));
  const flag = step.command.argv.indexOf('--cloudformation-execution-policies');
  const expected = flag >= 0 ? list(step.command.argv[flag + 1]) : [];
  if (policies.some((p) => /:policy\/(AdministratorAccess|PowerUserAccess)$/.test(p))) {
    return fail(`the CloudFormation execution role has ${policies.join(',')}; deploy with the generated least-privilege policies instead`);
  }
  const absent = expected.filter((p) => !policies.includes(p));
  const extra = policies.filter((p) => !expected.includes(p));
  if (absent.length || extra.length) {
    return fail(`the CloudFormation execution policies are ${policies.join(',') || 'none'}; expected ${expected.join(',')}`
      + `${absent.length ? ` (missing ${absent.map((p) => p.split('/').pop()).join(', ')})` : ''}`, `${fix}   (create the policies first: npx projen bootstrap)`);
  }
  const variantProblem = checkTemplateVariant(stack, step, pipelineAccount);
  if (variantProblem) return fail(variantProblem.message, variantProblem.fix);
  if (options.currentTemplateVersion && version < options.currentTemplateVersion) {
    results.push({ status: 'warn', check: 'bootstrap', where, message: `version ${version} works, but the CDK CLI of this repo deploys ${options.currentTemplateVersion}; update when convenient`, fix });
  }
  const trustText = step.account === pipelineAccount ? ', boundary' : `, trusts ${pipelineAccount}'s ${PIPELINE_ROLE_NAME_PREFIX}* roles, boundary`;
  results.unshift({ status: 'ok', check: 'bootstrap', where, message: `${BOOTSTRAP_STACK_NAME} version ${version}${trustText}` });
  return results;
}

/** Account and region of a connection ARN. */
function connectionWhere(arn: string): Where {
  const [, , , region, account] = arn.split(':');
  return { account, region };
}

async function checkConnection(config: DeliveryConfig, caller: string, plan: BootstrapPlan, clients: DoctorClients): Promise<CheckResult> {
  const arn = config.source.connectionArn;
  const where = connectionWhere(arn);
  const base = { check: 'connection', where: whereText(where) };
  const createFix = `aws codeconnections create-connection --provider-type GitHub --connection-name ${config.pipeline.name.slice(0, 32)} `
    + `--region ${where.region}   (then complete it in the console and put its ARN in source.connectionArn)`;
  try {
    const connection = (await clients.connections(where).getConnection({ ConnectionArn: arn })).Connection;
    const status = connection?.ConnectionStatus ?? 'UNKNOWN';
    const name = connection?.ConnectionName ?? arn;
    if (status === 'AVAILABLE') return { ...base, status: 'ok', message: `connection ${name} is AVAILABLE` };
    if (status === 'PENDING') {
      return {
        ...base,
        status: 'fail',
        message: `connection ${name} is PENDING: the GitHub handshake was never completed, the pipeline cannot read ${config.source.owner}/${config.source.repo}`,
        fix: `open https://${where.region}.console.aws.amazon.com/codesuite/settings/connections?region=${where.region} , select ${name}, `
          + '"Update pending connection" and install/authorize the AWS Connector for GitHub (no CLI can complete this step)',
      };
    }
    return { ...base, status: 'fail', message: `connection ${name} is ${status}`, fix: createFix };
  } catch (err) {
    const { name } = err as { name?: string };
    if (name === 'ResourceNotFoundException') return { ...base, status: 'fail', message: `connection ${arn} does not exist`, fix: createFix };
    if (isAssumeRoleDenied(err)) {
      const step = plan.bootstrap.find((b) => b.account === where.account && b.region === where.region);
      return { ...base, status: 'fail', message: `cannot assume ${lookupRoleArn(where.account, where.region)} (${errorText(err)})`, fix: assumeFix(where, caller, config.pipeline.account, step) };
    }
    return { ...base, status: 'fail', message: `cannot read the connection (${errorText(err)})`, fix: 'check the credentials, then re-run: npx projen doctor --aws' };
  }
}

/** The pipeline's notification topic: a stack output, else the topic CloudFormation named after the stack. */
async function findTopic(stack: StackDescription, clients: DoctorClients, where: Where): Promise<string | undefined> {
  const fromOutput = stack.Outputs?.find((o) => /notif|topic/i.test(o.OutputKey ?? '') && /^arn:aws[a-z-]*:sns:/.test(o.OutputValue ?? ''));
  if (fromOutput?.OutputValue) return fromOutput.OutputValue;
  const sns = clients.sns(where);
  let token: string | undefined;
  do {
    const page = await sns.listTopics({ NextToken: token });
    const hit = page.Topics?.find((t) => (t.TopicArn ?? '').split(':').pop()!.startsWith(`${PIPELINE_STACK_NAME}-NotificationsTopic`));
    if (hit?.TopicArn) return hit.TopicArn;
    token = page.NextToken;
  } while (token);
  return undefined;
}

async function checkEmails(config: DeliveryConfig, clients: DoctorClients): Promise<CheckResult[]> {
  const where: Where = { account: config.pipeline.account, region: config.pipeline.region };
  const base = { check: 'e-mail', where: whereText(where) };
  const deployFix = `npx cdk deploy ${PIPELINE_STACK_NAME} --profile <pipeline-account-profile>`;
  let stack: StackDescription | undefined;
  try {
    stack = (await clients.cloudFormation(where).describeStacks({ StackName: PIPELINE_STACK_NAME })).Stacks?.[0];
  } catch (err) {
    if (!isStackMissingError(err)) {
      return [{ ...base, status: 'fail', message: `cannot read the ${PIPELINE_STACK_NAME} stack (${errorText(err)})`, fix: 'check the credentials, then re-run: npx projen doctor --aws' }];
    }
  }
  if (!stack) {
    return [{ ...base, status: 'warn', message: `${PIPELINE_STACK_NAME} is not deployed yet: e-mail subscriptions are checked once it is`, fix: deployFix }];
  }
  let topicArn: string | undefined;
  const subscriptions: Subscription[] = [];
  try {
    topicArn = await findTopic(stack, clients, where);
    if (!topicArn) {
      return [{ ...base, status: 'fail', message: `${PIPELINE_STACK_NAME} is deployed but its notification topic was not found`, fix: deployFix }];
    }
    let token: string | undefined;
    do {
      const page = await clients.sns(where).listSubscriptionsByTopic({ TopicArn: topicArn, NextToken: token });
      subscriptions.push(...(page.Subscriptions ?? []));
      token = page.NextToken;
    } while (token);
  } catch (err) {
    return [{ ...base, status: 'fail', message: `cannot list the notification topic's subscriptions (${errorText(err)})`, fix: 'check the credentials, then re-run: npx projen doctor --aws' }];
  }
  return config.notifications.emails.map((email): CheckResult => {
    const subscribeFix = `aws sns subscribe --topic-arn ${topicArn} --protocol email --notification-endpoint ${email} --region ${where.region}`;
    const mine = subscriptions.filter((s) => /^email(-json)?$/.test(s.Protocol ?? '') && (s.Endpoint ?? '').toLowerCase() === email.toLowerCase());
    const at = { ...base, where: `${email} on ${topicArn}` };
    if (mine.some((s) => s.SubscriptionArn && s.SubscriptionArn.startsWith('arn:'))) {
      return { ...at, status: 'ok', message: 'subscribed and confirmed' };
    }
    if (mine.length > 0) {
      return { ...at, status: 'fail', message: 'subscription is PendingConfirmation: approval requests and failures do not reach this address', fix: `click "Confirm subscription" in the e-mail AWS sent to ${email}; to resend it: ${subscribeFix}` };
    }
    return { ...at, status: 'fail', message: 'not subscribed', fix: subscribeFix };
  });
}

/**
 * The clusters of a `global` environment must run the same engine version, or AWS refuses to
 * move the writer (./engine-versions.ts): a difference is a warning now, not a refusal in the
 * middle of an incident. Each cluster is read in its own region (with the account's --profile, else through the lookup role:
 * ReadOnlyAccess covers rds:DescribeDBClusters).
 */
async function checkGlobalDatabase(config: DeliveryConfig, environment: EnvironmentConfig, clients: DoctorClients): Promise<CheckResult> {
  const base = { check: 'database', where: `${environment.account}/${environment.regions.join(',')}` };
  const found: Array<{ id: string; region: string; version: string; engine?: string }> = [];
  const missing: string[] = [];
  for (const region of environment.regions) {
    const id = regionalClusterIdentifierOf(config.tags.Application, environment.name, region);
    try {
      const cluster = (await clients.rds({ account: environment.account, region }).describeDBClusters({ DBClusterIdentifier: id })).DBClusters?.[0];
      if (cluster?.EngineVersion) found.push({ id, region, version: cluster.EngineVersion, engine: cluster.Engine });
      else missing.push(`${id} (${region})`);
    } catch (err) {
      if ((err as { name?: string }).name === 'DBClusterNotFoundFault') {
        missing.push(`${id} (${region})`);
        continue;
      }
      return {
        ...base,
        status: 'warn',
        message: `${environment.name}: cannot read ${id} in ${region} (${errorText(err)}), so the engine versions were not compared`,
        fix: `AWS_PROFILE=<profile of ${environment.account}> aws rds describe-db-clusters --db-cluster-identifier ${id} --region ${region} `
          + '--query "DBClusters[0].EngineVersion"',
      };
    }
  }
  const notDeployed = missing.length ? `; not deployed yet: ${missing.join(', ')}` : '';
  if (found.length < 2) return { ...base, status: 'ok', message: `${environment.name}: fewer than two clusters deployed, nothing to compare${notDeployed}` };
  const newest = found.reduce((a, b) => (olderThan(a.version, b.version) ? b : a));
  const behind = found.filter((c) => compareEngineVersions(c.version, newest.version) !== 'same');
  if (behind.length === 0) {
    const runs = [newest.engine, newest.version].filter((x) => x !== undefined).join(' ');
    return { ...base, status: 'ok', message: `${environment.name}: ${found.map((c) => c.id).join(' and ')} run ${runs}${notDeployed}` };
  }
  return {
    ...base,
    status: 'warn',
    message: `${environment.name}: the clusters run different engine versions (${found.map((c) => `${c.id} ${c.version}`).join(', ')}): `
      + 'npx projen failover would refuse to move the writer (AWS needs the same version on both), so align them before you need it',
    fix: `${behind.map((c) => upgradeCommand(c.id, c.region, newest.version)).join('; ')}   (RUNBOOKS.md "Database engine upgrade")`,
  };
}

/**
 * The checks `integ:deploy` runs before it deploys anything: the sandbox is one of the config's
 * environment account/regions and none of a production environment, the credentials are the
 * sandbox account's, and its
 * bootstrap carries exactly the generated execution policies, so one sandbox run proves the
 * policies, never AdministratorAccess.
 */
export async function runSandboxChecks(
  config: DeliveryConfig, plan: BootstrapPlan, clients: DoctorClients, sandbox: Where, options: AwsCheckOptions = {},
): Promise<CheckResult[]> {
  const where = whereText(sandbox);
  const step = plan.bootstrap.find((b) => b.account === sandbox.account && b.region === sandbox.region && b.purposes.includes('stage'));
  if (!step) {
    return [{
      status: 'fail',
      check: 'sandbox',
      where,
      message: 'INTEG_ACCOUNT/INTEG_REGION is not an environment account and region of the config '
      + '(only those may pull the gated image, and only those are bootstrapped with the execution policies)',
      fix: 'set INTEG_ACCOUNT and INTEG_REGION to a dev or test account/region of the config, e.g. the dev one',
    }];
  }
  const production = config.environments.find((e) => e.production && e.account === sandbox.account);
  if (production) {
    return [{
      status: 'fail',
      check: 'sandbox',
      where,
      message: `INTEG_ACCOUNT ${sandbox.account} hosts the production environment ${production.name}: integ:deploy never deploys there `
        + '(its execution policy has no integ-<region>-* scope, and a test stack has no place beside production)',
      fix: 'set INTEG_ACCOUNT and INTEG_REGION to a non-production account/region of the config, e.g. the dev one',
    }];
  }
  let caller: string;
  try {
    caller = await clients.callerAccount();
  } catch (err) {
    return [{ status: 'fail', check: 'credentials', where: '-', message: `sts:GetCallerIdentity failed (${errorText(err)})`, fix: 'aws sso login --profile <profile>   (or export fresh credentials), then re-run' }];
  }
  if (caller !== sandbox.account) {
    return [{ status: 'fail', check: 'credentials', where: caller, message: `the credentials are account ${caller}, not the sandbox ${sandbox.account}`, fix: `AWS_PROFILE=<profile of ${sandbox.account}> npx projen integ:deploy` }];
  }
  return checkBootstrap(step, config.pipeline.account, caller, clients, options);
}

/** Every AWS check, in report order. */
export async function runAwsChecks(
  config: DeliveryConfig, plan: BootstrapPlan, clients: DoctorClients, options: AwsCheckOptions = {},
): Promise<CheckResult[]> {
  let caller: string;
  try {
    caller = await clients.callerAccount();
  } catch (err) {
    return [{ status: 'fail', check: 'credentials', where: '-', message: `sts:GetCallerIdentity failed (${errorText(err)})`, fix: 'aws sso login --profile <profile>   (or export fresh credentials), then re-run' }];
  }
  const pipelineAccount = config.pipeline.account;
  const results: CheckResult[] = [];
  if (caller !== pipelineAccount) {
    results.push({
      status: 'warn',
      check: 'credentials',
      where: caller,
      message: `running as account ${caller}, not the pipeline account ${pipelineAccount}: other accounts are read with their --profile-<account>, `
      + `else through their lookup roles (which trust only the pipeline's ${PIPELINE_ROLE_NAME_PREFIX}* roles)`,
    });
  }
  const bootstrap = await Promise.all(plan.bootstrap.map((step) => checkBootstrap(step, pipelineAccount, caller, clients, options)));
  results.push(...bootstrap.flat());
  results.push(await checkConnection(config, caller, plan, clients));
  results.push(await checkBuildOverrides(config, clients));
  results.push(...await checkEmails(config, clients));
  results.push(...await checkAuditTrails(config, (where) => clients.cloudTrail(where), caller));
  for (const environment of config.environments.filter((e) => resilienceOf(e) === 'global')) {
    results.push(await checkGlobalDatabase(config, environment, clients));
  }
  return results;
}
