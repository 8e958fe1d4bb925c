import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CredentialSource, DatabaseCredentials } from './credentials';

/** The one call of the Secrets Manager client the source makes (a fake in tests). */
export interface SecretValueReader {
  send(command: GetSecretValueCommand): Promise<{ SecretString?: string }>;
}

/**
 * Reads the database credentials from the Secrets Manager secret `secretArn` (DB_SECRET_ARN),
 * which holds JSON `{"username": ..., "password": ...}` as RDS-managed master secrets do.
 * Called only after PostgreSQL rejected the password in use, never per request.
 */
export class SecretsManagerCredentialSource implements CredentialSource {
  /**
   * @param secretArn the ARN of the secret (DB_SECRET_ARN)
   * @param client the Secrets Manager client @default a client for the task's region and role
   */
  constructor(
    private readonly secretArn: string,
    private readonly client: SecretValueReader = new SecretsManagerClient({}),
  ) {}

  async read(): Promise<DatabaseCredentials> {
    const output = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretArn }));
    return parseSecret(output.SecretString, this.secretArn);
  }
}

/**
 * Parses the secret's JSON into username and password only; the error names the secret and the
 * missing field, never a value. Any `host`, `port` or `dbname` in the secret is ignored on
 * purpose: in a secondary region the secret is a replica of the primary's and names the
 * primary's endpoint, while the service must keep using DB_HOST/DB_PORT/DB_NAME (its own region).
 */
export function parseSecret(secretString: string | undefined, secretArn: string): DatabaseCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString ?? '');
  } catch {
    throw new Error(`DB_SECRET_ARN: secret ${secretArn} is not JSON; it must hold {"username": "...", "password": "..."}`);
  }
  const record = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  for (const field of ['username', 'password']) {
    if (typeof record[field] !== 'string' || record[field] === '') {
      throw new Error(`DB_SECRET_ARN: secret ${secretArn} has no string "${field}"; it must hold {"username": "...", "password": "..."}`);
    }
  }
  return { username: record.username as string, password: record.password as string };
}
