/**
 * Who may call the API: the OAuth 2.0 issuer whose access tokens the service accepts, and what
 * binds a token to this API (app/README.md, "Authentication").
 */
export interface AuthConfig {
  /**
   * The issuer, exactly as tokens carry it in `iss` (AUTH_ISSUER). For an Amazon Cognito user pool:
   * `https://cognito-idp.<region>.amazonaws.com/<userPoolId>` (the pool's provider URL).
   */
  readonly issuer: string;
  /**
   * Where the issuer publishes its signing keys (AUTH_JWKS_URL).
   * @default `<issuer>/.well-known/jwks.json` (Cognito's location)
   */
  readonly jwksUrl: string;
  /**
   * The resource server identifier (AUTH_RESOURCE_SERVER): this API's scopes are
   * `<resourceServer>/read` and `<resourceServer>/write`, as Cognito writes custom scopes.
   * @default 'transactions'
   */
  readonly resourceServer: string;
  /**
   * Accepted `aud` values (AUTH_AUDIENCE, comma-separated). When set, a token must name one of
   * them in `aud`. When unset (Amazon Cognito: its client-credentials access tokens have no
   * `aud`), a token is for this API when it carries at least one scope of `resourceServer`.
   * @default none
   */
  readonly audiences?: readonly string[];
  /**
   * The only clients accepted (AUTH_CLIENT_IDS, comma-separated `client_id` values); a token of any
   * other client is refused as invalid. Removing a client here revokes it at the next deployment,
   * before its tokens expire.
   * @default none: every client the issuer gives a scope of this API
   */
  readonly allowedClients?: readonly string[];
}

/** The owner of the rows stored before the API required authentication (migration 2); no client can be it. */
export const LEGACY_OWNER = 'legacy:unauthenticated';

/**
 * Characters of a scope token (RFC 6750 section 3: %x21 / %x23-5B / %x5D-7E), which is also the
 * pattern of a Cognito resource server identifier: it is written inside `scope="..."` of
 * WWW-Authenticate, so it never holds a space, a quote or a backslash.
 */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,256}$/;

/** A client id: 1 to 128 visible ASCII characters (Cognito app client ids are 1 to 128 of `[\w+]`). */
export const CLIENT_ID = /^[\x21-\x7e]{1,128}$/;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Reads AUTH_ISSUER (required), AUTH_JWKS_URL, AUTH_RESOURCE_SERVER, AUTH_AUDIENCE and
 * AUTH_CLIENT_IDS, adding one message per invalid variable to `problems` (naming it and the fix).
 */
export function readAuthConfig(env: NodeJS.ProcessEnv, problems: string[]): AuthConfig {
  const issuer = url(env, 'AUTH_ISSUER', problems, 'the issuer as tokens carry it in "iss", e.g. https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEf123');
  const jwksUrl = env.AUTH_JWKS_URL?.trim()
    ? url(env, 'AUTH_JWKS_URL', problems, 'the URL of the issuer\'s JSON Web Key Set, or leave it unset for <AUTH_ISSUER>/.well-known/jwks.json')
    : `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json`;

  const resourceServer = env.AUTH_RESOURCE_SERVER?.trim() || 'transactions';
  if (!SCOPE_TOKEN.test(resourceServer)) {
    problems.push(`AUTH_RESOURCE_SERVER must be 1 to 256 visible ASCII characters without space, '"' or '\\' (a Cognito resource server identifier; got "${resourceServer}")`);
  }
  const audiences = list(env, 'AUTH_AUDIENCE', problems, /^[\x21-\x7e]{1,512}$/, 'comma-separated audience values (no spaces inside a value)');
  const allowedClients = list(env, 'AUTH_CLIENT_IDS', problems, CLIENT_ID, 'comma-separated client ids of 1 to 128 visible ASCII characters');
  if (allowedClients?.includes(LEGACY_OWNER)) problems.push(`AUTH_CLIENT_IDS must not name ${LEGACY_OWNER}: it owns the rows stored before authentication and is no client`);

  return { issuer, jwksUrl, resourceServer, ...(audiences ? { audiences } : {}), ...(allowedClients ? { allowedClients } : {}) };
}

/** An https URL (http only on a loopback host: the local issuer) without query or fragment. */
function url(env: NodeJS.ProcessEnv, name: string, problems: string[], what: string): string {
  const raw = env[name]?.trim();
  if (!raw) {
    problems.push(`${name} is required: ${what}`);
    return '';
  }
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    problems.push(`${name} must be a URL: ${what} (got "${raw}")`);
    return raw;
  }
  const local = parsed.protocol === 'http:' && LOOPBACK_HOSTS.has(parsed.hostname);
  if ((parsed.protocol !== 'https:' && !local) || parsed.search || parsed.hash || parsed.username || parsed.password) {
    problems.push(`${name} must be an https URL without query, fragment or credentials (http only for localhost): ${what} (got "${raw}")`);
  }
  return raw;
}

function list(env: NodeJS.ProcessEnv, name: string, problems: string[], item: RegExp, what: string): string[] | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const values = raw.split(',').map((value) => value.trim());
  const bad = values.find((value) => !item.test(value));
  if (bad !== undefined) problems.push(`${name} must be ${what} (got "${bad}" in "${raw}")`);
  return values;
}
