import { compareEngineVersions, olderThan, upgradeCommand } from './engine-versions';
import { DbClusterDescription, FailoverClients, GlobalClusterDescription } from './failover-clients';
import { describeClusterCommand, FailoverTarget, regionOfArn } from './failover-plan';
import { errorText } from '../../shared/aws-errors';

/**
 * What `failover --run` checks before it changes anything: what AWS documents as required of
 * the clusters of a switchover or failover, each refusal with its exact remedy.
 *
 * - The target must be a member of the global cluster (SwitchoverGlobalCluster /
 *   FailoverGlobalCluster: "The identifier of the secondary Aurora DB cluster to promote",
 *   RDS API reference): checked by ./failover-run.ts from DescribeGlobalClusters.
 * - The target must be `available`: "The secondary DB cluster must be available" (Amazon
 *   Aurora User Guide, "Using switchover or failover in Amazon Aurora Global Database",
 *   https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html).
 * - A switchover is "designed to be used on a healthy Aurora global database" (same guide): the
 *   writer cluster must be `available` too. A failover does not ask the writer anything.
 * - Both clusters must run the same engine version, patch level included except on the minor
 *   versions AWS lists as patch-compatible (./engine-versions.ts).
 * - Aurora promotes only a cluster with a DB instance: a headless secondary is refused (README
 *   "DNS failover"; the InvalidGlobalClusterStateFault recorded in test/fixtures/ops/failover/).
 * Pending maintenance (a `system-update` or `db-upgrade`) is how the patch levels of two
 * clusters drift apart (re:Post Knowledge Center, "aurora-postgresql-global-mismatch"): a
 * warning, since AWS does not document it as a precondition.
 */

/** What the preflight found: refusals (each with its remedy) and lines to print. */
export interface Preflight {
  /** Reasons not to start, each naming the fix. Empty: go ahead. */
  readonly problems: readonly string[];
  /** `OK ...` / `WARN ...` lines for the log. */
  readonly lines: readonly string[];
}

/** Maintenance actions that change what a cluster runs. */
const ENGINE_MAINTENANCE = ['system-update', 'db-upgrade'];

/** One cluster, asked in its own region: the description, or the error text. */
async function describeCluster(clients: FailoverClients, region: string, id: string): Promise<DbClusterDescription | string> {
  try {
    const found = (await clients.rds(region).describeDBClusters({ DBClusterIdentifier: id })).DBClusters?.[0];
    return found ?? `describe-db-clusters ${id} in ${region} returned no cluster`;
  } catch (e) {
    return `describe-db-clusters ${id} in ${region}: ${errorText(e)}`;
  }
}

/** Warnings about maintenance that would change what `cluster` runs. */
async function maintenanceWarnings(clients: FailoverClients, region: string, cluster: DbClusterDescription): Promise<string[]> {
  const arn = cluster.DBClusterArn;
  const id = cluster.DBClusterIdentifier;
  const out: string[] = [];
  if (cluster.PendingModifiedValues?.EngineVersion) {
    out.push(`WARN ${id} has an engine version change to ${cluster.PendingModifiedValues.EngineVersion} pending: `
      + 'apply it to both clusters (or neither) before moving the writer');
  }
  if (!arn) return out;
  try {
    const pending = (await clients.rds(region).describePendingMaintenanceActions({ ResourceIdentifier: arn })).PendingMaintenanceActions ?? [];
    for (const detail of pending.flatMap((p) => p.PendingMaintenanceActionDetails ?? [])) {
      if (!ENGINE_MAINTENANCE.includes(detail.Action ?? '')) continue;
      out.push(`WARN ${id} has a pending ${detail.Action} (${detail.Description ?? 'no description'}): the two clusters may run different `
        + 'patch levels, which Aurora may refuse. Apply it now, in a quiet moment: aws rds apply-pending-maintenance-action '
        + `--resource-identifier ${arn} --apply-action ${detail.Action} --opt-in-type immediate --region ${region}`);
    }
  } catch (e) {
    out.push(`WARN cannot read the pending maintenance of ${id} (${errorText(e)})`);
  }
  return out;
}

/** The version rule: a problem when major or minor differ, a warning when only the patch does. */
function versionCheck(
  target: FailoverTarget, targetCluster: DbClusterDescription, writer: { id: string; region: string; version: string; reachable: boolean },
): { problem?: string; line: string } {
  const mine = targetCluster.EngineVersion ?? '?';
  const difference = compareEngineVersions(writer.version, mine);
  const engine = targetCluster.Engine ?? 'the engine';
  if (difference === 'same') return { line: `OK   both clusters run ${engine} ${mine}` };
  const [lower, higher] = olderThan(mine, writer.version)
    ? [{ id: target.targetClusterIdentifier, region: target.to, version: mine }, { ...writer }]
    : [{ ...writer }, { id: target.targetClusterIdentifier, region: target.to, version: mine }];
  const fix = lower.id === writer.id && !writer.reachable
    ? `the writer's region may be lost, so ${lower.id} cannot be upgraded now: AWS refuses a managed failover between these versions; `
      + 'see RUNBOOKS.md "Regional failure and failover" for the manual detach-and-promote path (same major and minor version only)'
    : `upgrade ${lower.id} (${lower.region}) to ${higher.version}: ${upgradeCommand(lower.id, lower.region, higher.version)}; `
      + 'wait until it is available, run this command again, and set DATABASE_ENGINE_VERSION in src/synth/workload/database-engine.ts '
      + 'to what both run (RUNBOOKS.md "Database engine upgrade")';
  const versions = `${writer.id} (${writer.region}) runs ${writer.version}${writer.reachable ? '' : ' (the global cluster\'s version: its region is not asked)'}, `
    + `${target.targetClusterIdentifier} (${target.to}) runs ${mine}`;
  if (difference === 'patch') {
    return {
      line: `WARN patch levels differ: ${versions}. AWS moves the writer between different patch levels only on the minor versions its `
        + `patch-level compatibility list names; if Aurora refuses, ${fix}`,
    };
  }
  return {
    problem: `engine versions differ (${difference} version): ${versions}. AWS moves the writer of a global database only between clusters `
      + `of the same engine version (Aurora User Guide, "Upgrading an Amazon Aurora global database"). Nothing was changed. Fix: ${fix}`,
    line: '',
  };
}

/** Check the clusters before moving the writer. `writerArn`: the writer DescribeGlobalClusters reported (none when its region is lost). */
export async function preflightFailover(
  target: FailoverTarget, clients: FailoverClients, global: GlobalClusterDescription, writerArn: string | undefined,
): Promise<Preflight> {
  const problems: string[] = [];
  const lines: string[] = [];
  const { to, targetClusterIdentifier: id } = target;
  const mine = await describeCluster(clients, to, id);
  if (typeof mine === 'string') return { problems: [`cannot read the target cluster: ${mine}`], lines };
  if (mine.Status !== 'available') {
    problems.push(`${id} is ${mine.Status ?? 'in an unknown state'}, and AWS moves the writer only to an available secondary `
      + `("The secondary DB cluster must be available"). Wait until it is: ${describeClusterCommand(id, to)}`);
  }
  const instances = mine.DBClusterMembers?.length ?? 0;
  if (instances === 0) {
    problems.push(`${id} has no DB instance (headless), and Aurora promotes only a cluster with one. Add one first: `
      + `aws rds create-db-instance --db-instance-identifier ${id}-1 --db-cluster-identifier ${id} --engine ${mine.Engine ?? 'aurora-postgresql'} `
      + `--db-instance-class db.serverless --region ${to}`);
  }
  const writerRegion = writerArn ? regionOfArn(writerArn) : undefined;
  const writerId = writerArn?.split(':cluster:')[1] ?? '(writer)';
  // A failover never waits on the writer's region (it may be lost): the global cluster's version,
  // as the target region reports it, stands for the writer's.
  const theirs = target.mode === 'unplanned' ? 'not asked: an unplanned failover does not depend on the writer\'s region'
    : writerRegion ? await describeCluster(clients, writerRegion, writerArn!) : 'no writer reported';
  if (typeof theirs === 'string' && target.mode === 'planned') {
    problems.push(`a switchover needs a healthy writer, and it cannot be read (${theirs}): for an outage use --unplanned (writes not yet replicated are lost)`);
  } else if (typeof theirs !== 'string' && target.mode === 'planned' && theirs.Status !== 'available') {
    problems.push(`the writer ${writerId} is ${theirs.Status ?? 'in an unknown state'}: a switchover is for a healthy global database `
      + `(Aurora User Guide). Wait until it is available (${describeClusterCommand(writerId, writerRegion!)}), or for an outage use --unplanned`);
  }
  const writerVersion = typeof theirs === 'string' ? global.EngineVersion : theirs.EngineVersion;
  if (writerVersion) {
    const check = versionCheck(target, mine, { id: writerId, region: writerRegion ?? '?', version: writerVersion, reachable: typeof theirs !== 'string' });
    if (check.problem) problems.push(check.problem);
    else lines.push(check.line);
  } else {
    lines.push('WARN the writer\'s engine version is unknown (its region does not answer and the global cluster reports none)');
  }
  lines.push(...await maintenanceWarnings(clients, to, mine));
  if (typeof theirs !== 'string') lines.push(...await maintenanceWarnings(clients, writerRegion!, theirs));
  if (problems.length === 0) lines.unshift(`OK   preflight: ${id} is available with ${instances} DB instance(s)`);
  return { problems, lines };
}
