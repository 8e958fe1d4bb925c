import {
  createLocalJWKSet, createRemoteJWKSet, errors, jwksCache,
  type CryptoKey, type ExportedJWKSCache, type FlattenedJWSInput, type JWKSCacheInput, type JWSHeaderParameters, type RemoteJWKSet,
} from 'jose';

/** Longest wait for the issuer's JSON Web Key Set (one HTTP GET), so a hung issuer is a fast 503. */
export const JWKS_TIMEOUT_MS = 2_000;
/**
 * Shortest time between two fetches triggered by tokens naming an unknown key id (jose
 * `cooldownDuration`, 30 s by default): a flood of made-up key ids costs the issuer at most one
 * request per task per 10 s, and a token signed with a key the issuer has just started using is
 * refused for at most 10 s after the last fetch. 10 s is the back-off of AWS's own verifier
 * (awslabs/aws-jwt-verify src/jwk.ts, SimplePenaltyBox `waitSeconds ?? 10`).
 */
export const JWKS_COOLDOWN_MS = 10_000;
/** Age after which the keys are fetched again before use, so a key the issuer withdrew stops verifying (jose `cacheMaxAge`). */
export const JWKS_MAX_AGE_MS = 10 * 60_000;
/**
 * After a failed fetch: for this long no new fetch is tried; tokens signed with a key already known
 * are verified with it, anything else is a 503 at once (no request waits for a failing issuer twice).
 */
export const JWKS_FAILURE_BACKOFF_MS = 5_000;
/** How long after the last successful fetch known keys are still used while the issuer cannot be reached. */
export const JWKS_MAX_STALE_MS = 60 * 60_000;

/** Timings of {@link IssuerKeys}; tests shorten them. */
export interface IssuerKeysOptions {
  /** @default JWKS_TIMEOUT_MS */
  readonly timeoutMs?: number;
  /** @default JWKS_COOLDOWN_MS */
  readonly cooldownMs?: number;
  /** @default JWKS_MAX_AGE_MS */
  readonly maxAgeMs?: number;
  /** @default JWKS_FAILURE_BACKOFF_MS */
  readonly failureBackoffMs?: number;
  /** @default JWKS_MAX_STALE_MS */
  readonly maxStaleMs?: number;
}

/** The issuer's keys could not be fetched (timeout, network, not 200, not a key set): 503, not the caller's fault. */
export class IssuerUnavailableError extends Error {
  constructor(public readonly retryAfterSeconds: number, cause: unknown) {
    super(`the token issuer's keys could not be fetched: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'IssuerUnavailableError';
  }
}

/**
 * The issuer's signing keys, as jose's `createRemoteJWKSet` fetches and caches them: selected by
 * the token's `kid`; fetched again when a token names an unknown key id (at most once per
 * cooldown, which is how a key rotation at the issuer is picked up without a restart) and before
 * use once older than the maximum age. Each fetch is bounded by the timeout.
 *
 * Added here: when a fetch fails, the keys of the last successful fetch keep verifying tokens for
 * up to JWKS_MAX_STALE_MS (an issuer outage does not take the API down for clients holding
 * tokens), and for JWKS_FAILURE_BACKOFF_MS no request waits for the issuer again: a token that
 * needs a key not known yet is refused with {@link IssuerUnavailableError} at once.
 */
export class IssuerKeys {
  private readonly cache: JWKSCacheInput = {};
  private readonly remote: RemoteJWKSet;
  private readonly failureBackoffMs: number;
  private readonly maxStaleMs: number;
  private failedAt = Number.NEGATIVE_INFINITY;
  private lastFailure: unknown;
  private stale?: { readonly uat: number; readonly keys: ReturnType<typeof createLocalJWKSet> };

  constructor(jwksUrl: string, options: IssuerKeysOptions = {}) {
    this.remote = createRemoteJWKSet(new URL(jwksUrl), {
      timeoutDuration: options.timeoutMs ?? JWKS_TIMEOUT_MS,
      cooldownDuration: options.cooldownMs ?? JWKS_COOLDOWN_MS,
      cacheMaxAge: options.maxAgeMs ?? JWKS_MAX_AGE_MS,
      [jwksCache]: this.cache,
    });
    this.failureBackoffMs = options.failureBackoffMs ?? JWKS_FAILURE_BACKOFF_MS;
    this.maxStaleMs = options.maxStaleMs ?? JWKS_MAX_STALE_MS;
  }

  /** The key resolver for jose's `jwtVerify`. */
  readonly getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> => {
    if (Date.now() - this.failedAt < this.failureBackoffMs) return this.fromLastFetch(header, token, this.lastFailure);
    try {
      return await this.remote(header, token);
    } catch (err) {
      if (!isIssuerFailure(err)) throw err;
      this.failedAt = Date.now();
      this.lastFailure = err;
      return this.fromLastFetch(header, token, err);
    }
  };

  private async fromLastFetch(header: JWSHeaderParameters, token: FlattenedJWSInput, cause: unknown): Promise<CryptoKey> {
    const { jwks, uat } = this.cache as Partial<ExportedJWKSCache>;
    if (jwks && uat !== undefined && Date.now() - uat < this.maxStaleMs) {
      if (this.stale?.uat !== uat) this.stale = { uat, keys: createLocalJWKSet(jwks) };
      try {
        return await this.stale.keys(header, token);
      } catch (err) {
        // The key may be one the issuer published after the last fetch: it cannot be told now.
        if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      }
    }
    const remainingMs = this.failedAt + this.failureBackoffMs - Date.now();
    throw new IssuerUnavailableError(Math.max(1, Math.ceil(remainingMs / 1000)), cause);
  }
}

/**
 * Whether jose failed to get the key set itself (timeout, network error, a status other than 200,
 * a body that is not a key set), as opposed to a token naming no published key.
 */
function isIssuerFailure(err: unknown): boolean {
  return err instanceof errors.JWKSTimeout
    || err instanceof errors.JWKSInvalid
    // fetch() rejects with a TypeError on network errors (connection refused, DNS, TLS).
    || err instanceof TypeError
    // "Expected 200 OK from the JSON Web Key Set HTTP response" and unparsable JSON: jose's base error.
    || (err instanceof errors.JOSEError && err.code === 'ERR_JOSE_GENERIC');
}
