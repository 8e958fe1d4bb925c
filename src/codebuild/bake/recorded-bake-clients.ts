import { AlarmClient } from './bake-clients';
import { InputError } from '../../shared/cli/errors';
import { isRecordedCalls, readRecording, RecordedCall, replayInOrder } from '../../shared/cli/recorded-calls';

/** The bake answered from a recording instead of CloudWatch: `bake-cli --from-file recorded.json`. */

/**
 * DescribeAlarms answered by the recorded calls in order (the last one repeats, so "OK forever"
 * is one entry); the stage's execution type is `stageType`.
 */
export function replayAlarmClient(calls: readonly RecordedCall[], stageType?: string, failedAction?: string): AlarmClient {
  return { describeAlarms: replayInOrder(calls), stageExecutionType: async () => stageType, failedAction: async () => failedAction };
}

/** `--from-file`: a DescribeAlarms response, or `{ "calls": [...], "stageType"?: "ROLLBACK", "failedAction"?: "Assertions.Deploy" }`. */
export function alarmClientFromFile(file: string): AlarmClient {
  const raw = readRecording(file, 'responses') as { calls?: unknown; stageType?: unknown; failedAction?: unknown } | null;
  const calls = Array.isArray(raw?.calls) ? raw.calls : [{ response: raw }];
  if (!isRecordedCalls(calls)) {
    throw new InputError(`${file}: expected a DescribeAlarms response, or { "calls": [ { "response": ... } | { "error": { "name": ... } } ], "stageType"?: "ROLLBACK" }`);
  }
  return replayAlarmClient(calls, typeof raw?.stageType === 'string' ? raw.stageType : undefined,
    typeof raw?.failedAction === 'string' ? raw.failedAction : undefined);
}
