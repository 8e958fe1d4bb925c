import {
  DescribeSecretCommand, GetRandomPasswordCommand, GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { Client } from 'pg';
import { Connect, rotate, RotationEvent, SecretsApi } from './rotation-steps';

/**
 * The Lambda entry point Secrets Manager calls for each rotation step (bundled by esbuild at
 * synth, see src/synth/workload/standby-rotation.ts). Only I/O lives here; the steps are in
 * rotation-steps.ts. The database is the cluster endpoint of this region (`DB_HOST`), reached
 * over TLS with the certificate verified against the Amazon root CAs the Node.js runtime ships
 * in /var/runtime/ca-cert.pem (loaded through NODE_EXTRA_CA_CERTS, which the function sets).
 */

const client = new SecretsManagerClient({});

const secrets: SecretsApi = {
  describeSecret: (input) => client.send(new DescribeSecretCommand(input)),
  getSecretValue: (input) => client.send(new GetSecretValueCommand(input)),
  putSecretValue: (input) => client.send(new PutSecretValueCommand(input)),
  updateSecretVersionStage: (input) => client.send(new UpdateSecretVersionStageCommand(input)),
  getRandomPassword: (input) => client.send(new GetRandomPasswordCommand(input)),
};

/** Seconds a login may take before the step fails (AWS's function: 5). */
const CONNECT_TIMEOUT_MS = 5_000;

const connect: Connect = async (credentials) => {
  const session = new Client({
    host: process.env.DB_HOST,
    port: credentials.port ?? Number(process.env.DB_PORT ?? 5432),
    user: credentials.username,
    password: credentials.password,
    database: credentials.dbname ?? 'postgres',
    ssl: { rejectUnauthorized: true },
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: 10_000,
  });
  await session.connect();
  return { query: (sql, params) => session.query(sql, params as unknown[]), close: () => session.end() };
};

export async function handler(event: RotationEvent): Promise<void> {
  await rotate(event, secrets, connect, {
    region: process.env.AWS_REGION ?? '',
    excludeCharacters: process.env.EXCLUDE_CHARACTERS ?? '',
    passwordLength: Number(process.env.GENERATED_LENGTH ?? 30),
  });
  console.log(JSON.stringify({ secretId: event.SecretId, step: event.Step, token: event.ClientRequestToken, result: 'done' }));
}
