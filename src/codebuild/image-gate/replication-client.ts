/**
 * The two ECR calls the replication wait needs, as a narrow interface so tests replay recorded
 * responses and the real wiring stays a few lines (as ecr-client.ts does for the scan).
 */
import { RecordedCall } from './ecr-client';

/** Input of DescribeImageReplicationStatus, as the gate sends it (to the source region). */
export interface DescribeImageReplicationStatusInput {
  readonly repositoryName: string;
  readonly imageId: { readonly imageDigest: string };
  readonly registryId?: string;
}

/** Input of DescribeImages in one destination region: which digest the commit tag names there. */
export interface DescribeReplicaTagInput {
  /** The destination region the call goes to. */
  readonly region: string;
  readonly repositoryName: string;
  readonly imageTag: string;
  readonly registryId?: string;
}

/**
 * Something that answers both calls. Each resolves with the raw response (validated by the
 * caller) and rejects with an error whose `name` is the AWS error code (`ThrottlingException`,
 * `ImageNotFoundException`, `RepositoryNotFoundException`...), as the AWS SDK v3 does.
 */
export interface EcrReplicationClient {
  describeImageReplicationStatus(input: DescribeImageReplicationStatusInput): Promise<unknown>;
  describeReplicaTag(input: DescribeReplicaTagInput): Promise<unknown>;
}

/**
 * The real client: DescribeImageReplicationStatus in `sourceRegion`, DescribeImages in each
 * destination region; credentials from the default chain (the CodeBuild role).
 */
export function sdkEcrReplicationClient(sourceRegion: string): EcrReplicationClient {
  // Loaded lazily so that replaying recordings never needs the SDK.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ECRClient, DescribeImageReplicationStatusCommand, DescribeImagesCommand } = require('@aws-sdk/client-ecr') as typeof import('@aws-sdk/client-ecr');
  const clients = new Map<string, InstanceType<typeof ECRClient>>();
  const client = (region: string) => {
    if (!clients.has(region)) clients.set(region, new ECRClient({ region }));
    return clients.get(region)!;
  };
  return {
    describeImageReplicationStatus: (input) => client(sourceRegion).send(new DescribeImageReplicationStatusCommand({
      repositoryName: input.repositoryName,
      imageId: { imageDigest: input.imageId.imageDigest },
      registryId: input.registryId,
    })),
    describeReplicaTag: (input) => client(input.region).send(new DescribeImagesCommand({
      repositoryName: input.repositoryName,
      imageIds: [{ imageTag: input.imageTag }],
      registryId: input.registryId,
    })),
  };
}

/**
 * A recording of both calls: the status calls in order, and per destination region the
 * DescribeImages calls in order. As in recordedEcrScanClient, the last call of each list
 * repeats once the list is used up.
 */
export interface ReplicationRecording {
  readonly status: readonly RecordedCall[];
  readonly tags?: Readonly<Record<string, readonly RecordedCall[]>>;
}

/** What a recorded client was asked, for assertions. */
export interface ReplicationInputs {
  readonly status: DescribeImageReplicationStatusInput[];
  readonly tags: DescribeReplicaTagInput[];
}

function replay(call: RecordedCall): unknown {
  if ('error' in call) {
    const err = new Error(call.error.message ?? call.error.name);
    err.name = call.error.name;
    throw err;
  }
  return call.response;
}

/** Replays a recording; a region without recorded DescribeImages calls answers ImageNotFoundException. */
export function recordedEcrReplicationClient(recording: ReplicationRecording): EcrReplicationClient & { readonly inputs: ReplicationInputs } {
  if (recording.status.length === 0) throw new Error('recordedEcrReplicationClient needs at least one recorded status call');
  const inputs: ReplicationInputs = { status: [], tags: [] };
  return {
    inputs,
    describeImageReplicationStatus: async (input) => {
      const call = recording.status[Math.min(inputs.status.length, recording.status.length - 1)];
      inputs.status.push(input);
      return replay(call);
    },
    describeReplicaTag: async (input) => {
      const calls = recording.tags?.[input.region] ?? [];
      const seen = inputs.tags.filter((i) => i.region === input.region).length;
      inputs.tags.push(input);
      if (calls.length === 0) return replay({ error: { name: 'ImageNotFoundException', message: `no recorded DescribeImages for ${input.region}` } });
      return replay(calls[Math.min(seen, calls.length - 1)]);
    },
  };
}
