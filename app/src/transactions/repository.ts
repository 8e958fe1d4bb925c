import { createHash, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { formatAmount } from './money';
import type { NewTransaction } from './validation';
import { isReadOnlyTransactionError, ReadOnlyDatabaseError } from '../db/role';
import { unlessUnavailable } from '../db/unavailable';

/** A stored payment transaction, as the API returns it. */
export interface Transaction {
  readonly id: string;
  /** Canonical decimal string in the currency's minor units (e.g. "12.50", "1000" for JPY). */
  readonly amount: string;
  readonly currency: string;
  readonly description: string | null;
  readonly createdAt: string;
}

/** The outcome of an idempotent create. */
export type CreateOutcome =
  | { kind: 'created'; transaction: Transaction }
  /** The key was used before with the same request: the original transaction. */
  | { kind: 'replayed'; transaction: Transaction }
  /** The key was used before with a different request. */
  | { kind: 'conflict' };

interface TransactionRow {
  id: string;
  request_fingerprint: string;
  amount_minor: string;
  currency: string;
  description: string | null;
  created_at: Date;
}

const COLUMNS = 'id, request_fingerprint, amount_minor, currency, description, created_at';

/**
 * Every statement the repository runs. Exported so that the expand/contract rule
 * (src/db/expand-contract.ts) can prove a migration never drops what this release reads. Every
 * statement names the owner (`client_id`): a client never reads, nor collides with, another
 * client's rows.
 */
export const TRANSACTION_SQL = {
  insert: `INSERT INTO transactions (id, client_id, client_idempotency_key, request_fingerprint, amount_minor, currency, description)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (client_id, client_idempotency_key) DO NOTHING
       RETURNING ${COLUMNS}`,
  byId: `SELECT ${COLUMNS} FROM transactions WHERE id = $1 AND client_id = $2`,
  byIdempotencyKey: `SELECT ${COLUMNS} FROM transactions WHERE client_id = $1 AND client_idempotency_key = $2`,
} as const;

/**
 * Stores and reads transactions of one owner at a time (the client id of the verified token);
 * idempotency is enforced by a unique index on (owner, key). A database that is down, hung or
 * timing out surfaces as DatabaseUnavailableError (503 with Retry-After).
 */
export class TransactionRepository {
  constructor(private readonly pool: Pool) {}

  /**
   * Creates the transaction of `owner` unless the owner already used `idempotencyKey` (keys of
   * other owners do not matter). Concurrent calls with the same key are safe: INSERT ... ON
   * CONFLICT DO NOTHING waits for the competing insert, so exactly one row is created and every
   * caller gets that row back.
   */
  createIdempotent(owner: string, idempotencyKey: string, input: NewTransaction): Promise<CreateOutcome> {
    return unlessUnavailable(() => this.create(owner, idempotencyKey, input).catch((err: unknown) => {
      // SQLSTATE 25006: the database became read-only (a failover) after the role was checked.
      throw isReadOnlyTransactionError(err) ? new ReadOnlyDatabaseError(err) : err;
    }));
  }

  /** The transaction of `owner` with this id, or undefined (also when another owner has it). */
  findById(owner: string, id: string): Promise<Transaction | undefined> {
    return this.findOne(TRANSACTION_SQL.byId, [id, owner]);
  }

  /** The transaction `owner` created with this idempotency key, or undefined. */
  findByIdempotencyKey(owner: string, idempotencyKey: string): Promise<Transaction | undefined> {
    return this.findOne(TRANSACTION_SQL.byIdempotencyKey, [owner, idempotencyKey]);
  }

  private findOne(sql: string, values: readonly string[]): Promise<Transaction | undefined> {
    return unlessUnavailable(async () => {
      const { rows } = await this.pool.query<TransactionRow>(sql, [...values]);
      return rows[0] ? toTransaction(rows[0]) : undefined;
    });
  }

  private async create(owner: string, idempotencyKey: string, input: NewTransaction): Promise<CreateOutcome> {
    const fingerprint = fingerprintOf(input);
    const inserted = await this.pool.query<TransactionRow>(
      TRANSACTION_SQL.insert,
      [randomUUID(), owner, idempotencyKey, fingerprint, input.amountMinor, input.currency, input.description],
    );
    if (inserted.rows[0]) return { kind: 'created', transaction: toTransaction(inserted.rows[0]) };

    const existing = await this.pool.query<TransactionRow>(TRANSACTION_SQL.byIdempotencyKey, [owner, idempotencyKey]);
    const row = existing.rows[0];
    if (!row) throw new Error('idempotency key conflicted but no row was found');
    return row.request_fingerprint === fingerprint
      ? { kind: 'replayed', transaction: toTransaction(row) }
      : { kind: 'conflict' };
  }
}

/** A stable hash of the meaning of a request (so "10.5" and "10.50" are the same request). */
function fingerprintOf(input: NewTransaction): string {
  return createHash('sha256').update(JSON.stringify([input.amountMinor, input.currency, input.description])).digest('hex');
}

function toTransaction(row: TransactionRow): Transaction {
  return {
    id: row.id,
    amount: formatAmount(Number(row.amount_minor), row.currency),
    currency: row.currency,
    description: row.description,
    createdAt: row.created_at.toISOString(),
  };
}
