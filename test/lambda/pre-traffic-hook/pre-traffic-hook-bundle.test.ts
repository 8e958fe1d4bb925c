import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { bundledHookCode } from '../../../src/synth/progressive-deployment/pre-traffic-hook';
import { LOCAL_AWS_CREDENTIALS } from '../../support/local-aws';
import { REPO_ROOT } from '../../support/repo-root';

/**
 * The bundled hook (the exact file the Lambda asset holds) against a real HTTP server on
 * localhost that answers like the service: real fetch, real JSON parsing, a real timeout. The
 * same server answers the ECS API calls of the bundled AWS SDK (AWS_ENDPOINT_URL_ECS) with the
 * recorded responses of test/fixtures/pre-traffic/ecs/, the deployment's start moved to
 * `startedMinutesAgo` before now; Secrets Manager's GetSecretValue (AWS_ENDPOINT_URL_SECRETS_MANAGER)
 * with the checks' credentials; and the issuer's token endpoint (`POST /oauth2/token`, shaped like
 * Cognito's: HTTP Basic client authentication, client-credentials grant). The service answers a
 * transaction call only with the token that endpoint issued (401 otherwise), as the real one does.
 */
const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'pre-traffic');
const FIXTURE = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'healthy-primary.json'), 'utf8'));
const ecsFixture = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, 'ecs', name), 'utf8'));

let server: http.Server;
let base: string;
let hangPath: string | undefined;
const seen: string[] = [];
/** ECS's answers: the deployment started this many minutes ago, or the ListServiceDeployments error. */
let ecsState: { startedMinutesAgo: number } | { error: string } = { startedMinutesAgo: 1 };
/** The checks' app client, as the secret holds it and the token endpoint knows it. */
const CLIENT = { id: 'checks0client0id000000000', secret: 'checks0client0secret0000000000000000000000000000000' };
/** What the token endpoint does: issue tokens, or refuse the client. */
let tokenEndpoint: 'issue' | 'refuse' = 'issue';
const issued: string[] = [];

function answerSecretsManager(target: string, body: string, res: http.ServerResponse): void {
  seen.push(`SM ${target} ${body}`);
  res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
  res.end(JSON.stringify({
    ARN: 'arn:aws:secretsmanager:us-east-1:444444444444:secret:transactions-prod-issuer/checks-client-AbCdEf',
    Name: 'transactions-prod-issuer/checks-client',
    SecretString: JSON.stringify({ client_id: CLIENT.id, client_secret: CLIENT.secret, token_url: `${base}/oauth2/token`, user_pool_id: 'us-east-1_Example' }),
    VersionId: '00000000-0000-4000-8000-000000000001',
    VersionStages: ['AWSCURRENT'],
  }));
}

function answerToken(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
  const form = new URLSearchParams(body);
  const basic = Buffer.from(String(req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString('utf8');
  seen.push(`TOKEN ${form.get('grant_type')} ${form.get('scope')} ${basic.split(':')[0]}`);
  if (tokenEndpoint === 'refuse' || basic !== `${CLIENT.id}:${CLIENT.secret}`) {
    res.writeHead(400, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'invalid_client' }));
    return;
  }
  const token = `token-${issued.length + 1}`;
  issued.push(token);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ access_token: token, expires_in: 1800, token_type: 'Bearer' }));
}

function answerEcs(target: string, body: string, res: http.ServerResponse): void {
  seen.push(`ECS ${target} ${body}`);
  const send = (status: number, json: unknown) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(json));
  };
  if (target.endsWith('.ListServices')) return send(200, ecsFixture('list-services.json'));
  if ('error' in ecsState) return send(400, ecsFixture(ecsState.error));
  const listed = ecsFixture('list-service-deployments-in-progress.json');
  listed.serviceDeployments[0].startedAt = Date.now() / 1000 - ecsState.startedMinutesAgo * 60;
  return send(200, listed);
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const target = req.headers['x-amz-target'];
    let body = '';
    req.on('data', (d) => { body += d; });
    if (typeof target === 'string') {
      req.on('end', () => (target.startsWith('secretsmanager.') ? answerSecretsManager(target, body, res) : answerEcs(target, body, res)));
      return;
    }
    if (req.method === 'POST' && req.url === '/oauth2/token') {
      req.on('end', () => answerToken(req, body, res));
      return;
    }
    const key = `${req.method} ${req.url}`;
    seen.push(`${key} ${req.headers['idempotency-key'] ?? ''} ${req.headers.authorization ?? ''}`.trim());
    if (req.url === hangPath) return; // never answers
    if (req.url?.startsWith('/transactions') && !issued.some((t) => req.headers.authorization === `Bearer ${t}`)) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="transactions"' });
      res.end(JSON.stringify({ error: 'unauthorized' }));
      return;
    }
    const answer = FIXTURE[key];
    res.writeHead(answer?.status ?? 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer?.body ?? { error: 'not_found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** The bundled handler; `fresh` loads it again (a new execution environment: no token held). */
function loadHandler(env: Record<string, string>, fresh = false): (event: unknown) => Promise<any> {
  Object.assign(process.env, {
    TEST_URL: base,
    COMMIT: '0123abc',
    IDEMPOTENCY_KEY: 'pretraffic-prod-us-east-1-0123abc',
    REGION_ROLE: 'primary',
    MAX_ATTEMPTS: '3',
    RETRY_DELAY_SECONDS: '30',
    DEADLINE_MINUTES: '20',
    CLUSTER_NAME: 'prod-us-east-1-ServiceCluster1A2B3C4D-Ab12Cd34Ef56',
    REQUEST_TIMEOUT_MS: '300',
    AWS_ENDPOINT_URL_ECS: base,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: base,
    CHECKS_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:444444444444:secret:transactions-prod-issuer/checks-client-AbCdEf',
    CHECKS_SECRET_REGION: 'us-east-1',
    CHECKS_SCOPES: 'transactions/read transactions/write',
    AWS_REGION: 'us-east-1',
    ...LOCAL_AWS_CREDENTIALS,
    ...env,
  });
  const file = path.join(bundledHookCode(), 'index.js');
  let handler: (event: unknown) => Promise<any> = () => Promise.reject(new Error('not loaded'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (fresh) jest.isolateModules(() => { handler = require(file).handler; });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  else handler = require(file).handler;
  return handler;
}

test('the bundled handler passes a healthy revision: the checks\' token from the issuer, then the round trip with it', async () => {
  seen.length = 0;
  hangPath = undefined;
  const handler = loadHandler({}, true);
  expect(await handler({ lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' })).toEqual({ hookStatus: 'SUCCEEDED' });
  // The credentials (through the bundled AWS SDK), then the token, asked for both scopes.
  expect(seen.filter((s) => s.startsWith('SM ')).map((s) => JSON.parse(s.replace(/^SM \S+ /, ''))))
    .toEqual([{ SecretId: 'arn:aws:secretsmanager:us-east-1:444444444444:secret:transactions-prod-issuer/checks-client-AbCdEf' }]);
  expect(seen).toContain(`TOKEN client_credentials transactions/read transactions/write ${CLIENT.id}`);
  expect(seen).toContain(`POST /transactions pretraffic-prod-us-east-1-0123abc Bearer ${issued[0]}`);
  expect(seen).toContain(`GET /transactions/7d3c1f0e-2b4a-4c59-9d1e-0f1a2b3c4d5e  Bearer ${issued[0]}`);
  // The probes went without it.
  expect(seen).toContain('GET /health');
  // A second invocation of the same execution environment keeps the token: no new request.
  seen.length = 0;
  expect(await handler({ lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' })).toEqual({ hookStatus: 'SUCCEEDED' });
  expect(seen.filter((s) => s.startsWith('SM ') || s.startsWith('TOKEN '))).toEqual([]);
  expect(issued).toHaveLength(1);
});

test('the issuer refuses the checks\' client: the transaction checks are not sent, the hook asks ECS to call again, and the log holds no secret', async () => {
  hangPath = undefined;
  tokenEndpoint = 'refuse';
  ecsState = { startedMinutesAgo: 1 };
  const handler = loadHandler({}, true);
  seen.length = 0;
  const logs: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((line: string) => { logs.push(line); });
  try {
    expect(await handler({ lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' })).toEqual({ hookStatus: 'IN_PROGRESS', callBackDelay: 30, hookDetails: { attempt: 2 } });
  } finally {
    log.mockRestore();
    tokenEndpoint = 'issue';
  }
  expect(seen.some((s) => s.includes('/transactions'))).toBe(false);
  expect(JSON.parse(logs[0]).reason).toMatch(/access token: the token endpoint http:\/\/127\.0\.0\.1:\d+\/oauth2\/token answered HTTP 400 invalid_client/);
  expect(logs.join('\n')).not.toContain(CLIENT.secret);
});

test('a request that hangs times out and the hook asks ECS to call again, then fails on the last attempt', async () => {
  hangPath = '/ready';
  const handler = loadHandler({});
  const started = Date.now();
  const first = await handler({ lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' });
  expect(Date.now() - started).toBeLessThan(5000);
  expect(first).toEqual({ hookStatus: 'IN_PROGRESS', callBackDelay: 30, hookDetails: { attempt: 2 } });
  expect(await handler({ lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT', hookDetails: { attempt: 3 } })).toEqual({ hookStatus: 'FAILED' });
});

test('nothing listening: a network error, not a crash', async () => {
  hangPath = undefined;
  const handler = loadHandler({ TEST_URL: 'http://127.0.0.1:1' });
  expect(await handler({ lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT', hookDetails: { attempt: 3 } })).toEqual({ hookStatus: 'FAILED' });
});

test('the bundled handler asks ECS (through the bundled AWS SDK) when the deployment started, and only when a check failed', async () => {
  hangPath = undefined;
  ecsState = { startedMinutesAgo: 1 };
  const handler = loadHandler({});
  seen.length = 0;
  expect(await handler({ lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' })).toEqual({ hookStatus: 'SUCCEEDED' });
  expect(seen.filter((s) => s.startsWith('ECS '))).toEqual([]);
  hangPath = '/ready';
  seen.length = 0;
  expect(await handler({ lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' })).toEqual({ hookStatus: 'IN_PROGRESS', callBackDelay: 30, hookDetails: { attempt: 2 } });
  const service = ecsFixture('list-services.json').serviceArns[0];
  expect(seen.filter((s) => s.startsWith('ECS ')).map((s) => JSON.parse(s.replace(/^ECS \S+ /, '')))).toEqual([
    { cluster: 'prod-us-east-1-ServiceCluster1A2B3C4D-Ab12Cd34Ef56' },
    { cluster: 'prod-us-east-1-ServiceCluster1A2B3C4D-Ab12Cd34Ef56', service, status: ['IN_PROGRESS'] },
  ]);
});

test('hookDetails not echoed: a deployment that started past the deadline fails a failing check on what looks like the first attempt', async () => {
  hangPath = '/ready';
  ecsState = { startedMinutesAgo: 25 };
  const handler = loadHandler({});
  expect(await handler({ lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' })).toEqual({ hookStatus: 'FAILED' });
});

test('ECS refusing the lookup (AccessDenied, as the SDK parses it): a failing check fails closed', async () => {
  hangPath = '/ready';
  ecsState = { error: 'error-access-denied.json' };
  const handler = loadHandler({});
  const logs: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((line: string) => { logs.push(line); });
  try {
    expect(await handler({ lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' })).toEqual({ hookStatus: 'FAILED' });
  } finally {
    log.mockRestore();
  }
  expect(JSON.parse(logs[0]).reason).toMatch(/the deployment's start is unknown: AccessDeniedException: User: .*ecs:ListServiceDeployments/);
});
