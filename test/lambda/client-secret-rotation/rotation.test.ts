import { parseStoredCredentials, rotate, RotationDeps, RotationError, ROTATION_STEPS } from '../../../src/lambda/client-secret-rotation/rotation';
import { ClientCredentials } from '../../../src/shared/client-credentials';
import { awsError, FakeCognitoClientSecrets, FakeSecretsManager } from '../../support/fake-secrets';

/**
 * The rotation of the checks' app client secret (src/lambda/client-secret-rotation/rotation.ts)
 * against in-memory models of Secrets Manager and Cognito (test/support/fake-secrets.ts): the
 * whole four-step protocol, rotation after rotation, every step run twice, and the refusals.
 */

const SECRET = 'arn:aws:secretsmanager:us-east-1:444444444444:secret:transactions-prod-us-east-1/checks-client-AbCdEf';
const POOL = 'us-east-1_Example1';
const CLIENT = '4mple0client0id0000000000a';
const TOKEN_URL = 'https://transactions-prod-444444444444.auth.us-east-1.amazoncognito.com/oauth2/token';

/** The value CloudFormation stores at creation: no client_secret_id (CDK's custom resource reads the secret only). */
const initialValue = (secret: string) => JSON.stringify({ client_id: CLIENT, client_secret: secret, token_url: TOKEN_URL, user_pool_id: POOL });

function world(options: { refuseTokens?: number } = {}) {
  const cognito = new FakeCognitoClientSecrets(POOL, CLIENT, 'initial0secret0from0create0000000000000000000000000');
  const sm = new FakeSecretsManager(SECRET, initialValue('initial0secret0from0create0000000000000000000000000'));
  const log: string[] = [];
  let refusals = options.refuseTokens ?? 0;
  const tokensAsked: ClientCredentials[] = [];
  const deps: RotationDeps = {
    secrets: sm,
    cognito,
    requestToken: async (c) => {
      tokensAsked.push(c);
      if (refusals > 0) {
        refusals--;
        throw new Error(`the token endpoint ${c.tokenUrl} answered HTTP 400 invalid_client`);
      }
      if (!cognito.accepts(c.clientId, c.clientSecret)) throw new Error(`the token endpoint ${c.tokenUrl} answered HTTP 400 invalid_client`);
      return { token: 't', expiresAt: 0 };
    },
    sleep: async () => undefined,
    log: (line) => log.push(line),
  };
  const rotation = async (version: string, twice = false) => {
    sm.startRotation(version);
    for (const step of ROTATION_STEPS) {
      await rotate({ SecretId: SECRET, ClientRequestToken: version, Step: step }, deps);
      if (twice) await rotate({ SecretId: SECRET, ClientRequestToken: version, Step: step }, deps);
    }
  };
  return { cognito, sm, deps, log, rotation, tokensAsked };
}

test('one rotation: a second client secret, tested at the token endpoint, made AWSCURRENT; the first keeps working until the next', async () => {
  const { cognito, sm, rotation, tokensAsked } = world();
  const before = parseStoredCredentials(sm.current());
  await rotation('v1');
  const after = parseStoredCredentials(sm.current());
  expect(after).toMatchObject({ clientId: CLIENT, userPoolId: POOL, tokenUrl: TOKEN_URL, clientSecretId: expect.stringMatching(new RegExp(`^${CLIENT}--\\d+$`)) });
  expect(after.clientSecret).not.toBe(before.clientSecret);
  expect(cognito.secrets.size).toBe(2);
  expect(cognito.accepts(CLIENT, before.clientSecret)).toBe(true);
  expect(cognito.accepts(CLIENT, after.clientSecret)).toBe(true);
  expect(tokensAsked.map((c) => c.clientSecret)).toEqual([after.clientSecret]);
  expect(sm.versions.get('v0')!.stages).toEqual(['AWSPREVIOUS']);
  expect(sm.versions.get('v1')!.stages).toEqual(['AWSCURRENT']);
});

test('the next rotation deletes the secret before the current one, so Cognito\'s limit of two is never hit', async () => {
  const { cognito, sm, rotation } = world();
  const original = parseStoredCredentials(sm.current()).clientSecret;
  await rotation('v1');
  const first = parseStoredCredentials(sm.current());
  await rotation('v2');
  const second = parseStoredCredentials(sm.current());
  expect(cognito.accepts(CLIENT, original)).toBe(false);
  expect([cognito.accepts(CLIENT, first.clientSecret), cognito.accepts(CLIENT, second.clientSecret)]).toEqual([true, true]);
  expect([...cognito.secrets.keys()]).toEqual([first.clientSecretId, second.clientSecretId]);
  await rotation('v3');
  expect(cognito.accepts(CLIENT, first.clientSecret)).toBe(false);
  expect(cognito.secrets.size).toBe(2);
});

test('every step may run again (Secrets Manager retries): the same result, no third secret', async () => {
  const { cognito, sm, rotation } = world();
  await rotation('v1', true);
  await rotation('v2', true);
  expect(cognito.secrets.size).toBe(2);
  expect(cognito.accepts(CLIENT, parseStoredCredentials(sm.current()).clientSecret)).toBe(true);
});

test('a createSecret whose store failed after Cognito added the secret heals on the retry (first rotation and later ones)', async () => {
  for (const rotationsBefore of [0, 1]) {
    const { cognito, sm, deps, rotation } = world();
    if (rotationsBefore) await rotation('v1');
    const inUse = parseStoredCredentials(sm.current()).clientSecret;
    const putPending = sm.putPending;
    sm.putPending = async () => { throw awsError('InternalServiceError', 'try again'); };
    sm.startRotation('v9');
    await expect(rotate({ SecretId: SECRET, ClientRequestToken: 'v9', Step: 'createSecret' }, deps)).rejects.toThrow(/try again/);
    // Cognito now holds the secret in use and an orphan the failed attempt added (after an
    // earlier rotation the previous secret was deleted first, to make room for it).
    expect(cognito.secrets.size).toBe(2);
    sm.putPending = putPending;
    for (const step of ROTATION_STEPS) await rotate({ SecretId: SECRET, ClientRequestToken: 'v9', Step: step }, deps);
    const after = parseStoredCredentials(sm.current());
    const state = {
      rotationsBefore, inUse: cognito.accepts(CLIENT, inUse), current: cognito.accepts(CLIENT, after.clientSecret), count: cognito.secrets.size,
    };
    expect(state)
      // The retry deletes the orphan, keeps the secret in use (it stays valid until the next
      // rotation) and adds the new one: never more than two.
      .toEqual({ rotationsBefore, inUse: true, current: true, count: 2 });
  }
});

test('a current value whose secret Cognito no longer lists is refused, saying how to put a working one back', async () => {
  const { cognito, sm, deps, rotation } = world();
  await rotation('v1');
  cognito.secrets.delete(parseStoredCredentials(sm.current()).clientSecretId!);
  sm.startRotation('v2');
  await expect(rotate({ SecretId: SECRET, ClientRequestToken: 'v2', Step: 'createSecret' }, deps))
    .rejects.toThrow(/has no secret 4mple0client0id0000000000a--\d+, the one .* holds: its AWSCURRENT value no longer works\. .*aws cognito-idp add-user-pool-client-secret --user-pool-id us-east-1_Example1 --client-id 4mple0client0id0000000000a/);
});

test('testSecret retries a new secret Cognito does not accept yet, and fails the rotation after five refusals (AWSCURRENT unchanged)', async () => {
  const slow = world({ refuseTokens: 2 });
  await slow.rotation('v1');
  expect(slow.tokensAsked).toHaveLength(3);
  expect(slow.log).toContain('testSecret: the token endpoint issued a token for the new secret (attempt 3)');

  const broken = world({ refuseTokens: 10 });
  const current = broken.sm.current();
  await expect(broken.rotation('v1')).rejects.toThrow(/testSecret: no token for the new secret after 5 attempts: the token endpoint .* answered HTTP 400 invalid_client/);
  expect(broken.sm.current()).toBe(current);
});

test('the protocol\'s guards: rotation disabled, an unknown version, a version not pending, an unknown step; done when already current', async () => {
  const { sm, deps } = world();
  const event = (token: string, step = 'createSecret') => ({ SecretId: SECRET, ClientRequestToken: token, Step: step });
  await expect(rotate(event('nope'), deps)).rejects.toThrow(/version nope does not exist/);
  sm.versions.set('old', { value: 'x', stages: ['AWSPREVIOUS'] });
  await expect(rotate(event('old'), deps)).rejects.toThrow(/is not AWSPENDING/);
  sm.startRotation('v1');
  await expect(rotate(event('v1', 'frobnicate'), deps)).rejects.toThrow(/unknown step "frobnicate"/);
  await expect(rotate(event('v0', 'finishSecret'), deps)).resolves.toBeUndefined();
  sm.rotationEnabled = false;
  await expect(rotate(event('v1'), deps)).rejects.toThrow(/rotation is not enabled/);
});

test('an AWS error that is not "no pending value yet" is not swallowed', async () => {
  const { sm, deps } = world();
  sm.startRotation('v1');
  const getValue = sm.getValue;
  sm.getValue = async (id, stage, version) => {
    if (stage === 'AWSPENDING') throw awsError('AccessDeniedException', 'not authorized to perform secretsmanager:GetSecretValue');
    return getValue(id, stage, version);
  };
  await expect(rotate({ SecretId: SECRET, ClientRequestToken: 'v1', Step: 'createSecret' }, deps)).rejects.toThrow(/AccessDeniedException|not authorized/);
});

test('the stored value must name the user pool; errors never carry a secret value', () => {
  expect(() => parseStoredCredentials(JSON.stringify({ client_id: CLIENT, client_secret: 's3cr3t-value', token_url: TOKEN_URL })))
    .toThrow(/^the credentials secret lacks user_pool_id$/);
  expect(() => parseStoredCredentials('{"client_secret":"s3cr3t-value"}')).toThrow(/lacks client_id, token_url$/);
});
