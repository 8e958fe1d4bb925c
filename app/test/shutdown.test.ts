import { randomUUID } from 'node:crypto';
import { createTestDatabase } from './support/database';
import { lockTransactions } from './support/locks';
import { apiClient, startTestService, useLocalIssuer } from './support/service';

const local = useLocalIssuer();

test('shutdown lets an in-flight request finish, refuses new ones, then resolves', async () => {
  const database = await createTestDatabase();
  const service = await startTestService(database, local.issuer);
  const api = await apiClient(service.url, local.issuer);
  const lock = await lockTransactions(database);

  const inFlight = api.post({ amount: '7.00', currency: 'USD' }, `drain-${randomUUID()}`);
  await lock.waitForBlockedInsert();

  let closed = false;
  const closing = service.shutdown().then(() => { closed = true; });
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(closed).toBe(false); // still draining

  // A new request is refused (connection refused, or 503 on a reused keep-alive socket).
  const late = await fetch(`${service.url}/health`).then((res) => res.status, () => 'refused');
  expect([503, 'refused']).toContain(late);

  await lock.release();
  const res = await inFlight;
  expect(res.status).toBe(201);
  // the drained keep-alive socket is closed after its response, so close() can finish
  expect(res.headers.get('connection')).toBe('close');
  await closing;
  expect(closed).toBe(true);
});
