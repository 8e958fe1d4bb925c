import { ClientCredentials, ClientCredentialsError, parseClientCredentials } from '../../shared/client-credentials';

/**
 * Rotation of the checks' app client secret, as a Secrets Manager rotation function
 * (https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html):
 * Secrets Manager calls it four times per rotation, `createSecret`, `setSecret`, `testSecret`,
 * `finishSecret`, with the version id (`ClientRequestToken`) of the new value. CloudFormation and
 * CDK cannot rotate a Cognito client secret; Cognito's own API can, with up to two secrets active
 * per app client "for zero-downtime credential rotation workflows"
 * (AddUserPoolClientSecret, https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AddUserPoolClientSecret.html;
 * ListUserPoolClientSecrets; DeleteUserPoolClientSecret, which refuses the last secret). So:
 * - createSecret: delete every secret of the client except the one the secret's AWSCURRENT value
 *   holds (`client_secret_id`, else the oldest: the one the create gave it); the one deleted is
 *   the previous one, unused since the last rotation. Then add a new one (Cognito generates it)
 *   and store it as AWSPENDING;
 * - setSecret: nothing (Cognito already accepts the new secret);
 * - testSecret: ask the token endpoint for a token with the pending credentials;
 * - finishSecret: move AWSCURRENT to the new version.
 * The previous secret keeps working until the next rotation deletes it, so a caller that read the
 * secret just before the switch is not refused. Every step can run again (Secrets Manager retries
 * a failed step): a pending value already stored is kept, a Cognito secret added by an attempt
 * whose store failed is deleted by the next attempt.
 */

/** The value of the checks' credentials secret, all fields (src/config/issuer.ts, checksClientSecretNameOf). */
export interface StoredCredentials extends ClientCredentials {
  readonly userPoolId: string;
  /** Which of the client's secrets `clientSecret` is (unknown for the value CloudFormation stored at creation). */
  readonly clientSecretId?: string;
}

/** The secret's value as JSON (`client_id`, `client_secret`, `token_url`, `user_pool_id`, `client_secret_id`). */
export function storedCredentialsJson(c: StoredCredentials): string {
  return JSON.stringify({
    client_id: c.clientId,
    client_secret: c.clientSecret,
    token_url: c.tokenUrl,
    user_pool_id: c.userPoolId,
    ...(c.clientSecretId ? { client_secret_id: c.clientSecretId } : {}),
  });
}

/** Reads a stored value; a missing `user_pool_id` is named (never a value). */
export function parseStoredCredentials(secretString: string | undefined): StoredCredentials {
  const base = parseClientCredentials(secretString);
  const raw = JSON.parse(secretString!) as Record<string, unknown>;
  if (typeof raw.user_pool_id !== 'string' || raw.user_pool_id === '') throw new ClientCredentialsError('the credentials secret lacks user_pool_id');
  return { ...base, userPoolId: raw.user_pool_id, clientSecretId: typeof raw.client_secret_id === 'string' ? raw.client_secret_id : undefined };
}

/** The Secrets Manager calls of a rotation (SDK v3 shapes; an error's `name` is the AWS error code). */
export interface RotationSecretsApi {
  describe(secretId: string): Promise<{ RotationEnabled?: boolean; VersionIdsToStages?: Record<string, string[]> }>;
  /** GetSecretValue of a stage, or of a version in a stage; throws ResourceNotFoundException when there is none. */
  getValue(secretId: string, stage: 'AWSCURRENT' | 'AWSPENDING', versionId?: string): Promise<{ SecretString?: string }>;
  putPending(secretId: string, versionId: string, secretString: string): Promise<void>;
  moveCurrent(secretId: string, toVersion: string, fromVersion: string): Promise<void>;
}

/** The Cognito calls of a rotation. */
export interface ClientSecretsApi {
  list(userPoolId: string, clientId: string): Promise<ReadonlyArray<{ readonly id: string; readonly createdAt?: Date }>>;
  /** Adds a secret Cognito generates: its id and value. */
  add(userPoolId: string, clientId: string): Promise<{ readonly id: string; readonly value: string }>;
  remove(userPoolId: string, clientId: string, secretId: string): Promise<void>;
}

/** What the rotation needs besides the two APIs. */
export interface RotationDeps {
  readonly secrets: RotationSecretsApi;
  readonly cognito: ClientSecretsApi;
  /** Asks the token endpoint for a token with these credentials; throws when refused. */
  readonly requestToken: (credentials: ClientCredentials) => Promise<unknown>;
  /** Attempts of the token test (a new Cognito secret may take a moment to be accepted). @default 5 */
  readonly testAttempts?: number;
  /** Pause between two test attempts. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly log: (line: string) => void;
}

/** The event Secrets Manager sends. */
export interface RotationEvent {
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly Step: string;
}

/** A rotation step refused, with what to do: the message names no secret value. */
export class RotationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RotationError';
  }
}

const errorName = (e: unknown): string => (e && typeof e === 'object' && 'name' in e ? String((e as { name: unknown }).name) : '');

/** The steps, in Secrets Manager's order. */
export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;

/** Runs one step after the checks every rotation function makes on the event. */
export async function rotate(event: RotationEvent, deps: RotationDeps): Promise<void> {
  const { SecretId: secretId, ClientRequestToken: token, Step: step } = event;
  const described = await deps.secrets.describe(secretId);
  if (described.RotationEnabled === false) throw new RotationError(`${secretId}: rotation is not enabled`);
  const stages = described.VersionIdsToStages?.[token];
  if (!stages) throw new RotationError(`${secretId}: version ${token} does not exist`);
  if (stages.includes('AWSCURRENT')) {
    deps.log(`${step}: version ${token} is already AWSCURRENT, nothing to do`);
    return;
  }
  if (!stages.includes('AWSPENDING')) throw new RotationError(`${secretId}: version ${token} is not AWSPENDING`);
  if (step === 'createSecret') return createSecret(secretId, token, deps);
  if (step === 'setSecret') return deps.log('setSecret: nothing to set, Cognito already accepts the new secret');
  if (step === 'testSecret') return testSecret(secretId, token, deps);
  if (step === 'finishSecret') return finishSecret(secretId, token, described.VersionIdsToStages ?? {}, deps);
  throw new RotationError(`unknown step ${JSON.stringify(step)}: expected one of ${ROTATION_STEPS.join(', ')}`);
}

async function createSecret(secretId: string, token: string, deps: RotationDeps): Promise<void> {
  const current = parseStoredCredentials((await deps.secrets.getValue(secretId, 'AWSCURRENT')).SecretString);
  try {
    await deps.secrets.getValue(secretId, 'AWSPENDING', token);
    deps.log(`createSecret: version ${token} already holds the new secret`);
    return;
  } catch (e) {
    if (errorName(e) !== 'ResourceNotFoundException') throw e;
  }
  const { userPoolId, clientId } = current;
  const existing = await deps.cognito.list(userPoolId, clientId);
  const keep = current.clientSecretId ?? oldest(existing);
  if (!existing.some((s) => s.id === keep)) {
    throw new RotationError(`app client ${clientId} has no secret ${keep ?? '(none listed)'}, the one ${secretId} holds: its AWSCURRENT value no longer works. `
      + `Put a working value back (aws cognito-idp add-user-pool-client-secret --user-pool-id ${userPoolId} --client-id ${clientId}, then `
      + 'aws secretsmanager put-secret-value with its id and value; RUNBOOKS.md "Rotate the checks\' client secret"), then rotate again');
  }
  if (existing.length >= 2) {
    for (const s of existing.filter((x) => x.id !== keep)) {
      await deps.cognito.remove(userPoolId, clientId, s.id);
      deps.log(`createSecret: deleted the previous secret ${s.id} of app client ${clientId}`);
    }
  }
  const added = await deps.cognito.add(userPoolId, clientId);
  await deps.secrets.putPending(secretId, token, storedCredentialsJson({ ...current, clientSecret: added.value, clientSecretId: added.id }));
  deps.log(`createSecret: added secret ${added.id} to app client ${clientId}, stored as AWSPENDING version ${token}`);
}

/**
 * The secret CloudFormation's create gave the client: the oldest one. The value CloudFormation
 * stores names no `client_secret_id` (CDK reads only the secret's value), and only this
 * rotation adds secrets, so until the first rotation finishes the oldest is the one in use and
 * any newer one was added by an attempt that did not finish.
 */
function oldest(secrets: ReadonlyArray<{ readonly id: string; readonly createdAt?: Date }>): string | undefined {
  const time = (s: { id: string; createdAt?: Date }) => s.createdAt?.getTime() ?? Number(s.id.split('--').pop()) * 1000;
  return [...secrets].sort((a, b) => time(a) - time(b))[0]?.id;
}

async function testSecret(secretId: string, token: string, deps: RotationDeps): Promise<void> {
  const pending = parseStoredCredentials((await deps.secrets.getValue(secretId, 'AWSPENDING', token)).SecretString);
  const attempts = deps.testAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      await deps.requestToken(pending);
      deps.log(`testSecret: the token endpoint issued a token for the new secret (attempt ${attempt})`);
      return;
    } catch (e) {
      if (attempt >= attempts) throw new RotationError(`testSecret: no token for the new secret after ${attempts} attempts: ${(e as Error).message}`);
      deps.log(`testSecret: attempt ${attempt}: ${(e as Error).message}; trying again`);
      await deps.sleep(2000);
    }
  }
}

async function finishSecret(secretId: string, token: string, versions: Record<string, string[]>, deps: RotationDeps): Promise<void> {
  const current = Object.entries(versions).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
  if (!current) throw new RotationError(`${secretId}: no version is AWSCURRENT`);
  await deps.secrets.moveCurrent(secretId, token, current);
  deps.log(`finishSecret: AWSCURRENT moved from ${current} to ${token}`);
}
