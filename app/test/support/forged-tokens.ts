import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import type { LocalIssuer } from '../../tools/local-issuer';

/**
 * Tokens an attacker could make: each looks like one of `issuer`'s tokens for `client`, and each
 * must be refused by the real verification code.
 */

const claimsFor = (issuer: LocalIssuer, client: string): Record<string, unknown> => {
  const now = Math.floor(Date.now() / 1000);
  return { iss: issuer.url, sub: client, client_id: client, token_use: 'access', scope: 'transactions/read transactions/write', iat: now, exp: now + 600 };
};

/** `alg: none`, no signature (RFC 7519 section 6: an "unsecured JWT"). */
export function unsignedToken(issuer: LocalIssuer, client: string): string {
  return new UnsecuredJWT(claimsFor(issuer, client)).encode();
}

/**
 * HS256 with the issuer's public key as the HMAC secret: the classic algorithm confusion, which
 * verifies wherever the library lets the token choose its algorithm.
 */
export async function hmacWithPublicKeyToken(issuer: LocalIssuer, client: string): Promise<string> {
  const jwks = await (await fetch(issuer.jwksUrl)).text();
  return new SignJWT(claimsFor(issuer, client)).setProtectedHeader({ alg: 'HS256', kid: issuer.currentKid }).sign(new TextEncoder().encode(jwks));
}

/** A real token of `issuer` whose payload was changed afterwards (another client): the signature no longer matches. */
export function tamperedToken(token: string, client: string): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  return [header, Buffer.from(JSON.stringify({ ...claims, sub: client, client_id: client })).toString('base64url'), signature].join('.');
}

/**
 * Signed with an RSA key the issuer never published: under a key id of its own (`kid` unknown
 * to the issuer) or under the issuer's current key id (the signature does not verify).
 */
export async function foreignKeyToken(issuer: LocalIssuer, client: string, kid: 'own' | 'issuers'): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const ownKid = `attacker-${(await exportJWK(publicKey)).n?.slice(0, 8)}`;
  return new SignJWT(claimsFor(issuer, client))
    .setProtectedHeader({ alg: 'RS256', kid: kid === 'own' ? ownKid : issuer.currentKid })
    .sign(privateKey);
}
