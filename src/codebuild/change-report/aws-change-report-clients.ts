import { CloudFormationClient, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { CodePipelineClient, ListActionExecutionsCommand } from '@aws-sdk/client-codepipeline';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { ObjectStore, TemplateClientFactory } from './change-report-clients';
import { PipelineHistoryClient } from '../../shared/pipeline-history/first-deploy';

/**
 * The real clients of the change report: the AWS SDK v3. Loaded only by the CLI when no clients
 * are injected, so unit tests never touch the SDK or the network.
 */

/** GetTemplate as the stack's read role (the stage's report role, or the CDK lookup role). */
export const awsTemplateClientFactory: TemplateClientFactory = ({ roleArn, region }) => {
  const client = new CloudFormationClient({
    region,
    credentials: fromTemporaryCredentials({
      params: { RoleArn: roleArn, RoleSessionName: 'prod-change-report', DurationSeconds: 900 },
      clientConfig: { region },
    }),
  });
  return { getTemplate: (input) => client.send(new GetTemplateCommand(input)) };
};

/** The report bucket in the pipeline account, with the CodeBuild role's own credentials. */
export function awsObjectStore(region: string | undefined): ObjectStore {
  const client = new S3Client(region ? { region } : {});
  return { putObject: (input) => client.send(new PutObjectCommand(input)) };
}

/** The pipeline's action history (src/shared/pipeline-history/first-deploy.ts), with the step's own credentials. */
export function awsPipelineHistory(region: string | undefined): PipelineHistoryClient {
  const client = new CodePipelineClient(region ? { region } : {});
  return { listActionExecutions: (input) => client.send(new ListActionExecutionsCommand(input)) };
}
