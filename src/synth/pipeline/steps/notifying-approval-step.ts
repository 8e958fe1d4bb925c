import { Duration } from 'aws-cdk-lib';
import * as cp from 'aws-cdk-lib/aws-codepipeline';
import * as cpa from 'aws-cdk-lib/aws-codepipeline-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as pipelines from 'aws-cdk-lib/pipelines';

/** Props of the NotifyingApprovalStep. */
export interface NotifyingApprovalStepProps {
  /** Topic that receives the approval request. */
  readonly topic: sns.ITopic;
  /** The text shown to the approver (may contain pipeline variables such as the commit id). */
  readonly comment: string;
  /** A link the approver opens to review (commit or change report). */
  readonly reviewUrl: string;
  /** How long the approval waits before it fails the run. @default Duration.days(3) */
  readonly timeout?: Duration;
}

/**
 * A manual approval that tells people it is waiting. `pipelines.ManualApprovalStep` cannot
 * notify anyone; this step produces a CodePipeline ManualApprovalAction with an SNS topic,
 * a comment naming the commit, and a review link.
 */
export class NotifyingApprovalStep extends pipelines.Step implements pipelines.ICodePipelineActionFactory {
  constructor(id: string, private readonly props: NotifyingApprovalStepProps) {
    super(id);
    this.discoverReferencedOutputs({ comment: props.comment, url: props.reviewUrl });
  }

  public produceAction(stage: cp.IStage, options: pipelines.ProduceActionOptions): pipelines.CodePipelineActionFactoryResult {
    stage.addAction(new cpa.ManualApprovalAction({
      actionName: options.actionName,
      runOrder: options.runOrder,
      notificationTopic: this.props.topic,
      additionalInformation: this.props.comment,
      externalEntityLink: this.props.reviewUrl,
      // A run waiting for days blocks later commits from reaching prod; fail it instead.
      timeout: this.props.timeout ?? Duration.days(3),
    }));
    return { runOrdersConsumed: 1 };
  }
}
