import type { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { ConfigError, loadConfig } from '../src/config';
import { RotatingCredentials } from '../src/db/credentials';
import { SecretsManagerCredentialSource } from '../src/db/secrets-manager-credentials';

const ARN = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:rds!cluster-abc-123456';

/** A Secrets Manager client that answers `secretString` and records the ids asked for. */
function fakeClient(secretString: string | undefined): { asked: string[]; send(command: GetSecretValueCommand): Promise<{ SecretString?: string }> } {
  const asked: string[] = [];
  return {
    asked,
    async send(command) {
      asked.push(String(command.input.SecretId));
      return { SecretString: secretString };
    },
  };
}

describe('SecretsManagerCredentialSource', () => {
  test('reads username and password from the secret named by DB_SECRET_ARN', async () => {
    const client = fakeClient(JSON.stringify({ username: 'app', password: 'p w', engine: 'postgres' }));
    await expect(new SecretsManagerCredentialSource(ARN, client).read()).resolves.toEqual({ username: 'app', password: 'p w' });
    expect(client.asked).toEqual([ARN]);
  });

  test.each([
    ['not JSON', 'nope', /is not JSON/],
    ['no password', JSON.stringify({ username: 'app' }), /has no string "password"/],
    ['no username', JSON.stringify({ password: 'x' }), /has no string "username"/],
    ['no SecretString', undefined, /is not JSON/],
  ])('a secret with %s is a clear error naming DB_SECRET_ARN, never the value', async (_name, secret, message) => {
    const read = new SecretsManagerCredentialSource(ARN, fakeClient(secret)).read();
    await expect(read).rejects.toThrow(message);
    await expect(read).rejects.toThrow(/^DB_SECRET_ARN: secret arn:aws:secretsmanager/);
    await expect(read).rejects.not.toThrow(/"x"/);
  });
});

describe('RotatingCredentials', () => {
  test('concurrent refreshes share one read; a stale generation does not read again', async () => {
    let reads = 0;
    const credentials = new RotatingCredentials({ username: 'u', password: 'old' }, {
      read: async () => {
        reads += 1;
        await new Promise((resolve) => setTimeout(resolve, 10));
        return { username: 'u', password: `new-${reads}` };
      },
    });
    const seen = credentials.generation;
    await Promise.all([credentials.refresh(seen), credentials.refresh(seen), credentials.refresh(seen)]);
    expect(reads).toBe(1);
    expect(credentials.current.password).toBe('new-1');
    await credentials.refresh(seen); // a failure that used the credentials before the refresh
    expect(reads).toBe(1);
    await credentials.refresh(credentials.generation); // a failure with the refreshed ones
    expect(reads).toBe(2);
  });

  test('a failed read is reported and the next failure reads again', async () => {
    let fail = true;
    const credentials = new RotatingCredentials({ username: 'u', password: 'old' }, {
      read: async () => {
        if (fail) throw new Error('throttled');
        return { username: 'u', password: 'new' };
      },
    });
    await expect(credentials.refresh(0)).rejects.toThrow('throttled');
    fail = false;
    await credentials.refresh(0);
    expect(credentials.current.password).toBe('new');
  });
});

describe('DB_SECRET_ARN', () => {
  const base = { DB_HOST: 'h', DB_PORT: '5432', DB_NAME: 'd', DB_USER: 'u', DB_PASSWORD: 'p', AUTH_ISSUER: 'https://issuer.example.com' };

  test('is optional (local development has none) and read when set', () => {
    expect(loadConfig(base).database.secretArn).toBeUndefined();
    // RDS-managed master secrets are named rds!cluster-<id>.
    expect(loadConfig({ ...base, DB_SECRET_ARN: ARN }).database.secretArn).toBe(ARN);
  });

  test('must be a Secrets Manager ARN', () => {
    expect(() => loadConfig({ ...base, DB_SECRET_ARN: 'my-secret' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, DB_SECRET_ARN: 'my-secret' })).toThrow(/DB_SECRET_ARN must be a Secrets Manager secret ARN/);
  });
});
