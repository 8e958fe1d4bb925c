import type { Pool } from 'pg';
import { DatabaseUnavailableError, isDatabaseUnavailable } from './unavailable';

/** What this region's database accepts: `writer` reads and writes, `reader` only reads. */
export type DatabaseRole = 'writer' | 'reader';

/**
 * How long a detected role is trusted before the next request asks again. Short enough that a
 * promoted database takes writes a few seconds after a failover (without a restart); long enough
 * that at most one `SHOW` per task runs every few seconds instead of one per request.
 */
export const ROLE_CACHE_MS = 3_000;

/**
 * The longest a role detection waits for the database (the same bound as the readiness ping):
 * a hung database makes /ready and /health/deep answer 503 within this time, never hang.
 */
export const ROLE_DETECTION_TIMEOUT_MS = 2_000;

/** SQLSTATE 25006 read_only_sql_transaction: a write reached a read-only database. */
export const READ_ONLY_SQL_TRANSACTION = '25006';

/**
 * A write reached a database that only reads: the cached role said so, or PostgreSQL answered
 * SQLSTATE 25006 (a write that raced a failover). Answered 503 `read_only_region`.
 */
export class ReadOnlyDatabaseError extends Error {
  constructor(cause?: unknown) {
    super('the database of this region is read-only', { cause });
    this.name = 'ReadOnlyDatabaseError';
  }
}

/** True when PostgreSQL refused a write because the transaction is read-only (SQLSTATE 25006). */
export function isReadOnlyTransactionError(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === READ_ONLY_SQL_TRANSACTION;
}

/** Options for {@link DatabaseRoleMonitor}. */
export interface RoleMonitorOptions {
  /**
   * How long a detected role is reused.
   * @default ROLE_CACHE_MS (3 s)
   */
  readonly cacheMs?: number;
  /**
   * How long one detection waits for the database.
   * @default ROLE_DETECTION_TIMEOUT_MS (2 s)
   */
  readonly timeoutMs?: number;
}

/**
 * Asks the database whether it accepts writes (`SHOW transaction_read_only`: `on` in an Aurora
 * Global Database secondary cluster, on a hot standby, or where `default_transaction_read_only`
 * is set) and remembers the answer for a few seconds. Concurrent callers share one question;
 * each caller's wait is bounded by its own timer. Failures are not cached: the next call asks
 * again, so a recovered or failed-over database is picked up without a restart.
 */
export class DatabaseRoleMonitor {
  private readonly cacheMs: number;
  private readonly timeoutMs: number;
  private cached: { readonly role: DatabaseRole; readonly at: number } | undefined;
  private inFlight: Promise<DatabaseRole> | undefined;

  constructor(private readonly pool: Pool, options: RoleMonitorOptions = {}) {
    this.cacheMs = options.cacheMs ?? ROLE_CACHE_MS;
    this.timeoutMs = options.timeoutMs ?? ROLE_DETECTION_TIMEOUT_MS;
  }

  /**
   * The role, reused when detected less than `cacheMs` ago, else detected now.
   * @throws DatabaseUnavailableError when the database does not answer in time
   */
  role(): Promise<DatabaseRole> {
    if (this.cached && Date.now() - this.cached.at < this.cacheMs) return Promise.resolve(this.cached.role);
    return this.detect();
  }

  /**
   * Asks the database now (health checks always do), joining a question already under way.
   * @throws DatabaseUnavailableError when the database does not answer within `timeoutMs`
   */
  async detect(): Promise<DatabaseRole> {
    this.inFlight ??= this.ask().finally(() => {
      this.inFlight = undefined;
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DatabaseUnavailableError(
        new Error(`database did not say its role within ${this.timeoutMs} ms`))), this.timeoutMs);
    });
    try {
      return await Promise.race([this.inFlight, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Records that PostgreSQL just refused a write (SQLSTATE 25006): reader until the cache expires. */
  markReadOnly(): void {
    this.cached = { role: 'reader', at: Date.now() };
  }

  private async ask(): Promise<DatabaseRole> {
    try {
      const { rows } = await this.pool.query<{ transaction_read_only: string }>('SHOW transaction_read_only');
      const value = rows[0]?.transaction_read_only;
      if (value !== 'on' && value !== 'off') throw new Error(`SHOW transaction_read_only answered ${JSON.stringify(value)}`);
      const role: DatabaseRole = value === 'on' ? 'reader' : 'writer';
      this.cached = { role, at: Date.now() };
      return role;
    } catch (err) {
      this.cached = undefined;
      throw isDatabaseUnavailable(err) ? new DatabaseUnavailableError(err) : err;
    }
  }
}
