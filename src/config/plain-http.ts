import { z } from 'zod';
import type { RelationProblem } from './relations';
import type { DeliveryConfig } from './schema';
import { flag, isObject } from './valid-input';
import { isFullSentence, MIN_REASON_WORDS } from '../shared/full-sentence';

/*
 * Production serves HTTPS only. An environment with `"production": true` needs a `domain` (a
 * public Route 53 hosted zone: ACM certificate, TLS 1.2+ listener, HTTP only redirects), unless
 * the config opts out in writing with `"allowPlainHttp": { "reason": "..." }`. The opt-out is
 * then shown by the synth summary and the compliance report, never silently accepted.
 */

/** `allowPlainHttp` of an environment: the written reason for serving prod over plain HTTP. */
export const plainHttpOptOutSchema = z.strictObject({
  /** Why this production environment may serve plain HTTP, in a full sentence. */
  reason: z.string({ error: 'is required: say why this production environment may serve plain HTTP, in a full sentence' })
    .refine(isFullSentence, {
      error: `must say why in a full sentence (at least ${MIN_REASON_WORDS} words, ending with a period), `
        + 'e.g. "Internal load test environment behind a VPN, it never carries customer data."',
    }),
}, { error: 'must be { "reason": "<why, in a full sentence>" }' });

/**
 * The HTTPS rule over the raw environments (tolerant of other errors, like every relation rule:
 * valid-input.ts):
 * production needs `domain` or `allowPlainHttp`; `allowPlainHttp` belongs to a production
 * environment without a domain and nowhere else.
 */
export function plainHttpProblems(environments: readonly unknown[]): RelationProblem[] {
  const problems: RelationProblem[] = [];
  environments.forEach((e, i) => {
    // A `production` that is not a boolean is its own rule's to report: which rule applies is unknown.
    const productionFlag = isObject(e) ? flag(e.production) : undefined;
    if (!isObject(e) || productionFlag === undefined) return;
    const name = JSON.stringify(e.name);
    const production = productionFlag;
    const hasDomain = e.domain !== undefined;
    const optOut = e.allowPlainHttp !== undefined;
    if (production && !hasDomain && !optOut) {
      problems.push({
        field: `environments[${i}].domain`,
        message: `is missing for production environment ${name}, which would then serve plain HTTP; `
          + 'add "domain": { "zoneName": "<public zone, e.g. prod.example.com>", "hostedZoneId": "<its Route 53 id, Z...>" } '
          + 'so prod serves HTTPS only (TLS 1.2+, HTTP redirects), or opt out in writing with "allowPlainHttp": { "reason": "<why, in a full sentence>" }',
      });
    }
    if (optOut && !production) {
      problems.push({
        field: `environments[${i}].allowPlainHttp`,
        message: `is only for production environments (non-production ${name} serves plain HTTP without a domain anyway); remove it`,
      });
    }
    if (optOut && production && hasDomain) {
      problems.push({
        field: `environments[${i}].allowPlainHttp`,
        message: `contradicts "domain": production environment ${name} has a domain and serves HTTPS only; remove "allowPlainHttp"`,
      });
    }
  });
  return problems;
}

/** One production environment that serves plain HTTP by an explicit, reasoned opt-out. */
export interface PlainHttpOptOut {
  /** The environment name, e.g. "prod". */
  readonly environment: string;
  /** Its account. */
  readonly account: string;
  /** Its regions. */
  readonly regions: readonly string[];
  /** The written reason from `allowPlainHttp.reason`. */
  readonly reason: string;
}

/** Every production environment of a validated config that serves plain HTTP by opt-out. */
export function plainHttpOptOuts(config: Pick<DeliveryConfig, 'environments'>): PlainHttpOptOut[] {
  return config.environments
    .filter((e) => e.production && e.allowPlainHttp !== undefined && e.domain === undefined)
    .map((e) => ({ environment: e.name, account: e.account, regions: [...e.regions], reason: e.allowPlainHttp!.reason.trim() }));
}

/** The lines the synth summary and the compliance report print for the opt-outs (none: empty). */
export function renderPlainHttpOptOuts(optOuts: readonly PlainHttpOptOut[]): string[] {
  return optOuts.map((o) => `Plain HTTP in production (allowPlainHttp): ${o.environment} (${o.account}: ${o.regions.join(', ')}) serves HTTP without TLS. Reason: ${o.reason}`);
}
