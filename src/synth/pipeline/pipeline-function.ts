import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { NotificationTopic } from './notification-topic';
import { bundledHandlerCode } from '../constructs/bundled-handler';
import { LAMBDA_NODE_RUNTIME } from '../constructs/lambda-runtime';

/** Props of a PipelineFunction. */
export interface PipelineFunctionProps {
  /** The handler, relative to the repository root (src/lambda/...handler.ts), bundled at synth. */
  readonly handlerSource: string;
  readonly description: string;
  /** The function's own role's description. */
  readonly roleDescription: string;
  readonly timeout: Duration;
  readonly environment: Readonly<Record<string, string>>;
  /** The key of the pipeline's logs (its policy admits CloudWatch Logs of the region). */
  readonly logsKey: kms.IKey;
  /** The pipeline's topic: the error alarm notifies it. */
  readonly notifications: NotificationTopic;
  /**
   * Memory of the function.
   * @default 256
   */
  readonly memorySize?: number;
}

/**
 * A function of the pipeline account (the delivery metrics, the drift check): bundled by esbuild
 * at synth, Node.js 24, its own role that may write its own KMS-encrypted log group (one year),
 * and an alarm that tells the pipeline's topic as soon as an invocation fails.
 */
export class PipelineFunction extends Construct {
  public readonly function: lambda.Function;
  /** Its role: logs only; the owner adds what the function does. */
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;
  /** Any failed invocation in 5 minutes: ALARM, told to the pipeline's topic. */
  public readonly errorAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      encryptionKey: props.logsKey,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description: props.roleDescription });
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn],
    }));
    this.function = new lambda.Function(this, 'Function', {
      description: props.description,
      runtime: LAMBDA_NODE_RUNTIME,
      handler: 'index.handler',
      code: lambda.Code.fromAsset(bundledHandlerCode(props.handlerSource)),
      role: this.role,
      logGroup: this.logGroup,
      timeout: props.timeout,
      memorySize: props.memorySize ?? 256,
      environment: { ...props.environment },
    });
    props.notifications.allowAlarmsOfThisAccount();
    this.errorAlarm = new cloudwatch.Alarm(this, 'ErrorAlarm', {
      alarmDescription: `${props.description}: an invocation failed (see its log group)`,
      metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.errorAlarm.addAlarmAction(new cwActions.SnsAction(props.notifications.topic));
  }
}
