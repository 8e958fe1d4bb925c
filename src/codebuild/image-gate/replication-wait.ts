import { EcrReplicationClient } from './image-gate-clients';
import { InputError } from '../../shared/cli/errors';
import { DeadlinePollOptions } from '../../shared/polling';

/**
 * Errors that mean "ask again later": throttling that outlived the SDK's own retries. They
 * cost a poll, never the verdict; the timeout still bounds the wait.
 */
const TRANSIENT = new Set(['ThrottlingException', 'TooManyRequestsException', 'ThrottledException']);
/** DescribeImages answers in a destination before the replica or its tag exists there. */
const NOT_THERE_YET = new Set(['ImageNotFoundException', 'RepositoryNotFoundException']);

/** Options of {@link waitForReplication}. */
export interface WaitForReplicationOptions extends DeadlinePollOptions {
  readonly client: EcrReplicationClient;
  readonly repositoryName: string;
  /** `sha256:...` of the promoted image (the digest both gates passed). */
  readonly imageDigest: string;
  /** The deployable tag (the commit) that stages pull: it must name the same digest in every region. */
  readonly imageTag: string;
  /** Regions the image must reach (every stage region other than the pipeline's). */
  readonly regions: readonly string[];
  /** The registry (account) of source and destinations. @default the caller's account */
  readonly registryId?: string;
}

/** Every region holds the digest under the commit tag. */
export interface ReplicationDone {
  readonly ok: true;
  readonly reads: number;
}

/** A region failed, holds another digest under the tag, or did not finish in time. Fail closed. */
export interface ReplicationNotDone {
  readonly ok: false;
  readonly reason: string;
  readonly reads: number;
}

interface DestinationStatus {
  readonly region: string;
  readonly registryId?: string;
  readonly status: string;
  readonly failureCode?: string;
}

function parseStatuses(raw: unknown): DestinationStatus[] {
  const list = (raw as { replicationStatuses?: unknown } | null)?.replicationStatuses;
  if (list === undefined) return [];
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'object' && s !== null && typeof s.region === 'string' && typeof s.status === 'string')) {
    throw new InputError('DescribeImageReplicationStatus: replicationStatuses is not a list of { region, status }');
  }
  return list as DestinationStatus[];
}

function digestOf(raw: unknown): string | undefined {
  const details = (raw as { imageDetails?: unknown } | null)?.imageDetails;
  if (!Array.isArray(details)) throw new InputError('DescribeImages: imageDetails is not a list');
  const digest = (details[0] as { imageDigest?: unknown } | undefined)?.imageDigest;
  if (digest !== undefined && typeof digest !== 'string') throw new InputError('DescribeImages: imageDigest is not a string');
  return digest;
}

function errorName(e: unknown): string | undefined {
  const name = (e as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

/** `15 minutes`, `30 seconds`. */
function duration(ms: number): string {
  return ms >= 60_000 ? `${Number((ms / 60_000).toFixed(2))} minute(s)` : `${Number((ms / 1000).toFixed(3))} second(s)`;
}

/**
 * Wait until the promoted digest has replicated to every region in `regions`, and the commit
 * tag names that digest there (the stages pull `repository:commit` in their own region).
 *
 * Per region, in order:
 * - no status for the region yet, or IN_PROGRESS: keep waiting;
 * - FAILED: fail closed at once, naming the region and ECR's failureCode;
 * - COMPLETE: read the tag in that region (DescribeImages). Not there yet (the tag is added by
 *   a second, later replication event than the layers): keep waiting; another digest: fail
 *   closed at once (tags are immutable there, it will never change); the digest: done.
 * - A throttling error that outlived the SDK's retries costs one poll, not the verdict.
 * - Anything else (access denied, malformed responses) is rethrown: the caller fails closed.
 * - Not every region done within `timeoutMs`: fail closed, naming each region's last state.
 */
export async function waitForReplication(opts: WaitForReplicationOptions): Promise<ReplicationDone | ReplicationNotDone> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const log = opts.log ?? (() => undefined);
  const image = `${opts.repositoryName}@${opts.imageDigest}`;
  const registry = opts.registryId ? { registryId: opts.registryId } : {};
  const deadline = now() + opts.timeoutMs;
  const verified = new Set<string>();
  const state = new Map<string, string>(opts.regions.map((r) => [r, 'no status yet']));
  let reads = 0;
  let logged: string | undefined;
  for (;;) {
    reads++;
    try {
      const statuses = parseStatuses(await opts.client.describeImageReplicationStatus({
        repositoryName: opts.repositoryName, imageId: { imageDigest: opts.imageDigest }, ...registry,
      }));
      for (const region of opts.regions) {
        if (verified.has(region)) continue;
        const status = statuses.find((s) => s.region === region && (!opts.registryId || !s.registryId || s.registryId === opts.registryId));
        if (!status) {
          state.set(region, 'no status yet');
        } else if (status.status === 'FAILED') {
          return {
            ok: false,
            reads,
            reason: `Replication of ${image} to ${region} FAILED (${status.failureCode ?? 'no failure code'}); failing closed. `
            + 'Stages in that region could not start a task. See RUNBOOKS.md "Image replication stuck or failed".',
          };
        } else if (status.status !== 'COMPLETE') {
          state.set(region, status.status);
        } else {
          let digest: string | undefined;
          try {
            const { repositoryName, imageTag } = opts;
            const tagged = await opts.client.describeReplicaTag({ region, repositoryName, imageTag, ...registry });
            digest = digestOf(tagged);
          } catch (e) {
            if (!NOT_THERE_YET.has(errorName(e) ?? '')) throw e;
          }
          if (digest === undefined) {
            state.set(region, `COMPLETE, but tag ${opts.imageTag} not there yet`);
          } else if (digest !== opts.imageDigest) {
            return {
              ok: false,
              reads,
              reason: `In ${region}, ${opts.repositoryName}:${opts.imageTag} names ${digest}, not the gated ${opts.imageDigest}; `
              + 'failing closed (tags are immutable there, so it will not change). See RUNBOOKS.md "Image replication stuck or failed".',
            };
          } else {
            verified.add(region);
            state.set(region, 'done');
          }
        }
      }
    } catch (e) {
      if (!TRANSIENT.has(errorName(e) ?? '')) throw e;
      log(`ECR replication of ${image}: throttled (${errorName(e)}); trying again at the next poll.`);
    }
    if (verified.size === opts.regions.length) {
      log(`ECR replication of ${image}: ${opts.imageTag} names it in ${opts.regions.join(', ')} after ${reads} read(s).`);
      return { ok: true, reads };
    }
    const pending = opts.regions.filter((r) => !verified.has(r)).map((r) => `${r}: ${state.get(r)}`).join('; ');
    if (pending !== logged) log(`ECR replication of ${image}: waiting (every ${opts.pollMs / 1000} s) for ${pending}.`);
    logged = pending;
    const remaining = deadline - now();
    if (remaining <= 0) {
      return {
        ok: false,
        reads,
        reason: `ECR replication of ${image} timed out: not in every stage region within the ${duration(opts.timeoutMs)} timeout `
        + `(${pending}); failing closed. Re-run the action, or raise gates.replicationTimeoutMinutes if replication is routinely slower `
        + '(RUNBOOKS.md "Image replication stuck or failed").',
      };
    }
    await sleep(Math.min(opts.pollMs, remaining));
  }
}
