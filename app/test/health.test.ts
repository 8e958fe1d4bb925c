import type { RunningService } from '../src/service';
import { createTestDatabase } from './support/database';
import { readJson, startTestService } from './support/service';

let service: RunningService;

beforeAll(async () => {
  service = await startTestService(await createTestDatabase());
});
afterAll(() => service.shutdown());

test('GET /health is 200 {status: ok}', async () => {
  const res = await fetch(`${service.url}/health`);
  expect(res.status).toBe(200);
  expect(await readJson(res)).toEqual({ status: 'ok' });
});

test('GET /ready is 200 when the database answers', async () => {
  const res = await fetch(`${service.url}/ready`);
  expect(res.status).toBe(200);
  expect(await readJson(res)).toEqual({ status: 'ready' });
});

test('GET /version returns the commit and build time baked into the image', async () => {
  const res = await fetch(`${service.url}/version`);
  expect(res.status).toBe(200);
  expect(await readJson(res)).toEqual({ commit: 'test-commit', buildTime: '2026-01-01T00:00:00Z' });
});

test('an unknown route is a JSON 404', async () => {
  const res = await fetch(`${service.url}/nope?x=1`);
  expect(res.status).toBe(404);
  expect(await readJson(res)).toEqual({ error: 'not_found', message: 'no route for GET /nope' });
});
