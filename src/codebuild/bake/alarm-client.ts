import { execFile } from 'child_process';

/**
 * The two AWS calls the bake makes, as narrow interfaces: tests replay recorded responses, the
 * pipeline answers them with the AWS CLI of the CodeBuild image (which assumes the prod
 * account's read-only role through a profile and refreshes that role's credentials by itself
 * during a long bake). No AWS SDK package is needed for it.
 */

/** The alarm states CloudWatch reports. */
export const ALARM_STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;
export type AlarmState = typeof ALARM_STATES[number];

/** One alarm as the bake reads it from DescribeAlarms (metric or composite). */
export interface AlarmReading {
  readonly name: string;
  readonly state: AlarmState;
  readonly reason: string;
  /** StateUpdatedTimestamp as CloudWatch wrote it. */
  readonly since?: string;
}

/**
 * Something that answers DescribeAlarms for at most 100 alarm names (CloudWatch's limit per
 * call), every page collected. It resolves with the raw response (validated by
 * parseDescribeAlarms) and rejects with an error whose `name` is the AWS error code (e.g.
 * `Throttling`, `AccessDenied`), as the AWS SDK v3 does.
 */
export interface AlarmClient {
  describeAlarms(alarmNames: readonly string[]): Promise<unknown>;
  /**
   * GetPipelineState's `latestExecution.type` of one stage (`STANDARD` or `ROLLBACK`), or
   * undefined when CodePipeline does not say.
   */
  stageExecutionType?(pipelineName: string, stageName: string): Promise<string | undefined>;
}

/** The response does not have the shape of DescribeAlarms: the bake cannot judge it (fail closed). */
export class UnreadableResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableResponse';
  }
}

function readAlarm(raw: unknown, kind: string): AlarmReading {
  const a = raw as Record<string, unknown> | null;
  if (!a || typeof a !== 'object' || typeof a.AlarmName !== 'string') {
    throw new UnreadableResponseError(`a ${kind} without an AlarmName`);
  }
  if (!ALARM_STATES.includes(a.StateValue as AlarmState)) {
    throw new UnreadableResponseError(`alarm ${a.AlarmName} has state ${JSON.stringify(a.StateValue)}, not one of ${ALARM_STATES.join(', ')}`);
  }
  return {
    name: a.AlarmName,
    state: a.StateValue as AlarmState,
    reason: typeof a.StateReason === 'string' ? a.StateReason : '',
    since: typeof a.StateUpdatedTimestamp === 'string' ? a.StateUpdatedTimestamp : undefined,
  };
}

/** The alarms of a DescribeAlarms response (MetricAlarms and CompositeAlarms). */
export function parseDescribeAlarms(raw: unknown): AlarmReading[] {
  const r = raw as Record<string, unknown> | null;
  if (!r || typeof r !== 'object' || Array.isArray(r)) throw new UnreadableResponseError('DescribeAlarms answered something that is not an object');
  const metric = r.MetricAlarms ?? [];
  const composite = r.CompositeAlarms ?? [];
  if (!Array.isArray(metric) || !Array.isArray(composite)) throw new UnreadableResponseError('MetricAlarms/CompositeAlarms is not a list');
  return [...metric.map((a) => readAlarm(a, 'metric alarm')), ...composite.map((a) => readAlarm(a, 'composite alarm'))];
}

/** The AWS error code in an AWS CLI error message: `An error occurred (Throttling) when calling ...`. */
export function awsCliErrorCode(stderr: string): string {
  const code = /An error occurred \(([A-Za-z0-9.]+)\)/.exec(stderr)?.[1];
  if (code) return code;
  if (/Could not connect to the endpoint URL|Connection was closed|Read timeout|Connect timeout/i.test(stderr)) return 'NetworkError';
  if (/Unable to locate credentials|Error when retrieving credentials/i.test(stderr)) return 'CredentialsError';
  return 'AwsCliError';
}

/** Runs the AWS CLI and parses its JSON output; a failed call rejects with the AWS error code as `name`. */
function awsJson(args: readonly string[], timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    execFile('aws', [...args, '--output', 'json'], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const e = new Error(`${String(stderr).trim() || err.message}`);
        e.name = awsCliErrorCode(String(stderr));
        reject(e);
        return;
      }
      try {
        resolve(JSON.parse(stdout));
      } catch {
        const e = new UnreadableResponseError(`the AWS CLI printed something that is not JSON: ${stdout.slice(0, 200)}`);
        reject(e);
      }
    });
  });
}

/** Where the AWS CLI client reads alarms and the pipeline state. */
export interface AwsCliAlarmClientOptions {
  /** Region of the alarms (the baked stage's region). */
  readonly region: string;
  /** AWS CLI profile that assumes the read-only role of the stage's account. @default - the CodeBuild role itself */
  readonly profile?: string;
  /** Region of the pipeline (GetPipelineState, with the CodeBuild role's own credentials). @default region */
  readonly pipelineRegion?: string;
  /** Time one CLI call may take. @default 60 s */
  readonly callTimeoutMs?: number;
}

/** The real client: the AWS CLI v2 of the CodeBuild image. */
export function awsCliAlarmClient(options: AwsCliAlarmClientOptions): AlarmClient {
  const timeout = options.callTimeoutMs ?? 60_000;
  const profile = options.profile ? ['--profile', options.profile] : [];
  return {
    describeAlarms: (alarmNames) => awsJson([
      ...profile, '--region', options.region, 'cloudwatch', 'describe-alarms',
      // Without --alarm-types DescribeAlarms returns metric alarms only.
      '--alarm-types', 'MetricAlarm', 'CompositeAlarm',
      '--alarm-names', ...alarmNames,
    ], timeout),
    stageExecutionType: async (pipelineName, stageName) => {
      const state = await awsJson(['--region', options.pipelineRegion ?? options.region, 'codepipeline', 'get-pipeline-state', '--name', pipelineName], timeout) as
        { stageStates?: { stageName?: string; latestExecution?: { type?: string } }[] };
      return state.stageStates?.find((s) => s.stageName === stageName)?.latestExecution?.type;
    },
  };
}

/** One recorded call: the response, or the AWS error it raised. */
export type RecordedCall = { readonly response: unknown } | { readonly error: { readonly name: string; readonly message?: string } };

/**
 * Replays recorded DescribeAlarms calls in order; after the last one, the last one repeats (so
 * "OK forever" is one entry). Errors are raised with their recorded `name`, as the SDK raises them.
 */
export function recordedAlarmClient(calls: readonly RecordedCall[], stageType?: string): AlarmClient & { readonly inputs: string[][] } {
  if (calls.length === 0) throw new Error('recordedAlarmClient needs at least one recorded call');
  const inputs: string[][] = [];
  return {
    inputs,
    describeAlarms: async (alarmNames) => {
      const call = calls[Math.min(inputs.length, calls.length - 1)];
      inputs.push([...alarmNames]);
      if ('error' in call) {
        const err = new Error(call.error.message ?? call.error.name);
        err.name = call.error.name;
        throw err;
      }
      return call.response;
    },
    stageExecutionType: async () => stageType,
  };
}
