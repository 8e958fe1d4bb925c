import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as sns from 'aws-cdk-lib/aws-sns';

/**
 * Output keys of the pipeline stack. Plain outputs, never exports: an export would tie the
 * stack to whatever imports it (a stack cannot change or drop an export in use), and nothing
 * imports these. Operators' scripts and RUNBOOKS.md read them by key:
 * `aws cloudformation describe-stacks --stack-name DeliveryPipeline --query "Stacks[0].Outputs[?OutputKey=='PipelineName'].OutputValue" --output text`.
 */
export const PIPELINE_OUTPUT_KEYS = {
  pipelineName: 'PipelineName',
  imageRepositoryUri: 'ImageRepositoryUri',
  notificationTopicArn: 'NotificationTopicArn',
  artifactBucketName: 'ArtifactBucketName',
} as const;

/** What the outputs name. */
export interface PipelineOutputsProps {
  /** The CodePipeline (built). */
  readonly pipeline: codepipeline.IPipeline & { readonly artifactBucket: { readonly bucketName: string } };
  /** The gated image repository in the pipeline's home region. */
  readonly repository: ecr.IRepository;
  /** The notification topic (failures, successes, approval requests). */
  readonly topic: sns.ITopic;
}

/** The four outputs of the pipeline stack, by key. */
export type PipelineOutputs = Readonly<Record<keyof typeof PIPELINE_OUTPUT_KEYS, CfnOutput>>;

/** Adds the pipeline name, image repository URI, notification topic ARN and artifact bucket name as outputs of `stack`. */
export function addPipelineOutputs(stack: Stack, props: PipelineOutputsProps): PipelineOutputs {
  const output = (key: keyof typeof PIPELINE_OUTPUT_KEYS, value: string, description: string) =>
    new CfnOutput(stack, PIPELINE_OUTPUT_KEYS[key], { value, description });
  return {
    pipelineName: output('pipelineName', props.pipeline.pipelineName, 'Name of the CodePipeline (aws codepipeline get-pipeline-state --name <it>)'),
    imageRepositoryUri: output('imageRepositoryUri', props.repository.repositoryUri, 'URI of the gated image repository in the pipeline region (images are tagged with the commit id)'),
    notificationTopicArn: output('notificationTopicArn', props.topic.topicArn, 'SNS topic of pipeline failures, successes and approval requests'),
    artifactBucketName: output('artifactBucketName', props.pipeline.artifactBucket.bucketName, 'Artifact bucket of the pipeline in its home region (cloud assemblies, gate reports)'),
  };
}
