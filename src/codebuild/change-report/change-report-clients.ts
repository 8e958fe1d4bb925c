/**
 * The AWS calls the change report makes, as the smallest interfaces that fit them. The CLI
 * takes these injected; ./aws-change-report-clients.ts implements them with the AWS SDK, tests
 * with recorded responses. Shapes follow the SDK v3 commands so the real adapters stay one-liners.
 */

export interface GetTemplateInput {
  readonly StackName: string;
  readonly TemplateStage: 'Original' | 'Processed';
}

export interface TemplateClient {
  /** CloudFormation GetTemplate. Throws a `ValidationError` "Stack with id X does not exist" for a missing stack. */
  getTemplate(input: GetTemplateInput): Promise<{ TemplateBody?: string }>;
}

/** A GetTemplate client for one stack's account and region, authenticated as `roleArn`. */
export type TemplateClientFactory = (where: { readonly roleArn: string; readonly region: string }) => TemplateClient;

export interface PutObjectInput {
  readonly Bucket: string;
  readonly Key: string;
  readonly Body: string;
  readonly ContentType: string;
  readonly ServerSideEncryption: 'aws:kms';
  readonly SSEKMSKeyId?: string;
}

export interface ObjectStore {
  putObject(input: PutObjectInput): Promise<unknown>;
}
