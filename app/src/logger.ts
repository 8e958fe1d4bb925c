import pino, { Logger } from 'pino';

/**
 * Creates the JSON logger used by the service and by fastify's request logging.
 * Credentials and idempotency keys never reach the logs.
 */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'transactions-service' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["idempotency-key"]', '*.password'],
      censor: '[redacted]',
    },
  });
}
