import { EcrReplicationClient, EcrScanClient } from './image-gate-clients';
import { InputError } from '../../shared/cli/errors';
import { isRecordedCalls, readRecording, RecordedCall, replayInOrder } from '../../shared/cli/recorded-calls';

/**
 * The image gates answered from a recording instead of ECR: `gate-cli ecr|replication
 * --from-file recorded.json` (scripts/image-gate.sh: ECR_SCAN_RECORDING, REPLICATION_RECORDING).
 */

/** DescribeImageScanFindings answered by the recorded calls in order; the last one repeats. */
export function replayEcrScanClient(calls: readonly RecordedCall[]): EcrScanClient {
  return { describeImageScanFindings: replayInOrder(calls) };
}

/**
 * A recording of both replication calls: the status calls in order, and per destination region
 * the DescribeImages calls in order. The last call of each list repeats once the list is used up.
 */
export interface ReplicationRecording {
  readonly status: readonly RecordedCall[];
  readonly tags?: Readonly<Record<string, readonly RecordedCall[]>>;
}

/** Both calls answered from a recording; a region without recorded DescribeImages calls answers ImageNotFoundException. */
export function replayEcrReplicationClient(recording: ReplicationRecording): EcrReplicationClient {
  const tags = new Map(Object.entries(recording.tags ?? {})
    .filter(([, calls]) => calls.length > 0)
    .map(([region, calls]) => [region, replayInOrder(calls)]));
  return {
    describeImageReplicationStatus: replayInOrder(recording.status),
    describeReplicaTag: async (input) => {
      const replay = tags.get(input.region);
      if (!replay) throw Object.assign(new Error(`no recorded DescribeImages for ${input.region}`), { name: 'ImageNotFoundException' });
      return replay();
    },
  };
}

/** `--from-file` of `gate-cli ecr`: a DescribeImageScanFindings response, or `{ "calls": [...] }`. */
export function ecrScanClientFromFile(file: string): EcrScanClient {
  const raw = readRecording(file, 'ECR responses');
  const calls = Array.isArray(raw) ? raw : (raw as { calls?: unknown } | null)?.calls ?? [{ response: raw }];
  if (!isRecordedCalls(calls)) {
    throw new InputError(`${file}: expected a DescribeImageScanFindings response, or { "calls": [ { "response": ... } | { "error": { "name": ... } } ] }`);
  }
  return replayEcrScanClient(calls);
}

/** `--from-file` of `gate-cli replication`: `{ "status": [...], "tags": { "<region>": [...] } }`. */
export function ecrReplicationClientFromFile(file: string): EcrReplicationClient {
  const raw = readRecording(file, 'ECR replication responses') as { status?: unknown; tags?: unknown } | null;
  const tags = raw?.tags ?? {};
  if (!isRecordedCalls(raw?.status) || typeof tags !== 'object' || tags === null || !Object.values(tags).every(isRecordedCalls)) {
    throw new InputError(`${file}: expected { "status": [ { "response": ... } | { "error": { "name": ... } } ], "tags": { "<region>": [ ... ] } }`);
  }
  return replayEcrReplicationClient(raw as ReplicationRecording);
}
