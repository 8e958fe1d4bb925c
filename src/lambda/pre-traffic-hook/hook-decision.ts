import type { CheckResult, PreTrafficConfig } from './pre-traffic-checks';

/**
 * What the pre-traffic hook tells ECS after its checks, and the bound on its retries: a hook
 * that keeps answering IN_PROGRESS would hold the deployment until ECS's own hook timeout.
 * ECS's contract (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/lambda-lifecycle-hooks.html):
 * the function returns `hookStatus` SUCCEEDED (continue), FAILED (roll back to the last
 * successful service revision) or IN_PROGRESS (ECS invokes it again after `callBackDelay`
 * seconds, default 30), and may return `hookDetails` to pass data to the next invocation.
 */

/** How ECS continues after the hook (its three documented values). */
export type HookStatus = 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS';

/** The part of ECS's hook event the decision reads. */
export interface HookEvent {
  readonly lifecycleStage?: string;
  /** What the previous invocation returned with IN_PROGRESS, if ECS passes it back here. */
  readonly hookDetails?: { readonly attempt?: unknown };
}

/** What the hook returns to ECS. */
export interface HookResponse {
  readonly hookStatus: HookStatus;
  /** Seconds before ECS calls again (IN_PROGRESS only). */
  readonly callBackDelay?: number;
  /** Passed back to the next invocation: the attempt counter that bounds the retries. */
  readonly hookDetails?: { readonly attempt: number };
  /** For the log: why. */
  readonly reason: string;
}

/** Which attempt this invocation is (1 for the first, and whenever ECS did not echo hookDetails back). */
export function attemptOf(event: HookEvent): number {
  const n = event.hookDetails?.attempt;
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 ? n : 1;
}

/**
 * How far along the retries are, from two independent sources: the attempt counter ECS passes
 * back (when it does) and the time since the ECS service deployment started (read from ECS).
 */
export interface RetryState {
  /** attemptOf(event). */
  readonly attempt: number;
  /** Milliseconds since the service deployment started, or why that is unknown. */
  readonly elapsed: { readonly ms: number } | { readonly error: string };
}

/**
 * SUCCEEDED when every check passed. Otherwise IN_PROGRESS (ECS calls again after
 * `retryDelaySeconds`, new tasks may still be warming up) until either bound is reached, then
 * FAILED, which makes ECS roll back to the previous tasks: production traffic never reached the
 * new ones. The bounds:
 * - the attempt counter reaches `maxAttempts` (when ECS echoes hookDetails);
 * - `deadlineMinutes` have passed since the service deployment started (whatever ECS echoes);
 * - the deployment's start cannot be read: fail closed. The hook would otherwise have no bound
 *   of its own left, and a rollback is safe (the previous tasks kept serving production).
 */
export function decide(results: readonly CheckResult[], state: RetryState, config: Pick<PreTrafficConfig, 'maxAttempts' | 'retryDelaySeconds' | 'deadlineMinutes'>): HookResponse {
  const { attempt, elapsed } = state;
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0) return { hookStatus: 'SUCCEEDED', reason: `all ${results.length} checks passed on attempt ${attempt}` };
  const why = failed.map((r) => `${r.name}: ${r.detail}`).join('; ');
  if ('error' in elapsed) {
    return { hookStatus: 'FAILED', reason: `checks failing and the retries cannot be bounded (the deployment's start is unknown: ${elapsed.error}), rolling back: ${why}` };
  }
  const minutes = (elapsed.ms / 60000).toFixed(1);
  if (elapsed.ms >= config.deadlineMinutes * 60000) {
    return { hookStatus: 'FAILED', reason: `still failing ${minutes} minutes after the deployment started (deadline ${config.deadlineMinutes}), rolling back: ${why}` };
  }
  if (attempt >= config.maxAttempts) {
    return { hookStatus: 'FAILED', reason: `attempt ${attempt} of ${config.maxAttempts} still failing, rolling back: ${why}` };
  }
  return {
    hookStatus: 'IN_PROGRESS',
    callBackDelay: config.retryDelaySeconds,
    hookDetails: { attempt: attempt + 1 },
    reason: `attempt ${attempt} of ${config.maxAttempts} failing ${minutes} minutes after the deployment started, retrying in ${config.retryDelaySeconds}s: ${why}`,
  };
}

/** Milliseconds since the deployment started, or why unknown (called only when a check failed). */
export type ElapsedSinceStart = () => Promise<RetryState['elapsed']>;
