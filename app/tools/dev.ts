import { LocalPostgres } from './local-postgres';
import { loadConfig } from '../src/config';
import { startService } from '../src/service';

/**
 * `npx projen dev` (or `npx projen app:dev` at the root): runs the service on PORT (8080)
 * against a throwaway local PostgreSQL server, exactly as the container would be configured.
 * Ctrl-C drains the service, then stops the database and deletes its data.
 */
async function dev(): Promise<void> {
  const postgres = await LocalPostgres.start();
  const database = await postgres.createDatabase('transactions');
  const { host, port, user, password } = postgres.connection;
  const config = loadConfig({
    ...process.env,
    DB_HOST: host,
    DB_PORT: String(port),
    DB_NAME: database,
    DB_USER: user,
    DB_PASSWORD: password,
    DB_SSL: 'false',
    COMMIT_SHA: process.env.COMMIT_SHA ?? 'local',
    BUILD_TIME: process.env.BUILD_TIME ?? new Date().toISOString(),
  });
  const service = await startService(config).catch(async (err: unknown) => {
    await postgres.stop();
    throw err;
  });
  service.logger.info({ url: service.url, database: `postgresql://${user}@${host}:${port}/${database}` }, 'dev service ready');

  const stop = (): void => {
    service.shutdown()
      .then(() => postgres.stop())
      .then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

dev().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
