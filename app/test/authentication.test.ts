import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import type { AuthConfig } from '../src/auth/auth-config';
import { createLogger } from '../src/logger';
import { buildServer } from '../src/server';
import { LocalIssuer } from '../tools/local-issuer';
import { createMigratedDatabase, testAuthConfig } from './support/database';
import { foreignKeyToken, hmacWithPublicKeyToken, tamperedToken, unsignedToken } from './support/forged-tokens';
import { readJson } from './support/service';

/**
 * The refusals of src/http/authentication.ts, against the real verification code and a real
 * issuer (tools/local-issuer.ts, its key set over HTTP). Every refusal is counted against the
 * database (none may reach it) and every log line is kept (none may hold a token).
 */

let issuer: LocalIssuer;
let pool: Pool;
let acquired = 0;
const logLines: string[] = [];
const servers: FastifyInstance[] = [];

/** A service on the shared database with its own authentication settings; logs into logLines. */
async function serve(auth: Partial<AuthConfig> = {}): Promise<string> {
  const logger = createLogger('info', { write: (line: string) => { logLines.push(line); } });
  const server = buildServer({ pool, logger, build: { commit: 'c', buildTime: 't' }, auth: { ...testAuthConfig(issuer), ...auth } });
  servers.push(server);
  return server.listen({ host: '127.0.0.1', port: 0 });
}

let url: string;
beforeAll(async () => {
  issuer = await LocalIssuer.start();
  ({ pool } = await createMigratedDatabase());
  pool.on('acquire', () => { acquired += 1; });
  url = await serve();
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await pool.end();
  await issuer.stop();
});

const token = (client: string, options: Omit<Parameters<LocalIssuer['token']>[0], 'client'> = {}): Promise<string> =>
  issuer.token({ client, ...options });
const now = (): number => Math.floor(Date.now() / 1000);

/** Every route that serves data, each needing a token. */
const ROUTES = [
  { method: 'POST', path: '/transactions', scope: 'transactions/write' },
  { method: 'GET', path: `/transactions/${randomUUID()}`, scope: 'transactions/read' },
  { method: 'GET', path: '/transactions/by-idempotency-key/order-0001', scope: 'transactions/read' },
] as const;

function call(base: string, route: { method: string; path: string }, authorization?: string): Promise<Response> {
  return fetch(`${base}${route.path}`, {
    method: route.method,
    headers: {
      ...(authorization === undefined ? {} : { authorization }),
      ...(route.method === 'POST' ? { 'content-type': 'application/json', 'idempotency-key': `auth-${randomUUID()}` } : {}),
    },
    body: route.method === 'POST' ? JSON.stringify({ amount: '1.00', currency: 'EUR' }) : undefined,
  });
}

describe('no token (RFC 6750 section 3.1: a bare challenge, no error code)', () => {
  test.each([
    ['no Authorization header', undefined],
    ['another scheme', 'Basic b3JkZXJzOnNlY3JldA=='],
    ['Bearer without a token', 'Bearer '],
    ['an empty header', ''],
  ])('%s -> 401 with WWW-Authenticate: Bearer realm="transactions", on every data route', async (_name, authorization) => {
    for (const route of ROUTES) {
      const res = await call(url, route, authorization);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="transactions"');
      expect(await readJson(res)).toEqual({
        error: 'unauthorized',
        field: 'Authorization',
        message: 'an access token is required: send Authorization: Bearer <token> (app/README.md, "Authentication")',
      });
    }
  });

  test('unknown routes and wrong methods are 401 too (no map of the API for strangers); the probes are not', async () => {
    for (const [method, path] of [['GET', '/nope'], ['DELETE', `/transactions/${randomUUID()}`], ['PUT', '/transactions']]) {
      expect((await fetch(`${url}${path}`, { method })).status).toBe(401);
    }
    for (const path of ['/health', '/ready', '/health/deep', '/version']) expect((await fetch(`${url}${path}`)).status).toBe(200);
  });
});

/** Tokens that must be refused as invalid_token, with the description the caller gets. */
const INVALID: readonly { readonly name: string; readonly make: () => Promise<string> | string; readonly description: string }[] = [
  { name: 'not a JWT', make: () => 'not-a-jwt', description: 'the access token is malformed' },
  { name: 'not a b64token (spaces, quotes)', make: () => 'abc "def"', description: 'the access token is malformed' },
  { name: 'three parts of garbage', make: () => 'a.b.c', description: 'the access token is malformed' },
  { name: 'expired', make: () => token('orders', { claims: { iat: now() - 3600, exp: now() - 60 } }), description: 'the access token expired' },
  { name: 'not valid yet (nbf in 60 s)', make: () => token('orders', { claims: { nbf: now() + 60 } }), description: 'the access token is not valid yet' },
  {
    name: 'another issuer (signed with the right key)',
    make: () => token('orders', { claims: { iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other' } }),
    description: 'the access token was not issued by the expected issuer',
  },
  { name: 'a tampered payload (bad signature)', make: async () => tamperedToken(await token('orders'), 'billing'), description: 'the access token signature is invalid' },
  { name: 'alg none', make: () => unsignedToken(issuer, 'orders'), description: 'the access token must be signed with RS256' },
  { name: 'HS256 keyed with the public key', make: () => hmacWithPublicKeyToken(issuer, 'orders'), description: 'the access token must be signed with RS256' },
  { name: 'a key the issuer does not publish (unknown kid)', make: () => foreignKeyToken(issuer, 'orders', 'own'), description: 'the access token was signed with a key the issuer does not publish' },
  { name: 'a foreign key under the issuer\'s kid', make: () => foreignKeyToken(issuer, 'orders', 'issuers'), description: 'the access token signature is invalid' },
  { name: 'an ID token (token_use id)', make: () => token('orders', { claims: { token_use: 'id' } }), description: 'the token is not an access token' },
  { name: 'no client_id', make: () => token('orders', { claims: { client_id: undefined } }), description: 'the access token lacks the claim client_id' },
  { name: 'no exp', make: () => token('orders', { claims: { exp: undefined } }), description: 'the access token lacks the claim exp' },
  { name: 'the legacy owner as client_id', make: () => token('legacy:unauthenticated'), description: 'the access token has an invalid client_id' },
  { name: 'scope not a string', make: () => token('orders', { claims: { scope: ['transactions/read'] } }), description: 'the access token has an invalid scope claim' },
  {
    name: 'another API\'s scopes only (Cognito: the wrong audience)',
    make: () => token('orders', { scopes: ['billing/read', 'billing/write'] }),
    description: 'the access token was not issued for this API',
  },
  { name: 'no scope at all (Cognito: the wrong audience)', make: () => token('orders', { claims: { scope: undefined } }), description: 'the access token was not issued for this API' },
  { name: 'over 8 KiB', make: async () => `${await token('orders')}${'A'.repeat(8 * 1024)}`, description: 'the access token is too long' },
];

describe('a token that does not verify -> 401 invalid_token, the reason in error_description, never a claim value', () => {
  test.each(INVALID)('$name', async ({ make, description }) => {
    const bearer = `Bearer ${await make()}`;
    for (const route of ROUTES) {
      const res = await call(url, route, bearer);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="transactions", error="invalid_token", error_description="${description}"`);
      expect(await readJson(res)).toEqual({ error: 'invalid_token', field: 'Authorization', message: description });
    }
  });

  test('a token 3 s past exp still verifies (clock tolerance 5 s), 7 s past does not', async () => {
    const within = await call(url, ROUTES[1], `Bearer ${await token('orders', { claims: { exp: now() - 3 } })}`);
    expect(within.status).toBe(404);
    const beyond = await call(url, ROUTES[1], `Bearer ${await token('orders', { claims: { exp: now() - 7 } })}`);
    expect(beyond.status).toBe(401);
  });
});

describe('a valid token without the route\'s scope -> 403 insufficient_scope naming the scope', () => {
  test.each([
    ['a read-only token', ['transactions/read']],
    ['a write-only token', ['transactions/write']],
    ['a token of this API with another scope', ['transactions/admin']],
  ])('%s', async (_name, scopes) => {
    const bearer = `Bearer ${await token('orders', { scopes })}`;
    for (const route of ROUTES) {
      const res = await call(url, route, bearer);
      if (scopes.includes(route.scope)) {
        expect([201, 404]).toContain(res.status);
        continue;
      }
      expect(res.status).toBe(403);
      expect(res.headers.get('www-authenticate')).toBe(
        `Bearer realm="transactions", error="insufficient_scope", error_description="this request needs the scope ${route.scope}", scope="${route.scope}"`,
      );
      expect(await readJson(res)).toEqual({ error: 'insufficient_scope', field: 'Authorization', message: `this request needs the scope ${route.scope}` });
    }
  });

  test('Bearer is case-insensitive and the scopes may come in any order', async () => {
    const res = await call(url, ROUTES[1], `bearer ${await token('orders', { scopes: ['openid', 'transactions/write', 'transactions/read'] })}`);
    expect(res.status).toBe(404);
  });
});

describe('a standard issuer: AUTH_AUDIENCE makes `aud` required', () => {
  let audienceUrl: string;
  beforeAll(async () => {
    audienceUrl = await serve({ audiences: ['https://api.example.com'] });
  });

  test('the right audience passes, with or without a scope of the resource server (then 403)', async () => {
    expect((await call(audienceUrl, ROUTES[1], `Bearer ${await token('orders', { claims: { aud: 'https://api.example.com' } })}`)).status).toBe(404);
    expect((await call(audienceUrl, ROUTES[1], `Bearer ${await token('orders', { claims: { aud: ['other', 'https://api.example.com'] } })}`)).status).toBe(404);
    expect((await call(audienceUrl, ROUTES[1], `Bearer ${await token('orders', { scopes: [], claims: { aud: 'https://api.example.com' } })}`)).status).toBe(403);
  });

  test.each([
    ['another audience', { aud: 'https://other.example.com' }, 'the access token was not issued for this API'],
    ['no aud (a Cognito token)', {}, 'the access token lacks the claim aud'],
  ])('%s -> 401 invalid_token', async (_name, claims, description) => {
    const res = await call(audienceUrl, ROUTES[1], `Bearer ${await token('orders', { claims })}`);
    expect(res.status).toBe(401);
    expect((await readJson(res)).message).toBe(description);
  });
});

test('AUTH_CLIENT_IDS: a client not listed is refused (revocation before its tokens expire)', async () => {
  const allowlistUrl = await serve({ allowedClients: ['orders'] });
  expect((await call(allowlistUrl, ROUTES[1], `Bearer ${await token('orders')}`)).status).toBe(404);
  const res = await call(allowlistUrl, ROUTES[1], `Bearer ${await token('billing')}`);
  expect(res.status).toBe(401);
  expect(await readJson(res)).toEqual({ error: 'invalid_token', field: 'Authorization', message: 'the client of this access token may not call this API' });
});

describe('no refusal reaches the database, and no log line holds a token', () => {
  test('every refusal above left the pool untouched; an accepted request uses it', async () => {
    // All earlier tests of this file ran refusals and 404s of unknown ids; count only from here.
    acquired = 0;
    const refusals = [
      undefined, 'Basic x', 'Bearer a.b.c', `Bearer ${await token('orders', { claims: { exp: now() - 60 } })}`,
      `Bearer ${unsignedToken(issuer, 'orders')}`, `Bearer ${await token('orders', { scopes: ['transactions/read'] })}`,
    ];
    for (const authorization of refusals) {
      const res = await call(url, ROUTES[0], authorization);
      expect([401, 403]).toContain(res.status);
    }
    expect(acquired).toBe(0);
    expect((await call(url, ROUTES[0], `Bearer ${await token('orders')}`)).status).toBe(201);
    expect(acquired).toBeGreaterThan(0);
  });

  test('the log: one line per request with clientId (null when refused), the reason of refusals, no token anywhere', async () => {
    logLines.length = 0;
    const good = await token('orders');
    const expired = await token('orders', { claims: { exp: now() - 60 } });
    const readOnly = await token('orders', { scopes: ['transactions/read'] });
    const created = await call(url, ROUTES[0], `Bearer ${good}`);
    expect(created.status).toBe(201);
    expect((await call(url, ROUTES[0], `Bearer ${expired}`)).status).toBe(401);
    expect((await call(url, ROUTES[0], `Bearer ${readOnly}`)).status).toBe(403);
    expect((await call(url, ROUTES[0])).status).toBe(401);

    const text = logLines.join('');
    for (const secret of [good, expired, readOnly]) {
      for (const part of secret.split('.')) expect(text).not.toContain(part);
    }
    const lines = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const completed = lines.filter((line) => line.msg === 'request completed');
    expect(completed.map(({ clientId, statusCode, method, route }) => ({ clientId, statusCode, method, route }))).toEqual([
      { clientId: 'orders', statusCode: 201, method: 'POST', route: '/transactions' },
      { clientId: null, statusCode: 401, method: 'POST', route: '/transactions' },
      { clientId: 'orders', statusCode: 403, method: 'POST', route: '/transactions' },
      { clientId: null, statusCode: 401, method: 'POST', route: '/transactions' },
    ]);
    // The audit trail of the create, and the reasons of the refusals.
    const { id } = await readJson(created);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'transaction created', clientId: 'orders', transactionId: id }));
    expect(lines.filter((line) => typeof line.reason === 'string').map(({ reason, clientId }) => ({ reason, clientId }))).toEqual([
      { reason: 'expired', clientId: null },
      { reason: 'insufficient_scope', clientId: 'orders' },
      { reason: 'no_token', clientId: null },
    ]);
    // Every line of a request carries its client id (once: no duplicate keys in the JSON).
    for (const line of logLines) expect(line.match(/"clientId"/g) ?? []).toHaveLength(line.includes('"reqId"') ? 1 : 0);
  });
});
