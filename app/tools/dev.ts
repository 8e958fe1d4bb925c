import { LOCAL_ISSUER_PORT, LocalIssuer } from './local-issuer';
import { LocalPostgres } from './local-postgres';
import { loadConfig } from '../src/config';
import { startService } from '../src/service';

/**
 * `npx projen dev` (or `npx projen app:dev` at the root): runs the service on PORT (8080)
 * against a throwaway local PostgreSQL server and a local token issuer on LOCAL_ISSUER_PORT
 * (8081, tools/local-issuer.ts), exactly as the container would be configured. A token for a
 * client: `npx projen app:token --client orders --scope transactions/read` (tools/token.ts).
 * Ctrl-C drains the service, then stops the issuer and the database and deletes its data.
 */
async function dev(): Promise<void> {
  const issuer = await LocalIssuer.start({ port: Number(process.env.LOCAL_ISSUER_PORT ?? LOCAL_ISSUER_PORT) });
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
    AUTH_ISSUER: issuer.url,
    COMMIT_SHA: process.env.COMMIT_SHA ?? 'local',
    BUILD_TIME: process.env.BUILD_TIME ?? new Date().toISOString(),
  });
  const service = await startService(config).catch(async (err: unknown) => {
    await postgres.stop();
    await issuer.stop();
    throw err;
  });
  service.logger.info({
    url: service.url,
    database: `postgresql://${user}@${host}:${port}/${database}`,
    issuer: issuer.url,
    token: `TOKEN=$(npx projen app:token --client orders --scope transactions/read --scope transactions/write); curl -H "Authorization: Bearer $TOKEN" ${service.url}/transactions/by-idempotency-key/order-0001`,
  }, 'dev service ready');

  const stop = (): void => {
    service.shutdown()
      .then(() => postgres.stop())
      .then(() => issuer.stop())
      .then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

dev().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
