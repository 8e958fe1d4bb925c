import type { RunningService } from '../src/service';
import { createTestDatabase } from './support/database';
import { readJson, startTestService } from './support/service';
import { LocalIssuer } from '../tools/local-issuer';

let service: RunningService;
let issuer: LocalIssuer;

beforeAll(async () => {
  issuer = await LocalIssuer.start();
  service = await startTestService(await createTestDatabase(), issuer);
});
afterAll(async () => {
  await service.shutdown();
  await issuer.stop();
});

test('GET /health is 200 {status: ok}', async () => {
  const res = await fetch(`${service.url}/health`);
  expect(res.status).toBe(200);
  expect(await readJson(res)).toEqual({ status: 'ok' });
});

test('GET /ready is 200 with the role when the database answers', async () => {
  const res = await fetch(`${service.url}/ready`);
  expect(res.status).toBe(200);
  expect(await readJson(res)).toEqual({ status: 'ready', region: 'local', role: 'writer', writerRegion: 'local' });
});

test('GET /health/deep is 200 with region and role; ?require=writer too on a writer', async () => {
  for (const path of ['/health/deep', '/health/deep?require=writer']) {
    const res = await fetch(`${service.url}${path}`);
    expect(res.status).toBe(200);
    expect(await readJson(res)).toEqual({ status: 'ok', region: 'local', role: 'writer', writerRegion: 'local' });
  }
});

test.each([
  ['/health/deep?require=reader', 'require', 'require must be "writer" (or absent)'],
  ['/health/deep?require=writer&require=writer', 'require', 'require must be "writer" (or absent)'],
  ['/health/deep?verbose=1', 'verbose', 'verbose is not a known query parameter; use require=writer'],
])('GET %s is a 400 naming the parameter', async (path, field, message) => {
  const res = await fetch(`${service.url}${path}`);
  expect(res.status).toBe(400);
  expect(await readJson(res)).toEqual({ error: 'validation', field, message });
});

test('GET /version returns the commit and build time baked into the image', async () => {
  const res = await fetch(`${service.url}/version`);
  expect(res.status).toBe(200);
  expect(await readJson(res)).toEqual({ commit: 'test-commit', buildTime: '2026-01-01T00:00:00Z' });
});

test('the probes and /version need no token (they reveal no transaction), also as HEAD', async () => {
  for (const path of ['/health', '/ready', '/health/deep', '/version']) {
    expect((await fetch(`${service.url}${path}`, { method: 'HEAD' })).status).toBe(200);
  }
});

test('an unknown route is a JSON 404 for a caller with a token, and a 401 without one (no route map for strangers)', async () => {
  const token = await issuer.token({ client: 'health-test' });
  const res = await fetch(`${service.url}/nope?x=1`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(404);
  expect(await readJson(res)).toEqual({ error: 'not_found', message: 'no route for GET /nope' });
  const anonymous = await fetch(`${service.url}/nope?x=1`);
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="transactions"');
});
