import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

/** The port `npx projen app:dev` serves the local issuer on (LOCAL_ISSUER_PORT overrides it). */
export const LOCAL_ISSUER_PORT = 8081;

/** The scopes of the default resource server (`transactions`): what a token gets when none are asked for. */
export const ALL_SCOPES = ['transactions/read', 'transactions/write'];

/** What to put in a token. */
export interface TokenOptions {
  /** The client: `client_id` and `sub` (as in a Cognito client-credentials token). */
  readonly client: string;
  /**
   * The scopes (the space-separated `scope` claim).
   * @default ALL_SCOPES
   */
  readonly scopes?: readonly string[];
  /**
   * Lifetime in seconds from now (`exp`).
   * @default 3600 (Cognito's default access-token lifetime)
   */
  readonly ttlSeconds?: number;
  /**
   * Claims added or replaced; a claim set to undefined is left out (tests: expired, another
   * issuer, `token_use: "id"`, no `client_id`...).
   * @default none
   */
  readonly claims?: Readonly<Record<string, unknown>>;
  /**
   * The key id in the header.
   * @default the current signing key's
   */
  readonly kid?: string;
}

/** How the key set endpoint answers (tests of an issuer outage). */
export type JwksBehaviour = 'serve' | 'hang' | 'fail';

interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

/**
 * A real OAuth 2.0 issuer for local use and tests, on loopback only: an RSA key pair (RS256),
 * its public key published as a JSON Web Key Set at `/.well-known/jwks.json` (where Cognito
 * publishes its own), and access tokens shaped like Cognito's client-credentials tokens (`iss`,
 * `sub` and `client_id` = the client, `token_use: "access"`, `scope`, `iat`, `exp`, `jti`, no
 * `aud`). The service verifies them with exactly the code it runs in production.
 *
 * `POST /oauth2/token` is a stand-in for Cognito's token endpoint (client-credentials grant): it
 * accepts any client name (from HTTP Basic authentication or `client_id`, no secret checked: local
 * use only) and the scopes asked for (all of ALL_SCOPES when none are).
 */
export class LocalIssuer {
  /** Starts the issuer on `host` (127.0.0.1) and `port` (0: any free port). */
  static async start(options: { readonly host?: string; readonly port?: number } = {}): Promise<LocalIssuer> {
    const server = createServer();
    const issuer = new LocalIssuer(server, await newSigningKey());
    server.on('request', (req, res) => issuer.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    return issuer;
  }

  /** Requests the key set endpoint received (tests of the key cache). */
  public jwksRequests = 0;
  /** How the key set endpoint answers. */
  public jwksBehaviour: JwksBehaviour = 'serve';
  private keys: SigningKey[];
  private readonly hanging = new Set<ServerResponse>();

  private constructor(private readonly server: Server, key: SigningKey) {
    this.keys = [key];
  }

  /** The issuer identifier (`iss`): what AUTH_ISSUER must be. */
  get url(): string {
    const { address, port } = this.server.address() as AddressInfo;
    return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  }

  /** Where the key set is published: the default AUTH_JWKS_URL for this issuer. */
  get jwksUrl(): string {
    return `${this.url}/.well-known/jwks.json`;
  }

  /** The key id new tokens are signed with. */
  get currentKid(): string {
    return this.keys[this.keys.length - 1].kid;
  }

  /** A signed access token. */
  async token(options: TokenOptions): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const claims: JWTPayload = {
      sub: options.client,
      client_id: options.client,
      token_use: 'access',
      scope: (options.scopes ?? ALL_SCOPES).join(' '),
      auth_time: now,
      iss: this.url,
      iat: now,
      exp: now + (options.ttlSeconds ?? 3600),
      jti: randomUUID(),
      version: 2,
      ...options.claims,
    };
    for (const name of Object.keys(claims)) if (claims[name] === undefined) delete claims[name];
    const key = this.keys[this.keys.length - 1];
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: options.kid ?? key.kid }).sign(key.privateKey);
  }

  /**
   * Rotates the signing key, as an issuer does: new tokens are signed with a new key (a new `kid`),
   * published next to the previous one unless `dropPrevious`.
   * @returns the new key id
   */
  async rotateKey(options: { readonly dropPrevious?: boolean } = {}): Promise<string> {
    const key = await newSigningKey();
    this.keys = options.dropPrevious ? [key] : [...this.keys, key];
    return key.kid;
  }

  /** Stops serving; ends requests held by `jwksBehaviour: 'hang'`. */
  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/.well-known/jwks.json') {
      this.jwksRequests += 1;
      if (this.jwksBehaviour === 'hang') {
        this.hanging.add(res);
        return;
      }
      if (this.jwksBehaviour === 'fail') return json(res, 500, { message: 'local issuer told to fail' });
      return json(res, 200, { keys: this.keys.map((key) => key.publicJwk) });
    }
    if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer: this.url, jwks_uri: this.jwksUrl, token_endpoint: `${this.url}/oauth2/token`, grant_types_supported: ['client_credentials'],
      });
    }
    if (req.method === 'POST' && path === '/oauth2/token') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => { body += chunk; });
      req.on('end', () => {
        this.tokenEndpoint(req, new URLSearchParams(body)).then(
          ({ status, payload }) => json(res, status, payload),
          (err: unknown) => json(res, 500, { error: 'server_error', error_description: String(err) }),
        );
      });
      return undefined;
    }
    return json(res, 404, { message: `no ${req.method} ${path} here` });
  }

  /** The client-credentials grant (RFC 6749 section 4.4), as Cognito's /oauth2/token answers it. */
  private async tokenEndpoint(req: IncomingMessage, form: URLSearchParams): Promise<{ status: number; payload: object }> {
    if (form.get('grant_type') !== 'client_credentials') {
      return { status: 400, payload: { error: 'unsupported_grant_type', error_description: 'grant_type must be client_credentials' } };
    }
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    const client = basic ? Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0] : form.get('client_id');
    if (!client || !/^[\x21-\x7e]{1,128}$/.test(client)) {
      return { status: 400, payload: { error: 'invalid_client', error_description: 'name the client: HTTP Basic user name or client_id, 1 to 128 visible ASCII characters' } };
    }
    const scope = form.get('scope')?.trim();
    const ttlSeconds = 3600;
    const token = await this.token({ client, scopes: scope ? scope.split(/\s+/) : ALL_SCOPES, ttlSeconds });
    return { status: 200, payload: { access_token: token, token_type: 'Bearer', expires_in: ttlSeconds } };
  }
}

async function newSigningKey(): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const kid = randomUUID();
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

function json(res: ServerResponse, status: number, payload: object): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
}
