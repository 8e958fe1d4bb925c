import { FailoverClients, SecretDescription } from './failover-clients';
import type { FailoverTarget } from './failover-plan';
import type { Preflight } from './failover-preflight';
import { DATABASE_ROTATION_DAYS, databaseSecretNameOf, rotationFunctionNameOf } from '../../config/resilience';
import { errorText } from '../../shared/aws-errors';
import { partitionOf } from '../../shared/aws-names';
import { namePrefixFor } from '../../synth/workload/common';

/**
 * The database secret follows the writer, so the password keeps rotating in the region that
 * writes and every region's service keeps reading the password the database has.
 *
 * What AWS documents, and what each step relies on:
 * - "A replica secret can't be updated independently from its primary secret" (AWS Secrets
 *   Manager User Guide, "Promote a replica secret to a standalone secret"): rotation runs where
 *   the primary copy is. Promoting a replica (StopReplicationToReplica, called in the replica's
 *   region) is the documented way "if you want to turn on rotation for the replica", and a
 *   disaster-recovery step "if the primary secret becomes unavailable": it needs nothing of the
 *   old primary's region.
 * - ReplicateSecretToRegions with ForceOverwriteReplicaSecret replaces a same-named secret in
 *   the destination region (Secrets Manager API reference): the old writer's copy becomes a
 *   replica of the new primary, so its service reads every later rotation.
 * - RotateSecret with a RotationLambdaARN and RotationRules turns rotation on; with
 *   RotateImmediately false it rotates at the next scheduled time. CancelRotateSecret turns it
 *   off (and cancels one in progress).
 *
 * The rotation function in each region has a derived name (`rotationFunctionNameOf`): the
 * primary's hosted rotation, each secondary's standby one (src/synth/workload/standby-rotation.ts),
 * which connects to its own region's cluster. The secret's `host` never changes: it names the
 * primary region's cluster, which is what that region's service connects to in either role.
 */

/** Names and settings of the secret's arrangement, derived like the stages derive them. */
export interface SecretArrangement {
  /** `<app>-<env>-global/credentials`. */
  readonly secretName: string;
  /** The rotation function of a region. */
  readonly rotationFunctionArn: (region: string) => string;
  /** The key alias the copy of a region is encrypted with (`alias/<prefix>/db-secret`, the stage's SecretKey). */
  readonly keyAlias: (region: string) => string;
  /** The rotation schedule of the stacks. */
  readonly scheduleExpression: string;
}

/** The arrangement of a failover's environment. */
export function secretArrangementOf(target: FailoverTarget): SecretArrangement {
  const { application, environment } = target;
  return {
    secretName: databaseSecretNameOf(application, environment.name),
    rotationFunctionArn: (region) => `arn:${partitionOf(region)}:lambda:${region}:${environment.account}:function:`
      + rotationFunctionNameOf(application, environment.name, region),
    keyAlias: (region) => `alias/${namePrefixFor(application, environment.name, region)}/db-secret`,
    scheduleExpression: `rate(${DATABASE_ROTATION_DAYS} days)`,
  };
}

/** The region of the primary copy, as a region's DescribeSecret answers (its own when the field is absent). */
const primaryOf = (secret: SecretDescription, region: string) => secret.PrimaryRegion ?? region;

/** Whether a rotation is under way: a version labelled AWSPENDING that is not AWSCURRENT. */
function rotating(secret: SecretDescription): boolean {
  return Object.values(secret.VersionIdsToStages ?? {}).some((stages) => stages.includes('AWSPENDING') && !stages.includes('AWSCURRENT'));
}

/** The command that shows a region's copy. */
export function describeSecretCommand(secretName: string, region: string): string {
  return `aws secretsmanager describe-secret --secret-id ${secretName} --region ${region} `
    + '--query "{primary:PrimaryRegion,rotation:RotationEnabled,function:RotationLambdaARN,replicas:ReplicationStatus,versions:VersionIdsToStages}"';
}

/** A region's copy, or the error text. */
async function describe(clients: FailoverClients, region: string, secretName: string): Promise<SecretDescription | string> {
  try {
    return await clients.secretsManager(region).describeSecret({ SecretId: secretName });
  } catch (e) {
    return `describe-secret ${secretName} in ${region}: ${errorText(e)}`;
  }
}

/**
 * Before the writer moves: the target region holds a copy of the secret; for a switchover the
 * writer's copy is the primary, in sync with the target's, and not in the middle of a rotation.
 */
export async function secretPreflight(target: FailoverTarget, clients: FailoverClients, from: string | undefined): Promise<Preflight> {
  const { secretName } = secretArrangementOf(target);
  const { to } = target;
  const mine = await describe(clients, to, secretName);
  if (typeof mine === 'string') return { problems: [`the ${to} copy of the database secret cannot be read (${mine}): is the ${to} stage deployed?`], lines: [] };
  if (target.mode === 'unplanned' || !from) {
    return { problems: [], lines: [`OK   secret: ${to} holds a copy of ${secretName} (primary copy in ${primaryOf(mine, to)})`] };
  }
  const theirs = await describe(clients, from, secretName);
  if (typeof theirs === 'string') return { problems: [`a switchover moves the secret too, and the writer's copy cannot be read (${theirs})`], lines: [] };
  const problems: string[] = [];
  if (primaryOf(theirs, from) !== from) {
    problems.push(`the primary copy of ${secretName} is in ${primaryOf(theirs, from)}, not in the writer's region ${from}: the secret and the database `
      + `disagree. Put the secret where the writer is first: npx projen failover -- --env ${target.environment.name} --to ${from} --run `
      + '(with the writer already there it only moves the secret)');
  } else if (rotating(theirs)) {
    problems.push(`a rotation of ${secretName} is under way in ${from} (a version is AWSPENDING): wait until it ends, then run again. `
      + `Watch it: ${describeSecretCommand(secretName, from)}`);
  }
  const replica = theirs.ReplicationStatus?.find((r) => r.Region === to);
  if (primaryOf(theirs, from) === from && replica?.Status !== 'InSync') {
    problems.push(`the ${to} copy of ${secretName} is ${replica?.Status ?? 'not a replica of the writer\'s'}${replica?.StatusMessage ? ` (${replica.StatusMessage})` : ''}: `
      + `it must be in sync before the writer moves there. Look: ${describeSecretCommand(secretName, from)}`);
  }
  return { problems, lines: problems.length ? [] : [`OK   secret: the ${to} copy of ${secretName} is in sync with the primary copy in ${from}`] };
}

/**
 * A switchover: rotation off in the writer's region before the writer moves (a rotation there
 * could no longer write the new password: the cluster turns read-only). The problem, or undefined.
 */
export async function pauseRotation(
  target: FailoverTarget, clients: FailoverClients, from: string, out: (line: string) => void,
): Promise<string | undefined> {
  const { secretName } = secretArrangementOf(target);
  try {
    await clients.secretsManager(from).cancelRotateSecret({ SecretId: secretName });
  } catch (e) {
    return `turning rotation of ${secretName} off in ${from} failed (${errorText(e)}); nothing was moved`;
  }
  out(`OK   secret: rotation of ${secretName} turned off in ${from} until the writer has moved`);
  return undefined;
}

/** After a move that did not happen: rotation on again in the writer's region, as it was. */
export async function resumeRotation(target: FailoverTarget, clients: FailoverClients, region: string, out: (line: string) => void): Promise<void> {
  const arrangement = secretArrangementOf(target);
  try {
    await clients.secretsManager(region).rotateSecret({
      SecretId: arrangement.secretName,
      RotationLambdaARN: arrangement.rotationFunctionArn(region),
      RotationRules: { ScheduleExpression: arrangement.scheduleExpression },
      RotateImmediately: false,
    });
    out(`OK   secret: rotation of ${arrangement.secretName} turned back on in ${region} (the writer did not move)`);
  } catch (e) {
    out(`FAIL secret: turning rotation back on in ${region} failed (${errorText(e)}): ${rotateCommand(arrangement, region)}`);
  }
}

/** The command that turns rotation on in a region, with that region's function. */
export function rotateCommand(arrangement: SecretArrangement, region: string): string {
  return `aws secretsmanager rotate-secret --secret-id ${arrangement.secretName} --rotation-lambda-arn ${arrangement.rotationFunctionArn(region)} `
    + `--rotation-rules '{"ScheduleExpression":"${arrangement.scheduleExpression}"}' --no-rotate-immediately --region ${region}`;
}

/** What moving the secret ended with. */
export interface SecretMove {
  /** Whether the target's copy is the primary, with rotation on, and no step failed. */
  readonly ok: boolean;
  /** Regions whose copy could not be made a replica yet (they do not answer): run the command again once they do. */
  readonly pending: readonly string[];
}

/** Timing of the secret steps. */
export interface SecretMoveOptions {
  /** How long to wait for a new replica to be in sync. @default 5 minutes */
  readonly timeoutMs?: number;
  /** Pause between two DescribeSecret calls. @default 15 seconds */
  readonly pollMs?: number;
}

type Step = { readonly done: true } | { readonly pending: string } | { readonly problem: string };

/** Wait until `region`'s copy is an in-sync replica of the target's; the outcome. */
async function waitInSync(
  target: FailoverTarget, clients: FailoverClients, region: string, options: SecretMoveOptions,
): Promise<Step> {
  const { secretName } = secretArrangementOf(target);
  const deadline = clients.now().getTime() + (options.timeoutMs ?? 5 * 60_000);
  let last = 'no status yet';
  for (;;) {
    const mine = await describe(clients, target.to, secretName);
    const status = typeof mine === 'string' ? undefined : mine.ReplicationStatus?.find((r) => r.Region === region);
    last = typeof mine === 'string' ? mine : `${status?.Status ?? 'no status'}${status?.StatusMessage ? `: ${status.StatusMessage}` : ''}`;
    if (status?.Status === 'InSync') return { done: true };
    if (status?.Status === 'Failed') {
      return { problem: `replicating ${secretName} to ${region} failed (${last}). Look: ${describeSecretCommand(secretName, target.to)}` };
    }
    if (clients.now().getTime() >= deadline) return { pending: `the ${region} replica is not in sync yet (${last})` };
    await clients.sleep(options.pollMs ?? 15_000);
  }
}

/** Make `region`'s copy a replica of the target's (it replaces the old primary copy there). */
async function replicateTo(
  target: FailoverTarget, clients: FailoverClients, region: string, mine: SecretDescription, out: (line: string) => void, options: SecretMoveOptions,
): Promise<Step> {
  const arrangement = secretArrangementOf(target);
  const { secretName } = arrangement;
  const { to } = target;
  if (mine.ReplicationStatus?.find((r) => r.Region === region)?.Status === 'InSync') return { done: true };
  const theirs = await describe(clients, region, secretName);
  if (typeof theirs === 'string') return { pending: `the ${region} copy cannot be reached (${theirs})` };
  if (primaryOf(theirs, region) === region) {
    if (theirs.ReplicationStatus?.some((r) => r.Region === to)) {
      return {
        problem: `the ${region} copy still lists ${to} as its replica: it did not answer when the ${to} copy was promoted. Check that the ${to} copy `
          + `is the primary (${describeSecretCommand(secretName, to)}), remove the stale link (aws secretsmanager remove-regions-from-replication `
          + `--secret-id ${secretName} --remove-replica-regions ${to} --region ${region}), then run this command again`,
      };
    }
    if (theirs.RotationEnabled) {
      try {
        await clients.secretsManager(region).cancelRotateSecret({ SecretId: secretName });
        out(`OK   secret: rotation of the old primary copy turned off in ${region}`);
      } catch (e) {
        return { problem: `turning rotation off in ${region} failed (${errorText(e)}): aws secretsmanager cancel-rotate-secret --secret-id ${secretName} --region ${region}` };
      }
    }
    try {
      await clients.secretsManager(to).replicateSecretToRegions({
        SecretId: secretName, AddReplicaRegions: [{ Region: region, KmsKeyId: arrangement.keyAlias(region) }], ForceOverwriteReplicaSecret: true,
      });
    } catch (e) {
      return {
        problem: `replicating ${secretName} to ${region} was refused (${errorText(e)}): aws secretsmanager replicate-secret-to-regions --secret-id ${secretName} `
          + `--add-replica-regions Region=${region},KmsKeyId=${arrangement.keyAlias(region)} --force-overwrite-replica-secret --region ${to}`,
      };
    }
  }
  return waitInSync(target, clients, region, options);
}

/**
 * After the writer moved to the target (or when it is there already): the target's copy becomes
 * the primary, every other region's copy a replica of it, and rotation runs in the target region
 * with its own function. Each step is skipped when it is done already, so running the command
 * again completes what a lost region kept from finishing.
 */
export async function moveSecret(
  target: FailoverTarget, clients: FailoverClients, out: (line: string) => void, options: SecretMoveOptions = {},
): Promise<SecretMove> {
  const arrangement = secretArrangementOf(target);
  const { secretName } = arrangement;
  const { to, environment } = target;
  const fail = (text: string): SecretMove => {
    out(`FAIL secret: ${text}`);
    return { ok: false, pending: [] };
  };
  let mine = await describe(clients, to, secretName);
  if (typeof mine === 'string') return fail(mine);
  if (primaryOf(mine, to) !== to) {
    try {
      await clients.secretsManager(to).stopReplicationToReplica({ SecretId: secretName });
    } catch (e) {
      return fail(`promoting the ${to} copy failed (${errorText(e)}): aws secretsmanager stop-replication-to-replica --secret-id ${secretName} --region ${to}`);
    }
    out(`OK   secret: the ${to} copy of ${secretName} is the primary now (StopReplicationToReplica)`);
    mine = await describe(clients, to, secretName);
    if (typeof mine === 'string') return fail(mine);
  }
  const pending: string[] = [];
  for (const region of environment.regions.filter((r) => r !== to)) {
    const step = await replicateTo(target, clients, region, mine, out, options);
    if ('problem' in step) return fail(step.problem);
    if ('pending' in step) {
      pending.push(region);
      out(`WARN secret: ${step.pending}. Its copy keeps the password of before the move, which its service reads: run this command again once `
        + `${region} answers (with the writer in ${to} it only completes the secret): npx projen failover -- --env ${environment.name} --to ${to} --run`);
    } else {
      out(`OK   secret: the ${region} copy is a replica of the ${to} copy, in sync (its service reads every rotation)`);
    }
  }
  const fn = arrangement.rotationFunctionArn(to);
  if (!(mine.RotationEnabled && mine.RotationLambdaARN === fn)) {
    try {
      await clients.secretsManager(to).rotateSecret({
        SecretId: secretName, RotationLambdaARN: fn, RotationRules: { ScheduleExpression: arrangement.scheduleExpression }, RotateImmediately: false,
      });
    } catch (e) {
      return fail(`turning rotation on in ${to} failed (${errorText(e)}): ${rotateCommand(arrangement, to)}`);
    }
  }
  out(`OK   secret: rotates in ${to} with ${fn} (${arrangement.scheduleExpression}); to rotate now: `
    + `aws secretsmanager rotate-secret --secret-id ${secretName} --region ${to}`);
  return { ok: true, pending };
}
