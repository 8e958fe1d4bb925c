import type { FastifyError, FastifyInstance } from 'fastify';

/** The JSON body of every error response. `field` names the offending input when there is one. */
export interface ErrorBody {
  readonly error: string;
  readonly field?: string;
  readonly message: string;
}

/** Builds a 400 body for a client mistake in `field`. */
export function validationError(field: string, message: string): ErrorBody {
  return { error: 'validation', field, message: `${field} ${message}` };
}

/**
 * Maps every error to a JSON body: client mistakes that fastify detects itself (malformed JSON,
 * wrong content type, body too large) keep their 4xx status and name the field; anything else
 * is logged and answered with a 500 that reveals nothing. Unknown routes get a JSON 404.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.status(500).send({ error: 'internal', message: 'internal error' } satisfies ErrorBody);
    }
    request.log.info({ code: error.code, status }, 'rejected request');
    return reply.status(status).send(clientError(error, status));
  });

  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: 'not_found', message: `no route for ${request.method} ${request.url.split('?')[0]}` } satisfies ErrorBody),
  );
}

function clientError(error: FastifyError, status: number): ErrorBody {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { error: 'unsupported_media_type', field: 'Content-Type', message: 'Content-Type must be application/json' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { error: 'payload_too_large', field: 'body', message: 'body is too large' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { error: 'validation', field: 'Content-Length', message: 'Content-Length does not match the body' };
    default:
      if (status === 400 && (error.code?.startsWith('FST_ERR_CTP') || error instanceof SyntaxError || /JSON/i.test(error.message))) {
        return validationError('body', 'must be valid JSON');
      }
      return { error: 'bad_request', message: error.message };
  }
}
