import { randomBytes, randomUUID } from 'crypto';
import { Client } from 'pg';
import { LocalPostgres } from '../../../app/tools/local-postgres';
import { Connect, rotate, RotationError, RotationEvent, SecretsApi } from '../../../src/lambda/secret-rotation/rotation-steps';

/**
 * The standby rotation function's four steps against a real PostgreSQL server (the app's
 * throwaway one) and a Secrets Manager that keeps versions and staging labels as the AWS
 * Secrets Manager User Guide describes them ("Rotation by Lambda function": AWSPENDING on the
 * version Secrets Manager creates for the rotation token, AWSCURRENT moved by
 * UpdateSecretVersionStage, which moves AWSPREVIOUS to the version AWSCURRENT left).
 */

const REGION = 'us-east-2';
const SECRET = 'transactions-prod-global/credentials';
const USER = 'app_owner';
const EXCLUDE = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\';

class NotFound extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResourceNotFoundException';
  }
}

/** Versions and labels of one secret, as Secrets Manager keeps them. */
class SecretsManagerModel implements SecretsApi {
  public readonly versions = new Map<string, { value?: string; stages: string[] }>();
  public rotationEnabled = true;
  public primaryRegion = REGION;
  public readonly calls: string[] = [];

  constructor(initial: object) {
    this.versions.set(randomUUID(), { value: JSON.stringify(initial), stages: ['AWSCURRENT'] });
  }

  private label(stage: string, versionId: string): void {
    for (const v of this.versions.values()) v.stages = v.stages.filter((s) => s !== stage);
    this.versions.get(versionId)!.stages.push(stage);
  }

  /** What RotateSecret does before it calls createSecret: a new version id labelled AWSPENDING. */
  public startRotation(): string {
    const token = randomUUID();
    this.versions.set(token, { stages: [] });
    this.label('AWSPENDING', token);
    return token;
  }

  public valueAt(stage: string): any {
    const v = [...this.versions.values()].find((x) => x.stages.includes(stage));
    return v?.value === undefined ? undefined : JSON.parse(v.value);
  }

  async describeSecret() {
    this.calls.push('DescribeSecret');
    return {
      RotationEnabled: this.rotationEnabled,
      PrimaryRegion: this.primaryRegion,
      VersionIdsToStages: Object.fromEntries([...this.versions].filter(([, v]) => v.stages.length).map(([id, v]) => [id, [...v.stages]])),
    };
  }

  async getSecretValue(input: { SecretId: string; VersionId?: string; VersionStage?: string }) {
    this.calls.push(`GetSecretValue ${input.VersionStage ?? ''}`);
    const found = [...this.versions].find(([id, v]) => (input.VersionId === undefined || id === input.VersionId)
      && (input.VersionStage === undefined || v.stages.includes(input.VersionStage)) && v.value !== undefined);
    if (!found) throw new NotFound(`Secrets Manager can't find the specified secret value for staging label: ${input.VersionStage}`);
    return { SecretString: found[1].value, VersionId: found[0] };
  }

  async putSecretValue(input: { ClientRequestToken: string; SecretString: string; VersionStages: string[] }) {
    this.calls.push('PutSecretValue');
    const existing = this.versions.get(input.ClientRequestToken);
    if (existing?.value !== undefined && existing.value !== input.SecretString) throw new Error('ResourceExistsException');
    this.versions.set(input.ClientRequestToken, { value: input.SecretString, stages: existing?.stages ?? [] });
    for (const stage of input.VersionStages) this.label(stage, input.ClientRequestToken);
    return {};
  }

  async updateSecretVersionStage(input: { VersionStage: string; MoveToVersionId: string; RemoveFromVersionId?: string }) {
    this.calls.push(`UpdateSecretVersionStage ${input.VersionStage}`);
    const current = [...this.versions].find(([, v]) => v.stages.includes(input.VersionStage))?.[0];
    if (current !== input.RemoveFromVersionId) throw new Error('InvalidParameterException: RemoveFromVersionId does not hold the label');
    this.label(input.VersionStage, input.MoveToVersionId);
    if (input.VersionStage === 'AWSCURRENT' && current) {
      this.label('AWSPREVIOUS', current);
      this.versions.get(input.MoveToVersionId)!.stages = this.versions.get(input.MoveToVersionId)!.stages.filter((s) => s !== 'AWSPENDING');
    }
    return {};
  }

  async getRandomPassword(input: { ExcludeCharacters: string; PasswordLength: number }) {
    const alphabet = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.,=^'].filter((c) => !input.ExcludeCharacters.includes(c));
    return { RandomPassword: [...randomBytes(input.PasswordLength)].map((b) => alphabet[b % alphabet.length]).join('') };
  }
}

let postgres: LocalPostgres;
let database: string;
const config = { region: REGION, excludeCharacters: EXCLUDE, passwordLength: 30 };

beforeAll(async () => {
  postgres = await LocalPostgres.start();
  database = await postgres.createDatabase('rotation');
}, 60_000);
afterAll(async () => {
  await postgres?.stop();
});

/** A fresh login role with `password`, and the secret holding it. */
async function setup(password: string): Promise<SecretsManagerModel> {
  const admin = new Client({ ...postgres.connection, database });
  await admin.connect();
  try {
    await admin.query(`DROP ROLE IF EXISTS ${USER}`);
    await admin.query(`CREATE ROLE ${USER} LOGIN PASSWORD '${password}'`);
  } finally {
    await admin.end();
  }
  return new SecretsManagerModel({ engine: 'postgres', host: 'primary-cluster.example', port: postgres.connection.port, dbname: database, username: USER, password });
}

/** The function's connect: this test's server (the function's DB_HOST), never the secret's host. */
const connect: Connect = async (credentials) => {
  const client = new Client({
    host: postgres.connection.host, port: credentials.port, user: credentials.username, password: credentials.password, database: credentials.dbname,
  });
  await client.connect();
  return { query: (sql, params) => client.query(sql, params as unknown[]), close: () => client.end() };
};

async function logsIn(password: string): Promise<boolean> {
  try {
    const session = await connect({ username: USER, password, dbname: database, port: postgres.connection.port });
    await session.close();
    return true;
  } catch {
    return false;
  }
}

const steps = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
const event = (token: string, Step: string): RotationEvent => ({ SecretId: SECRET, ClientRequestToken: token, Step });

describe('standby rotation: single user, against the configured database', () => {
  test('a rotation: new password on the database, then AWSCURRENT; the old one is refused, open sessions keep working', async () => {
    const secrets = await setup('first-password-0');
    const open = await connect({ username: USER, password: 'first-password-0', dbname: database, port: postgres.connection.port });
    const token = secrets.startRotation();
    for (const step of steps) await rotate(event(token, step), secrets, connect, config);
    const current = secrets.valueAt('AWSCURRENT');
    expect(current.password).not.toBe('first-password-0');
    expect([...current.password].some((c) => EXCLUDE.includes(c))).toBe(false);
    expect(current.host).toBe('primary-cluster.example');
    expect(secrets.valueAt('AWSPREVIOUS').password).toBe('first-password-0');
    expect(secrets.valueAt('AWSPENDING')).toBeUndefined();
    expect(await logsIn(current.password)).toBe(true);
    expect(await logsIn('first-password-0')).toBe(false);
    expect((await open.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await open.close();
  }, 30_000);

  test('every step can run again (Secrets Manager retries): same pending password, nothing changes twice', async () => {
    const secrets = await setup('second-password-0');
    const token = secrets.startRotation();
    for (const step of steps) {
      await rotate(event(token, step), secrets, connect, config);
      await rotate(event(token, step), secrets, connect, config);
    }
    expect(await logsIn(secrets.valueAt('AWSCURRENT').password)).toBe(true);
    expect(secrets.valueAt('AWSPREVIOUS').password).toBe('second-password-0');
  }, 30_000);

  test('a read-only database (a secondary before promotion): setSecret fails, AWSCURRENT and the password stay as they were', async () => {
    const secrets = await setup('third-password-0');
    const admin = new Client({ ...postgres.connection, database });
    await admin.connect();
    await admin.query(`ALTER ROLE ${USER} SET default_transaction_read_only = on`);
    await admin.end();
    const token = secrets.startRotation();
    await rotate(event(token, 'createSecret'), secrets, connect, config);
    await expect(rotate(event(token, 'setSecret'), secrets, connect, config)).rejects.toThrow(/read-only transaction/);
    await expect(rotate(event(token, 'testSecret'), secrets, connect, config)).rejects.toThrow(RotationError);
    expect(secrets.valueAt('AWSCURRENT').password).toBe('third-password-0');
    expect(await logsIn('third-password-0')).toBe(true);
  }, 30_000);

  test('the database already holds the previous password (a rotation that set it but never finished): set from there', async () => {
    const secrets = await setup('fourth-password-0');
    const token = secrets.startRotation();
    for (const step of steps) await rotate(event(token, step), secrets, connect, config);
    // Someone puts the old password back on the database: AWSCURRENT no longer logs in, AWSPREVIOUS does.
    const admin = new Client({ ...postgres.connection, database });
    await admin.connect();
    await admin.query(`ALTER ROLE ${USER} PASSWORD 'fourth-password-0'`);
    await admin.end();
    const next = secrets.startRotation();
    for (const step of steps) await rotate(event(next, step), secrets, connect, config);
    expect(await logsIn(secrets.valueAt('AWSCURRENT').password)).toBe(true);
  }, 30_000);

  test('refused before anything: a replica (rotate the primary, or promote it), rotation disabled, an unknown or non-pending token', async () => {
    const secrets = await setup('fifth-password-0');
    const token = secrets.startRotation();
    secrets.primaryRegion = 'us-east-1';
    await expect(rotate(event(token, 'createSecret'), secrets, connect, config))
      .rejects.toThrow(`${SECRET} is a replica of the secret in us-east-1: rotate it there, or promote this copy first`);
    expect(secrets.calls).toEqual(['DescribeSecret']);
    secrets.primaryRegion = REGION;
    secrets.rotationEnabled = false;
    await expect(rotate(event(token, 'createSecret'), secrets, connect, config)).rejects.toThrow(`rotation is not enabled on ${SECRET}`);
    secrets.rotationEnabled = true;
    await expect(rotate(event('no-such-token', 'createSecret'), secrets, connect, config)).rejects.toThrow('version no-such-token of');
    const current = [...secrets.versions].find(([, v]) => v.stages.includes('AWSCURRENT'))![0];
    // The current version: nothing to do (a finished rotation invoked again).
    await rotate(event(current, 'finishSecret'), secrets, connect, config);
    await expect(rotate(event(token, 'rewindSecret'), secrets, connect, config)).rejects.toThrow('unknown step rewindSecret');
    expect(await logsIn('fifth-password-0')).toBe(true);
  }, 30_000);
});
