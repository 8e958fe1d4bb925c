/**
 * The pre-traffic checks of a progressive ECS deployment, as pure logic: which requests to send
 * to the test listener and how to judge each answer; what to tell ECS is hook-decision.ts. The
 * Lambda handler (pre-traffic-hook.handler.ts) only adds `fetch` and the ECS client; everything
 * here is unit-tested on recorded responses (test/fixtures/pre-traffic/).
 *
 * The checks are the post-deploy assertions' (src/synth/assertions/service-assertions.ts): /health,
 * /ready, /version = the commit, a transaction round trip; plus /health/deep for the database
 * role. The probes are sent without a token (the service keeps them public); the transaction
 * calls carry the checks' own access token (`Authorization: Bearer`, client-credentials grant with
 * the checks' app client, src/shared/client-credentials.ts), and without a token they are not
 * sent at all. In a secondary (read-only) region of a global environment there is no write: the round
 * trip becomes a read that must answer 200 or 404 (a definite answer from the database), and
 * /health/deep must say the region is a reader. A key written in the primary is not guaranteed
 * to have replicated yet, so 404 is as good as 200 there; 5xx or a timeout is not.
 */

import { attemptOf, decide, ElapsedSinceStart, HookEvent, HookResponse } from './hook-decision';

/** The role of the region the hook runs in (regionRoleOf in src/config/resilience.ts). */
export type RegionRole = 'primary' | 'secondary' | 'independent';

/** What the hook needs to know, from its environment variables. */
export interface PreTrafficConfig {
  /** Base URL of the test listener, e.g. `https://api-us-east-1.example.com:9443`. */
  readonly testUrl: string;
  /** The commit `/version` must report. */
  readonly commit: string;
  /** Idempotency key of the round-trip transaction (`pretraffic-<stage>-<commit>`). */
  readonly idempotencyKey: string;
  /** The region's role: a secondary is read-only. */
  readonly role: RegionRole;
  /** Invocations before a failing check fails the deployment (counted in the echoed hookDetails). */
  readonly maxAttempts: number;
  /** Seconds ECS waits before calling again after IN_PROGRESS. */
  readonly retryDelaySeconds: number;
  /**
   * Minutes after the ECS service deployment started from which a failing check fails the
   * deployment, whatever ECS passes back (deployment-start.ts).
   */
  readonly deadlineMinutes: number;
  /** The ECS cluster of the service (it holds that one service). */
  readonly clusterName: string;
}

/** One HTTP request of a check. */
export interface CheckRequest {
  readonly method: 'GET' | 'POST';
  /** Path and query, appended to the test URL. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** What came back: a status and parsed JSON body, or no answer at all. */
export type HttpOutcome =
  | { readonly status: number; readonly body?: unknown }
  | { readonly error: 'timeout' | 'network'; readonly message: string };

/** Sends one request; never throws (a failure is an outcome). */
export type HttpClient = (request: CheckRequest) => Promise<HttpOutcome>;

/**
 * The checks' access token: `get()` answers a token (held until shortly before it expires, see
 * CachedToken in src/shared/client-credentials.ts) or throws an error whose message is safe to
 * log; `clear()` drops the held one (the service refused it).
 */
export interface TokenSource {
  get(): Promise<string>;
  clear(): void;
}

/** The verdict on one check. */
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** The amount and currency of the round-trip transaction (as the post-deploy assertions). */
export const PRE_TRAFFIC_TRANSACTION = { amount: '12.34', currency: 'USD' } as const;

/** The stage the hook is registered for: the new tasks serve the test listener, production is untouched. */
export const CHECKED_STAGE = 'POST_TEST_TRAFFIC_SHIFT';

/** Milliseconds one request may take (the token request too): a hung dependency must not eat the function's time. */
export const REQUEST_TIMEOUT_MS = 5000;

/**
 * Seconds the hook function may run. Its requests are sequential, so the slowest invocation is
 * (requests sent, the token request included) x REQUEST_TIMEOUT_MS plus the read of the checks'
 * credentials (SECRETS_MAX_ATTEMPTS x SECRETS_REQUEST_TIMEOUT_MS);
 * test/lambda/pre-traffic-hook/pre-traffic-checks.test.ts keeps that at half of this at most,
 * and with the ECS lookup (ECS_CALLS x ECS_MAX_ATTEMPTS x ECS_REQUEST_TIMEOUT_MS) within three
 * quarters, so a hanging service or API yields IN_PROGRESS or FAILED, never a Lambda timeout.
 * (60 s until the transaction calls needed a token: the token request and the credentials read
 * add up to 11 s to the slowest invocation.)
 */
export const HOOK_FUNCTION_TIMEOUT_SECONDS = 90;

/** The ECS calls of one lookup of the deployment start (ListServices, ListServiceDeployments). */
export const ECS_CALLS = 2;
/** Attempts per ECS call (the SDK's `maxAttempts`: the first try and one retry). */
export const ECS_MAX_ATTEMPTS = 2;
/** Milliseconds one ECS request may take (the SDK's connection and request timeouts). */
export const ECS_REQUEST_TIMEOUT_MS = 3000;

type Answer = Extract<HttpOutcome, { readonly status: number }>;
const isAnswer = (o: HttpOutcome): o is Answer => 'status' in o;
const field = (body: unknown, key: string): unknown =>
  (body !== null && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined);
const describe = (o: HttpOutcome): string => ('status' in o ? `HTTP ${o.status}` : `${o.error}: ${o.message}`);

function expectStatus(name: string, o: HttpOutcome, allowed: readonly number[]): CheckResult {
  if (isAnswer(o) && allowed.includes(o.status)) return { name, ok: true, detail: describe(o) };
  return { name, ok: false, detail: `expected HTTP ${allowed.join(' or ')}, got ${describe(o)}` };
}

/** The checks that need the token, in order: reported as not attempted when there is none. */
const TOKEN_CHECKS: Readonly<Record<RegionRole, readonly string[]>> = {
  primary: ['create transaction', 'read transaction'],
  independent: ['create transaction', 'read transaction'],
  secondary: ['read by idempotency key'],
};

/**
 * Runs every check against the test listener, in order, and returns one result per check. A
 * check whose input depends on an earlier one (the read of the created transaction, every
 * transaction call on the access token) fails when that one failed, without a request. A 401 to
 * a transaction call drops the held token, so the next invocation asks the issuer again.
 */
export async function runChecks(config: PreTrafficConfig, http: HttpClient, tokens: TokenSource): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const get = (path: string) => http({ method: 'GET', path });

  results.push(expectStatus('health', await get('/health'), [200]));
  results.push(expectStatus('ready', await get('/ready'), [200]));

  const version = await get('/version');
  const reported = isAnswer(version) ? field(version.body, 'commit') : undefined;
  results.push(isAnswer(version) && version.status === 200 && reported === config.commit
    ? { name: 'version', ok: true, detail: `commit ${config.commit}` }
    : { name: 'version', ok: false, detail: `expected commit ${config.commit}, got ${isAnswer(version) && version.status === 200 ? JSON.stringify(reported) : describe(version)}` });

  // The database role: the primary must be the writer, a secondary a reader.
  const expectedRole = config.role === 'secondary' ? 'reader' : 'writer';
  const deep = await get(config.role === 'secondary' ? '/health/deep' : '/health/deep?require=writer');
  const role = isAnswer(deep) ? field(deep.body, 'role') : undefined;
  results.push(isAnswer(deep) && deep.status === 200 && role === expectedRole
    ? { name: 'database role', ok: true, detail: `${expectedRole}` }
    : { name: 'database role', ok: false, detail: `expected HTTP 200 with role "${expectedRole}", got ${isAnswer(deep) ? `HTTP ${deep.status} role ${JSON.stringify(role)}` : describe(deep)}` });

  let token: string;
  try {
    token = await tokens.get();
    results.push({ name: 'access token', ok: true, detail: 'issued to the checks\' client' });
  } catch (e) {
    results.push({ name: 'access token', ok: false, detail: (e as Error).message });
    for (const name of TOKEN_CHECKS[config.role]) results.push({ name, ok: false, detail: 'not attempted: no access token' });
    return results;
  }
  const authorized = async (request: CheckRequest): Promise<HttpOutcome> => {
    const outcome = await http({ ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } });
    if (isAnswer(outcome) && outcome.status === 401) tokens.clear();
    return outcome;
  };

  const key = encodeURIComponent(config.idempotencyKey);
  if (config.role === 'secondary') {
    // Read-only region: a read the database must answer (found or not), never a write.
    results.push(expectStatus('read by idempotency key', await authorized({ method: 'GET', path: `/transactions/by-idempotency-key/${key}` }), [200, 404]));
    return results;
  }

  const created = await authorized({
    method: 'POST',
    path: '/transactions',
    headers: { 'content-type': 'application/json', 'idempotency-key': config.idempotencyKey },
    body: JSON.stringify(PRE_TRAFFIC_TRANSACTION),
  });
  const id = isAnswer(created) ? field(created.body, 'id') : undefined;
  // 201 on the first attempt, 200 when a retry replays the same idempotency key.
  const createOk = isAnswer(created) && (created.status === 201 || created.status === 200) && typeof id === 'string' && id !== '';
  results.push(createOk
    ? { name: 'create transaction', ok: true, detail: `id ${String(id)}` }
    : { name: 'create transaction', ok: false, detail: `expected HTTP 201 or 200 with an id, got ${describe(created)}` });
  if (!createOk) {
    results.push({ name: 'read transaction', ok: false, detail: 'not attempted: the create failed' });
    return results;
  }
  const read = await authorized({ method: 'GET', path: `/transactions/${encodeURIComponent(String(id))}` });
  const same = isAnswer(read) && read.status === 200
    && field(read.body, 'amount') === PRE_TRAFFIC_TRANSACTION.amount && field(read.body, 'currency') === PRE_TRAFFIC_TRANSACTION.currency;
  results.push(same
    ? { name: 'read transaction', ok: true, detail: `id ${String(id)}` }
    : { name: 'read transaction', ok: false, detail: `expected HTTP 200 with ${JSON.stringify(PRE_TRAFFIC_TRANSACTION)}, got ${describe(read)}${isAnswer(read) ? ` ${JSON.stringify(read.body)}` : ''}` });
  return results;
}

/**
 * One invocation: checks only at POST_TEST_TRAFFIC_SHIFT (the stage it is registered for); any
 * other stage succeeds without a request, so a registration mistake cannot block a rollback.
 * The deployment's start is read only when a check failed (a passing revision needs no bound).
 */
export async function handleHookEvent(
  event: HookEvent, config: PreTrafficConfig, http: HttpClient, elapsedSinceStart: ElapsedSinceStart, tokens: TokenSource,
): Promise<HookResponse> {
  if (event.lifecycleStage !== undefined && event.lifecycleStage !== CHECKED_STAGE) {
    return { hookStatus: 'SUCCEEDED', reason: `stage ${event.lifecycleStage} is not checked (only ${CHECKED_STAGE})` };
  }
  const results = await runChecks(config, http, tokens);
  const attempt = attemptOf(event);
  if (results.every((r) => r.ok)) return decide(results, { attempt, elapsed: { ms: 0 } }, config);
  return decide(results, { attempt, elapsed: await elapsedSinceStart() }, config);
}

/** Reads the hook's configuration from its environment; a missing value is a deployment-time bug. */
export function configFromEnvironment(env: Readonly<Record<string, string | undefined>>): PreTrafficConfig {
  const need = (name: string): string => {
    const v = env[name];
    if (!v) throw new Error(`environment variable ${name} is not set (the ServiceStack sets it)`);
    return v;
  };
  const role = need('REGION_ROLE');
  if (role !== 'primary' && role !== 'secondary' && role !== 'independent') throw new Error(`REGION_ROLE must be primary, secondary or independent; got ${role}`);
  return {
    testUrl: need('TEST_URL').replace(/\/+$/, ''),
    commit: need('COMMIT'),
    idempotencyKey: need('IDEMPOTENCY_KEY'),
    role,
    maxAttempts: Number(env.MAX_ATTEMPTS ?? '10'),
    retryDelaySeconds: Number(env.RETRY_DELAY_SECONDS ?? '30'),
    deadlineMinutes: Number(env.DEADLINE_MINUTES ?? '20'),
    clusterName: need('CLUSTER_NAME'),
  };
}
