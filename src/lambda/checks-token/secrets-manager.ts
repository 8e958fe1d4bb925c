import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ReadSecret } from './checks-credentials';

/** Attempts per Secrets Manager call (the SDK's `maxAttempts`: the first try and one retry). */
export const SECRETS_MAX_ATTEMPTS = 2;
/** Milliseconds one Secrets Manager request may take (the SDK's connection and request timeouts). */
export const SECRETS_REQUEST_TIMEOUT_MS = 3000;

/**
 * GetSecretValue in `region` through the AWS SDK (bundled into the function), each call cut at
 * SECRETS_REQUEST_TIMEOUT_MS and tried SECRETS_MAX_ATTEMPTS times, so an unreachable region
 * cannot run a function into its timeout. The region and credentials of the caller otherwise
 * come from the Lambda environment; `AWS_ENDPOINT_URL_SECRETS_MANAGER` redirects it in tests.
 */
export function secretsManagerReader(region: string): ReadSecret {
  const client = new SecretsManagerClient({
    region,
    maxAttempts: SECRETS_MAX_ATTEMPTS,
    requestHandler: { connectionTimeout: SECRETS_REQUEST_TIMEOUT_MS, requestTimeout: SECRETS_REQUEST_TIMEOUT_MS },
  });
  return (secretId) => client.send(new GetSecretValueCommand({ SecretId: secretId }));
}
