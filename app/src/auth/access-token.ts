import { errors, jwtVerify, type JWTPayload } from 'jose';
import { type AuthConfig, CLIENT_ID, LEGACY_OWNER } from './auth-config';
import { IssuerKeys, IssuerUnavailableError } from './issuer-keys';

/** The caller, as a verified access token names it. */
export interface VerifiedClient {
  /** The `client_id` claim: the OAuth client (Cognito app client) the token was issued to. */
  readonly clientId: string;
  /** The token's scopes (the space-separated `scope` claim). */
  readonly scopes: ReadonlySet<string>;
}

/** Why a token is refused, for the logs (`reason`) and the caller (`description`, never a claim value). */
export class InvalidTokenError extends Error {
  constructor(public readonly reason: string, public readonly description: string) {
    super(description);
    this.name = 'InvalidTokenError';
  }
}

/** The only signature algorithm accepted: Cognito signs access tokens with RS256; `none` and HS* never verify. */
export const ACCESS_TOKEN_ALGORITHMS = ['RS256'];
/** Seconds of clock difference tolerated on `exp` and `nbf`. */
export const CLOCK_TOLERANCE_SECONDS = 5;
/** Longer tokens are refused unread (a Cognito access token is about 1 KB). */
export const MAX_TOKEN_LENGTH = 8 * 1024;

/**
 * Verifies access tokens with jose against the issuer's published keys: the RS256 signature by the
 * key the token's `kid` names, `iss`, `exp` and `nbf` (with CLOCK_TOLERANCE_SECONDS), the presence
 * of `exp`, `iat` and `client_id`, `token_use` (when present, Cognito's: it must be `access`, so an
 * ID token is refused), and that the token is for this API: `aud` names one of AUTH_AUDIENCE when
 * that is set; otherwise (Cognito's client-credentials tokens have no `aud`) the token carries a
 * scope of the resource server. Then the client: a valid `client_id`, in AUTH_CLIENT_IDS when set.
 */
export class AccessTokenVerifier {
  constructor(private readonly config: AuthConfig, private readonly keys: IssuerKeys) {}

  /**
   * @throws InvalidTokenError when the token must be refused (401 invalid_token)
   * @throws IssuerUnavailableError when the issuer's keys cannot be fetched (503)
   */
  async verify(token: string): Promise<VerifiedClient> {
    if (token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError('too_long', 'the access token is too long');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys.getKey, {
        issuer: this.config.issuer,
        ...(this.config.audiences ? { audience: [...this.config.audiences] } : {}),
        algorithms: ACCESS_TOKEN_ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp', 'iat', 'client_id'],
      }));
    } catch (err) {
      throw err instanceof IssuerUnavailableError ? err : refusal(err);
    }
    if (payload.token_use !== undefined && payload.token_use !== 'access') {
      throw new InvalidTokenError('not_access_token', 'the token is not an access token');
    }
    const clientId = payload.client_id;
    if (typeof clientId !== 'string' || !CLIENT_ID.test(clientId) || clientId === LEGACY_OWNER) {
      throw new InvalidTokenError('client_id', 'the access token has an invalid client_id');
    }
    if (this.config.allowedClients && !this.config.allowedClients.includes(clientId)) {
      throw new InvalidTokenError('client_not_allowed', 'the client of this access token may not call this API');
    }
    if (payload.scope !== undefined && typeof payload.scope !== 'string') {
      throw new InvalidTokenError('scope', 'the access token has an invalid scope claim');
    }
    const scopes = new Set((payload.scope ?? '').split(' ').filter((scope) => scope !== ''));
    if (!this.config.audiences && ![...scopes].some((scope) => scope.startsWith(`${this.config.resourceServer}/`))) {
      throw new InvalidTokenError('audience', 'the access token was not issued for this API');
    }
    return { clientId, scopes };
  }
}

/** Maps jose's refusal of a token to the reason and the description the caller gets. */
function refusal(err: unknown): InvalidTokenError {
  if (err instanceof errors.JWTExpired) return new InvalidTokenError('expired', 'the access token expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return new InvalidTokenError('missing_claim', `the access token lacks the claim ${err.claim}`);
    switch (err.claim) {
      case 'iss': return new InvalidTokenError('issuer', 'the access token was not issued by the expected issuer');
      case 'aud': return new InvalidTokenError('audience', 'the access token was not issued for this API');
      case 'nbf': return new InvalidTokenError('not_yet_valid', 'the access token is not valid yet');
      default: return new InvalidTokenError('claim', `the access token has an invalid claim ${err.claim}`);
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return new InvalidTokenError('algorithm', 'the access token must be signed with RS256');
  if (err instanceof errors.JWSSignatureVerificationFailed) return new InvalidTokenError('signature', 'the access token signature is invalid');
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
    return new InvalidTokenError('unknown_key', 'the access token was signed with a key the issuer does not publish');
  }
  if (err instanceof errors.JOSEError) return new InvalidTokenError('malformed', 'the access token is malformed');
  throw err;
}
