import { Client } from 'pg';
import type { DatabaseConfig } from '../../src/config';

/** Holds an exclusive lock on `transactions` so that inserts block until release(). */
export async function lockTransactions(database: DatabaseConfig): Promise<{ waitForBlockedInsert(): Promise<void>; release(): Promise<void> }> {
  const client = new Client(database);
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE transactions IN ACCESS EXCLUSIVE MODE');
  return {
    async waitForBlockedInsert() {
      for (let i = 0; i < 200; i++) {
        const { rows } = await client.query(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        );
        if (rows[0].n > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error('no insert ever blocked on the lock');
    },
    async release() {
      await client.query('COMMIT');
      await client.end();
    },
  };
}
