import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DatabaseConfig } from '../src/config';
import type { CredentialSource, DatabaseCredentials } from '../src/db/credentials';
import { createPool } from '../src/db/pool';
import { SecretsManagerCredentialSource } from '../src/db/secrets-manager-credentials';
import { RunningService, startService } from '../src/service';
import { createTestDatabase, silentLogger, testAppConfig } from './support/database';
import { apiClient, useLocalIssuer } from './support/service';

/** A credential source the test rotates itself (production reads Secrets Manager). */
class TestCredentialSource implements CredentialSource {
  public reads = 0;
  constructor(public credentials: DatabaseCredentials) {}
  async read(): Promise<DatabaseCredentials> {
    this.reads += 1;
    await new Promise((resolve) => setTimeout(resolve, 20)); // a network round trip
    return this.credentials;
  }
}

const newPassword = (): string => randomBytes(18).toString('base64url');
const local = useLocalIssuer();

/** A login role that owns a fresh database, as the RDS master user does; and a superuser client to rotate it. */
async function createOwnedDatabase(): Promise<{ admin: Client; username: string; password: string; database: DatabaseConfig }> {
  const server = await createTestDatabase();
  const admin = new Client(server);
  await admin.connect();
  const username = `app_${randomBytes(4).toString('hex')}`;
  const password = newPassword();
  await admin.query(`CREATE ROLE ${username} LOGIN PASSWORD '${password}'`);
  await admin.query(`GRANT ALL ON SCHEMA public TO ${username}`);
  return { admin, username, password, database: { ...server, user: username, password } };
}

async function rotate(admin: Client, username: string, source: TestCredentialSource): Promise<void> {
  const password = newPassword();
  // As in a rotation: the secret holds the new password by the time the database requires it.
  source.credentials = { username, password };
  await admin.query(`ALTER ROLE ${username} PASSWORD '${password}'`);
}

test('password rotations while requests run continuously cause zero failed requests', async () => {
  const { admin, username, password, database } = await createOwnedDatabase();
  const source = new TestCredentialSource({ username, password });
  // Connections are recycled all the time (idle after 50 ms, or after 10 queries), so new ones
  // open throughout, as they do over hours in production (30 s idle timeout, scaling, failovers).
  const service: RunningService = await startService(testAppConfig(database, local.issuer), {
    credentialSource: source,
    poolOverrides: { idleTimeoutMillis: 50, maxUses: 10 },
  });
  try {
    const api = await apiClient(service.url, local.issuer);
    const statuses: number[] = [];
    let running = true;
    const worker = async (): Promise<void> => {
      while (running) {
        const res = await api.post({ amount: '1.00', currency: 'USD' }, `rot-${randomUUID()}`);
        statuses.push(res.status);
        const body = (await res.json()) as { id?: string };
        if (body.id) statuses.push((await api.get(`/transactions/${body.id}`)).status);
        // Let the pool go idle now and then, so that connections are closed and reopened.
        await new Promise((resolve) => setTimeout(resolve, Math.random() < 0.2 ? 80 : 0));
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    for (let i = 1; i <= 3; i++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await rotate(admin, username, source);
      // The next new connection is rejected once, and the service re-reads the credentials.
      while (source.reads < i) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise((resolve) => setTimeout(resolve, 400));
    running = false;
    await Promise.all(workers);

    expect(statuses.length).toBeGreaterThan(50);
    expect(statuses.filter((status) => status !== 201 && status !== 200)).toEqual([]);
    // Each rotation made the service re-read the credentials exactly once.
    expect(source.reads).toBe(3);
  } finally {
    await service.shutdown();
    await admin.end();
  }
});

test('concurrent authentication failures share one read of the credentials, and all succeed', async () => {
  const { admin, username, password, database } = await createOwnedDatabase();
  const source = new TestCredentialSource({ username, password });
  const pool = createPool(database, silentLogger, { credentialSource: source });
  try {
    await rotate(admin, username, source);
    // Ten new connections at once, all with the old password.
    const results = await Promise.all(Array.from({ length: 10 }, () => pool.query<{ user: string }>('SELECT current_user AS user')));
    expect(results.map((result) => result.rows[0].user)).toEqual(Array(10).fill(username));
    expect(source.reads).toBe(1);
  } finally {
    await pool.end();
    await admin.end();
  }
});

test('when the source still holds the rejected password, the request is 503 with Retry-After (never 500)', async () => {
  const { admin, username, password, database } = await createOwnedDatabase();
  const source = new TestCredentialSource({ username, password });
  const service = await startService(testAppConfig(database, local.issuer), { credentialSource: source, poolOverrides: { idleTimeoutMillis: 1 } });
  try {
    await new Promise((resolve) => setTimeout(resolve, 50)); // the migration's connection is closed
    await admin.query(`ALTER ROLE ${username} PASSWORD '${newPassword()}'`);
    const res = await (await apiClient(service.url, local.issuer)).post({ amount: '1.00', currency: 'USD' }, `rot-${randomUUID()}`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(source.reads).toBe(1);
  } finally {
    await service.shutdown();
    await admin.end();
  }
});

test('a rotation re-reads only username and password: host, port and dbname in the secret are never used', async () => {
  const { admin, username, password, database } = await createOwnedDatabase();
  // In a secondary region the secret is a replica of the primary's: its host is the primary
  // cluster's endpoint. The service must keep connecting to DB_HOST/DB_PORT/DB_NAME.
  let secret = { username, password, engine: 'postgres', host: 'primary.cluster-abc.us-east-1.rds.amazonaws.com', port: 1, dbname: 'elsewhere' };
  let reads = 0;
  const arn = 'arn:aws:secretsmanager:us-east-2:111111111111:secret:rds!cluster-abc-123456';
  const source = new SecretsManagerCredentialSource(arn, {
    send: async () => {
      reads += 1;
      return { SecretString: JSON.stringify(secret) };
    },
  });
  expect(Object.keys(await source.read()).sort()).toEqual(['password', 'username']);
  reads = 0;
  const pool = createPool(database, silentLogger, { credentialSource: source });
  try {
    const rotated = newPassword();
    secret = { ...secret, password: rotated };
    await admin.query(`ALTER ROLE ${username} PASSWORD '${rotated}'`);
    const { rows } = await pool.query<{ db: string; port: number }>('SELECT current_database() AS db, inet_server_port() AS port');
    expect(reads).toBe(1);
    expect(rows[0]).toEqual({ db: database.database, port: database.port });
    expect(pool.options).toMatchObject({ host: database.host, port: database.port, database: database.database, user: username });
  } finally {
    await pool.end();
    await admin.end();
  }
});
