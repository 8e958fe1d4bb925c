import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DatabaseUnavailableError } from '../db/unavailable';

/** The JSON body of every error response. `field` names the offending input when there is one. */
export interface ErrorBody {
  readonly error: string;
  readonly field?: string;
  readonly message: string;
}

/** Seconds a client should wait before retrying a 503 (the `Retry-After` header). */
export const RETRY_AFTER_SECONDS = 1;

/** Builds a 400 body for a client mistake in `field`. */
export function validationError(field: string, message: string): ErrorBody {
  return { error: 'validation', field, message: `${field} ${message}` };
}

/** Answers 503 with `Retry-After`: the request may succeed if retried (with the same Idempotency-Key). */
export function sendUnavailable(reply: FastifyReply, error: string, message: string): FastifyReply {
  return reply.status(503).header('Retry-After', String(RETRY_AFTER_SECONDS)).send({ error, message } satisfies ErrorBody);
}

/**
 * Maps every error to the JSON body {@link ErrorBody}: client mistakes that fastify detects itself
 * (malformed JSON, wrong content type, body too large) keep their 4xx status and name the field;
 * an unavailable or slow database and the request deadline are 503 with Retry-After; anything
 * else is logged and answered with a 500 that reveals nothing.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof DatabaseUnavailableError) {
      request.log.warn({ err: error.cause }, 'database unavailable');
      return sendUnavailable(reply, 'database_unavailable', `the database is unavailable; retry after ${RETRY_AFTER_SECONDS} s`);
    }
    if (error.code === 'FST_ERR_HANDLER_TIMEOUT') {
      request.log.warn({ err: error }, 'request deadline exceeded');
      return sendUnavailable(reply, 'timeout', `the request did not complete in time; retry after ${RETRY_AFTER_SECONDS} s`);
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.status(500).send({ error: 'internal', message: 'internal error' } satisfies ErrorBody);
    }
    request.log.info({ code: error.code, status }, 'rejected request');
    const body = clientError(error, status);
    return reply.status(body.error === 'validation' ? 400 : status).send(body);
  });
}

/**
 * fastify's `frameworkErrors`: errors the router raises before any route runs. A path that is not
 * valid percent-encoding (FST_ERR_BAD_URL) or a path parameter longer than the router accepts
 * (FST_ERR_MAX_PARAM_LENGTH, 414 by default) is a malformed transaction id under /transactions/
 * (400 naming `id`, as for any other non-UUID), and a malformed path elsewhere.
 */
export function handleFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  request.log.info({ code: error.code }, 'rejected request');
  if (request.url.startsWith('/transactions/')) {
    return reply.status(400).send(validationError('id', 'must be a UUID'));
  }
  return reply.status(400).send({ error: 'validation', field: 'path', message: 'path must be valid percent-encoded UTF-8' } satisfies ErrorBody);
}

function clientError(error: FastifyError, status: number): ErrorBody {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { error: 'unsupported_media_type', field: 'Content-Type', message: 'Content-Type must be application/json' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { error: 'payload_too_large', field: 'body', message: 'body is too large' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return validationError('Content-Length', 'does not match the body');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return validationError('body', 'must be a JSON object (the body is empty)');
    case 'FST_ERR_INVALID_UTF8':
      return validationError((error as FastifyError & { field?: string }).field ?? 'body', 'must be valid UTF-8');
    default:
      if (status === 400 && (error.code?.startsWith('FST_ERR_CTP') || error instanceof SyntaxError || /JSON|prototype|constructor/i.test(error.message))) {
        return validationError('body', 'must be valid JSON');
      }
      return { error: 'bad_request', message: error.message };
  }
}
