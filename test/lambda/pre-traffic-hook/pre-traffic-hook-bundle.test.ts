import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { bundledHookCode } from '../../../src/synth/progressive-deployment/pre-traffic-hook';
import { REPO_ROOT } from '../../support/repo-root';

/**
 * The bundled hook (the exact file the Lambda asset holds) against a real HTTP server on
 * localhost that answers like the service: real fetch, real JSON parsing, a real timeout.
 */
const FIXTURE = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'pre-traffic', 'healthy-primary.json'), 'utf8'));

let server: http.Server;
let base: string;
let hangPath: string | undefined;
const seen: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
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
    REQUEST_TIMEOUT_MS: '300',
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
