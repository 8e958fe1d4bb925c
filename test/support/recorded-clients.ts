import { AlarmClient } from '../../src/codebuild/bake/bake-clients';
import { replayAlarmClient } from '../../src/codebuild/bake/recorded-bake-clients';
import { DescribeImageReplicationStatusInput, DescribeImageScanFindingsInput, DescribeReplicaTagInput, EcrReplicationClient, EcrScanClient } from '../../src/codebuild/image-gate/image-gate-clients';
import { replayEcrReplicationClient, replayEcrScanClient, ReplicationRecording } from '../../src/codebuild/image-gate/recorded-image-gate-clients';
import { RecordedCall } from '../../src/shared/cli/recorded-calls';

/**
 * Test doubles of the AWS-client seams: each replays recorded calls (the same replay as the
 * CLIs' `--from-file`) and keeps what it was asked in `inputs`, for assertions.
 */

/** DescribeImageScanFindings answered by `calls` in order (the last repeats); `inputs` in the order asked. */
export function recordedEcrScanClient(calls: readonly RecordedCall[]): EcrScanClient & { readonly inputs: DescribeImageScanFindingsInput[] } {
  const replay = replayEcrScanClient(calls);
  const inputs: DescribeImageScanFindingsInput[] = [];
  return {
    inputs,
    describeImageScanFindings: (input) => {
      inputs.push(input);
      return replay.describeImageScanFindings(input);
    },
  };
}

/** What a recorded replication client was asked. */
export interface ReplicationInputs {
  readonly status: DescribeImageReplicationStatusInput[];
  readonly tags: DescribeReplicaTagInput[];
}

/** Both replication calls answered from `recording`; a region without recorded DescribeImages answers ImageNotFoundException. */
export function recordedEcrReplicationClient(recording: ReplicationRecording): EcrReplicationClient & { readonly inputs: ReplicationInputs } {
  const replay = replayEcrReplicationClient(recording);
  const inputs: ReplicationInputs = { status: [], tags: [] };
  return {
    inputs,
    describeImageReplicationStatus: (input) => {
      inputs.status.push(input);
      return replay.describeImageReplicationStatus(input);
    },
    describeReplicaTag: (input) => {
      inputs.tags.push(input);
      return replay.describeReplicaTag(input);
    },
  };
}

/** DescribeAlarms answered by `calls` in order (the last repeats); `inputs`: the alarm names of each call. */
export function recordedAlarmClient(calls: readonly RecordedCall[], stageType?: string): AlarmClient & { readonly inputs: string[][] } {
  const replay = replayAlarmClient(calls, stageType);
  const inputs: string[][] = [];
  return {
    ...replay,
    inputs,
    describeAlarms: (alarmNames) => {
      inputs.push([...alarmNames]);
      return replay.describeAlarms(alarmNames);
    },
  };
}
