import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DatabaseConfig } from '../../src/config';

/**
 * A second login role on `database` that may read and write the tables and create in the schema
 * (as the RDS master user may; so that a refused write can only be refused for being read-only), starting with `default_transaction_read_only`
 * set as given. PostgreSQL then behaves for this role's sessions as an Aurora secondary cluster
 * does for every session: `SHOW transaction_read_only` says `on`, and any write fails with
 * SQLSTATE 25006.
 */
export async function createRole(database: DatabaseConfig, readOnly: boolean): Promise<DatabaseConfig> {
  const user = `role_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(18).toString('base64url');
  await asSuperuser(database, async (admin) => {
    await admin.query(`CREATE ROLE ${user} LOGIN PASSWORD '${password}'`);
    await admin.query(`GRANT USAGE, CREATE ON SCHEMA public TO ${user}`);
    await admin.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${user}`);
    await admin.query(`ALTER ROLE ${user} SET default_transaction_read_only = ${readOnly ? 'on' : 'off'}`);
  });
  return { ...database, user, password };
}

/**
 * Turns the role's sessions read-only or read-write and drops its open connections, as an Aurora
 * failover does (the old writer's connections break; new ones see the new role). Resolves once
 * no session of the role is left.
 */
export async function failOver(database: DatabaseConfig, role: DatabaseConfig, readOnly: boolean): Promise<void> {
  await asSuperuser(database, async (admin) => {
    await admin.query(`ALTER ROLE ${role.user} SET default_transaction_read_only = ${readOnly ? 'on' : 'off'}`);
    for (let i = 0; i < 200; i++) {
      const { rows } = await admin.query<{ n: number }>(
        'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE usename = $1', [role.user]);
      if (rows[0].n === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`sessions of ${role.user} did not end`);
  });
  // Let the service's pool see its idle connections close (their 'error' events remove them).
  await new Promise((resolve) => setTimeout(resolve, 200));
}

async function asSuperuser(database: DatabaseConfig, work: (admin: Client) => Promise<void>): Promise<void> {
  const { TEST_PG_USER, TEST_PG_PASSWORD } = process.env;
  const admin = new Client({ ...database, user: TEST_PG_USER, password: TEST_PG_PASSWORD });
  await admin.connect();
  try {
    await work(admin);
  } finally {
    await admin.end();
  }
}
