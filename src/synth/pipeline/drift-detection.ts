import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { publishToNamespace } from './delivery-metrics';
import { NotificationTopic } from './notification-topic';
import { PipelineFunction } from './pipeline-function';
import { DRIFT_TIMEOUT_SECONDS } from '../../lambda/drift-detection/scheduled-drift';
import { DRIFT_CHECK_TARGET, pipelineStepRoleName, roleArnOf, stageStepRoleName } from '../../shared/aws-names';
import { DriftTarget } from '../../shared/drift/drift-check';

/** Props of DriftDetection. */
export interface DriftDetectionProps {
  readonly pipelineName: string;
  /** The pipeline's ARN: the check reads its action history (first deploys). */
  readonly pipelineArn: string;
  /** The pipeline stack's name: it prefixes the check's fixed role name (pipelineStepRoleName). */
  readonly pipelineStackName: string;
  /** Every stage stack (src/config/pipeline-layout.ts stageStacksOf). */
  readonly targets: readonly DriftTarget[];
  /** Hours between two checks (config `driftDetection.intervalHours`). */
  readonly intervalHours: number;
  /** The key of the pipeline's logs. */
  readonly logsKey: kms.IKey;
  /** The pipeline's topic: drift reports and the function's error alarm. */
  readonly notifications: NotificationTopic;
}

/**
 * The pipeline watches what it deployed (README "Drift detection"): every `intervalHours` a
 * schedule invokes a function that runs CloudFormation drift detection on every stage stack
 * (src/lambda/drift-detection/, the code `npx projen drift` runs), publishes the DriftedStacks
 * and DriftUncheckedStacks gauges and, when a stack drifted or could not be checked, tells the
 * pipeline's topic which resources and properties differ.
 *
 * Through which roles: each stage's own drift role, `<stage id>-pipeline-drift` (issue 33: no
 * principal of the pipeline account reaches a stage role but the one step it exists for),
 * created by the stage's Platform stack (src/synth/workload/pipeline-access.ts) and trusting only
 * this function's role, `<pipeline stack>-drift-stages` (a fixed name, so the stage's trust
 * policy can name it). It carries ReadOnlyAccess, as the CDK lookup role the check used before,
 * whose `cloudformation:Detect*` and read access drift detection needs (src/shared/drift/drift-check.ts
 * cites the sources), and denies the data reads drift never makes. Before a stage's first deploy
 * its role does not exist: the function then reads the pipeline's action history
 * (`codepipeline:ListActionExecutions` on this pipeline) to report the stage as not deployed
 * rather than unchecked. The function may assume only those roles, read only that history,
 * publish to its namespace and to the pipeline's topic (with its key), and write its own log group.
 */
export class DriftDetection extends Construct {
  public readonly function: PipelineFunction;
  public readonly schedule: events.Rule;
  /** The stages' drift roles the function may assume. */
  public readonly driftRoleArns: readonly string[];

  constructor(scope: Construct, id: string, props: DriftDetectionProps) {
    super(scope, id);
    const checked = props.targets.map((t) => ({ ...t, roleArn: roleArnOf(t.account, t.region, stageStepRoleName(t.stageId, 'drift')) }));
    this.function = new PipelineFunction(this, 'Checker', {
      handlerSource: path.join('src', 'lambda', 'drift-detection', 'drift-detection.handler.ts'),
      description: `Drift check of the stage stacks of ${props.pipelineName}, every ${props.intervalHours} h`,
      roleDescription: 'Drift check: assume the stages drift roles, read the pipeline history, publish to the DeliveryPipeline namespace and the pipeline topic',
      roleName: pipelineStepRoleName(props.pipelineStackName, 'drift', DRIFT_CHECK_TARGET),
      // The detections run side by side, each for at most DRIFT_TIMEOUT_SECONDS; then the report.
      timeout: Duration.seconds(DRIFT_TIMEOUT_SECONDS + 120),
      environment: {
        PIPELINE_NAME: props.pipelineName,
        TOPIC_ARN: props.notifications.topic.topicArn,
        DRIFT_TARGETS: JSON.stringify(checked),
      },
      logsKey: props.logsKey,
      notifications: props.notifications,
    });
    this.driftRoleArns = [...new Set(checked.map((t) => t.roleArn))];
    const role = this.function.role;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'AssumeStageDriftRoles', actions: ['sts:AssumeRole'], resources: [...this.driftRoleArns] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'TellFirstDeploy',
      actions: ['codepipeline:ListActionExecutions'],
      resources: [props.pipelineArn],
    }));
    role.addToPrincipalPolicy(publishToNamespace());
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'NotifyPipelineTopic', actions: ['sns:Publish'], resources: [props.notifications.topic.topicArn] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'EncryptForPipelineTopic', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.notifications.key.keyArn],
    }));
    this.schedule = new events.Rule(this, 'Schedule', {
      description: `Drift check of ${props.pipelineName}'s stage stacks every ${props.intervalHours} h`,
      schedule: events.Schedule.rate(Duration.hours(props.intervalHours)),
      targets: [new targets.LambdaFunction(this.function.function, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
    });
  }
}
