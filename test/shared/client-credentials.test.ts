import * as http from 'http';
import { AddressInfo } from 'net';
import {
  basicAuthorization, CachedToken, ClientCredentialsError, parseClientCredentials, READ_SCOPE, requestAccessToken, WRITE_SCOPE,
} from '../../src/shared/client-credentials';

/**
 * The checks' client-credentials request (src/shared/client-credentials.ts) against a real HTTP
 * server answering like Cognito's token endpoint (https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html):
 * what it sends, what it makes of each answer, and that no error message carries a secret.
 */

let server: http.Server;
let base: string;
let answer: (form: URLSearchParams, auth: string | undefined, res: http.ServerResponse) => void;
const seen: Array<{ form: string; auth?: string; type?: string }> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      seen.push({ form: body, auth: req.headers.authorization, type: req.headers['content-type'] });
      answer(new URLSearchParams(body), req.headers.authorization, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const SECRET = 'n0t4real0secret0n0t4real0secret0n0t4real0secret000';
const creds = () => ({ clientId: '1example23456789', clientSecret: SECRET, tokenUrl: `${base}/oauth2/token` });

describe('requestAccessToken', () => {
  test('sends Cognito\'s client-credentials request and keeps the token with its expiry', async () => {
    answer = (_form, _auth, res) => json(res, 200, { access_token: 'eyJ.a.b', expires_in: 1800, token_type: 'Bearer' });
    seen.length = 0;
    const token = await requestAccessToken(creds(), [READ_SCOPE, WRITE_SCOPE], { now: () => 1_000_000 });
    expect(token).toEqual({ token: 'eyJ.a.b', expiresAt: 1_000_000 + 1800 * 1000 });
    expect(seen).toEqual([{
      form: 'grant_type=client_credentials&scope=transactions%2Fread+transactions%2Fwrite',
      type: 'application/x-www-form-urlencoded',
      // Basic base64(client_id:client_secret), as the Cognito page writes it.
      auth: `Basic ${Buffer.from(`1example23456789:${SECRET}`).toString('base64')}`,
    }]);
    expect(basicAuthorization(creds())).toBe(seen[0].auth);
  });

  test('without scopes the form names none (Cognito then grants every scope of the client)', async () => {
    seen.length = 0;
    await requestAccessToken(creds(), []);
    expect(seen[0].form).toBe('grant_type=client_credentials');
  });

  test.each([
    ['a refusal', (res: http.ServerResponse) => json(res, 400, { error: 'invalid_client' }), /answered HTTP 400 invalid_client$/],
    ['a scope the client lacks', (res: http.ServerResponse) => json(res, 400, { error: 'invalid_scope' }), /answered HTTP 400 invalid_scope$/],
    ['a server error without JSON', (res: http.ServerResponse) => { res.writeHead(503); res.end('busy'); }, /answered HTTP 503$/],
    ['200 without a token', (res: http.ServerResponse) => json(res, 200, { token_type: 'Bearer' }), /answered 200 without an access_token$/],
  ])('%s is an error naming the endpoint, the status and the OAuth code, never the secret', async (_name, respond, message) => {
    answer = (_form, _auth, res) => respond(res);
    const err = await requestAccessToken(creds(), [READ_SCOPE]).catch((e) => e);
    expect(err).toBeInstanceOf(ClientCredentialsError);
    expect(err.message).toMatch(message);
    expect(err.message).toContain(`${base}/oauth2/token`);
    expect(err.message).not.toContain(SECRET);
    expect(err.message).not.toContain(basicAuthorization(creds()).slice(6));
  });

  test('a hung endpoint is abandoned after the timeout; nothing listening is a network error', async () => {
    answer = () => undefined; // never answers
    const started = Date.now();
    await expect(requestAccessToken(creds(), [READ_SCOPE], { timeoutMs: 200 })).rejects.toThrow(/timed out$/);
    expect(Date.now() - started).toBeLessThan(2000);
    await expect(requestAccessToken({ ...creds(), tokenUrl: 'http://127.0.0.1:1/oauth2/token' }, [READ_SCOPE])).rejects.toThrow(/failed \(TypeError: fetch failed\)/);
  });
});

describe('parseClientCredentials', () => {
  const ok = { client_id: 'c', client_secret: 's', token_url: 'https://x.auth.us-east-1.amazoncognito.com/oauth2/token' };
  test('reads the three fields; extra fields (user_pool_id, client_secret_id) are fine', () => {
    expect(parseClientCredentials(JSON.stringify({ ...ok, user_pool_id: 'us-east-1_X' }))).toEqual({ clientId: 'c', clientSecret: 's', tokenUrl: ok.token_url });
  });
  test.each([
    [undefined, /is not JSON/],
    ['s3cr3t', /is not JSON/],
    ['["s3cr3t"]', /is not a JSON object/],
    [JSON.stringify({ client_secret: 's3cr3t' }), /lacks client_id, token_url$/],
    [JSON.stringify({ ...ok, client_secret: '' }), /lacks client_secret$/],
    [JSON.stringify({ ...ok, token_url: 'ftp://x/oauth2/token' }), /token_url is not an https URL/],
    [JSON.stringify({ ...ok, token_url: 'http://evil.example/oauth2/token' }), /token_url is not an https URL/],
  ])('refuses %s, naming what is wrong and no value', (value, message) => {
    expect(() => parseClientCredentials(value)).toThrow(message);
    try {
      parseClientCredentials(value);
    } catch (e) {
      expect((e as Error).message).not.toContain('s3cr3t');
    }
  });
});

describe('CachedToken', () => {
  test('asks for a new token only when there is none or it expires within the margin; a failure is not kept', async () => {
    let now = 0;
    let issued = 0;
    let fail = false;
    const cache = new CachedToken(async () => {
      if (fail) throw new Error('issuer down');
      issued++;
      return { token: `t${issued}`, expiresAt: now + 30 * 60_000 };
    }, 60_000, () => now);
    expect(await cache.get()).toBe('t1');
    now += 28 * 60_000;
    expect(await cache.get()).toBe('t1');
    now += 60_000; // 1 minute left: within the margin
    expect(await cache.get()).toBe('t2');
    cache.clear();
    fail = true;
    await expect(cache.get()).rejects.toThrow('issuer down');
    fail = false;
    expect(await cache.get()).toBe('t3');
  });
});
