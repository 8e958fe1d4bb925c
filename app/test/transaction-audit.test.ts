import { createHash, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { AuditSink, stdoutAuditSink, TransactionAuditRecord } from '../src/audit/transaction-audit';
import type { DatabaseConfig, RegionConfig } from '../src/config';
import { RunningService, startService, StartOptions } from '../src/service';
import { AppConfigAgentStandIn, killSwitch } from './support/appconfig-agent';
import { createMigratedDatabase, testAppConfig } from './support/database';
import { createRole } from './support/read-only';
import { ApiClient, apiClient, readJson, TEST_CLIENT, useLocalIssuer } from './support/service';

/**
 * The transaction audit records (src/audit/transaction-audit.ts), through the service on the real
 * PostgreSQL of the run: exactly one per accepted transaction, with exactly the documented fields.
 */

/** A sink that keeps what it is given. */
function memorySink(): AuditSink & { records: TransactionAuditRecord[] } {
  const records: TransactionAuditRecord[] = [];
  return { records, write: (record) => { records.push(record); } };
}

const PRIMARY: RegionConfig = { serviceRegion: 'us-east-1', writerRegion: 'us-east-1' };
const SECONDARY: RegionConfig = { serviceRegion: 'us-east-2', writerRegion: 'us-east-1' };
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

let pool: Pool;
let database: DatabaseConfig;
const local = useLocalIssuer();
const services: RunningService[] = [];
/** A service and a client of it (TEST_CLIENT, both scopes). */
async function serve(options: StartOptions, region = PRIMARY, db = database): Promise<{ service: RunningService; api: ApiClient }> {
  const service = await startService({ ...testAppConfig(db, local.issuer), region }, options);
  services.push(service);
  return { service, api: await apiClient(service.url, local.issuer) };
}
const agents: AppConfigAgentStandIn[] = [];
beforeAll(async () => {
  ({ pool, database } = await createMigratedDatabase());
});
afterAll(async () => {
  await Promise.all(services.map((s) => s.shutdown()));
  await Promise.all(agents.map((a) => a.down()));
  await pool.end();
});

test('a 201 writes one record: id, client, amount, currency, the key\'s SHA-256, creation time, region; never the key, the description, the token or anything else', async () => {
  const sink = memorySink();
  const { api } = await serve({ auditSink: sink });
  const key = `order-4711-customer-jane.doe-${randomUUID()}`;
  const before = Date.now();
  const res = await api.post({ amount: '1000', currency: 'JPY', description: 'Jane Doe, 1 Main St' }, key);
  expect(res.status).toBe(201);
  const transaction = await readJson(res);

  expect(sink.records).toHaveLength(1);
  const [record] = sink.records;
  expect(record).toEqual({
    auditType: 'transaction.accepted',
    auditVersion: 1,
    transactionId: transaction.id,
    clientId: TEST_CLIENT,
    amount: '1000',
    currency: 'JPY',
    idempotencyKeySha256: sha256(key),
    createdAt: transaction.createdAt,
    region: 'us-east-1',
    recordedAt: expect.any(String),
  });
  expect(Date.parse(record.recordedAt)).toBeGreaterThanOrEqual(before - 1000);
  expect(record.idempotencyKeySha256).toMatch(/^[0-9a-f]{64}$/);
  // Nothing a client typed besides amount and currency: not the key, not the description; not the token.
  const line = JSON.stringify(record);
  for (const typed of [key, 'jane', 'Jane', 'Main St', api.token, ...api.token.split('.')]) expect(line).not.toContain(typed);
  // The record names the row the database holds.
  const { rows } = await pool.query('SELECT id, currency FROM transactions WHERE client_id = $1 AND client_idempotency_key = $2', [TEST_CLIENT, key]);
  expect(rows).toEqual([{ id: transaction.id, currency: 'JPY' }]);
});

test('the client is the token\'s client_id (not its sub): two clients with the same key get a record each, under their own id', async () => {
  const sink = memorySink();
  const { service } = await serve({ auditSink: sink });
  const key = `order-0001-${randomUUID()}`;
  const payment = { amount: '7.00', currency: 'EUR' };
  // A token whose sub names someone else (a user who delegated): the owner is still client_id.
  const orders = new ApiClient(service.url, await local.issuer.token({ client: 'orders-app', claims: { sub: 'user-jane' } }));
  const billing = await apiClient(service.url, local.issuer, 'billing-app');
  const first = await orders.post(payment, key);
  const second = await billing.post(payment, key);
  expect([first.status, second.status]).toEqual([201, 201]);

  expect(sink.records.map((r) => r.clientId)).toEqual(['orders-app', 'billing-app']);
  const [ordersId, billingId] = [(await readJson(first)).id, (await readJson(second)).id];
  expect(sink.records.map((r) => r.transactionId)).toEqual([ordersId, billingId]);
  // The same key hashes alike: the client id is what tells the two records apart.
  expect(sink.records[0].idempotencyKeySha256).toBe(sink.records[1].idempotencyKeySha256);
  expect(JSON.stringify(sink.records)).not.toContain('user-jane');
  // Each record's client is the row's owner in the database.
  const { rows } = await pool.query('SELECT id, client_id FROM transactions WHERE id = ANY($1) ORDER BY client_id', [[ordersId, billingId]]);
  expect(rows).toEqual([{ id: billingId, client_id: 'billing-app' }, { id: ordersId, client_id: 'orders-app' }]);
  // A replay by either client writes nothing more.
  expect((await orders.post(payment, key)).status).toBe(200);
  expect(sink.records).toHaveLength(2);
});

test('no record for anything that is not a new transaction: a replay, a 422 conflict, a 400, a read', async () => {
  const sink = memorySink();
  const { api } = await serve({ auditSink: sink });
  const key = `once-${randomUUID()}`;
  const payment = { amount: '12.50', currency: 'EUR' };
  expect((await api.post(payment, key)).status).toBe(201);
  expect(sink.records).toHaveLength(1);
  const replay = await api.post(payment, key);
  expect(replay.status).toBe(200);
  const conflict = await api.post({ amount: '99.00', currency: 'EUR' }, key);
  expect(conflict.status).toBe(422);
  expect((await api.post({ amount: 12.5, currency: 'EUR' }, `bad-${randomUUID()}`)).status).toBe(400);
  expect((await api.post(payment, null)).status).toBe(400);
  expect((await api.get(`/transactions/${sink.records[0].transactionId}`)).status).toBe(200);
  expect(sink.records).toHaveLength(1);
});

test('20 concurrent requests with one key: one transaction, one record', async () => {
  const sink = memorySink();
  const { api } = await serve({ auditSink: sink });
  const key = `concurrent-${randomUUID()}`;
  const responses = await Promise.all(Array.from({ length: 20 }, () => api.post({ amount: '42.00', currency: 'USD' }, key)));
  expect(responses.map((r) => r.status).filter((s) => s === 201)).toHaveLength(1);
  expect(sink.records).toHaveLength(1);
  expect(sink.records[0].idempotencyKeySha256).toBe(sha256(key));
});

test('no record for a write refused by a read-only region or by the kill switch', async () => {
  const readOnlySink = memorySink();
  const reader = await serve({ auditSink: readOnlySink }, SECONDARY, await createRole(database, true));
  expect((await reader.api.post({ amount: '1.00', currency: 'EUR' }, `ro-${randomUUID()}`)).status).toBe(503);
  expect(readOnlySink.records).toEqual([]);

  const agent = await AppConfigAgentStandIn.start(killSwitch(true));
  agents.push(agent);
  const killedSink = memorySink();
  const killed = await serve({ auditSink: killedSink, featureFlags: { url: agent.url } });
  await killed.service.featureFlags.refresh();
  expect((await killed.api.post({ amount: '1.00', currency: 'EUR' }, `killed-${randomUUID()}`)).status).toBe(503);
  expect(killedSink.records).toEqual([]);
});

test('a sink that throws does not turn the committed 201 into an error', async () => {
  const { api } = await serve({ auditSink: { write: () => { throw new Error('sink broken'); } } });
  const res = await api.post({ amount: '5.00', currency: 'EUR' }, `broken-sink-${randomUUID()}`);
  expect(res.status).toBe(201);
});

test('the stdout sink writes each record as one JSON line', () => {
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { written.push(String(chunk)); return true; });
  try {
    const record: TransactionAuditRecord = {
      auditType: 'transaction.accepted',
      auditVersion: 1,
      transactionId: randomUUID(),
      clientId: 'orders-app',
      amount: '1.00',
      currency: 'EUR',
      idempotencyKeySha256: sha256('k'),
      createdAt: new Date().toISOString(),
      region: 'us-east-1',
      recordedAt: new Date().toISOString(),
    };
    stdoutAuditSink.write(record);
    expect(written).toEqual([`${JSON.stringify(record)}\n`]);
  } finally {
    spy.mockRestore();
  }
});
