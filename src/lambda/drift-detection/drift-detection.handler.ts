import { CodePipelineClient, ListActionExecutionsCommand } from '@aws-sdk/client-codepipeline';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DRIFT_POLL_SECONDS, DRIFT_TIMEOUT_SECONDS, runScheduledDrift } from './scheduled-drift';
import { awsDriftClients } from '../../shared/drift/aws-drift-clients';
import { DriftTarget } from '../../shared/drift/drift-check';
import { everDeployed, PipelineHistoryClient } from '../../shared/pipeline-history/first-deploy';
import { cloudWatchSink } from '../delivery-metrics/aws-metrics-clients';

/** The stacks to check, from the environment (set by DriftDetection, src/synth/pipeline/drift-detection.ts). */
export function targetsFromEnvironment(env: NodeJS.ProcessEnv): DriftTarget[] {
  const raw = env.DRIFT_TARGETS;
  if (!raw) throw new Error('DRIFT_TARGETS is not set: the function is deployed by DriftDetection (src/synth/pipeline/drift-detection.ts), which sets it');
  const targets = JSON.parse(raw) as DriftTarget[];
  if (!Array.isArray(targets) || targets.some((t) => !t.stackName || !/^\d{12}$/.test(t.account) || !t.region)) {
    throw new Error(`DRIFT_TARGETS must be a list of {"stackName", "account" (12 digits), "region", "environment", "stageId"}; got ${raw}`);
  }
  return targets;
}

/**
 * Whether the pipeline never deployed a target's stage, from its own action history
 * (src/shared/pipeline-history/first-deploy.ts); one answer per stage.
 */
export function neverDeployedFrom(
  history: PipelineHistoryClient, pipelineName: string, targets: readonly DriftTarget[],
): (target: DriftTarget) => Promise<boolean> {
  const answers = new Map<string, Promise<boolean>>();
  return (target) => {
    if (!answers.has(target.stageId)) {
      const stacks = targets.filter((t) => t.stageId === target.stageId).map((t) => t.stackName);
      answers.set(target.stageId, everDeployed(history, pipelineName, stacks).then((deployed) => !deployed));
    }
    return answers.get(target.stageId)!;
  };
}

/** The Lambda entry point the daily schedule invokes (bundled by esbuild at synth). */
export async function handler(): Promise<{ drifted: number; unchecked: number }> {
  const sns = new SNSClient({});
  const codepipeline = new CodePipelineClient({});
  const pipelineName = process.env.PIPELINE_NAME!;
  const targets = targetsFromEnvironment(process.env);
  const results = await runScheduledDrift({
    pipelineName,
    targets,
    cloudFormation: awsDriftClients('delivery-drift-check'),
    neverDeployed: neverDeployedFrom(
      { listActionExecutions: (input) => codepipeline.send(new ListActionExecutionsCommand(input)) }, pipelineName, targets,
    ),
    metrics: cloudWatchSink(),
    notifier: {
      publish: async (Subject, Message) => { await sns.send(new PublishCommand({ TopicArn: process.env.TOPIC_ARN!, Subject, Message })); },
    },
    pollMs: DRIFT_POLL_SECONDS * 1000,
    timeoutMs: DRIFT_TIMEOUT_SECONDS * 1000,
  });
  return { drifted: results.filter((r) => r.status === 'drifted').length, unchecked: results.filter((r) => r.status === 'unchecked').length };
}
