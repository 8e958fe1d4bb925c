import { createHash } from 'crypto';
import { z } from 'zod';
import { describeValue, expecting } from './messages';
import { primaryRegionOf } from './resilience';
import type { DeliveryConfig, EnvironmentConfig } from './schema';

/**
 * The audit settings (`audit` in the config): where the accounts' audit trail comes from, and
 * how long the production audit buckets keep what they receive (the trail's log files and the
 * service's transaction audit records).
 *
 * `trail`:
 * - `organization` (the default): the stage accounts rely on an AWS Organizations trail (a
 *   Control Tower landing zone has one). Nothing is deployed; `npx projen doctor --aws` checks,
 *   in every environment account and region, that an organization trail is visible there
 *   (DescribeTrails with shadow trails), logs all regions, validates its log files and is
 *   logging (GetTrailStatus), and fails otherwise.
 * - `project`: each production environment gets its own multi-region trail with log-file
 *   validation, in its primary region, writing into that region's audit bucket (KMS-encrypted,
 *   Object Lock, replicated to the other regions). Non-production accounts get none.
 * Why the default is `organization`: an account under an organization trail that also runs its
 * own trail pays for the second copy of its management events (only the first copy is free).
 */
export const AUDIT_TRAIL_MODES = ['organization', 'project'] as const;
export type AuditTrailMode = typeof AUDIT_TRAIL_MODES[number];

/** Object Lock retention modes (S3): GOVERNANCE can be lifted by a principal allowed s3:BypassGovernanceRetention, COMPLIANCE by nobody. */
export const OBJECT_LOCK_MODES = ['GOVERNANCE', 'COMPLIANCE'] as const;
export type ObjectLockMode = typeof OBJECT_LOCK_MODES[number];

/** Default days the audit buckets lock and keep each object (a year, what PCI DSS asks of audit logs). */
export const DEFAULT_AUDIT_RETENTION_DAYS = 365;
/** At most 10 years (S3 accepts up to 100; a longer lock is almost always a typo). */
export const MAX_AUDIT_RETENTION_DAYS = 3650;

export const auditSchema = z.strictObject({
  /**
   * Where the audit trail of the stage accounts comes from: `organization` (verified by
   * `doctor --aws`) or `project` (a multi-region trail per production environment).
   * @default 'organization'
   */
  trail: z.enum(AUDIT_TRAIL_MODES, {
    error: (iss) => `must be one of "organization" (the accounts rely on an AWS Organizations trail, which doctor --aws verifies) or "project" (deploy a multi-region trail into each production environment's audit bucket); got ${describeValue(iss.input)}`,
  }).default('organization'),
  /**
   * Days every object of a production audit bucket is locked (Object Lock default retention)
   * and then kept by the lifecycle rule before it expires.
   * @default 365
   */
  retentionDays: z.number(expecting(`a whole number of days from 1 to ${MAX_AUDIT_RETENTION_DAYS}, e.g. 365`)).int({
    error: (iss) => `must be a whole number of days (Object Lock counts retention in days); got ${describeValue(iss.input)}`,
  })
    .min(1, { error: (iss) => `must be at least 1 day; got ${describeValue(iss.input)}` })
    .max(MAX_AUDIT_RETENTION_DAYS, { error: (iss) => `must be at most ${MAX_AUDIT_RETENTION_DAYS} days (10 years): a lock cannot be shortened in COMPLIANCE mode, so a longer one is refused as a likely typo; got ${describeValue(iss.input)}` })
    .default(DEFAULT_AUDIT_RETENTION_DAYS),
  /**
   * Object Lock mode of the audit buckets. GOVERNANCE: nobody deletes or overwrites a locked
   * object version unless allowed s3:BypassGovernanceRetention (so a wrong retention can be
   * corrected, and a deliberate teardown done). COMPLIANCE: nobody, not even the account's root
   * user, until the retention ends (what SEC 17a-4 style rules ask; choose it knowingly).
   * @default 'GOVERNANCE'
   */
  objectLockMode: z.enum(OBJECT_LOCK_MODES, {
    error: (iss) => `must be one of "GOVERNANCE" (a principal allowed s3:BypassGovernanceRetention can lift a lock) or "COMPLIANCE" (nobody can, not even root); got ${describeValue(iss.input)}`,
  }).default('GOVERNANCE'),
}, expecting('an object, e.g. { "trail": "project", "retentionDays": 365 }'));

/** The validated audit settings. */
export type AuditConfig = z.output<typeof auditSchema>;

/** The audit settings of a config, defaults filled in (a config object built in code may lack them). */
export function auditOf(config: Partial<Pick<DeliveryConfig, 'audit'>>): AuditConfig {
  return config.audit ?? auditSchema.parse({});
}

/**
 * Whether the project deploys the audit trail of `environment` in `region`: `trail: "project"`,
 * a production environment, and its primary region (one multi-region trail per account).
 */
export function projectTrailRegionOf(audit: AuditConfig, environment: EnvironmentConfig): string | undefined {
  return audit.trail === 'project' && environment.production ? primaryRegionOf(environment) : undefined;
}

/** S3's limit on bucket names. */
const MAX_BUCKET_NAME = 63;

/**
 * Name of the bucket in `destinationRegion` that receives the audit records of the stage
 * `sourceStageId` (`<env>-<region>`): `<source stage>-audit-<account>-<destination region>`,
 * e.g. `prod-us-east-1-audit-444444444444-us-east-2`. Derived, not referenced: the bucket lives
 * in another region (the stage's replica stack), and a template cannot reference a resource of
 * another region. It starts with the stage id like every name CloudFormation gives the stage's
 * resources, so the execution policy's S3 scope (`<stage>-*`) covers it; bucket names are
 * global, hence the account. A name over S3's 63 characters keeps its start and ends with 8 hex
 * digits of the SHA-256 of the full name, so it stays unique and the same on every synth.
 */
export function auditReplicaBucketNameOf(sourceStageId: string, account: string, destinationRegion: string): string {
  const full = `${sourceStageId}-audit-${account}-${destinationRegion}`;
  if (full.length <= MAX_BUCKET_NAME) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, MAX_BUCKET_NAME - hash.length - 1).replace(/-+$/, '')}-${hash}`;
}

/**
 * Alias (without `alias/`) of the key of that replica bucket, in the destination region:
 * `<app>-<env>-<source region>/audit-replica` (the stage's name prefix, like every key alias).
 * The source stage's replication role is allowed that one key through this alias.
 */
export function auditReplicaKeyAliasOf(namePrefix: string): string {
  return `${namePrefix}/audit-replica`;
}

/**
 * The regions holding a copy of the audit bucket of `environment`'s stage in `region`: every
 * other region of a production environment (none outside production, none with one region).
 */
export function auditReplicaRegionsOf(environment: Pick<EnvironmentConfig, 'production' | 'regions'>, region: string): string[] {
  return environment.production ? environment.regions.filter((r) => r !== region) : [];
}

/** The id, within its stage, of the stack holding the copy in `destinationRegion` (`<stage id>-AuditReplica-<region>` deployed). */
export function auditReplicaStackIdOf(destinationRegion: string): string {
  return `AuditReplica-${destinationRegion}`;
}
