import { ClientCredentials, ClientCredentialsError, parseClientCredentials } from '../../shared/client-credentials';

/**
 * Where the project's checks read their own app client's credentials: the Secrets Manager secret
 * `checksClientSecretNameOf` (src/config/issuer.ts) in the environment's issuer region, read on
 * each use, so a rotation (src/lambda/client-secret-rotation/) reaches every check without a
 * redeploy. The configuration comes from the function's environment:
 * - `CHECKS_SECRET_ID`: the secret's ARN (in the issuer region's stages) or its name (elsewhere);
 * - `CHECKS_SECRET_REGION`: the issuer region (the secret lives only there);
 * - `CHECKS_SCOPES`: the scopes to ask for, space-separated.
 */

/** Which secret, in which region, and which scopes. */
export interface ChecksCredentialsConfig {
  readonly secretId: string;
  readonly region: string;
  readonly scopes: readonly string[];
}

/** Reads `CHECKS_SECRET_ID`, `CHECKS_SECRET_REGION` and `CHECKS_SCOPES`; a missing one is a deployment-time bug. */
export function checksCredentialsConfigFrom(env: Readonly<Record<string, string | undefined>>): ChecksCredentialsConfig {
  const need = (name: string): string => {
    const v = env[name];
    if (!v) throw new Error(`environment variable ${name} is not set (the stack that creates this function sets it)`);
    return v;
  };
  return { secretId: need('CHECKS_SECRET_ID'), region: need('CHECKS_SECRET_REGION'), scopes: need('CHECKS_SCOPES').split(/\s+/).filter(Boolean) };
}

/** GetSecretValue, as the AWS SDK v3 answers it (an error's `name` is the AWS error code). */
export type ReadSecret = (secretId: string) => Promise<{ SecretString?: string }>;

/**
 * The credentials in the secret. An AWS error or a value that is not the credentials JSON
 * becomes a ClientCredentialsError naming the secret and the AWS error code (never a value).
 */
export async function readChecksCredentials(readSecret: ReadSecret, config: ChecksCredentialsConfig): Promise<ClientCredentials> {
  let value: { SecretString?: string };
  try {
    value = await readSecret(config.secretId);
  } catch (e) {
    const err = e as Error;
    throw new ClientCredentialsError(`reading the checks' credentials ${config.secretId} in ${config.region} failed: ${err.name}: ${err.message}`);
  }
  try {
    return parseClientCredentials(value.SecretString);
  } catch (e) {
    throw new ClientCredentialsError(`${config.secretId}: ${(e as Error).message}`);
  }
}
