/**
 * What AWS requires of the engine versions of an Aurora global database's clusters before it
 * moves the writer, and how two versions compare.
 *
 * "You can only perform a managed cross-Region database failover on an Aurora global database
 * if the primary and secondary DB clusters have the same major, minor, and patch level engine
 * versions. However, the patch levels can be different, depending on the minor engine version."
 * (Amazon Aurora User Guide, "Upgrading an Amazon Aurora global database",
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-upgrade.html;
 * the same holds for a switchover, SwitchoverGlobalCluster and FailoverGlobalCluster both refuse.)
 * A manual detach-and-promote (RemoveFromGlobalCluster) needs the same major and minor version
 * only (same guide, 2023 text). Each member's version is `EngineVersion` of DescribeDBClusters
 * in its own region: GlobalClusterMembers has no version field (RDS API reference).
 */

/** How two engine versions differ. */
export type VersionDifference = 'same' | 'patch' | 'minor' | 'major';

/** Major, minor and the rest (the patch) of an Aurora engine version: `16.8` -> 16, 8; `8.0.mysql_aurora.3.05.2` -> 3, 05, 2. */
function partsOf(version: string): { major: string; minor: string; patch: string } {
  const mysql = /mysql_aurora\.(\d+)\.(\d+)(?:\.(.*))?$/.exec(version);
  if (mysql) return { major: mysql[1], minor: mysql[2], patch: mysql[3] ?? '' };
  const [major = '', minor = '', ...patch] = version.split('.');
  return { major, minor, patch: patch.join('.') };
}

/** How `a` and `b` differ, the most significant part first. */
export function compareEngineVersions(a: string, b: string): VersionDifference {
  if (a === b) return 'same';
  const x = partsOf(a);
  const y = partsOf(b);
  if (x.major !== y.major) return 'major';
  if (x.minor !== y.minor) return 'minor';
  return 'patch';
}

/** Whether `a` is older than `b` (numeric, part by part). */
export function olderThan(a: string, b: string): boolean {
  const numbers = (v: string) => v.split(/[^0-9]+/).filter((s) => s !== '').map(Number);
  const [x, y] = [numbers(a), numbers(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0);
  }
  return false;
}

/** The command that upgrades one member cluster to `version` (in its own region). */
export function upgradeCommand(clusterIdentifier: string, region: string, version: string): string {
  return `aws rds modify-db-cluster --db-cluster-identifier ${clusterIdentifier} --engine-version ${version} --apply-immediately --region ${region}`;
}
