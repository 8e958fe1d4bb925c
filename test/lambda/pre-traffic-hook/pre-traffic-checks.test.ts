import * as fs from 'fs';
import * as path from 'path';
import { SECRETS_MAX_ATTEMPTS, SECRETS_REQUEST_TIMEOUT_MS } from '../../../src/lambda/checks-token/secrets-manager';
import { attemptOf, decide, ElapsedSinceStart } from '../../../src/lambda/pre-traffic-hook/hook-decision';
import {
  CheckRequest, configFromEnvironment, ECS_CALLS, ECS_MAX_ATTEMPTS, ECS_REQUEST_TIMEOUT_MS, handleHookEvent, HOOK_FUNCTION_TIMEOUT_SECONDS,
  HttpOutcome, PreTrafficConfig, REQUEST_TIMEOUT_MS, runChecks, TokenSource,
} from '../../../src/lambda/pre-traffic-hook/pre-traffic-checks';
import { REPO_ROOT } from '../../support/repo-root';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'pre-traffic');
const load = (name: string): Record<string, HttpOutcome> => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
const failures = load('failures.json');

const primary: PreTrafficConfig = {
  testUrl: 'https://api-us-east-1.example.com:9443',
  commit: '0123abc',
  idempotencyKey: 'pretraffic-prod-us-east-1-0123abc',
  role: 'primary',
  maxAttempts: 3,
  retryDelaySeconds: 30,
  deadlineMinutes: 20,
  clusterName: 'prod-us-east-1-cluster',
};
/** The deployment started a minute ago (ECS's record), for tests about the attempt counter. */
const oneMinuteIn: ElapsedSinceStart = async () => ({ ms: 60_000 });
const secondary: PreTrafficConfig = { ...primary, role: 'secondary', idempotencyKey: 'pretraffic-prod-us-east-2-0123abc', testUrl: 'https://api-us-east-2.example.com:9443' };

/** The checks' token, as the hook's CachedToken hands it out (or refuses, with a loggable message). */
function tokenSource(outcome: string | Error = 'checks-token'): TokenSource & { gets: number; clears: number } {
  const source = {
    gets: 0,
    clears: 0,
    get: async () => {
      source.gets++;
      if (outcome instanceof Error) throw outcome;
      return outcome;
    },
    clear: () => { source.clears++; },
  };
  return source;
}
const tokens = tokenSource();

/** Answers from a recorded fixture; a request it has no answer for is a test failure. */
function replay(recorded: Record<string, HttpOutcome>, overrides: Record<string, HttpOutcome> = {}) {
  const sent: CheckRequest[] = [];
  const http = async (request: CheckRequest): Promise<HttpOutcome> => {
    sent.push(request);
    const key = `${request.method} ${request.path}`;
    const answer = overrides[key] ?? recorded[key];
    if (!answer) throw new Error(`no recorded answer for ${key}`);
    return answer;
  };
  return { http, sent };
}

describe('pre-traffic checks on recorded responses', () => {
  test('a healthy primary revision passes every check, with the round trip keyed by stage and commit', async () => {
    const { http, sent } = replay(load('healthy-primary.json'));
    const results = await runChecks(primary, http, tokens);
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ['health', true], ['ready', true], ['version', true], ['database role', true], ['access token', true], ['create transaction', true], ['read transaction', true],
    ]);
    const post = sent.find((r) => r.method === 'POST')!;
    expect(post.headers).toMatchObject({ 'idempotency-key': 'pretraffic-prod-us-east-1-0123abc' });
    expect(JSON.parse(post.body!)).toEqual({ amount: '12.34', currency: 'USD' });
  });

  test('a healthy secondary revision passes with reads only: no POST is ever sent to a read-only region', async () => {
    const { http, sent } = replay(load('healthy-secondary.json'));
    const results = await runChecks(secondary, http, tokens);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.map((r) => r.name)).toEqual(['health', 'ready', 'version', 'database role', 'access token', 'read by idempotency key']);
    expect(sent.every((r) => r.method === 'GET')).toBe(true);
  });

  test('a secondary read that finds the replicated key (200) passes too', async () => {
    const { http } = replay(load('healthy-secondary.json'), {
      'GET /transactions/by-idempotency-key/pretraffic-prod-us-east-2-0123abc': { status: 200, body: { id: 'x', amount: '12.34', currency: 'USD' } },
    });
    expect((await runChecks(secondary, http, tokens)).every((r) => r.ok)).toBe(true);
  });

  test.each([
    ['primary', 'GET /health', 'timeout', 'health', /timeout/],
    ['primary', 'GET /health', 'connection-refused', 'health', /network: connect ECONNREFUSED/],
    ['primary', 'GET /ready', 'ready-database-down', 'ready', /expected HTTP 200, got HTTP 503/],
    ['primary', 'GET /version', 'version-stale', 'version', /expected commit 0123abc, got "ffff000"/],
    ['primary', 'GET /version', 'timeout', 'version', /timeout/],
    ['primary', 'GET /health/deep?require=writer', 'deep-reader-in-primary', 'database role', /role "writer", got HTTP 503 role "reader"/],
    ['primary', 'POST /transactions', 'create-read-only', 'create transaction', /got HTTP 503/],
    ['primary', 'POST /transactions', 'timeout', 'create transaction', /timeout/],
    ['primary', 'GET /transactions/7d3c1f0e-2b4a-4c59-9d1e-0f1a2b3c4d5e', 'read-wrong-amount', 'read transaction', /"amount":"0.00"/],
    ['secondary', 'GET /transactions/by-idempotency-key/pretraffic-prod-us-east-2-0123abc', 'secondary-read-5xx', 'read by idempotency key', /expected HTTP 200 or 404, got HTTP 503/],
    ['secondary', 'GET /health/deep', 'timeout', 'database role', /timeout/],
  ] as const)('%s: %s answering %s fails the %s check', async (role, request, failure, check, detail) => {
    const config = role === 'primary' ? primary : secondary;
    const { http } = replay(load(`healthy-${role}.json`), { [request]: failures[failure] });
    const results = await runChecks(config, http, tokens);
    const failed = results.filter((r) => !r.ok);
    expect(failed[0]).toMatchObject({ name: check });
    expect(failed[0].detail).toMatch(detail);
  });

  test('a failed create skips the read instead of reading an undefined id', async () => {
    const { http, sent } = replay(load('healthy-primary.json'), { 'POST /transactions': failures['create-read-only'] });
    const results = await runChecks(primary, http, tokens);
    expect(results.slice(-1)[0]).toEqual({ name: 'read transaction', ok: false, detail: 'not attempted: the create failed' });
    expect(sent.some((r) => r.path.startsWith('/transactions/'))).toBe(false);
  });
});

describe('the hook decision (hookStatus to ECS)', () => {
  const pass = [{ name: 'health', ok: true, detail: 'HTTP 200' }];
  const fail = [{ name: 'health', ok: false, detail: 'timeout: aborted' }];

  const early = { ms: 60_000 };

  test('all checks pass: SUCCEEDED, and ECS shifts production traffic', () => {
    expect(decide(pass, { attempt: 1, elapsed: early }, primary)).toMatchObject({ hookStatus: 'SUCCEEDED' });
  });

  test('a failure before the last attempt and the deadline: IN_PROGRESS with the next attempt number and the retry delay', () => {
    expect(decide(fail, { attempt: 1, elapsed: early }, primary)).toMatchObject({ hookStatus: 'IN_PROGRESS', callBackDelay: 30, hookDetails: { attempt: 2 } });
  });

  test('a failure on the last attempt: FAILED (ECS rolls back), and the reason names the check', () => {
    const r = decide(fail, { attempt: 3, elapsed: early }, primary);
    expect(r.hookStatus).toBe('FAILED');
    expect(r.reason).toMatch(/attempt 3 of 3 .*health: timeout/);
  });

  test('a failure at the deadline after the deployment started: FAILED whatever the attempt counter says', () => {
    expect(decide(fail, { attempt: 1, elapsed: { ms: 20 * 60_000 - 1 } }, primary).hookStatus).toBe('IN_PROGRESS');
    const r = decide(fail, { attempt: 1, elapsed: { ms: 20 * 60_000 } }, primary);
    expect(r.hookStatus).toBe('FAILED');
    expect(r.reason).toMatch(/still failing 20\.0 minutes after the deployment started \(deadline 20\), rolling back: health: timeout/);
  });

  test('a failure when the deployment start cannot be read: FAILED (fail closed), naming the error; a pass needs no start', () => {
    const unknown = { error: 'AccessDeniedException: not authorized to perform ecs:ListServiceDeployments' };
    const r = decide(fail, { attempt: 1, elapsed: unknown }, primary);
    expect(r.hookStatus).toBe('FAILED');
    expect(r.reason).toMatch(/cannot be bounded .*AccessDeniedException.*rolling back: health: timeout/);
    expect(decide(pass, { attempt: 1, elapsed: unknown }, primary).hookStatus).toBe('SUCCEEDED');
  });

  test('the attempt counter comes back from ECS in hookDetails; anything else counts as the first', () => {
    expect(attemptOf({ hookDetails: { attempt: 4 } })).toBe(4);
    expect(attemptOf({})).toBe(1);
    expect(attemptOf({ hookDetails: { attempt: '4' } })).toBe(1);
    expect(attemptOf({ hookDetails: { attempt: 0 } })).toBe(1);
  });

  test('bounded: a revision that never becomes healthy fails after exactly maxAttempts invocations', async () => {
    const { http } = replay(load('healthy-primary.json'), { 'GET /ready': failures['ready-database-down'] });
    let event: { lifecycleStage: string; hookDetails?: { attempt: number } } = { lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' };
    const statuses: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await handleHookEvent(event, primary, http, oneMinuteIn, tokens);
      statuses.push(r.hookStatus);
      if (r.hookStatus !== 'IN_PROGRESS') break;
      event = { ...event, hookDetails: r.hookDetails };
    }
    expect(statuses).toEqual(['IN_PROGRESS', 'IN_PROGRESS', 'FAILED']);
  });

  test('a revision that recovers on the second attempt succeeds', async () => {
    const healthy = replay(load('healthy-primary.json'));
    const first = await handleHookEvent({ lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' }, primary,
      replay(load('healthy-primary.json'), { 'GET /health': failures.timeout }).http, oneMinuteIn, tokens);
    expect(first.hookStatus).toBe('IN_PROGRESS');
    const second = await handleHookEvent({ lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT', hookDetails: first.hookDetails }, primary, healthy.http, oneMinuteIn, tokens);
    expect(second.hookStatus).toBe('SUCCEEDED');
  });

  test('another lifecycle stage succeeds without a request, so it can never block a rollback', async () => {
    const { http, sent } = replay({});
    expect(await handleHookEvent({ lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT' }, primary, http, oneMinuteIn, tokens)).toMatchObject({ hookStatus: 'SUCCEEDED' });
    expect(sent).toEqual([]);
  });
});

describe('the hook configuration', () => {
  const env = {
    TEST_URL: 'http://alb.example:9080/',
    COMMIT: '0123abc',
    IDEMPOTENCY_KEY: 'pretraffic-dev-us-east-1-0123abc',
    REGION_ROLE: 'independent',
    MAX_ATTEMPTS: '10',
    RETRY_DELAY_SECONDS: '30',
    DEADLINE_MINUTES: '20',
    CLUSTER_NAME: 'dev-us-east-1-cluster',
  };
  test('is read from the environment the ServiceStack sets', () => {
    expect(configFromEnvironment(env)).toEqual({
      testUrl: 'http://alb.example:9080',
      commit: '0123abc',
      idempotencyKey: 'pretraffic-dev-us-east-1-0123abc',
      role: 'independent',
      maxAttempts: 10,
      retryDelaySeconds: 30,
      deadlineMinutes: 20,
      clusterName: 'dev-us-east-1-cluster',
    });
  });
  test('a missing or wrong value is named', () => {
    expect(() => configFromEnvironment({ ...env, COMMIT: undefined })).toThrow(/COMMIT is not set/);
    expect(() => configFromEnvironment({ ...env, REGION_ROLE: 'writer' })).toThrow(/REGION_ROLE must be primary, secondary or independent; got writer/);
  });
});

describe('a hanging service cannot time the hook function out', () => {
  // Requests are sequential and each is cut at REQUEST_TIMEOUT_MS, so the slowest invocation
  // lasts (requests sent, the token request included) x REQUEST_TIMEOUT_MS plus the read of the
  // checks' credentials (SECRETS_MAX_ATTEMPTS x SECRETS_REQUEST_TIMEOUT_MS). It must stay within
  // half the function's timeout, or Lambda kills the hook and ECS sees an error instead of
  // IN_PROGRESS/FAILED.
  test.each([['primary', primary], ['secondary', secondary]])('%s: most requests one invocation sends, every answer slow or hanging', async (_, config) => {
    const healthy = replay(load(config.role === 'secondary' ? 'healthy-secondary.json' : 'healthy-primary.json'));
    await runChecks(config, healthy.http, tokens);
    const hanging: CheckRequest[] = [];
    await runChecks(config, async (request) => { hanging.push(request); return { error: 'timeout', message: 'aborted' }; }, tokens);
    const most = Math.max(healthy.sent.length, hanging.length);
    expect(most).toBeGreaterThanOrEqual(config.role === 'secondary' ? 5 : 6);
    // A new token: one credentials read (every attempt hanging) and one token request.
    const credentialsWorst = SECRETS_MAX_ATTEMPTS * SECRETS_REQUEST_TIMEOUT_MS + REQUEST_TIMEOUT_MS;
    const checksWorst = most * REQUEST_TIMEOUT_MS + credentialsWorst;
    expect(checksWorst * 2).toBeLessThanOrEqual(HOOK_FUNCTION_TIMEOUT_SECONDS * 1000);
    // After failing checks the hook asks ECS when the deployment started: every call hanging
    // too, the whole invocation still ends within three quarters of the function's timeout.
    const ecsWorst = ECS_CALLS * ECS_MAX_ATTEMPTS * ECS_REQUEST_TIMEOUT_MS;
    expect((checksWorst + ecsWorst) * 4).toBeLessThanOrEqual(HOOK_FUNCTION_TIMEOUT_SECONDS * 1000 * 3);
    // The number hook-bound.test.ts simulates as the longest invocation (INVOCATION_MS).
    if (config.role === 'primary') expect(checksWorst + ecsWorst).toBe(53_000);
  });
});

describe('the checks\' access token', () => {
  test('the probes go without a token; every transaction call carries the checks\' token', async () => {
    const { http, sent } = replay(load('healthy-primary.json'));
    expect((await runChecks(primary, http, tokenSource('tok-123'))).every((r) => r.ok)).toBe(true);
    const auth = (r: CheckRequest) => r.headers?.authorization;
    expect(sent.filter((r) => !r.path.startsWith('/transactions')).map(auth)).toEqual([undefined, undefined, undefined, undefined]);
    expect(sent.filter((r) => r.path.startsWith('/transactions')).map((r) => [r.method, auth(r)]))
      .toEqual([['POST', 'Bearer tok-123'], ['GET', 'Bearer tok-123']]);
    const { http: http2, sent: sent2 } = replay(load('healthy-secondary.json'));
    await runChecks(secondary, http2, tokenSource('tok-456'));
    expect(sent2.filter((r) => r.path.startsWith('/transactions')).map(auth)).toEqual(['Bearer tok-456']);
  });

  test.each([['primary', primary, ['create transaction', 'read transaction']], ['secondary', secondary, ['read by idempotency key']]] as const)(
    '%s: no token (the issuer refused or did not answer): the transaction checks fail without a request, naming why', async (_, config, names) => {
      const { http, sent } = replay(load(`healthy-${config.role}.json`));
      const refused = tokenSource(new Error('the token endpoint https://x.auth.us-east-1.amazoncognito.com/oauth2/token answered HTTP 400 invalid_client'));
      const results = await runChecks(config, http, refused);
      expect(results.find((r) => r.name === 'access token')).toEqual({ name: 'access token', ok: false, detail: expect.stringMatching(/HTTP 400 invalid_client/) });
      expect(results.filter((r) => names.includes(r.name as never))).toEqual(names.map((name) => ({ name, ok: false, detail: 'not attempted: no access token' })));
      expect(sent.some((r) => r.path.startsWith('/transactions'))).toBe(false);
      // The probes still ran and passed: the report says what works.
      expect(results.filter((r) => ['health', 'ready', 'version'].includes(r.name)).every((r) => r.ok)).toBe(true);
    });

  test('a 401 to a transaction call drops the held token, so the next invocation asks the issuer again', async () => {
    const source = tokenSource('expired-token');
    const { http } = replay(load('healthy-primary.json'), {
      'POST /transactions': { status: 401, body: { error: 'invalid_token', message: 'the access token expired' } },
    });
    const results = await runChecks(primary, http, source);
    expect(results.find((r) => r.name === 'create transaction')).toMatchObject({ ok: false, detail: expect.stringMatching(/HTTP 401/) });
    expect(source.clears).toBe(1);
    const ok = tokenSource('fresh');
    expect((await runChecks(primary, replay(load('healthy-primary.json')).http, ok)).every((r) => r.ok)).toBe(true);
    expect(ok.clears).toBe(0);
  });
});
