import { describeSecretCommand, rotateCommand, secretArrangementOf } from './failover-secret';
import { checksClientSecretNameOf, issuerDomainPrefixOf, issuerRegionOf, tokenUrlOf } from '../../config/issuer';
import { globalClusterIdentifierOf, primaryRegionOf, regionalClusterIdentifierOf, resilienceOf, rotationFunctionNameOf } from '../../config/resilience';
import { DeliveryConfig, EnvironmentConfig } from '../../config/schema';
import { stageIdOf } from '../../config/waves';
import { partitionOf } from '../../shared/aws-names';

/**
 * What `npx projen failover` does, as data: which global cluster, which target cluster, and the
 * exact commands of each step. Pure (no AWS, no clock of its own), so the printed plan and the
 * `--run` path (./failover-run.ts) share one source and tests read it directly.
 */

/** `planned`: switchover, the writer region is healthy, no data loss. `unplanned`: failover with possible data loss. */
export type FailoverMode = 'planned' | 'unplanned';

/** What the operator asked for. */
export interface FailoverRequest {
  /** `--env`: the environment's name. */
  readonly environmentName: string;
  /** `--to`: the region whose cluster becomes the writer. */
  readonly to: string;
  /** `--planned` / `--unplanned`. */
  readonly mode: FailoverMode;
}

/** A request the config cannot satisfy: the message names the option and the fix. */
export class FailoverInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FailoverInputError';
  }
}

/** The stage stack that holds the edge tier (and its `EdgeLoadBalancerUrl…` output). */
export const PLATFORM_STACK = 'Platform';
/**
 * The `EdgeLoadBalancerUrl…` output's logical id starts with this (then a path hash): the EdgeTier's
 * construct id + the output's id. test/terminal/ops/failover.test.ts checks it against a synthesized stage.
 */
export const LOAD_BALANCER_URL_OUTPUT_PREFIX = 'EdgeLoadBalancerUrl';
/** The body of the probe transaction the checks write (the assertions' ROUND_TRIP). */
export const PROBE_TRANSACTION = { amount: '12.34', currency: 'USD' } as const;

/** The resolved names of one failover. */
export interface FailoverTarget {
  readonly environment: EnvironmentConfig;
  /** The application name the stages derive their names from (`tags.Application`). */
  readonly application: string;
  readonly mode: FailoverMode;
  /** The Aurora global cluster (`globalClusterIdentifierOf`). */
  readonly globalClusterIdentifier: string;
  /** The region that becomes the writer. */
  readonly to: string;
  /** Identifier of the cluster in `to` (`regionalClusterIdentifierOf`). */
  readonly targetClusterIdentifier: string;
  /** Its ARN: switchover and failover need the ARN, so Aurora finds the cluster in its region. */
  readonly targetClusterArn: string;
  /**
   * The region believed to be the writer now: the other region of a two-region environment (so
   * a fail back needs no extra option), else the configured primary when it is not `to`.
   * `--run` replaces it with what describe-global-clusters reports.
   * @default - unknown (more than two regions, `to` is the configured primary)
   */
  readonly from?: string;
  /** The configured primary region (where the pipeline expects the writer). */
  readonly configuredPrimary: string;
  /** The stack `<env>-<to>-Platform` (its `EdgeLoadBalancerUrl…` output is the region's URL). */
  readonly targetPlatformStack: string;
  /**
   * URL of the target region's own load balancer name, `https://<record>-<to>.<zone>`, when the
   * environment has a domain; without one it is the `EdgeLoadBalancerUrl…` output (known only in AWS).
   * @default - none: no domain
   */
  readonly targetRegionalUrl?: string;
  /**
   * The service name users call (`https://<record>.<zone>`), with a domain.
   * @default - none: no domain
   */
  readonly serviceUrl?: string;
  /**
   * The environment's token issuer (src/config/issuer.ts): its region (the configured primary,
   * which a failover does not move), the token endpoint, and the secret holding the checks' own
   * client, whose token the proof's transaction calls carry.
   */
  readonly issuer: { readonly region: string; readonly tokenUrl: string; readonly checksSecretName: string };
}

/** Check the request against the config and derive every name (one clear error otherwise). */
export function resolveFailover(config: DeliveryConfig, request: FailoverRequest): FailoverTarget {
  const names = config.environments.map((e) => e.name);
  const environment = config.environments.find((e) => e.name === request.environmentName);
  if (!environment) {
    throw new FailoverInputError(`--env ${request.environmentName}: no such environment in the config (environments: ${names.join(', ')})`);
  }
  if (resilienceOf(environment) !== 'global') {
    throw new FailoverInputError(`--env ${environment.name}: the environment is "independent" (each region has its own database), `
      + 'so there is no writer to move. Failover needs resilience "global" and two or more regions.');
  }
  if (!environment.regions.includes(request.to)) {
    throw new FailoverInputError(`--to ${request.to}: not a region of ${environment.name} (regions: ${environment.regions.join(', ')})`);
  }
  const app = config.tags.Application;
  const others = environment.regions.filter((r) => r !== request.to);
  const configuredPrimary = primaryRegionOf(environment);
  const from = others.length === 1 ? others[0] : configuredPrimary !== request.to ? configuredPrimary : undefined;
  const targetClusterIdentifier = regionalClusterIdentifierOf(app, environment.name, request.to);
  const domain = environment.domain;
  return {
    environment,
    application: app,
    mode: request.mode,
    globalClusterIdentifier: globalClusterIdentifierOf(app, environment.name),
    to: request.to,
    targetClusterIdentifier,
    targetClusterArn: `arn:${partitionOf(request.to)}:rds:${request.to}:${environment.account}:cluster:${targetClusterIdentifier}`,
    from,
    configuredPrimary,
    targetPlatformStack: `${stageIdOf(environment, request.to)}-${PLATFORM_STACK}`,
    targetRegionalUrl: domain ? `https://${domain.recordName}-${request.to}.${domain.zoneName}` : undefined,
    serviceUrl: domain ? `https://${domain.recordName}.${domain.zoneName}` : undefined,
    issuer: {
      region: issuerRegionOf(environment),
      tokenUrl: tokenUrlOf(issuerDomainPrefixOf(app, environment.name, environment.account), issuerRegionOf(environment)),
      checksSecretName: checksClientSecretNameOf(app, environment.name, issuerRegionOf(environment)),
    },
  };
}

/** The region of an RDS cluster ARN (`arn:aws:rds:<region>:...`). */
export function regionOfArn(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}

/** A fresh idempotency key for the probe transaction: `failover-<env>-<to>-<UTC time>`. */
export function probeKeyOf(target: Pick<FailoverTarget, 'environment' | 'to'>, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `failover-${target.environment.name}-${target.to}-${stamp}`;
}

/** One step of the plan: what it is for, and the exact commands. */
export interface FailoverStep {
  readonly title: string;
  readonly commands: readonly string[];
  readonly notes: readonly string[];
}

/** Shell-quote one argument (single quotes). */
function q(value: string): string {
  return /^[A-Za-z0-9_./:=@,+-]+$/.test(value) ? value : `'${value.replace(/'/g, '\'\\\'\'')}'`;
}

/** The describe-global-clusters command that shows the writer (asked in `region`). */
export function describeWriterCommand(target: FailoverTarget, region: string): string {
  return `aws rds describe-global-clusters --global-cluster-identifier ${target.globalClusterIdentifier} --region ${region} `
    + '--query "GlobalClusters[0].{Status:Status,EngineVersion:EngineVersion,Failover:FailoverState.Status,Writer:GlobalClusterMembers[?IsWriter].DBClusterArn|[0]}"';
}

/** The command that shows a cluster's status, engine version, instance count and pending changes. */
export function describeClusterCommand(id: string, region: string): string {
  return `aws rds describe-db-clusters --db-cluster-identifier ${id} --region ${region} `
    + '--query "DBClusters[0].{Status:Status,EngineVersion:EngineVersion,Instances:length(DBClusterMembers),Pending:PendingModifiedValues}"';
}

/** The command that moves the writer. */
export function moveCommand(target: FailoverTarget, from: string | undefined): string {
  const common = `--global-cluster-identifier ${target.globalClusterIdentifier} --target-db-cluster-identifier ${target.targetClusterArn}`;
  return target.mode === 'planned'
    // Switchover: the current writer demotes itself after the secondary has caught up (RPO 0).
    ? `aws rds switchover-global-cluster ${common} --region ${from ?? '<current writer region>'}`
    // Failover: asked in the target region, which answers even when the writer's region is down.
    : `aws rds failover-global-cluster ${common} --allow-data-loss --region ${target.to}`;
}

/** The replication lag of the target cluster over the last 15 minutes (GNU date). */
export function rpoLagCommand(target: FailoverTarget): string {
  return `aws cloudwatch get-metric-statistics --region ${target.to} --namespace AWS/RDS --metric-name AuroraGlobalDBRPOLag `
    + `--dimensions Name=DBClusterIdentifier,Value=${target.targetClusterIdentifier} --statistics Maximum --period 60 `
    + '--start-time "$(date -u -d \'-15 min\' +%FT%TZ)" --end-time "$(date -u +%FT%TZ)"';
}

/** The command that prints the target region's `EdgeLoadBalancerUrl…` output (no domain). */
export function loadBalancerUrlCommand(target: FailoverTarget): string {
  return `aws cloudformation describe-stacks --stack-name ${target.targetPlatformStack} --region ${target.to} `
    + `--query "Stacks[0].Outputs[?starts_with(OutputKey,'${LOAD_BALANCER_URL_OUTPUT_PREFIX}')].OutputValue|[0]" --output text`;
}

/** The scopes of the proof's token: it writes and reads back. */
export const PROOF_SCOPES = ['transactions/read', 'transactions/write'] as const;

/**
 * The commands that get the checks' access token (client credentials, the secret read from the
 * issuer region with the caller's credentials), into $TOKEN. Needs jq.
 */
export function tokenCommands(target: Pick<FailoverTarget, 'issuer'>): string[] {
  const { issuer } = target;
  return [
    `CHECKS=$(aws secretsmanager get-secret-value --secret-id ${issuer.checksSecretName} --region ${issuer.region} --query SecretString --output text)`,
    'TOKEN=$(curl -fsS -X POST "$(echo "$CHECKS" | jq -r .token_url)" -u "$(echo "$CHECKS" | jq -r \'.client_id + ":" + .client_secret\')" '
    + `-d grant_type=client_credentials -d ${q(`scope=${PROOF_SCOPES.join(' ')}`)} | jq -r .access_token)`,
  ];
}

/** The checks that prove the new writer serves, against `url` (the transaction calls with $TOKEN, from tokenCommands). */
export function proofCommands(url: string, key: string): string[] {
  return [
    `curl -fsS ${q(`${url}/health/deep?require=writer`)}`,
    `curl -fsS -X POST ${q(`${url}/transactions`)} -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -H ${q(`idempotency-key: ${key}`)} -d ${q(JSON.stringify(PROBE_TRANSACTION))}`,
    `curl -fsS -H "Authorization: Bearer $TOKEN" ${q(`${url}/transactions/by-idempotency-key/${key}`)}`,
  ];
}

/**
 * The whole plan, in order. `from` overrides the presumed writer region (--run knows it);
 * `probeKey` is the fresh idempotency key of the proof transaction.
 */
export function failoverSteps(target: FailoverTarget, options: { from?: string; probeKey: string }): FailoverStep[] {
  const from = options.from ?? target.from;
  const { environment, to } = target;
  const steps: FailoverStep[] = [];
  steps.push({
    title: 'Find the writer (asked in the target region, which must answer for either mode)',
    commands: [
      describeWriterCommand(target, to),
      ...target.mode === 'unplanned' ? [rpoLagCommand(target)] : [],
    ],
    notes: [
      `Expect Writer = the cluster in ${from ?? 'the current writer region'}, no Failover state, Status available.`,
      `If Writer is already ${target.targetClusterArn}, stop: ${to} is the writer.`,
      ...target.mode === 'unplanned' ? [
        `Write down the last AuroraGlobalDBRPOLag of the ${to} cluster (milliseconds; the metric of its lag alarm): `
        + 'roughly the window of writes this failover may lose.',
      ] : [],
    ],
  });
  const writerCluster = from ? regionalClusterIdentifierOf(target.application, environment.name, from) : undefined;
  steps.push({
    title: 'Check both clusters: what AWS requires before it moves the writer (npx projen failover --run refuses otherwise)',
    commands: [
      describeClusterCommand(target.targetClusterIdentifier, to),
      // A failover asks nothing of the writer's region (it may be lost): the global cluster's EngineVersion stands for it.
      ...writerCluster && from && target.mode === 'planned' ? [describeClusterCommand(writerCluster, from)] : [],
      `aws rds describe-pending-maintenance-actions --resource-identifier ${target.targetClusterArn} --region ${to}`,
    ],
    notes: [
      `${target.targetClusterIdentifier}: Status available and at least one DB instance (Aurora promotes neither an unavailable nor a headless secondary).`,
      `Both clusters: the same EngineVersion${target.mode === 'planned' ? ', and the writer available too (a switchover is for a healthy global database)'
        : ' (the writer\'s: the EngineVersion step 1 printed for the global cluster)'}. `
      + 'Different versions: upgrade the older cluster first, aws rds modify-db-cluster --db-cluster-identifier <older> --engine-version <newer> '
      + '--apply-immediately --region <its region> (RUNBOOKS.md "Database engine upgrade"). A pending system-update or db-upgrade on one '
      + 'cluster can leave their patch levels apart: apply it first.',
    ],
  });
  steps.push(secretBeforeStep(target, from));
  steps.push({
    title: target.mode === 'planned'
      ? `Switch over (planned: ${from ?? 'the writer region'} is healthy, RPO 0)`
      : `Fail over (unplanned: ${from ?? 'the writer region'} may be down, writes not yet replicated are lost)`,
    commands: [moveCommand(target, from)],
    notes: [
      ...target.mode === 'planned'
        ? ['A switchover needs the writer region to answer. If it cannot, use --unplanned.']
        : ['Aurora attempts to fence writes on the old primary (best effort): stop writers there if you still can.'],
    ],
  });
  steps.push({
    title: `Wait until the global cluster reports ${to} as the writer`,
    commands: [describeWriterCommand(target, to)],
    notes: [`Repeat until Writer = ${target.targetClusterArn}, no Failover state and Status available (typically a few minutes).`],
  });
  if (environment.domain && target.serviceUrl) {
    steps.push({
      title: 'DNS: nothing to change (failover records follow the writer)',
      commands: [
        `aws cloudformation describe-stack-resources --stack-name ${target.targetPlatformStack} --region ${to} `
        + '--query "StackResources[?ResourceType==\'AWS::Route53::HealthCheck\'].PhysicalResourceId" --output text',
        'aws route53 get-health-check-status --health-check-id <id printed above>',
        `aws route53 test-dns-answer --hosted-zone-id ${environment.domain.hostedZoneId} --record-name ${new URL(target.serviceUrl).hostname} --record-type A`,
      ],
      notes: [
        `The PRIMARY record (${target.configuredPrimary}) is healthy only while its region's /health/deep?require=writer answers 200; `
        + 'the SECONDARY record on /health/deep. Once the old writer answers 503 to require=writer (or is down), Route 53 answers '
        + 'with the other region: 3 failed checks 30 s apart, plus the record TTL.',
        `Health checkers should report ${to} healthy; test-dns-answer should return the ${to} load balancer.`,
      ],
    });
  } else {
    steps.push({
      title: 'DNS: there is none (no domain): clients must call the new writer region\'s load balancer',
      commands: [loadBalancerUrlCommand(target)],
      notes: [
        `Point clients (and anything configured with the old region's URL) at this URL, the EdgeLoadBalancerUrl… output of ${target.targetPlatformStack}.`,
        'The old region\'s URL keeps answering reads; its writes answer 503 read_only_region naming the writer region.',
      ],
    });
  }
  const url = target.targetRegionalUrl ?? '<EdgeLoadBalancerUrl… printed above>';
  steps.push({
    title: `Prove the new writer serves (through ${to}'s own load balancer)`,
    commands: [...tokenCommands(target), ...proofCommands(url, options.probeKey)],
    notes: [
      `First the checks' own access token: their credentials in ${target.issuer.checksSecretName} and the token endpoint ${target.issuer.tokenUrl}, `
      + `both in ${target.issuer.region}, the environment's token issuer region, which a failover does not move. `
      + (target.issuer.region === to ? '' : `If ${target.issuer.region} is down, no token can be had: see RUNBOOKS.md "The token issuer's region is down". `),
      '1: 200 with role "writer" (the service asks the database, no redeploy needed; retry for a minute while connections recycle).',
      '2: 201 (or 200 when repeated), a transaction with a fresh idempotency key. 3: 200 with the same transaction.',
    ],
  });
  steps.push(secretAfterStep(target, from));
  steps.push(afterwards(target, from));
  return steps;
}

/** The secret before the move: a copy in the target region; for a switchover, rotation off in the writer's. */
function secretBeforeStep(target: FailoverTarget, from: string | undefined): FailoverStep {
  const arrangement = secretArrangementOf(target);
  const { secretName } = arrangement;
  const planned = target.mode === 'planned' && from;
  return {
    title: 'The database secret: a copy in the target region; rotation paused where the writer is',
    commands: [
      describeSecretCommand(secretName, target.to),
      ...planned ? [describeSecretCommand(secretName, from), `aws secretsmanager cancel-rotate-secret --secret-id ${secretName} --region ${from}`] : [],
    ],
    notes: [
      `${target.to} must hold a copy (a replica of the primary copy${planned ? `, InSync in the ReplicationStatus of the ${from} copy` : ''}).`,
      ...planned ? [
        `No version of the ${from} copy may be AWSPENDING (a rotation under way): wait until it ends. Then turn rotation off there: `
        + 'a rotation could no longer write its password once that cluster only reads. If the switchover does not happen, turn it back on: '
        + `${rotateCommand(arrangement, from)}.`,
      ] : [],
    ],
  };
}

/** The secret after the move: promoted in the target region, replicated back, rotating where the writer is. */
function secretAfterStep(target: FailoverTarget, from: string | undefined): FailoverStep {
  const arrangement = secretArrangementOf(target);
  const { secretName } = arrangement;
  const { to } = target;
  const others = target.environment.regions.filter((r) => r !== to);
  return {
    title: `Move the database secret with the writer: promoted in ${to}, replicated back, rotating in ${to}`,
    commands: [
      `aws secretsmanager stop-replication-to-replica --secret-id ${secretName} --region ${to}`,
      ...others.flatMap((r) => [
        `aws secretsmanager cancel-rotate-secret --secret-id ${secretName} --region ${r}`,
        `aws secretsmanager replicate-secret-to-regions --secret-id ${secretName} --add-replica-regions Region=${r},KmsKeyId=${arrangement.keyAlias(r)} `
        + `--force-overwrite-replica-secret --region ${to}`,
      ]),
      describeSecretCommand(secretName, to),
      rotateCommand(arrangement, to),
    ],
    notes: [
      `A replica cannot be rotated: the ${to} copy becomes the primary (StopReplicationToReplica needs nothing of ${from ?? 'the old writer region'}).`,
      'Each other region\'s copy is replaced by a replica of it (ForceOverwriteReplicaSecret), so its service keeps reading the password the database '
      + 'has; repeat the describe command until their ReplicationStatus is InSync.'
      + (target.mode === 'unplanned' ? ` While ${from ?? 'a region'} does not answer, skip its two commands and run them `
        + '(or npx projen failover ... --run again) once it does.' : ''),
      `Rotation runs in ${to} with ${rotationFunctionNameOf(target.application, target.environment.name, to)}, which connects to the ${to} cluster `
      + '(a secondary region\'s standby function, dormant until now). The secret\'s host still names the configured primary\'s cluster: its service '
      + 'connects there in either role; no service reads host from a replica.',
    ],
  };
}

/** What to do once the writer has moved: fail back, and the old primary after an unplanned failover. */
function afterwards(target: FailoverTarget, from: string | undefined): FailoverStep {
  if (target.to === target.configuredPrimary) {
    return {
      title: `Afterwards: the writer is back in the configured primary (${target.to})`,
      commands: [],
      notes: [
        'The topology matches the config again: the pipeline\'s prod assertions (a POST in the primary, a read-back in the secondary) pass again.',
        ...target.mode === 'unplanned' ? [`When ${from ?? 'the old writer region'} recovers, Aurora rebuilds it as a secondary: copy the `
          + 'rds:unplanned-global-failover-* snapshot to a manual one first (RUNBOOKS "Regional failure").'] : [],
      ],
    };
  }
  const back = from ?? '<old writer region>';
  const failBack = `npx projen failover -- --env ${target.environment.name} --to ${back} --planned`;
  const notes = target.mode === 'planned'
    ? [`The old writer (${back}) is now a secondary and keeps replicating: fail back with a planned switchover when you want.`]
    : [
      `When ${back} recovers, Aurora rebuilds its cluster as a secondary of the global cluster (a new storage volume; minutes to hours). `
      + 'Before that it attempts a snapshot of the old volume at the point of failure, named rds:unplanned-global-failover-<cluster>-<time>: '
      + 'it holds the writes that did not replicate. Copy it to a manual snapshot at once (it is a system snapshot, deleted with the old '
      + 'cluster\'s backup retention): aws rds copy-db-cluster-snapshot --region ' + back
      + ' --source-db-cluster-snapshot-identifier <its ARN> --target-db-cluster-snapshot-identifier <name>.',
      `Watch ${back} come back: the describe command of step 1 lists it again as a member (not the writer). If it does not (RUNBOOKS "Regional failure"), `
      + 'remove it with aws rds remove-from-global-cluster and let the pipeline re-create the secondary.',
      'Fail back only after it is a member again, with a planned switchover (RPO 0).',
    ];
  return {
    title: 'Afterwards: fail back',
    commands: [failBack],
    notes: [
      ...notes,
      `Until the writer is back in ${target.configuredPrimary} (the config's primary), the pipeline's prod assertions fail there `
      + '(its POST answers 503 read_only_region), so releases stop: fail back before releasing. Do not edit primaryRegion to follow a failover.',
    ],
  };
}

/** The plan as text (what the CLI prints without --run). */
export function formatSteps(target: FailoverTarget, steps: readonly FailoverStep[]): string {
  const lines = [
    `${target.mode === 'planned' ? 'Planned switchover' : 'Unplanned failover'} of ${target.environment.name} to ${target.to} `
    + `(account ${target.environment.account})`,
    `Global cluster: ${target.globalClusterIdentifier}`,
    `Target cluster: ${target.targetClusterArn}`,
    '',
  ];
  steps.forEach((step, i) => {
    lines.push(`${i + 1}. ${step.title}`);
    for (const c of step.commands) lines.push(`   $ ${c}`);
    for (const n of step.notes) lines.push(`   - ${n}`);
    lines.push('');
  });
  return lines.join('\n');
}
