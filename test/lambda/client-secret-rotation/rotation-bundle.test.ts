import * as path from 'path';
import { ROTATION_STEPS } from '../../../src/lambda/client-secret-rotation/rotation';
import { bundledRotationCode } from '../../../src/synth/issuer/client-secret-rotation';
import { FakeCognitoClientSecrets, FakeSecretsManager } from '../../support/fake-secrets';
import { LocalAws } from '../../support/local-aws';

/**
 * The bundled rotation function (the Lambda asset's index.js, with the AWS SDK clients it
 * bundles: Cognito's AddUserPoolClientSecret, ListUserPoolClientSecrets and
 * DeleteUserPoolClientSecret need a 2026 client) through a whole rotation, against a local
 * server that answers Secrets Manager and Cognito's JSON APIs and the token endpoint.
 */

const SECRET = 'arn:aws:secretsmanager:us-east-1:444444444444:secret:transactions-prod-us-east-1/checks-client-AbCdEf';
let local: LocalAws;

beforeAll(async () => {
  const cognito = new FakeCognitoClientSecrets('us-east-1_Example1', '4mple0client0id0000000000a', 'initial0secret0from0create0000000000000000000000000');
  const sm = new FakeSecretsManager(SECRET, '');
  local = await LocalAws.start(sm, cognito);
  sm.versions.set('v0', {
    value: JSON.stringify({ client_id: cognito.clientId, client_secret: 'initial0secret0from0create0000000000000000000000000', token_url: `${local.url}/oauth2/token`, user_pool_id: cognito.userPoolId }),
    stages: ['AWSCURRENT'],
  });
});
afterAll(() => local.stop());

test('a whole rotation through the bundled SDK: the calls Secrets Manager and Cognito see, and a new AWSCURRENT that gets a token', async () => {
  Object.assign(process.env, local.environment());
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { handler } = require(path.join(bundledRotationCode(), 'index.js'));
  const logs: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((line: string) => { logs.push(line); });
  try {
    local.sm.startRotation('11111111-1111-4111-8111-111111111111');
    for (const step of ROTATION_STEPS) await handler({ SecretId: SECRET, ClientRequestToken: '11111111-1111-4111-8111-111111111111', Step: step });
  } finally {
    log.mockRestore();
  }
  const targets = local.calls.map((c) => c.split(' ')[0]);
  expect(targets.filter((t) => t.startsWith('AWSCognito')).map((t) => t.split('.')[1])).toEqual(['ListUserPoolClientSecrets', 'AddUserPoolClientSecret']);
  expect(targets.filter((t) => t === 'POST')).toHaveLength(1); // testSecret's token request
  expect(targets).toContain('secretsmanager.PutSecretValue');
  expect(targets.slice(-1)).toEqual(['secretsmanager.UpdateSecretVersionStage']);
  const current = JSON.parse(local.sm.current());
  expect(current.client_secret_id).toMatch(/^4mple0client0id0000000000a--\d+$/);
  expect(local.cognito.accepts(current.client_id, current.client_secret)).toBe(true);
  // One JSON line per step, naming the step; no secret value in any of them.
  expect(logs.map((l) => JSON.parse(l).step)).toEqual([...ROTATION_STEPS]);
  expect(logs.join('\n')).not.toContain(current.client_secret);
  expect(logs.join('\n')).not.toContain('initial0secret0from0create');
});
