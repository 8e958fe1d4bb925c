/**
 * What a route needs: `public` (the health and readiness probes: no token), `read` or `write`
 * (a token with that scope of this API). Routes without a declaration (the 404 and 405 answers)
 * need a valid token of this API and no particular scope.
 */
export type RouteAccess = 'public' | 'read' | 'write';

/** The one place that names the API's scopes: `<resource server>/read` and `<resource server>/write`. */
export const SCOPE_NAMES = { read: 'read', write: 'write' } as const;

/** The scope a route of `access` needs, as tokens carry it (`transactions/read` for the default resource server). */
export function scopeFor(resourceServer: string, access: Exclude<RouteAccess, 'public'>): string {
  return `${resourceServer}/${SCOPE_NAMES[access]}`;
}
