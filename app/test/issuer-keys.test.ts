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

test('a key rotation at the issuer needs no restart: a token naming the new key id makes the service fetch the keys again', async () => {
  const { issuer, verifier } = await setUp({ cooldownMs: 0 });
  await verifier.verify(await issuer.token({ client: 'orders' }));
  await issuer.rotateKey({ dropPrevious: true });
  await expect(verifier.verify(await issuer.token({ client: 'orders' }))).resolves.toMatchObject({ clientId: 'orders' });
  expect(issuer.jwksRequests).toBe(2);
});

test('within the cooldown after a fetch, unknown key ids (made up, or a rotation just now) are refused without asking the issuer', async () => {
  const { issuer, verifier } = await setUp({ cooldownMs: 60_000 });
  await verifier.verify(await issuer.token({ client: 'orders' }));
  const made = await Promise.all(Array.from({ length: 30 }, () => issuer.token({ client: 'orders', kid: randomUUID() })));
  await issuer.rotateKey();
  made.push(await issuer.token({ client: 'orders' }));
  const results = await Promise.allSettled(made.map((token) => verifier.verify(token)));
  expect(results.map((result) => result.status === 'rejected' && (result.reason as InvalidTokenError).reason)).toEqual(Array(31).fill('unknown_key'));
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
    const { issuer, verifier } = await setUp({ timeoutMs: 1_000, failureBackoffMs: 2_000 });
    issuer.jwksBehaviour = 'hang';
    const token = await issuer.token({ client: 'orders' });
    const first = await timed(verifier.verify(token));
    expect(first.error).toBeInstanceOf(IssuerUnavailableError);
    expect(first.ms).toBeGreaterThanOrEqual(950);
    expect(first.ms).toBeLessThan(2_000);
    expect((first.error as IssuerUnavailableError).retryAfterSeconds).toBe(2);
    const second = await timed(verifier.verify(token));
    expect(second.error).toBeInstanceOf(IssuerUnavailableError);
    expect(second.ms).toBeLessThan(500); // no second wait for the timeout
    expect(issuer.jwksRequests).toBe(1);

    // Once the issuer answers again, the first request after the back-off fetches and succeeds.
    issuer.jwksBehaviour = 'serve';
    await sleep(2_000);
    await expect(verifier.verify(token)).resolves.toMatchObject({ clientId: 'orders' });
    expect(issuer.jwksRequests).toBe(2);
  });

  test('a 500 from the issuer is the same 503 (not the caller\'s fault)', async () => {
    const { issuer, verifier } = await setUp();
    issuer.jwksBehaviour = 'fail';
    await expect(verifier.verify(await issuer.token({ client: 'orders' }))).rejects.toBeInstanceOf(IssuerUnavailableError);
  });

  test('with keys known: tokens of known keys keep verifying (stale keys, one bounded wait per back-off); a new key id is a 503; after the stale limit, 503', async () => {
    const { issuer, verifier } = await setUp({ maxAgeMs: 100, timeoutMs: 1_000, failureBackoffMs: 5_000, maxStaleMs: 4_000 });
    const token = await issuer.token({ client: 'orders' });
    await verifier.verify(token);
    const fetchedAt = Date.now();
    issuer.jwksBehaviour = 'hang';
    await sleep(150); // the keys are now older than the maximum age: the next use fetches

    const first = await timed(verifier.verify(token));
    expect(first.result).toMatchObject({ clientId: 'orders' });
    expect(first.ms).toBeGreaterThanOrEqual(950); // one fetch, given up after the timeout
    const during = await Promise.all(Array.from({ length: 10 }, () => timed(verifier.verify(token))));
    expect(during.every(({ result, ms }) => result !== undefined && ms < 500)).toBe(true); // the back-off: no waiting
    expect(issuer.jwksRequests).toBe(2);

    const newKey = await issuer.token({ client: 'orders', kid: randomUUID() });
    await expect(verifier.verify(newKey)).rejects.toBeInstanceOf(IssuerUnavailableError);

    await sleep(Math.max(0, fetchedAt + 4_000 - Date.now())); // past the stale limit
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(IssuerUnavailableError);
    expect(issuer.jwksRequests).toBe(2);
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
      expect(second.ms).toBeLessThan(JWKS_TIMEOUT_MS / 2); // no second wait for the timeout
      expect(running.issuer.jwksRequests).toBe(1);
      // The probes do not depend on the issuer.
      expect((await fetch(`${running.service.url}/ready`)).status).toBe(200);
    } finally {
      running.issuer.jwksBehaviour = 'serve';
    }
  });
});
