/**
 * How the project's own checks (the post-deploy assertions' token function, the pre-traffic hook,
 * the failover proof) get an OAuth 2.0 access token for the sample API: the client-credentials
 * grant (RFC 6749 section 4.4) against the environment's token endpoint, with the checks' app
 * client whose id and secret live in one Secrets Manager secret. Plain TypeScript with `fetch`
 * injected, so the Lambda handlers, the terminal command and the tests share it.
 *
 * The token endpoint is Amazon Cognito's `POST https://<domain prefix>.auth.<region>.amazoncognito.com/oauth2/token`
 * (Cognito Developer Guide, "The token issuer endpoint",
 * https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html): form body
 * `grant_type=client_credentials&scope=<scopes>`, the client authenticated with
 * `Authorization: Basic base64(client_id:client_secret)` exactly as that page shows it (no
 * percent-encoding of the two values first: Cognito's ids and generated secrets are letters and
 * digits). It answers `{"access_token","expires_in","token_type":"Bearer"}` or an OAuth error
 * `{"error":"invalid_client"}` with 400 or 401.
 *
 * Nothing here puts a secret or a token into an error message: errors name the field, the HTTP
 * status and the OAuth error code only, so they are safe to log.
 */

/** The API's resource server identifier (Cognito: the custom scopes are `<identifier>/<scope name>`); the app's AUTH_RESOURCE_SERVER default. */
export const API_RESOURCE_SERVER = 'transactions';
/** The scope names of the resource server (app/src/auth/scopes.ts). */
export const API_SCOPE_NAMES = ['read', 'write'] as const;
/** `transactions/read`: GET a transaction. */
export const READ_SCOPE = `${API_RESOURCE_SERVER}/read`;
/** `transactions/write`: POST a transaction. */
export const WRITE_SCOPE = `${API_RESOURCE_SERVER}/write`;

/**
 * The JSON fields of the checks' credentials secret. `client_id`, `client_secret` and `token_url`
 * are what a caller needs; `user_pool_id` and `client_secret_id` are what the rotation function
 * needs (which Cognito app client, and which of its secrets is the current one).
 */
export interface ClientCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly tokenUrl: string;
}

/** A secret value, a token answer or a token request that cannot be used: the message is safe to log. */
export class ClientCredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientCredentialsError';
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The credentials in a secret's `SecretString` (JSON with `client_id`, `client_secret`,
 * `token_url`). Refuses a value that is not such JSON, naming the missing fields (never a value).
 */
export function parseClientCredentials(secretString: string | undefined): ClientCredentials {
  let value: unknown;
  try {
    value = JSON.parse(secretString ?? '');
  } catch {
    throw new ClientCredentialsError('the credentials secret is not JSON: expected {"client_id","client_secret","token_url"}');
  }
  if (!isRecord(value)) throw new ClientCredentialsError('the credentials secret is not a JSON object: expected {"client_id","client_secret","token_url"}');
  const missing = ['client_id', 'client_secret', 'token_url'].filter((k) => typeof value[k] !== 'string' || value[k] === '');
  if (missing.length > 0) throw new ClientCredentialsError(`the credentials secret lacks ${missing.join(', ')}`);
  const tokenUrl = value.token_url as string;
  if (!/^https:\/\/[^\s/?#]+\/\S*$/.test(tokenUrl) && !/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(tokenUrl)) {
    throw new ClientCredentialsError('the credentials secret\'s token_url is not an https URL');
  }
  return { clientId: value.client_id as string, clientSecret: value.client_secret as string, tokenUrl };
}

/** A token and when it stops being valid. */
export interface AccessToken {
  /** The JWT, for `Authorization: Bearer <token>`. */
  readonly token: string;
  /** Epoch milliseconds from which the issuer no longer accepts it (`expires_in` after the request). */
  readonly expiresAt: number;
}

/** The `fetch` this module needs (the global one in Node.js 18+, or a test's). */
export type FetchLike = (url: string, init: {
  method: string;
  headers: Record<string, string>;
  body: string;
  signal?: AbortSignal;
}) => Promise<{ status: number; text(): Promise<string> }>;

/** Options of requestAccessToken. */
export interface TokenRequestOptions {
  /** The HTTP client. @default the global fetch */
  readonly fetch?: FetchLike;
  /** Milliseconds before the request is abandoned. @default 5000 */
  readonly timeoutMs?: number;
  /** The clock (epoch ms). @default Date.now */
  readonly now?: () => number;
}

/** `Basic base64(client_id:client_secret)`, as Cognito's token endpoint page writes it. */
export function basicAuthorization(credentials: Pick<ClientCredentials, 'clientId' | 'clientSecret'>): string {
  return `Basic ${Buffer.from(`${credentials.clientId}:${credentials.clientSecret}`, 'utf8').toString('base64')}`;
}

/**
 * One client-credentials token request for `scopes` (none: every scope the client may have).
 * Throws ClientCredentialsError on a refusal
 * (its status and OAuth `error` code, e.g. `HTTP 400 invalid_client`), an answer without a
 * token, a timeout or a network error.
 */
export async function requestAccessToken(
  credentials: ClientCredentials, scopes: readonly string[], options: TokenRequestOptions = {},
): Promise<AccessToken> {
  const doFetch = options.fetch ?? (fetch as unknown as FetchLike);
  const now = options.now ?? Date.now;
  const sentAt = now();
  // Without scopes Cognito grants every custom scope of the client: the form then names none.
  const form = new URLSearchParams({ grant_type: 'client_credentials', ...(scopes.length > 0 ? { scope: scopes.join(' ') } : {}) });
  let status: number;
  let text: string;
  try {
    const response = await doFetch(credentials.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'authorization': basicAuthorization(credentials) },
      body: form.toString(),
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
    status = response.status;
    text = await response.text();
  } catch (e) {
    const err = e as Error;
    const kind = err.name === 'TimeoutError' || err.name === 'AbortError' ? 'timed out' : `failed (${err.name}: ${err.message})`;
    throw new ClientCredentialsError(`the token request to ${credentials.tokenUrl} ${kind}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (status !== 200) {
    const code = isRecord(body) && typeof body.error === 'string' ? ` ${body.error.slice(0, 64)}` : '';
    throw new ClientCredentialsError(`the token endpoint ${credentials.tokenUrl} answered HTTP ${status}${code}`);
  }
  if (!isRecord(body) || typeof body.access_token !== 'string' || body.access_token === '') {
    throw new ClientCredentialsError(`the token endpoint ${credentials.tokenUrl} answered 200 without an access_token`);
  }
  const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300;
  return { token: body.access_token, expiresAt: sentAt + expiresIn * 1000 };
}

/**
 * A token kept until shortly before it expires (Cognito bills every token request, and one
 * token serves any number of calls): `get()` asks `source` for a new one only when there is none
 * or the one held expires within `marginMs`. A failed request is not cached.
 */
export class CachedToken {
  private held?: AccessToken;

  constructor(
    private readonly source: () => Promise<AccessToken>,
    private readonly marginMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** A token valid for at least `marginMs` more. */
  public async get(): Promise<string> {
    if (!this.held || this.held.expiresAt - this.marginMs <= this.now()) this.held = await this.source();
    return this.held.token;
  }

  /** Forget the held token (e.g. after the API answered 401 to it). */
  public clear(): void {
    this.held = undefined;
  }
}
