/**
 * Single-user rotation of the database secret (one PostgreSQL user whose password changes in
 * place), in the four steps Secrets Manager calls a rotation function with: createSecret,
 * setSecret, testSecret, finishSecret ("Lambda rotation functions", AWS Secrets Manager User
 * Guide, https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html).
 * It follows AWS's own single-user PostgreSQL function
 * (aws-samples/aws-secrets-manager-rotation-lambdas, SecretsManagerRDSPostgreSQLRotationSingleUser)
 * with one difference, the reason this function exists: it connects to the database named by
 * its own configuration (the cluster endpoint of the region it runs in), not to the secret's
 * `host`. In a global environment the secret names the primary region's cluster, which the
 * other regions cannot reach (their VPCs are not connected), and the hosted function refuses a
 * `host` change between versions. So this function, deployed dormant in every secondary region
 * (src/synth/workload/standby-rotation.ts), can rotate the promoted secret against the new
 * writer after `npx projen failover`, while the secret keeps the `host` the primary region's
 * service connects to.
 *
 * Fail safe: the password changes on the database only in setSecret, against a writer (a
 * read-only cluster refuses ALTER ROLE and the step fails), and becomes the secret's current
 * value only in finishSecret, after testSecret logged in with it. A failed step leaves AWSCURRENT
 * as it was; Secrets Manager retries the rotation.
 */

/** What Secrets Manager invokes the function with. */
export interface RotationEvent {
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly Step: 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret' | string;
}

/** The secret's JSON value (the fields the RDS attachment writes). */
export interface DatabaseSecretValue {
  readonly username: string;
  readonly password: string;
  readonly dbname?: string;
  readonly port?: number | string;
  readonly host?: string;
  readonly [key: string]: unknown;
}

/** The Secrets Manager calls the steps make (shapes of the AWS SDK v3 outputs). */
export interface SecretsApi {
  describeSecret(input: { SecretId: string }): Promise<{
    RotationEnabled?: boolean;
    PrimaryRegion?: string;
    VersionIdsToStages?: Record<string, readonly string[]>;
  }>;
  /** Throws ResourceNotFoundException when no version has that stage or id. */
  getSecretValue(input: { SecretId: string; VersionId?: string; VersionStage?: string }): Promise<{
    SecretString?: string;
    VersionId?: string;
  }>;
  putSecretValue(input: { SecretId: string; ClientRequestToken: string; SecretString: string; VersionStages: string[] }): Promise<unknown>;
  updateSecretVersionStage(input: {
    SecretId: string; VersionStage: string; MoveToVersionId: string; RemoveFromVersionId?: string;
  }): Promise<unknown>;
  getRandomPassword(input: { ExcludeCharacters: string; PasswordLength: number }): Promise<{ RandomPassword?: string }>;
}

/** An open database session. */
export interface DatabaseSession {
  query(sql: string, params?: readonly unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
  close(): Promise<void>;
}

/** Opens a session with the given credentials at the configured host; rejects when the login fails. */
export type Connect = (credentials: { username: string; password: string; dbname?: string; port?: number }) => Promise<DatabaseSession>;

/** How the function is configured (its environment). */
export interface RotationConfig {
  /** The region the function runs in: a secret whose primary copy is elsewhere (a replica) is refused. */
  readonly region: string;
  /** Characters a generated password must not contain (the same as the secret's own generator). */
  readonly excludeCharacters: string;
  /** Length of a generated password. */
  readonly passwordLength: number;
}

/** A step that cannot go on: the message says why (Secrets Manager logs the failed rotation). */
export class RotationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RotationError';
  }
}

const CURRENT = 'AWSCURRENT';
const PENDING = 'AWSPENDING';
const PREVIOUS = 'AWSPREVIOUS';

function parse(secretString: string | undefined, what: string): DatabaseSecretValue {
  let value: DatabaseSecretValue;
  try {
    value = JSON.parse(secretString ?? '');
  } catch {
    throw new RotationError(`${what} is not JSON`);
  }
  for (const key of ['username', 'password'] as const) {
    if (typeof value[key] !== 'string' || value[key] === '') throw new RotationError(`${what} has no ${key}`);
  }
  return value;
}

async function valueOf(secrets: SecretsApi, secretId: string, stage: string, versionId?: string): Promise<DatabaseSecretValue> {
  const answer = await secrets.getSecretValue({ SecretId: secretId, VersionStage: stage, ...versionId ? { VersionId: versionId } : {} });
  return parse(answer.SecretString, `the ${stage} version of ${secretId}`);
}

/** Tries to log in; the session, or undefined when the credentials are refused. */
async function tryLogin(connect: Connect, value: DatabaseSecretValue): Promise<DatabaseSession | undefined> {
  try {
    const port = value.port === undefined ? undefined : Number(value.port);
    return await connect({ username: value.username, password: value.password, dbname: value.dbname, port });
  } catch {
    return undefined;
  }
}

/** createSecret: a new password in AWSPENDING for this token (nothing if it is there already). */
async function createSecret(event: RotationEvent, secrets: SecretsApi, config: RotationConfig): Promise<void> {
  const current = await valueOf(secrets, event.SecretId, CURRENT);
  try {
    await valueOf(secrets, event.SecretId, PENDING, event.ClientRequestToken);
    return;
  } catch (e) {
    // No pending value for this token yet (ResourceNotFoundException): make one; anything else stops the step.
    if ((e as { name?: string }).name !== 'ResourceNotFoundException') throw e;
  }
  const generated = await secrets.getRandomPassword({ ExcludeCharacters: config.excludeCharacters, PasswordLength: config.passwordLength });
  const password = generated.RandomPassword;
  if (!password) throw new RotationError('GetRandomPassword returned no password');
  await secrets.putSecretValue({
    SecretId: event.SecretId,
    ClientRequestToken: event.ClientRequestToken,
    SecretString: JSON.stringify({ ...current, password }),
    VersionStages: [PENDING],
  });
}

/** setSecret: the database takes the pending password (logged in with the current one, else the previous one). */
async function setSecret(event: RotationEvent, secrets: SecretsApi, connect: Connect): Promise<void> {
  const pending = await valueOf(secrets, event.SecretId, PENDING, event.ClientRequestToken);
  const already = await tryLogin(connect, pending);
  if (already) {
    await already.close();
    return;
  }
  const current = await valueOf(secrets, event.SecretId, CURRENT);
  if (pending.username !== current.username) throw new RotationError(`the pending version changes the user (${current.username} to ${pending.username}): refused`);
  let session = await tryLogin(connect, current);
  if (!session) {
    // A previous rotation may have set the database but not moved AWSCURRENT (AWS's function does the same).
    const previous = await valueOf(secrets, event.SecretId, PREVIOUS).catch(() => undefined);
    session = previous ? await tryLogin(connect, previous) : undefined;
  }
  if (!session) throw new RotationError(`neither the current nor the previous password of ${current.username} logs in: cannot set the new one`);
  try {
    const { rows } = await session.query('SELECT format(\'ALTER USER %I WITH PASSWORD %L\', $1::text, $2::text) AS statement', [pending.username, pending.password]);
    await session.query(String(rows[0].statement));
  } finally {
    await session.close();
  }
}

/** testSecret: the pending password logs in and runs a query. */
async function testSecret(event: RotationEvent, secrets: SecretsApi, connect: Connect): Promise<void> {
  const pending = await valueOf(secrets, event.SecretId, PENDING, event.ClientRequestToken);
  const session = await tryLogin(connect, pending);
  if (!session) throw new RotationError(`the pending password of ${pending.username} does not log in`);
  try {
    await session.query('SELECT 1');
  } finally {
    await session.close();
  }
}

/** finishSecret: AWSCURRENT moves to this token's version (AWSPREVIOUS follows the old one). */
async function finishSecret(event: RotationEvent, secrets: SecretsApi): Promise<void> {
  const stages = (await secrets.describeSecret({ SecretId: event.SecretId })).VersionIdsToStages ?? {};
  const current = Object.entries(stages).find(([, s]) => s.includes(CURRENT))?.[0];
  if (current === event.ClientRequestToken) return;
  await secrets.updateSecretVersionStage({
    SecretId: event.SecretId, VersionStage: CURRENT, MoveToVersionId: event.ClientRequestToken, RemoveFromVersionId: current,
  });
}

/** One invocation: check the secret and the token as AWS's functions do, then run the step. */
export async function rotate(event: RotationEvent, secrets: SecretsApi, connect: Connect, config: RotationConfig): Promise<void> {
  const description = await secrets.describeSecret({ SecretId: event.SecretId });
  if (description.PrimaryRegion && description.PrimaryRegion !== config.region) {
    throw new RotationError(`${event.SecretId} is a replica of the secret in ${description.PrimaryRegion}: rotate it there, `
      + `or promote this copy first (npx projen failover does, once ${config.region} writes)`);
  }
  if (!description.RotationEnabled) throw new RotationError(`rotation is not enabled on ${event.SecretId}`);
  const stages = description.VersionIdsToStages?.[event.ClientRequestToken];
  if (!stages) throw new RotationError(`version ${event.ClientRequestToken} of ${event.SecretId} does not exist`);
  if (stages.includes(CURRENT)) return;
  if (!stages.includes(PENDING)) throw new RotationError(`version ${event.ClientRequestToken} of ${event.SecretId} is not AWSPENDING`);
  if (event.Step === 'createSecret') await createSecret(event, secrets, config);
  else if (event.Step === 'setSecret') await setSecret(event, secrets, connect);
  else if (event.Step === 'testSecret') await testSecret(event, secrets, connect);
  else if (event.Step === 'finishSecret') await finishSecret(event, secrets);
  else throw new RotationError(`unknown step ${event.Step}`);
}
