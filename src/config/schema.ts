import { RegionInfo } from 'aws-cdk-lib/region-info';
import { z } from 'zod';
import { auditSchema } from './audit';
import { branchNameProblem } from './branch-name';
import { deploymentSchema } from './deployment';
import { describeValue, expecting, wrongType } from './messages';
import { DEFAULT_OVERRIDE_MARKER } from './override-marker';
import { plainHttpOptOutSchema } from './plain-http';
import { replicationLagAlarmSecondsSchema } from './replication-lag';
import { defaultRolloutOf } from './resilience';
import { tagsSchema } from './tags';
import { parseVpcCidr } from './vpc-cidrs';

/* Rules that relate several fields (duplicate names, prod approval and order, shared accounts,
 * one partition, duplicate e-mails, tag keys) live in
 * relations.ts so that they are reported together with the per-field problems. */

/**
 * The delivery config: the one file a platform team edits. Everything the pipeline, the stages
 * and the stacks need flows from here as typed props; no stack reads files or env vars.
 *
 * Every field carries the message a user sees when it is wrong, naming the fix.
 */

const ACCOUNT_ID = /^\d{12}$/;
const CONNECTION_ARN = /^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]{36}$/;
/** Environment names: they appear in stage ids, stack names, KMS aliases and the Environment tag. */
const NAME = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){1,11}$/;
const NAME_RULE = '2-12 lowercase letters, digits or single hyphens, starting with a letter and not ending with a hyphen, e.g. "dev" or "pre-prod"';
/** GitHub: 1-39 letters, digits or single hyphens, not starting or ending with a hyphen. */
const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const GITHUB_REPO = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$/;
/** One DNS label; `<recordName>-<region>` (the regional record) must stay within 63 characters. */
const RECORD_NAME = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;

const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;
const severity = z.enum(SEVERITIES, { error: (iss) => `must be one of ${SEVERITIES.join(', ')}; got ${describeValue(iss.input)}` });

/** Every region aws-cdk-lib knows about (commercial, GovCloud, China, ISO). */
export const KNOWN_REGIONS: ReadonlySet<string> = new Set(RegionInfo.regions.map((r) => r.name));

const accountId = z.string(expecting('a string of 12 digits, e.g. "123456789012"'))
  .regex(ACCOUNT_ID, { error: (iss) => `${JSON.stringify(iss.input)} is not a 12-digit AWS account id; write all 12 digits as a string, e.g. "123456789012"` });

const region = z.string(expecting('an AWS region code as a string, e.g. "us-east-1"'))
  .refine((r) => KNOWN_REGIONS.has(r), {
    error: (iss) => `${JSON.stringify(iss.input)} is not a known AWS region; use a region code such as "us-east-1" or "eu-west-1"`,
  });

const vpcCidr = z.string(expecting('an IPv4 CIDR as a string, e.g. "10.1.0.0/16"'))
  .superRefine((c, ctx) => {
    const parsed = parseVpcCidr(c);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
  });

const bool = (what: string) => z.boolean(expecting(`true or false (${what}), without quotes`));

/** A whole number in [min, max]; the messages name the unit. */
const wholeNumber = (unit: string, min: number, max: number) => z.number(expecting(`a whole number of ${unit} from ${min} to ${max}, e.g. ${min}`))
  .int()
  .min(min, { error: (iss) => `must be at least ${min} ${unit}; got ${describeValue(iss.input)}` })
  .max(max, { error: (iss) => `must be at most ${max} ${unit}; got ${describeValue(iss.input)}` });

/** Aurora Serverless v2 capacity: ACU in steps of 0.5. */
const acu = (min: number, max: number) => z.number(expecting(`a number of Aurora capacity units (ACU) from ${min} to ${max} in steps of 0.5, e.g. 2`))
  .min(min, { error: (iss) => `must be at least ${min} ACU; got ${describeValue(iss.input)}` })
  .max(max, { error: (iss) => `must be at most ${max} ACU; got ${describeValue(iss.input)}` })
  .multipleOf(0.5, { error: (iss) => `must be a multiple of 0.5 ACU (Aurora's step); got ${describeValue(iss.input)}` });

/**
 * Default and ceiling of `environments[].bakeMinutes`. The ceiling is what one CodePipeline
 * Commands action holds: its builds stop after 55 minutes (CodePipeline User Guide, "Commands
 * action reference"), and the bake step keeps 15 of them for itself (src/synth/pipeline/steps/bake-step.ts,
 * MAX_COMMANDS_BAKE_MINUTES; a test keeps the two equal).
 */
export const DEFAULT_BAKE_MINUTES = 10;
export const MAX_BAKE_MINUTES = 40;

const range = (from: number, to: number, step: number) => Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);

/**
 * Fargate CPU/memory pairs AWS accepts (units: CPU units, MiB), as the ECS task-size table
 * documents them (8 and 16 vCPU need Linux platform 1.4.0, which LATEST is).
 */
export const FARGATE_MEMORY: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};
const FARGATE_CPUS = Object.keys(FARGATE_MEMORY).map(Number);

export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/**
 * Per-environment sizing knobs. Environments differ only through these values. The rules
 * between knobs (memory fits cpu, NAT gateways per AZ, min <= desired <= max) are in
 * sizing-rules.ts, so that they are reported in the same run as a bad knob elsewhere.
 */
export const sizingSchema = z.strictObject({
  /** NAT gateways in the VPC (at most maxAzs): 1 is cheap, one per AZ survives an AZ outage. @default 1 */
  natGateways: wholeNumber('NAT gateways', 1, 3).default(1),
  /** Availability zones the VPC spans. @default 2 */
  maxAzs: z.number(expecting('a whole number of availability zones from 2 to 3, e.g. 2')).int()
    .min(2, { error: (iss) => `must be at least 2: the ALB and Aurora need two availability zones; got ${describeValue(iss.input)}` })
    .max(3, { error: (iss) => `must be at most 3 availability zones; got ${describeValue(iss.input)}` })
    .default(2),
  /** Fargate task CPU units: 256, 512, 1024, 2048, 4096, 8192 or 16384. @default 256 */
  cpu: z.number(expecting(`one of the Fargate CPU sizes ${FARGATE_CPUS.join(', ')} (a number), e.g. 256`))
    .refine((c) => FARGATE_CPUS.includes(c), { error: (iss) => `must be one of the Fargate CPU sizes ${FARGATE_CPUS.join(', ')}; got ${describeValue(iss.input)}` })
    .default(256),
  /** Fargate task memory in MiB; must fit the CPU size (FARGATE_MEMORY). @default 512 */
  memoryMiB: z.number(expecting('a whole number of MiB that fits the cpu size, e.g. 512 for cpu 256')).int().default(512),
  /** Tasks running when the stage deploys. @default 1 */
  desiredCount: wholeNumber('tasks', 1, 100).default(1),
  /** Autoscaling floor. @default 1 */
  minCapacity: wholeNumber('tasks', 1, 100).default(1),
  /** Autoscaling ceiling. @default 2 */
  maxCapacity: wholeNumber('tasks', 1, 200).default(2),
  /** Aurora Serverless v2 minimum capacity (ACU). @default 0.5 */
  dbMinCapacity: acu(0.5, 128).default(0.5),
  /** Aurora Serverless v2 maximum capacity (ACU). @default 2 */
  dbMaxCapacity: acu(1, 256).default(2),
  /** Aurora reader instances besides the writer. @default 0 */
  dbReaders: wholeNumber('reader instances', 0, 15).default(0),
  /** Days of automated Aurora backups. @default 1 */
  backupRetentionDays: wholeNumber('days', 1, 35).default(1),
  /** Days CloudWatch keeps logs (must be a value CloudWatch accepts). @default 30 */
  logRetentionDays: z.number(expecting('a number of days CloudWatch accepts, e.g. 30'))
    .refine((d) => LOG_RETENTION_DAYS.includes(d), {
      error: (iss) => `must be one of the CloudWatch retention periods ${LOG_RETENTION_DAYS.join(', ')}; got ${describeValue(iss.input)}`,
    }).default(30),
}, expecting('an object of sizing knobs, e.g. { "natGateways": 1, "cpu": 256, "memoryMiB": 512 }'));

/** A public Route 53 hosted zone for an environment (HTTPS and DNS records). */
export const domainSchema = z.strictObject({
  /** e.g. "dev.example.com". */
  zoneName: z.string(expecting('a DNS zone name as a string, e.g. "dev.example.com"'))
    .regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, { error: (iss) => `${JSON.stringify(iss.input)} is not a DNS zone name; write it lowercase without a trailing dot, e.g. "dev.example.com"` }),
  /** e.g. "Z0123456789ABCDEFGHIJ". */
  hostedZoneId: z.string(expecting('a Route 53 hosted zone id as a string, e.g. "Z0123456789ABCDEFGHIJ"'))
    .regex(/^Z[A-Z0-9]{1,31}$/, { error: (iss) => `${JSON.stringify(iss.input)} is not a Route 53 hosted zone id; copy the id (not the name) from the console, e.g. "Z0123456789ABCDEFGHIJ"` }),
  /** Record name under the zone for the service: one DNS label. @default 'api' */
  recordName: z.string(expecting('one DNS label as a string, e.g. "api"'))
    .regex(RECORD_NAME, {
      error: (iss) => `${JSON.stringify(iss.input)} is not one DNS label; write a single name such as "api" (1-48 lowercase letters, digits or hyphens, no dots, not starting or ending with a hyphen): the service answers at <recordName>.<zoneName> and <recordName>-<region>.<zoneName>`,
    })
    .default('api'),
}, expecting('an object { "zoneName": "dev.example.com", "hostedZoneId": "Z0123456789ABCDEFGHIJ" }'));

/** The fields of one environment (dev, test, prod), before the defaults that depend on other fields. */
export const environmentFieldsSchema = z.strictObject({
  /** Short lowercase name used in stage ids (`<name>-<region>`), stack names and the Environment tag. */
  name: z.string(expecting(`a string of ${NAME_RULE}`))
    .regex(NAME, { error: (iss) => `${JSON.stringify(iss.input)} is not a valid environment name; use ${NAME_RULE} (it becomes part of stage ids and stack names)` }),
  /** The AWS account the environment deploys into. */
  account: accountId,
  /**
   * Regions, in rollout order. A sequential rollout deploys `primaryRegion` first, then the
   * others in this order.
   */
  regions: z.array(region, expecting('a list of region codes, e.g. ["us-east-1"]'))
    .min(1, { error: 'is empty: list at least one region, e.g. ["us-east-1"]' }),
  /**
   * Production data rules: retain databases, buckets, keys and logs, deletion and termination
   * protection on. Non-production environments are destroyed cleanly. Production environments
   * come last in the list.
   * @default false
   */
  production: bool('production data rules').default(false),
  /** A manual approval must pass before this environment deploys. @default false */
  requireApproval: bool('manual approval before this environment').default(false),
  /**
   * Let this production environment share its account with a non-production one. Sharing
   * breaks the blast-radius boundary between test data and prod data.
   * @default false
   */
  allowSharedProdAccount: bool('share the account with a non-production environment').default(false),
  /**
   * How regions roll out: `sequential` deploys one region at a time in the listed order
   * (primary first), `parallel` deploys all regions at once. Always set after parsing
   * (`defaultRolloutOf`, src/config/resilience.ts).
   * @default - what the resilience needs: `sequential` for a `global` environment, else `parallel`
   */
  rollout: z.enum(['sequential', 'parallel'], { error: (iss) => `must be "sequential" or "parallel"; got ${describeValue(iss.input)}` }).optional(),
  /** Sizing knobs; anything left out takes the small defaults. */
  sizing: sizingSchema.default(() => sizingSchema.parse({})),
  /**
   * A public Route 53 hosted zone for this environment. With it the ALB gets an ACM certificate
   * (DNS-validated), HTTPS with HTTP->HTTPS redirect, and per region a latency record (`independent`) or a failover record (`global`).
   * Without it the ALB serves HTTP only (see README "HTTPS and HTTP-only mode" under "The workload"); production requires it
   * unless `allowPlainHttp` states why not.
   * @default - no domain, HTTP-only
   */
  domain: domainSchema.optional(),
  /**
   * A production environment without `domain` is refused unless it opts out of HTTPS here, with a
   * written reason (a full sentence). The synth summary and the compliance report show it.
   * @default - no opt-out: production requires `domain`
   */
  allowPlainHttp: plainHttpOptOutSchema.optional(),
  /**
   * The region whose database takes writes (the Aurora global database's primary). Must be one
   * of `regions`; read it through `primaryRegionOf` (src/config/resilience.ts).
   * @default - the first of `regions`
   */
  primaryRegion: region.optional(),
  /**
   * How the regions relate: `global` (one Aurora global database written in `primaryRegion`,
   * read-only secondaries, DNS failover) or `independent` (each region its own database).
   * Read it through `resilienceOf` (src/config/resilience.ts).
   * @default - `global` for a production environment with two or more regions, else `independent`
   */
  resilience: z.enum(['global', 'independent'], { error: (iss) => `must be one of "global" (one writer region, replicated) or "independent" (a database per region); got ${describeValue(iss.input)}` }).optional(),
  /**
   * Seconds a secondary region of a `global` environment may lag the writer before its
   * replication-lag alarm pages (3 of 5 one-minute maxima above it). Read it through
   * `replicationLagAlarmSecondsOf` (src/config/replication-lag.ts, which says why 30).
   * @default 30
   */
  replicationLagAlarmSeconds: replicationLagAlarmSecondsSchema.optional(),
  /**
   * The VPC CIDR of each region, e.g. `{ "us-east-1": "10.0.0.0/16", "us-east-2": "10.1.0.0/16" }`:
   * an IPv4 network address from /16 to /19, keyed by one of `regions`, no two overlapping.
   * Read it through `vpcCidrOf` (src/config/vpc-cidrs.ts).
   * @default - `10.<n>.0.0/16`, n counting the regions of this account in list order
   */
  vpcCidrs: z.record(z.string(), vpcCidr, expecting('an object of region codes to CIDRs, e.g. { "us-east-1": "10.0.0.0/16", "us-east-2": "10.1.0.0/16" }')).optional(),
  /**
   * Minutes the pipeline watches the alarms of a region after its deploy and assertions, before
   * the next region of a `sequential` rollout starts; any alarm in ALARM fails the bake (and the
   * stage rolls back). 0 = no bake. Ignored unless the environment rolls out sequentially over
   * two or more regions. At most 40: the bake runs in one Commands action, which stops after 55 minutes.
   * @default 10
   */
  bakeMinutes: wholeNumber('minutes', 0, MAX_BAKE_MINUTES).default(DEFAULT_BAKE_MINUTES),
  /**
   * How releases reach users (src/config/deployment.ts): `rolling`, or ECS's native `blueGreen`,
   * `canary` or `linear` with a pre-traffic hook. Read it through `deploymentOf`.
   * @default - `canary` (10% for 10 minutes) for production, `rolling` otherwise
   */
  deployment: deploymentSchema.optional(),
}, expecting('an object { "name": "dev", "account": "123456789012", "regions": ["us-east-1"] }'));

/**
 * One environment (dev, test, prod): an account and the regions it runs in, with the defaults
 * that depend on other fields filled in (`rollout` from the resilience).
 */
export const environmentSchema = environmentFieldsSchema.transform((env) => ({ ...env, rollout: env.rollout ?? defaultRolloutOf(env) }));

/** Supply-chain gate thresholds (Trivy and ECR image scan). */
export const gatesSchema = z.strictObject({
  /** Severities that fail the gates whether or not a fix exists. @default ['CRITICAL'] */
  failOnSeverities: z.array(severity, expecting('a list of severities, e.g. ["CRITICAL"]')).default(['CRITICAL']),
  /** Severities that fail the gates when a fixed version exists. @default ['HIGH'] */
  failOnFixableSeverities: z.array(severity, expecting('a list of severities, e.g. ["HIGH"]')).default(['HIGH']),
  /** Minutes the ECR scan gate waits for scan results before failing closed. @default 15 */
  ecrScanTimeoutMinutes: wholeNumber('minutes', 1, 60).default(15),
  /**
   * Minutes the image gate waits, after promoting the commit tag, for the promoted digest to
   * replicate to every stage region other than the pipeline's before failing closed. @default 15
   */
  replicationTimeoutMinutes: wholeNumber('minutes', 1, 60).default(15),
}, expecting('an object, e.g. { "failOnSeverities": ["CRITICAL"] }'));

/** The prod change report shown before the prod approval. */
export const changeReportSchema = z.strictObject({
  /** Fail the report step when a stateful resource would be replaced in production. @default true */
  blockStatefulReplacement: bool('block stateful replacements in production').default(true),
  /** A commit message containing this marker overrides the block. @default '[allow-stateful-replacement]' */
  overrideMarker: z.string(expecting(`a string of at least 3 characters, e.g. "${DEFAULT_OVERRIDE_MARKER}"`))
    .min(3, { error: (iss) => `must be at least 3 characters long, so that it is not written by accident; got ${describeValue(iss.input)}` })
    .default(DEFAULT_OVERRIDE_MARKER),
}, expecting('an object, e.g. { "blockStatefulReplacement": true }'));

/** Default and ceiling of `driftDetection.intervalHours`. */
export const DEFAULT_DRIFT_INTERVAL_HOURS = 24;
export const MAX_DRIFT_INTERVAL_HOURS = 168;

/** The scheduled drift check of every deployed stage stack (README "Drift detection"). */
export const driftDetectionSchema = z.strictObject({
  /**
   * Hours between two drift checks of every deployed stage stack (1 to 168, a week). Each check
   * runs CloudFormation drift detection on every stage stack through each stage's drift role.
   * @default 24 (daily)
   */
  intervalHours: wholeNumber('hours', 1, MAX_DRIFT_INTERVAL_HOURS).default(DEFAULT_DRIFT_INTERVAL_HOURS),
}, expecting(`an object, e.g. { "intervalHours": ${DEFAULT_DRIFT_INTERVAL_HOURS} }`));

/** `"org/repo"` in one field: the suggestion to split it. */
function ownerRepoHint(value: unknown, field: 'owner' | 'repo'): string {
  if (typeof value === 'string' && value.includes('/')) {
    const [owner, ...rest] = value.split('/');
    return `; it looks like owner/repo: write "owner": ${JSON.stringify(owner)} and "repo": ${JSON.stringify(rest.join('/'))}`;
  }
  return field === 'owner' ? ', e.g. "example-org"' : ', e.g. "cdk-delivery-pipeline"';
}

/** The whole delivery config. */
export const deliveryConfigSchema = z.strictObject({
  /** The account and home region of the pipeline itself (and its artifact store). */
  pipeline: z.strictObject({
    account: accountId,
    region,
    /** CodePipeline name. @default 'cdk-delivery-pipeline' */
    name: z.string(expecting('a string, e.g. "cdk-delivery-pipeline"'))
      .regex(/^[A-Za-z0-9.@_-]{1,100}$/, { error: (iss) => `${JSON.stringify(iss.input)} is not a CodePipeline name; use 1-100 letters, digits or . @ _ -, e.g. "cdk-delivery-pipeline"` })
      .default('cdk-delivery-pipeline'),
  }, expecting('an object { "account": "111111111111", "region": "us-east-1" } of the pipeline account')),
  /** Where the code comes from: a GitHub repository reached through AWS CodeConnections. */
  source: z.strictObject({
    owner: z.string(expecting('the GitHub owner (user or organisation) as a string, e.g. "example-org"'))
      .regex(GITHUB_OWNER, { error: (iss) => `${JSON.stringify(iss.input)} is not a GitHub owner name (1-39 letters, digits or single hyphens)${ownerRepoHint(iss.input, 'owner')}` }),
    repo: z.string(expecting('the GitHub repository name as a string, e.g. "cdk-delivery-pipeline"'))
      .regex(GITHUB_REPO, { error: (iss) => `${JSON.stringify(iss.input)} is not a GitHub repository name (1-100 letters, digits or . _ -)${ownerRepoHint(iss.input, 'repo')}` }),
    /** Pushes to this branch start the pipeline. @default 'main' */
    branch: z.string(expecting('a branch name as a string, e.g. "main"'))
      .superRefine((b, ctx) => {
        const problem = branchNameProblem(b);
        if (problem) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(b)} is not a branch name git accepts: it ${problem}; use the branch name exactly as \`git branch\` shows it, e.g. "main"` });
      })
      .default('main'),
    connectionArn: z.string(expecting('the ARN of an AVAILABLE CodeConnections connection to GitHub as a string (console: Developer Tools > Settings > Connections), e.g. "arn:aws:codeconnections:us-east-1:111111111111:connection/00000000-0000-4000-8000-000000000000"'))
      .regex(CONNECTION_ARN, {
        error: (iss) => `${JSON.stringify(iss.input)} is not a CodeConnections ARN; copy the connection's ARN from the console (Developer Tools > Settings > Connections): arn:aws:codeconnections:<region>:<12-digit account>:connection/<36-character id>, e.g. "arn:aws:codeconnections:us-east-1:111111111111:connection/00000000-0000-4000-8000-000000000000"`,
      }),
  }, expecting('an object { "owner", "repo", "branch", "connectionArn" } of the GitHub repository')),
  /** Waves in order. Each environment is one wave (or one wave per region when sequential). */
  environments: z.array(environmentSchema, expecting('a list of environments (dev, test, prod) in promotion order, e.g. [{ "name": "dev", ... }]'))
    .min(1, { error: 'is empty: list at least one environment' }),
  /** Who hears about failures, successes and approval requests. */
  notifications: z.strictObject({
    /** E-mail addresses, each once. */
    emails: z.array(z.email({
      error: (iss) => (iss.code === 'invalid_type' ? wrongType('an e-mail address as a string, e.g. "team@example.com"', iss.input) : `${JSON.stringify(iss.input)} is not an e-mail address; write it as "name@example.com"`),
    }), expecting('a list of e-mail addresses, e.g. ["team@example.com"]'))
      .min(1, { error: 'is empty: give at least one address to receive failures and approval requests' }),
  }, expecting('an object { "emails": ["team@example.com"] }')),
  /**
   * Tags on every taggable resource: Team, CostCenter and Application, plus any key of the
   * organisation within AWS's limits (Environment, Region and ManagedBy are added).
   */
  tags: tagsSchema,
  /** Supply-chain gate thresholds (Trivy and ECR image scan). */
  gates: gatesSchema.default(() => gatesSchema.parse({})),
  /** The prod change report shown before the prod approval. */
  changeReport: changeReportSchema.default(() => changeReportSchema.parse({})),
  /**
   * Audit: where the accounts' audit trail comes from (`trail`), and the retention and Object
   * Lock mode of the production audit buckets (src/config/audit.ts).
   * @default { "trail": "organization", "retentionDays": 365, "objectLockMode": "GOVERNANCE" }
   */
  audit: auditSchema.default(() => auditSchema.parse({})),
  /** The scheduled drift check. */
  driftDetection: driftDetectionSchema.default(() => driftDetectionSchema.parse({})),
}, expecting('an object with "pipeline", "source", "environments", "notifications" and "tags" (see config/delivery.sample.json)'));

/** The validated config, defaults applied. */
export type DeliveryConfig = z.output<typeof deliveryConfigSchema>;
/** One validated environment. */
export type EnvironmentConfig = DeliveryConfig['environments'][number];
/** The validated sizing of one environment. */
export type SizingConfig = EnvironmentConfig['sizing'];
/** What a user writes (defaults optional). */
export type DeliveryConfigInput = z.input<typeof deliveryConfigSchema>;
