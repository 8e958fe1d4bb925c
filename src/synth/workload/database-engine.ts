import * as rds from 'aws-cdk-lib/aws-rds';

/**
 * The database engine version policy: one pinned long-term-support (LTS) minor, automatic
 * minor version upgrades off.
 *
 * Why the LTS minor and not "major only, auto minor upgrades on":
 * - A non-LTS minor is available for about 12 months; Aurora PostgreSQL 16.6 (our previous pin)
 *   reached its end of standard support in May 2026 and can no longer be created, so every new
 *   stage failed its first deploy. 16.8 is the designated LTS minor of Aurora PostgreSQL 16:
 *   released 8 April 2025, end of standard support 28 February 2029 (Amazon Aurora PostgreSQL
 *   release calendar). versions/calendar.json carries that date, and `npx projen doctor` warns
 *   90 days before it.
 * - Every region runs exactly this minor. An Aurora global database needs the same engine
 *   version in every region, and automatic minor upgrades are not applied to clusters in a
 *   global database anyway; with auto upgrades on, two regional clusters would drift apart.
 * - The template says what runs: an automatic upgrade would leave `EngineVersion` in the
 *   template behind the running version, and the next deploy would then ask CloudFormation for
 *   a downgrade, which it cannot do (the change report refuses one, see
 *   src/codebuild/change-report/danger.ts).
 *
 * AWS's LTS rule: to stay on an LTS minor, automatic minor version upgrade must be off on every
 * DB instance (and the cluster). Aurora still patches an LTS minor to its latest patch level.
 *
 * To move to a newer version: change this one constant (and versions/calendar.json), let the
 * pipeline deploy it; the prod change report lists the engine change before the approval.
 */
export const DATABASE_ENGINE_VERSION = rds.AuroraPostgresEngineVersion.VER_16_8;

/** Off: required to stay on the LTS minor (see DATABASE_ENGINE_VERSION). */
export const DATABASE_AUTO_MINOR_VERSION_UPGRADE = false;

/** The cluster engine every stage and region uses (cluster and parameter group alike). */
export function databaseEngine(): rds.IClusterEngine {
  return rds.DatabaseClusterEngine.auroraPostgres({ version: DATABASE_ENGINE_VERSION });
}
