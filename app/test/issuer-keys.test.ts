import { randomUUID } from 'node:crypto';
import { AccessTokenVerifier, InvalidTokenError } from '../src/auth/access-token';
import { IssuerKeys, IssuerKeysOptions, IssuerUnavailableError, JWKS_TIMEOUT_MS } from '../src/auth/issuer-keys';
import { LocalIssuer } from '../tools/local-issuer';
import { testAuthConfig } from './support/database';
import { readJson, useServiceWithDatabase } from './support/service';

/**
 * The issuer's keys as the service fetches them: over HTTP from a real issuer (tools/local-issuer.ts),
 * cached by key id, fetched again for a new key id (a rotation) and when old, each fetch bounded,
 * and the last good keys kept while the issuer fails.
 */

const issuers: LocalIssuer[] = [];
afterAll(() => Promise.all(issuers.map((issuer) => issuer.stop())));

async function setUp(options: IssuerKeysOptions = {}): Promise<{ issuer: LocalIssuer; verifier: AccessTokenVerifier }> {
  const issuer = await LocalIssuer.start();
  issuers.push(issuer);
  return { issuer, verifier: new AccessTokenVerifier(testAuthConfig(issuer), new IssuerKeys(issuer.jwksUrl, options)) };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function timed<T>(work: Promise<T>): Promise<{ result?: T; error?: unknown; ms: number }> {
  const started = performance.now();
  try {
    return { result: await work, ms: performance.now() - started };
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
}

test('the key set is fetched once and cached: 50 verifications, 1 request to the issuer', async () => {
  const { issuer, verifier } = await setUp();
  const tokens = await Promise.all(Array.from({ length: 50 }, (_, i) => issuer.token({ client: `client-${i % 5}` })));
  const clients = await Promise.all(tokens.map((token) => verifier.verify(token)));
  expect(clients[7]).toEqual({ clientId: 'client-2', scopes: new Set(['transactions/read', 'transactions/write']) });
  expect(issuer.jwksRequests).toBe(1);
});

test('a key rotation at the issuer needs no restart: the new key id is fetched once the cooldown has passed', async () => {
  const { issuer, verifier } = await setUp({ cooldownMs: 300 });
  await verifier.verify(await issuer.token({ client: 'orders' }));
  await issuer.rotateKey({ dropPrevious: true });
  const rotated = await issuer.token({ client: 'orders' });
  // Within the cooldown of the last fetch, an unknown key id is refused without asking the issuer.
  await expect(verifier.verify(rotated)).rejects.toThrow(new InvalidTokenError('unknown_key', 'the access token was signed with a key the issuer does not publish'));
  expect(issuer.jwksRequests).toBe(1);
  await sleep(300);
  await expect(verifier.verify(rotated)).resolves.toMatchObject({ clientId: 'orders' });
  expect(issuer.jwksRequests).toBe(2);
});

test('a flood of made-up key ids costs the issuer at most one request per cooldown', async () => {
  const { issuer, verifier } = await setUp({ cooldownMs: 60_000 });
  await verifier.verify(await issuer.token({ client: 'orders' }));
  const made = await Promise.all(Array.from({ length: 30 }, () => issuer.token({ client: 'orders', kid: randomUUID() })));
  const results = await Promise.allSettled(made.map((token) => verifier.verify(token)));
  expect(results.every((result) => result.status === 'rejected' && (result.reason as InvalidTokenError).reason === 'unknown_key')).toBe(true);
  expect(issuer.jwksRequests).toBe(1);
});

test('keys older than the maximum age are fetched again before use (a withdrawn key stops verifying)', async () => {
  const { issuer, verifier } = await setUp({ maxAgeMs: 200, cooldownMs: 60_000 });
  const old = await issuer.token({ client: 'orders' });
  await verifier.verify(old);
  await issuer.rotateKey({ dropPrevious: true });
  await sleep(250);
  await expect(verifier.verify(old)).rejects.toThrow(InvalidTokenError);
  expect(issuer.jwksRequests).toBe(2);
});

describe('an issuer that hangs or fails', () => {
  test('before any key is known: the fetch gives up after the timeout (503 issuer_unavailable); for the back-off, requests fail at once without asking again', async () => {
    const { issuer, verifier } = await setUp({ timeoutMs: 300, failureBackoffMs: 1_000 });
    issuer.jwksBehaviour = 'hang';
    const token = await issuer.token({ client: 'orders' });
    const first = await timed(verifier.verify(token));
    expect(first.error).toBeInstanceOf(IssuerUnavailableError);
    expect(first.ms).toBeGreaterThanOrEqual(250);
    expect(first.ms).toBeLessThan(800);
    expect((first.error as IssuerUnavailableError).retryAfterSeconds).toBe(1);
    const second = await timed(verifier.verify(token));
    expect(second.error).toBeInstanceOf(IssuerUnavailableError);
    expect(second.ms).toBeLessThan(100);
    expect(issuer.jwksRequests).toBe(1);

    // Once the issuer answers again, the first request after the back-off fetches and succeeds.
    issuer.jwksBehaviour = 'serve';
    await sleep(1_000);
    await expect(verifier.verify(token)).resolves.toMatchObject({ clientId: 'orders' });
    expect(issuer.jwksRequests).toBe(2);
  });

  test('a 500 from the issuer is the same 503 (not the caller\'s fault)', async () => {
    const { issuer, verifier } = await setUp();
    issuer.jwksBehaviour = 'fail';
    await expect(verifier.verify(await issuer.token({ client: 'orders' }))).rejects.toBeInstanceOf(IssuerUnavailableError);
  });

  test('with keys known: tokens of known keys keep verifying (stale keys, one bounded wait per back-off); a new key id is a 503; after the stale limit, 503', async () => {
    const { issuer, verifier } = await setUp({ maxAgeMs: 100, timeoutMs: 300, failureBackoffMs: 500, maxStaleMs: 2_000 });
    const token = await issuer.token({ client: 'orders' });
    await verifier.verify(token);
    issuer.jwksBehaviour = 'hang';
    await sleep(150); // the keys are now older than the maximum age: the next use fetches

    const first = await timed(verifier.verify(token));
    expect(first.result).toMatchObject({ clientId: 'orders' });
    expect(first.ms).toBeLessThan(800); // one fetch, given up after the timeout
    const during = await Promise.all(Array.from({ length: 10 }, () => timed(verifier.verify(token))));
    expect(during.every(({ result, ms }) => result !== undefined && ms < 100)).toBe(true); // the back-off: no waiting
    expect(issuer.jwksRequests).toBe(2);

    const newKey = await issuer.token({ client: 'orders', kid: randomUUID() });
    await expect(verifier.verify(newKey)).rejects.toBeInstanceOf(IssuerUnavailableError);

    await sleep(2_000); // past the stale limit
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(IssuerUnavailableError);
  });
});

describe('through the service (the production timings)', () => {
  const running = useServiceWithDatabase();

  test(`a hung issuer at the first request: 503 issuer_unavailable with Retry-After within ${JWKS_TIMEOUT_MS} ms, then at once`, async () => {
    running.issuer.jwksBehaviour = 'hang';
    try {
      const token = await running.issuer.token({ client: 'orders' });
      const call = (): Promise<{ status: number; retryAfter: string | null; body: Record<string, unknown>; ms: number }> => {
        const started = performance.now();
        return fetch(`${running.service.url}/transactions/${randomUUID()}`, { headers: { authorization: `Bearer ${token}` } })
          .then(async (res) => ({ status: res.status, retryAfter: res.headers.get('retry-after'), body: await readJson(res), ms: performance.now() - started }));
      };
      const first = await call();
      expect(first).toEqual({
        status: 503,
        retryAfter: '5',
        body: { error: 'issuer_unavailable', message: 'the access token cannot be checked now (the token issuer does not answer); retry after 5 s' },
        ms: expect.any(Number),
      });
      expect(first.ms).toBeGreaterThanOrEqual(JWKS_TIMEOUT_MS - 100);
      expect(first.ms).toBeLessThan(JWKS_TIMEOUT_MS + 1_000);
      const second = await call();
      expect(second.status).toBe(503);
      expect(Number(second.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(second.ms).toBeLessThan(200);
      // The probes do not depend on the issuer.
      expect((await fetch(`${running.service.url}/ready`)).status).toBe(200);
    } finally {
      running.issuer.jwksBehaviour = 'serve';
    }
  });
});
