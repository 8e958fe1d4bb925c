import { CloudFormationClient, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { ObjectStore, TemplateClientFactory } from './change-report-clients';

/**
 * The real clients of the change report: the AWS SDK v3. Loaded only by the CLI when no clients
 * are injected, so unit tests never touch the SDK or the network.
 */

/** GetTemplate as the CDK bootstrap lookup role of the stack's account/region (read-only). */
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
