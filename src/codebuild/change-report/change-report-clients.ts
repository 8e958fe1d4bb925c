/**
 * The AWS calls the change report makes, as the smallest interfaces that fit them. The CLI
 * takes these injected; ./aws.ts implements them with the AWS SDK, tests with recorded
 * responses. Shapes follow the SDK v3 commands so the real adapters stay one-liners.
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

/** True for CloudFormation's answer about a stack that was never deployed (or was deleted). */
export function isStackMissingError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { name?: unknown; Code?: unknown; message?: unknown };
  const isValidation = e.name === 'ValidationError' || e.Code === 'ValidationError';
  return isValidation && typeof e.message === 'string' && /does not exist/i.test(e.message);
}
