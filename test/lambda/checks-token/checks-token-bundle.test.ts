import * as path from 'path';
import { checksCredentialsConfigFrom, readChecksCredentials } from '../../../src/lambda/checks-token/checks-credentials';
import { bundledChecksTokenCode } from '../../../src/synth/issuer/checks-token-function';
import { awsError, FakeCognitoClientSecrets, FakeSecretsManager } from '../../support/fake-secrets';
import { LocalAws } from '../../support/local-aws';

/**
 * The assertions' token function, bundled as its Lambda asset, against a local Secrets Manager
 * and token endpoint (test/support/local-aws.ts): it returns the token and nothing else, and its
 * failures name the secret, the HTTP status and the OAuth error, never a secret.
 */

const SECRET_NAME = 'transactions-prod-us-east-1/checks-client';
const CLIENT_SECRET = 'the0checks0client0secret000000000000000000000000000';
let local: LocalAws;

beforeAll(async () => {
  const cognito = new FakeCognitoClientSecrets('us-east-1_Example1', '4mple0client0id0000000000a', CLIENT_SECRET);
  local = await LocalAws.start(new FakeSecretsManager(SECRET_NAME, ''), cognito);
  local.sm.versions.set('v0', {
    value: JSON.stringify({ client_id: cognito.clientId, client_secret: CLIENT_SECRET, token_url: `${local.url}/oauth2/token`, user_pool_id: cognito.userPoolId }),
    stages: ['AWSCURRENT'],
  });
});
afterAll(() => local.stop());

function handler(env: Record<string, string> = {}): () => Promise<any> {
  Object.assign(process.env, local.environment(), {
    CHECKS_SECRET_ID: SECRET_NAME, CHECKS_SECRET_REGION: 'us-east-1', CHECKS_SCOPES: 'transactions/read transactions/write', ...env,
  });
  let fn: () => Promise<any> = () => Promise.reject(new Error('not loaded'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  jest.isolateModules(() => { fn = require(path.join(bundledChecksTokenCode(), 'index.js')).handler; });
  return fn;
}

test('returns the token the issuer gave the checks\' client for the configured scopes, and logs no secret', async () => {
  const logs: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((line: string) => { logs.push(line); });
  let answer: any;
  try {
    answer = await handler()();
  } finally {
    log.mockRestore();
  }
  expect(answer).toEqual({ token: local.issued[0], expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  expect(local.calls.find((c) => c.startsWith('POST /oauth2/token'))).toBe('POST /oauth2/token grant_type=client_credentials&scope=transactions%2Fread+transactions%2Fwrite');
  expect(JSON.parse(local.calls.find((c) => c.startsWith('secretsmanager.GetSecretValue'))!.replace(/^\S+ /, ''))).toEqual({ SecretId: SECRET_NAME });
  expect(logs.join('\n')).not.toContain(CLIENT_SECRET);
  expect(logs.join('\n')).not.toContain(local.issued[0]);
});

test('a secret the issuer no longer accepts (rotated away): the invocation fails naming the endpoint and the OAuth error only', async () => {
  local.cognito.secrets.clear();
  local.cognito.secrets.set('4mple0client0id0000000000a--2', 'another0secret');
  await expect(handler()()).rejects.toThrow(/^the token endpoint http:\/\/127\.0\.0\.1:\d+\/oauth2\/token answered HTTP 400 invalid_client$/);
});

test('the credentials: a missing variable, an unreadable secret, a value that is not the credentials JSON', async () => {
  expect(() => checksCredentialsConfigFrom({ CHECKS_SECRET_ID: 'x', CHECKS_SECRET_REGION: 'us-east-1' })).toThrow(/CHECKS_SCOPES is not set/);
  const config = { secretId: SECRET_NAME, region: 'us-east-1', scopes: [] };
  await expect(readChecksCredentials(async () => { throw awsError('AccessDeniedException', 'not authorized to perform: secretsmanager:GetSecretValue'); }, config))
    .rejects.toThrow(`reading the checks' credentials ${SECRET_NAME} in us-east-1 failed: AccessDeniedException: not authorized to perform: secretsmanager:GetSecretValue`);
  await expect(readChecksCredentials(async () => ({ SecretString: '{"client_id":"a","client_secret":"s3cr3t"}' }), config))
    .rejects.toThrow(`${SECRET_NAME}: the credentials secret lacks token_url`);
  await expect(readChecksCredentials(async () => ({ SecretString: 'not json s3cr3t' }), config)).rejects.toThrow(/is not JSON/);
});
