import pino, { DestinationStream, Logger } from 'pino';

/**
 * Creates the JSON logger used by the service and its request log (src/http/request-log.ts).
 * Credentials and idempotency keys never reach the logs.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'transactions-service' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["idempotency-key"]', '*.password', '*.token', '*.access_token'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
