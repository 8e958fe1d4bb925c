import { RegionInfo } from 'aws-cdk-lib/region-info';
import { z } from 'zod';
import { plainHttpOptOutSchema } from './plain-http';
import { DEFAULT_OVERRIDE_MARKER } from '../change-report/policy';

/* Rules that relate several fields (duplicate names, prod approval, shared accounts) live in
 * relations.ts so that they are reported together with the per-field problems. */

/**
 * The delivery config: the one file a platform team edits. Everything the pipeline, the stages
 * and the stacks need flows from here as typed props; no stack reads files or env vars.
 *
 * Every field carries the message a user sees when it is wrong, naming the fix.
 */

const ACCOUNT_ID = /^\d{12}$/;
const CONNECTION_ARN = /^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]{36}$/;
const NAME = /^[a-z][a-z0-9]{1,11}$/;

const severity = z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'], { error: 'must be one of CRITICAL, HIGH, MEDIUM, LOW' });

/** Every region aws-cdk-lib knows about (commercial, GovCloud, China, ISO). */
export const KNOWN_REGIONS: ReadonlySet<string> = new Set(RegionInfo.regions.map((r) => r.name));

const accountId = z.string({ error: 'is required: a 12-digit AWS account id such as "123456789012"' })
  .regex(ACCOUNT_ID, { error: (iss) => `${JSON.stringify(iss.input)} is not a 12-digit AWS account id; write all 12 digits as a string, e.g. "123456789012"` });

const region = z.string({ error: 'is required: an AWS region such as "us-east-1"' })
  .refine((r) => KNOWN_REGIONS.has(r), {
    error: (iss) => `${JSON.stringify(iss.input)} is not a known AWS region; use a region code such as "us-east-1" or "eu-west-1"`,
  });

const tagValue = (name: string) => z.string({ error: `is required: the ${name} tag value put on every resource` })
  .trim()
  .min(1, { error: `must not be empty: give the ${name} tag a value` })
  .max(256, { error: 'is longer than the 256 characters AWS allows for a tag value' });

const positiveInt = (what: string, max: number) => z.number({ error: `must be a number (${what})` })
  .int({ error: `must be a whole number (${what})` })
  .min(1, { error: `must be at least 1 (${what})` })
  .max(max, { error: `must be at most ${max} (${what})` });

/** Fargate CPU/memory pairs AWS accepts (units: CPU units, MiB). */
export const FARGATE_MEMORY: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
  2048: [4096, 5120, 6144, 7168, 8192, 9216, 10240, 11264, 12288, 13312, 14336, 15360, 16384],
  4096: Array.from({ length: 21 }, (_, i) => 8192 + i * 1024),
};

/** Per-environment sizing knobs. Environments differ only through these values. */
export const sizingSchema = z.strictObject({
  /** NAT gateways in the VPC: 1 is cheap, one per AZ survives an AZ outage. @default 1 */
  natGateways: z.number().int().min(1, { error: 'must be at least 1: the service subnets need egress for ECR and AWS APIs' }).max(3).default(1),
  /** Availability zones the VPC spans. @default 2 */
  maxAzs: z.number().int().min(2, { error: 'must be at least 2: the ALB and Aurora need two availability zones' }).max(3).default(2),
  /** Fargate task CPU units. @default 256 */
  cpu: z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096)], {
    error: 'must be one of the Fargate CPU sizes 256, 512, 1024, 2048 or 4096',
  }).default(256),
  /** Fargate task memory in MiB (must fit the CPU size). @default 512 */
  memoryMiB: z.number().int().default(512),
  /** Tasks running when the stage deploys. @default 1 */
  desiredCount: positiveInt('tasks', 100).default(1),
  /** Autoscaling floor. @default 1 */
  minCapacity: positiveInt('tasks', 100).default(1),
  /** Autoscaling ceiling. @default 2 */
  maxCapacity: positiveInt('tasks', 200).default(2),
  /** Aurora Serverless v2 minimum capacity (ACU). @default 0.5 */
  dbMinCapacity: z.number().min(0.5).max(128).default(0.5),
  /** Aurora Serverless v2 maximum capacity (ACU). @default 2 */
  dbMaxCapacity: z.number().min(1).max(256).default(2),
  /** Aurora reader instances besides the writer. @default 0 */
  dbReaders: z.number().int().min(0).max(15).default(0),
  /** Days of automated Aurora backups. @default 1 */
  backupRetentionDays: z.number().int().min(1).max(35).default(1),
  /** Days CloudWatch keeps logs (must be a value CloudWatch accepts). @default 30 */
  logRetentionDays: z.number().int().refine((d) => LOG_RETENTION_DAYS.includes(d), {
    error: `must be one of the CloudWatch retention periods ${'1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653'}`,
  }).default(30),
}).superRefine((s, ctx) => {
  const allowed = FARGATE_MEMORY[s.cpu] ?? [];
  if (!allowed.includes(s.memoryMiB)) {
    ctx.addIssue({ code: 'custom', path: ['memoryMiB'], message: `${s.memoryMiB} does not fit cpu ${s.cpu}; use one of ${allowed.join(', ')}` });
  }
  if (s.minCapacity > s.maxCapacity) {
    ctx.addIssue({ code: 'custom', path: ['minCapacity'], message: `(${s.minCapacity}) is above maxCapacity (${s.maxCapacity}); lower it or raise maxCapacity` });
  }
  if (s.desiredCount < s.minCapacity || s.desiredCount > s.maxCapacity) {
    ctx.addIssue({ code: 'custom', path: ['desiredCount'], message: `(${s.desiredCount}) must lie between minCapacity (${s.minCapacity}) and maxCapacity (${s.maxCapacity})` });
  }
  if (s.dbMinCapacity > s.dbMaxCapacity) {
    ctx.addIssue({ code: 'custom', path: ['dbMinCapacity'], message: `(${s.dbMinCapacity}) is above dbMaxCapacity (${s.dbMaxCapacity}); lower it or raise dbMaxCapacity` });
  }
});

export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** One environment (dev, test, prod): an account and the regions it runs in. */
export const environmentSchema = z.strictObject({
  /** Short lowercase name used in stage ids (`<name>-<region>`) and the Environment tag. */
  name: z.string({ error: 'is required: a short lowercase name such as "dev"' })
    .regex(NAME, { error: 'must be 2-12 lowercase letters or digits starting with a letter, e.g. "dev"' }),
  /** The AWS account the environment deploys into. */
  account: accountId,
  /** Regions, in rollout order: the first is the primary. */
  regions: z.array(region, { error: 'is required: a list of regions such as ["us-east-1"]' })
    .min(1, { error: 'is empty: list at least one region, e.g. ["us-east-1"]' }),
  /**
   * Production data rules: retain databases, buckets, keys and logs, deletion and termination
   * protection on. Non-production environments are destroyed cleanly.
   * @default false
   */
  production: z.boolean().default(false),
  /** A manual approval must pass before this environment deploys. @default false */
  requireApproval: z.boolean().default(false),
  /**
   * How regions roll out: `sequential` deploys one region at a time in the listed order
   * (primary first), `parallel` deploys all regions at once.
   * @default 'parallel'
   */
  rollout: z.enum(['sequential', 'parallel'], { error: 'must be "sequential" or "parallel"' }).default('parallel'),
  /** Sizing knobs; anything left out takes the small defaults. */
  sizing: sizingSchema.default(() => sizingSchema.parse({})),
  /**
   * A public Route 53 hosted zone for this environment. With it the ALB gets an ACM certificate
   * (DNS-validated), HTTPS with HTTP->HTTPS redirect, and latency records per region.
   * Without it the ALB serves HTTP only (see README "HTTP-only mode"); production requires it
   * unless `allowPlainHttp` states why not.
   * @default - no domain, HTTP-only
   */
  domain: z.strictObject({
    /** e.g. "dev.example.com". */
    zoneName: z.string().regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, { error: 'must be a DNS zone name such as "dev.example.com"' }),
    /** e.g. "Z0123456789ABCDEFGHIJ". */
    hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, { error: 'must be a Route 53 hosted zone id such as "Z0123456789ABCDEFGHIJ"' }),
    /** Record name under the zone for the service. @default 'api' */
    recordName: z.string().regex(/^[a-z0-9-]{1,63}$/).default('api'),
  }).optional(),
  /**
   * A production environment without `domain` is refused unless it opts out of HTTPS here, with a
   * written reason (a full sentence). The synth summary and the compliance report show it.
   * @default - no opt-out: production requires `domain`
   */
  allowPlainHttp: plainHttpOptOutSchema.optional(),
});

/** Supply-chain gate thresholds (Trivy and ECR image scan). */
export const gatesSchema = z.strictObject({
  /** Severities that fail the gates whether or not a fix exists. @default ['CRITICAL'] */
  failOnSeverities: z.array(severity).default(['CRITICAL']),
  /** Severities that fail the gates when a fixed version exists. @default ['HIGH'] */
  failOnFixableSeverities: z.array(severity).default(['HIGH']),
  /** Minutes the ECR scan gate waits for scan results before failing closed. @default 15 */
  ecrScanTimeoutMinutes: z.number().int().min(1).max(60).default(15),
});

/** The prod change report shown before the prod approval. */
export const changeReportSchema = z.strictObject({
  /** Fail the report step when a stateful resource would be replaced in production. @default true */
  blockStatefulReplacement: z.boolean().default(true),
  /** A commit message containing this marker overrides the block. @default '[allow-stateful-replacement]' */
  overrideMarker: z.string().min(3).default(DEFAULT_OVERRIDE_MARKER),
});

/** The whole delivery config. */
export const deliveryConfigSchema = z.strictObject({
  /** The account and home region of the pipeline itself (and its artifact store). */
  pipeline: z.strictObject({
    account: accountId,
    region,
    /** CodePipeline name. @default 'cdk-delivery-pipeline' */
    name: z.string().regex(/^[A-Za-z0-9.@_-]{1,100}$/, { error: 'must be 1-100 letters, digits or . @ _ -' }).default('cdk-delivery-pipeline'),
  }, { error: 'is required: { "account": "...", "region": "..." } of the pipeline account' }),
  /** Where the code comes from: a GitHub repository reached through AWS CodeConnections. */
  source: z.strictObject({
    owner: z.string({ error: 'is required: the GitHub owner (user or organisation)' })
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, { error: 'is not a valid GitHub owner name' }),
    repo: z.string({ error: 'is required: the GitHub repository name' })
      .regex(/^[A-Za-z0-9._-]{1,100}$/, { error: 'is not a valid GitHub repository name' }),
    /** Pushes to this branch start the pipeline. @default 'main' */
    branch: z.string().min(1).default('main'),
    connectionArn: z.string({ error: 'is required: the ARN of an AVAILABLE CodeConnections connection to GitHub (console: Developer Tools > Settings > Connections)' })
      .regex(CONNECTION_ARN, {
        error: (iss) => `${JSON.stringify(iss.input)} is not a CodeConnections ARN; expected arn:aws:codeconnections:<region>:<12-digit account>:connection/<uuid>`,
      }),
  }, { error: 'is required: { "owner", "repo", "branch", "connectionArn" } of the GitHub repository' }),
  /** Waves in order. Each environment is one wave (or one wave per region when sequential). */
  environments: z.array(environmentSchema, { error: 'is required: the list of environments (dev, test, prod) in promotion order' })
    .min(1, { error: 'is empty: list at least one environment' }),
  /** Who hears about failures, successes and approval requests. */
  notifications: z.strictObject({
    emails: z.array(z.email({ error: (iss) => `${JSON.stringify(iss.input)} is not an e-mail address` }))
      .min(1, { error: 'is empty: give at least one address to receive failures and approval requests' }),
  }, { error: 'is required: { "emails": ["team@example.com"] }' }),
  /** Tags on every taggable resource (Environment, Region and ManagedBy are added). */
  tags: z.strictObject({
    Team: tagValue('Team'),
    CostCenter: tagValue('CostCenter'),
    Application: tagValue('Application'),
  }, { error: 'is required: { "Team", "CostCenter", "Application" } tag values' }),
  /**
   * Allow a production environment to share its account with a non-production one.
   * Sharing breaks the blast-radius boundary between test data and prod data.
   * @default false
   */
  allowSharedProdAccount: z.boolean().default(false),
  /** Supply-chain gate thresholds (Trivy and ECR image scan). */
  gates: gatesSchema.default(() => gatesSchema.parse({})),
  /** The prod change report shown before the prod approval. */
  changeReport: changeReportSchema.default(() => changeReportSchema.parse({})),
});

/** The validated config, defaults applied. */
export type DeliveryConfig = z.output<typeof deliveryConfigSchema>;
/** One validated environment. */
export type EnvironmentConfig = DeliveryConfig['environments'][number];
/** The validated sizing of one environment. */
export type SizingConfig = EnvironmentConfig['sizing'];
/** What a user writes (defaults optional). */
export type DeliveryConfigInput = z.input<typeof deliveryConfigSchema>;
