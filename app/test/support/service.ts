import type { Pool } from 'pg';
import { createTestDatabase, silentLogger, testAppConfig } from './database';
import type { AppConfig, DatabaseConfig } from '../../src/config';
import { createPool } from '../../src/db/pool';
import { RunningService, startService, StartOptions } from '../../src/service';
import { ALL_SCOPES, LocalIssuer } from '../../tools/local-issuer';

/** The client the tests act as unless they name another. */
export const TEST_CLIENT = 'test-client';

/**
 * Starts the real service (migrations included) on an ephemeral port against `database`,
 * accepting `issuer`'s tokens; `overrides` replace parts of the configuration (e.g. the rate limit).
 */
export function startTestService(
  database: DatabaseConfig,
  issuer: LocalIssuer,
  options: StartOptions = {},
  overrides: Partial<AppConfig> = {},
): Promise<RunningService> {
  return startService({ ...testAppConfig(database, issuer), ...overrides }, options);
}

/** A JSON POST /transactions request; `key: null` omits the Idempotency-Key header. No token unless in `headers`. */
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

/** Calls the API as one client: every request carries `Authorization: Bearer <its token>`. */
export class ApiClient {
  constructor(public readonly baseUrl: string, public readonly token: string) {}

  /** The Authorization header of this client. */
  get authorization(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` };
  }

  /** POST /transactions as this client (see {@link postTransaction}). */
  post(body: unknown, key: string | null, headers: Record<string, string> = {}): Promise<Response> {
    return postTransaction(this.baseUrl, body, key, { ...this.authorization, ...headers });
  }

  /** Any request to `path` as this client. */
  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, { ...init, headers: { ...this.authorization, ...(init.headers as Record<string, string> | undefined) } });
  }

  /** GET `path` as this client. */
  get(path: string): Promise<Response> {
    return this.fetch(path);
  }
}

/** A client of the service at `baseUrl` holding a fresh token of `issuer` (all scopes unless given). */
export async function apiClient(
  baseUrl: string,
  issuer: LocalIssuer,
  client: string = TEST_CLIENT,
  scopes: readonly string[] = ALL_SCOPES,
): Promise<ApiClient> {
  return new ApiClient(baseUrl, await issuer.token({ client, scopes }));
}

/** The JSON body of a response, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function readJson(res: Response): Promise<Record<string, any>> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return (await res.json()) as Record<string, any>;
}

/** The service under test, its issuer and a pool onto its database, for one test file. */
export interface ServiceWithDatabase {
  /** The running service (its `url` is the base URL). */
  readonly service: RunningService;
  /** The local issuer whose tokens the service accepts. */
  readonly issuer: LocalIssuer;
  /** The service, called as TEST_CLIENT with every scope. */
  readonly api: ApiClient;
  /** A pool onto the same database, to count and inspect rows. */
  readonly pool: Pool;
  /** The connection settings of that database. */
  readonly database: DatabaseConfig;
  /** The service, called as another client (all scopes unless given). */
  as(client: string, scopes?: readonly string[]): Promise<ApiClient>;
}

/**
 * Starts a local issuer and the service on a fresh database in `beforeAll` and stops them in
 * `afterAll`. Read the fields inside tests (they are set once `beforeAll` has run).
 */
export function useServiceWithDatabase(overrides: Partial<AppConfig> = {}, options: StartOptions = {}): ServiceWithDatabase {
  const running = {
    as(client: string, scopes?: readonly string[]) {
      return apiClient(running.service.url, running.issuer, client, scopes);
    },
  } as { -readonly [K in keyof ServiceWithDatabase]: ServiceWithDatabase[K] };
  beforeAll(async () => {
    const database = await createTestDatabase();
    running.database = database;
    running.issuer = await LocalIssuer.start();
    running.service = await startTestService(database, running.issuer, options, overrides);
    running.api = await apiClient(running.service.url, running.issuer);
    running.pool = createPool(database, silentLogger);
  });
  afterAll(async () => {
    await running.service.shutdown();
    await running.pool.end();
    await running.issuer.stop();
  });
  return running;
}

/** A local issuer for one test file: started in `beforeAll`, stopped in `afterAll`. */
export function useLocalIssuer(): { readonly issuer: LocalIssuer } {
  const holder = {} as { issuer: LocalIssuer };
  beforeAll(async () => {
    holder.issuer = await LocalIssuer.start();
  });
  afterAll(() => holder.issuer.stop());
  return holder;
}
