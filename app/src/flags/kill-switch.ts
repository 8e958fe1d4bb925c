import type { FastifyReply } from 'fastify';
import { FeatureFlags, KILL_SWITCH_FLAG } from './feature-flags';

/** The error code of a POST refused by the kill switch. */
export const FEATURE_DISABLED = 'feature_disabled';

/**
 * The kill switch of new transactions: when `transactions_kill_switch` is enabled, answer
 * POST /transactions with 503 `feature_disabled` and the flag's Retry-After, before anything
 * else the route does (no validation, no database; authentication has run already, in the
 * onRequest hook), and say so (true). Reads never pass through here.
 * A client retries with the same Idempotency-Key once the switch is off again: nothing was stored.
 */
export function refuseWhenKilled(flags: FeatureFlags | undefined, reply: FastifyReply): boolean {
  const killSwitch = flags?.current().killSwitch;
  if (!killSwitch?.enabled) return false;
  void reply.status(503).header('Retry-After', String(killSwitch.retryAfterSeconds)).send({
    error: FEATURE_DISABLED,
    message: `new transactions are switched off for now (feature flag ${KILL_SWITCH_FLAG}); nothing was stored: retry with the same Idempotency-Key after ${killSwitch.retryAfterSeconds} s. Reads keep working.`,
    flag: KILL_SWITCH_FLAG,
  });
  return true;
}
