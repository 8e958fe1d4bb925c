import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeProtectedHeader } from 'jose';
import { AccessTokenVerifier } from '../src/auth/access-token';
import { IssuerKeys } from '../src/auth/issuer-keys';
import { freePort } from '../tools/local-postgres';
import { testAuthConfig } from './support/database';
import { readJson, useLocalIssuer } from './support/service';

/** The local issuer's token endpoint and `npx projen app:token` (tools/token.ts), checked by the service's own verifier. */
const local = useLocalIssuer();
const APP_DIR = join(__dirname, '..');

const verify = (token: string) =>
  new AccessTokenVerifier(testAuthConfig(local.issuer), new IssuerKeys(local.issuer.jwksUrl)).verify(token);

/** Runs tools/token.ts as `npx projen app:token` does. */
async function tokenCommand(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['-r', 'ts-node/register/transpile-only', 'tools/token.ts', ...args], {
      cwd: APP_DIR, env: { PATH: process.env.PATH },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

test('the client-credentials grant at /oauth2/token, as a client asks Cognito: a Bearer token the service accepts', async () => {
  const res = await fetch(`${local.issuer.url}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'authorization': `Basic ${Buffer.from('orders:any-secret').toString('base64')}` },
    body: 'grant_type=client_credentials&scope=transactions%2Fread',
  });
  expect(res.status).toBe(200);
  const body = await readJson(res);
  expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
  expect(decodeProtectedHeader(body.access_token)).toEqual({ alg: 'RS256', kid: local.issuer.currentKid });
  expect(await verify(body.access_token)).toEqual({ clientId: 'orders', scopes: new Set(['transactions/read']) });
});

test.each([
  ['another grant', 'grant_type=password&client_id=orders', 'unsupported_grant_type'],
  ['no client', 'grant_type=client_credentials', 'invalid_client'],
])('%s is a 400 with the OAuth error code', async (_name, form, error) => {
  const res = await fetch(`${local.issuer.url}/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
  expect(res.status).toBe(400);
  expect((await readJson(res)).error).toBe(error);
});

test('app:token prints only a token for the named client with the given scopes (all of them by default)', async () => {
  const { code, stdout } = await tokenCommand('--issuer', local.issuer.url, '--client', 'orders', '--scope', 'transactions/write');
  expect(code).toBe(0);
  expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  expect(await verify(stdout.trim())).toEqual({ clientId: 'orders', scopes: new Set(['transactions/write']) });
  const all = await tokenCommand('--issuer', local.issuer.url);
  expect(await verify(all.stdout.trim())).toEqual({ clientId: 'local-dev', scopes: new Set(['transactions/read', 'transactions/write']) });
}, 30_000);

test('app:token without a running issuer, or with a bad option, exits 1 saying what to do', async () => {
  const down = await tokenCommand('--issuer', `http://127.0.0.1:${await freePort()}`);
  expect(down.code).toBe(1);
  expect(down.stderr).toMatch(/no local issuer answers at http:\/\/127\.0\.0\.1:\d+ .*start it with npx projen app:dev/);
  const bad = await tokenCommand('--scopes', 'x');
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/unknown option --scopes: use --client <id>, --scope <scope> \(repeatable\), --issuer <url>/);
}, 30_000);
