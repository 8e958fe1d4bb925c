import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { bundledHookCode } from '../../../src/synth/progressive-deployment/pre-traffic-hook';
import { REPO_ROOT } from '../../support/repo-root';

/**
 * The bundled hook (the exact file the Lambda asset holds) against a real HTTP server on
 * localhost that answers like the service: real fetch, real JSON parsing, a real timeout. The
 * same server answers the ECS API calls of the bundled AWS SDK (AWS_ENDPOINT_URL_ECS) with the
 * recorded responses of test/fixtures/pre-traffic/ecs/, the deployment's start moved to
 * `startedMinutesAgo` before now.
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
    if (typeof target === 'string') {
      let body = '';
      req.on('data', (d) => { body += d; });
      req.on('end', () => answerEcs(target, body, res));
      return;
    }
    const key = `${req.method} ${req.url}`;
    seen.push(`${key} ${req.headers['idempotency-key'] ?? ''}`.trim());
    if (req.url === hangPath) return; // never answers
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

function loadHandler(env: Record<string, string>): (event: unknown) => Promise<any> {
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
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    ...env,
  });
  const file = path.join(bundledHookCode(), 'index.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file).handler;
}

test('the bundled handler passes a healthy revision, sending the round trip with the idempotency key', async () => {
  seen.length = 0;
  hangPath = undefined;
  const handler = loadHandler({});
  expect(await handler({ lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' })).toEqual({ hookStatus: 'SUCCEEDED' });
  expect(seen).toContain('POST /transactions pretraffic-prod-us-east-1-0123abc');
  expect(seen).toContain('GET /transactions/7d3c1f0e-2b4a-4c59-9d1e-0f1a2b3c4d5e');
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
