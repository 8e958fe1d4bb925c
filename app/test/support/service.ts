import type { Pool } from 'pg';
import { createTestDatabase, silentLogger, testAppConfig } from './database';
import type { DatabaseConfig } from '../../src/config';
import { createPool } from '../../src/db/pool';
import { RunningService, startService } from '../../src/service';

/** Starts the real service (migrations included) on an ephemeral port against `database`. */
export function startTestService(database: DatabaseConfig): Promise<RunningService> {
  return startService(testAppConfig(database));
}

/** A JSON POST /transactions request; `key: null` omits the Idempotency-Key header. */
export function postTransaction(
  baseUrl: string,
  body: unknown,
  key: string | null,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${baseUrl}/transactions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === null ? {} : { 'idempotency-key': key }),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The JSON body of a response, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function readJson(res: Response): Promise<Record<string, any>> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return (await res.json()) as Record<string, any>;
}

/** The service under test and a pool onto its database, for one test file. */
export interface ServiceWithDatabase {
  /** The running service (its `url` is the base URL). */
  readonly service: RunningService;
  /** A pool onto the same database, to count and inspect rows. */
  readonly pool: Pool;
  /** The connection settings of that database. */
  readonly database: DatabaseConfig;
}

/**
 * Starts the service on a fresh database in `beforeAll` and stops both in `afterAll`. Read the
 * fields inside tests (they are set once `beforeAll` has run).
 */
export function useServiceWithDatabase(): ServiceWithDatabase {
  const running = {} as { service: RunningService; pool: Pool; database: DatabaseConfig };
  beforeAll(async () => {
    const database = await createTestDatabase();
    running.database = database;
    running.service = await startTestService(database);
    running.pool = createPool(database, silentLogger);
  });
  afterAll(async () => {
    await running.service.shutdown();
    await running.pool.end();
  });
  return running;
}
