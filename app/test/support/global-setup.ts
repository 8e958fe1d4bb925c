import { LocalPostgres } from '../../tools/local-postgres';

declare global {
  // eslint-disable-next-line no-var
  var __TEST_POSTGRES__: LocalPostgres | undefined;
}

/**
 * Starts one real PostgreSQL server for the whole jest run and hands its connection to the
 * test workers through the environment (workers are started after this and inherit it).
 */
export default async function globalSetup(): Promise<void> {
  const server = await LocalPostgres.start();
  globalThis.__TEST_POSTGRES__ = server;
  const { host, port, user, password } = server.connection;
  Object.assign(process.env, {
    TEST_PG_HOST: host,
    TEST_PG_PORT: String(port),
    TEST_PG_USER: user,
    TEST_PG_PASSWORD: password,
  });
}
