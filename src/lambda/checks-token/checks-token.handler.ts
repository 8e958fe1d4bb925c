import { checksCredentialsConfigFrom, readChecksCredentials } from './checks-credentials';
import { secretsManagerReader } from './secrets-manager';
import { requestAccessToken } from '../../shared/client-credentials';

/** Milliseconds the token request may take. */
export const TOKEN_REQUEST_TIMEOUT_MS = 5000;

/**
 * The post-deploy assertions' token (src/synth/assertions/): the assertion stack invokes this
 * function once per run, and sends the token it returns on the transaction calls. It reads the
 * checks' credentials (checks-credentials.ts) and asks the issuer's token endpoint for
 * `CHECKS_SCOPES`; the secret never leaves the function. Only the token is returned, and only
 * `{ token }` so that the assertion can name the field. A failure throws (the invocation fails,
 * and with it the assertion stack's deployment), with a message that holds no secret.
 */
export async function handler(): Promise<{ token: string; expiresAt: string }> {
  const config = checksCredentialsConfigFrom(process.env);
  const credentials = await readChecksCredentials(secretsManagerReader(config.region), config);
  const token = await requestAccessToken(credentials, config.scopes, { timeoutMs: TOKEN_REQUEST_TIMEOUT_MS });
  console.log(JSON.stringify({ event: 'token issued', clientId: credentials.clientId, scopes: config.scopes, expiresAt: new Date(token.expiresAt).toISOString() }));
  return { token: token.token, expiresAt: new Date(token.expiresAt).toISOString() };
}
