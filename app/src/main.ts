import pino from 'pino';
import { ConfigError, loadConfig } from './config';
import { startService } from './service';
import { exitOnSignals } from './shutdown';

/** Container entrypoint: validate the environment, migrate, serve, drain on SIGTERM. */
async function main(): Promise<void> {
  const bootLogger = pino({ base: { service: 'transactions-service' } });
  try {
    const config = loadConfig(process.env);
    const service = await startService(config);
    exitOnSignals(service.shutdown, service.logger);
  } catch (err) {
    if (err instanceof ConfigError) {
      bootLogger.fatal({ problems: err.problems }, err.message);
    } else {
      bootLogger.fatal({ err }, 'service failed to start');
    }
    process.exit(1);
  }
}

void main();
