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
import { lookupRoleArn } from '../../shared/aws-names';
import { DriftTarget } from '../../shared/drift/drift-check';

/** Props of DriftDetection. */
export interface DriftDetectionProps {
  readonly pipelineName: string;
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
 * Through which roles: each stage account's CDK bootstrap LOOKUP role of the stack's region,
 * which `cdk bootstrap --trust-for-lookup <pipeline account>` already lets the pipeline account
 * assume (the change report and the bake read through it) and whose ReadOnlyAccess includes
 * `cloudformation:Detect*` and the read access drift detection needs (src/shared/drift/drift-check.ts
 * cites the sources). The function may assume only those roles, publish to its namespace and to
 * the pipeline's topic (with its key), and write its own log group.
 */
export class DriftDetection extends Construct {
  public readonly function: PipelineFunction;
  public readonly schedule: events.Rule;
  /** The lookup roles the function may assume. */
  public readonly lookupRoleArns: readonly string[];

  constructor(scope: Construct, id: string, props: DriftDetectionProps) {
    super(scope, id);
    this.function = new PipelineFunction(this, 'Checker', {
      handlerSource: path.join('src', 'lambda', 'drift-detection', 'drift-detection.handler.ts'),
      description: `Drift check of the stage stacks of ${props.pipelineName}, every ${props.intervalHours} h`,
      roleDescription: 'Drift check: assume the stage accounts\' lookup roles, publish to the DeliveryPipeline namespace and the pipeline topic',
      // The detections run side by side, each for at most DRIFT_TIMEOUT_SECONDS; then the report.
      timeout: Duration.seconds(DRIFT_TIMEOUT_SECONDS + 120),
      environment: {
        PIPELINE_NAME: props.pipelineName,
        TOPIC_ARN: props.notifications.topic.topicArn,
        DRIFT_TARGETS: JSON.stringify(props.targets),
      },
      logsKey: props.logsKey,
      notifications: props.notifications,
    });
    this.lookupRoleArns = [...new Set(props.targets.map((t) => lookupRoleArn(t.account, t.region)))];
    const role = this.function.role;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'AssumeStageLookupRoles', actions: ['sts:AssumeRole'], resources: [...this.lookupRoleArns] }));
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
