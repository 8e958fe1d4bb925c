import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from './errors';
import type { ClientRateLimiter } from './rate-limit';
import { AccessTokenVerifier, InvalidTokenError, VerifiedClient } from '../auth/access-token';
import { IssuerUnavailableError } from '../auth/issuer-keys';
import { type RouteAccess, scopeFor } from '../auth/scopes';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * What the route needs (src/auth/scopes.ts).
     * @default a valid access token of this API, no particular scope
     */
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** The verified caller; null on public routes and before authentication. */
    client: VerifiedClient | null;
  }
}

/** The header that carries the access token (RFC 6750 section 2.1). */
export const AUTHORIZATION_HEADER = 'Authorization';

/** RFC 6750 b64token: the characters of a bearer token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** What {@link registerAuthentication} needs. */
export interface AuthenticationDeps {
  readonly verifier: AccessTokenVerifier;
  readonly limiter: ClientRateLimiter;
  /** The resource server identifier: scope prefix and `realm` of the challenges. */
  readonly resourceServer: string;
}

/**
 * Every request except the public routes (the probes) needs `Authorization: Bearer <access token>`
 * (app/README.md, "Authentication"), checked in `onRequest`: before the body is read and before
 * anything reaches the database. In order: a missing token is 401 with a bare `Bearer` challenge; a
 * token that does not verify is 401 `invalid_token`; an issuer whose keys cannot be fetched is 503
 * with Retry-After; a client over its rate is 429 with Retry-After; a token without the route's
 * scope is 403 `insufficient_scope` (RFC 6750 section 3). The token itself is never logged: every
 * later log line of the request carries `clientId` instead.
 */
export function registerAuthentication(app: FastifyInstance, deps: AuthenticationDeps): void {
  app.decorateRequest('client', null);
  const realm = `realm="${deps.resourceServer}"`;

  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config?.access;
    if (access === 'public') return undefined;

    const token = bearerToken(request.headers.authorization);
    if (token === undefined) {
      request.log.info({ clientId: null, reason: 'no_token' }, 'refused: no access token');
      return refuse(reply, 401, `Bearer ${realm}`, {
        error: 'unauthorized',
        field: AUTHORIZATION_HEADER,
        message: 'an access token is required: send Authorization: Bearer <token> (app/README.md, "Authentication")',
      });
    }
    let client: VerifiedClient;
    try {
      if (!B64TOKEN.test(token)) throw new InvalidTokenError('malformed', 'the access token is malformed');
      client = await deps.verifier.verify(token);
    } catch (err) {
      if (err instanceof InvalidTokenError) return refuseInvalid(request, reply, realm, err);
      if (err instanceof IssuerUnavailableError) {
        request.log.warn({ clientId: null, err: err.cause }, 'token issuer unavailable');
        return reply.status(503).header('Retry-After', String(err.retryAfterSeconds)).send({
          error: 'issuer_unavailable',
          message: `the access token cannot be checked now (the token issuer does not answer); retry after ${err.retryAfterSeconds} s`,
        } satisfies ErrorBody);
      }
      throw err;
    }
    request.client = client;
    request.log = reply.log = request.log.child({ clientId: client.clientId });

    const waitSeconds = deps.limiter.take(client.clientId);
    if (waitSeconds > 0) {
      const retryAfter = Math.max(1, Math.ceil(waitSeconds));
      const { perSecond, burst } = deps.limiter.config;
      request.log.info({ reason: 'rate_limited' }, 'refused: client over its rate limit');
      return reply.status(429).header('Retry-After', String(retryAfter)).send({
        error: 'rate_limited',
        message: `this client may send ${perSecond} requests per second (bursts of ${burst}); retry after ${retryAfter} s`,
      } satisfies ErrorBody);
    }

    if (access === undefined) return undefined;
    const scope = scopeFor(deps.resourceServer, access);
    if (client.scopes.has(scope)) return undefined;
    request.log.info({ reason: 'insufficient_scope', scope }, 'refused: access token lacks the scope');
    const description = `this request needs the scope ${scope}`;
    return refuse(reply, 403, `Bearer ${realm}, error="insufficient_scope", error_description="${description}", scope="${scope}"`, {
      error: 'insufficient_scope', field: AUTHORIZATION_HEADER, message: description,
    });
  });
}

/**
 * The token of `Authorization: Bearer <token>` (the scheme is case-insensitive), or undefined when
 * the request carries none: no header, another scheme (RFC 6750 section 3.1: no error code then),
 * or nothing after `Bearer`.
 */
function bearerToken(header: string | undefined): string | undefined {
  const match = /^([A-Za-z]+)(?:[ ]+(.*))?$/s.exec(header?.trim() ?? '');
  if (!match || match[1].toLowerCase() !== 'bearer') return undefined;
  const token = match[2]?.trim() ?? '';
  return token === '' ? undefined : token;
}

function refuseInvalid(request: FastifyRequest, reply: FastifyReply, realm: string, err: InvalidTokenError): FastifyReply {
  request.log.info({ clientId: null, reason: err.reason }, 'refused: invalid access token');
  return refuse(reply, 401, `Bearer ${realm}, error="invalid_token", error_description="${err.description}"`, {
    error: 'invalid_token', field: AUTHORIZATION_HEADER, message: err.description,
  });
}

function refuse(reply: FastifyReply, status: 401 | 403, challenge: string, body: ErrorBody): FastifyReply {
  return reply.status(status).header('WWW-Authenticate', challenge).send(body);
}
