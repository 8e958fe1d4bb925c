import { execFile } from 'child_process';
import { UnreadableResponseError } from './alarm-readings';
import { AlarmClient } from './bake-clients';
import { failedActionOf, PipelineState, stageExecutionTypeOf } from './stage-state';

/**
 * The real client of the bake: the AWS CLI v2 of the CodeBuild image, which assumes the prod
 * account's read-only role through a profile and refreshes that role's credentials by itself
 * during a long bake. No AWS SDK package is needed for it.
 */

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
export interface AwsAlarmClientOptions {
  /** Region of the alarms (the baked stage's region). */
  readonly region: string;
  /** AWS CLI profile that assumes the read-only role of the stage's account. @default - the CodeBuild role itself */
  readonly profile?: string;
  /** Region of the pipeline (GetPipelineState, with the CodeBuild role's own credentials). @default region */
  readonly pipelineRegion?: string;
  /** Time one CLI call may take. @default 60 s */
  readonly callTimeoutMs?: number;
}

/** DescribeAlarms and GetPipelineState through the AWS CLI. */
export function awsAlarmClient(options: AwsAlarmClientOptions): AlarmClient {
  const timeout = options.callTimeoutMs ?? 60_000;
  const profile = options.profile ? ['--profile', options.profile] : [];
  const pipelineState = async (pipelineName: string) =>
    await awsJson(['--region', options.pipelineRegion ?? options.region, 'codepipeline', 'get-pipeline-state', '--name', pipelineName], timeout) as PipelineState;
  return {
    describeAlarms: (alarmNames) => awsJson([
      ...profile, '--region', options.region, 'cloudwatch', 'describe-alarms',
      // Without --alarm-types DescribeAlarms returns metric alarms only.
      '--alarm-types', 'MetricAlarm', 'CompositeAlarm',
      '--alarm-names', ...alarmNames,
    ], timeout),
    stageExecutionType: async (pipelineName, stageName) => stageExecutionTypeOf(await pipelineState(pipelineName), stageName),
    failedAction: async (pipelineName, stageName, since) => failedActionOf(await pipelineState(pipelineName), stageName, since),
  };
}
