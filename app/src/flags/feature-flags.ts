import type { Logger } from 'pino';

/**
 * The feature flags the service applies, read from the AWS AppConfig agent that runs beside it
 * in the task (a sidecar on localhost:2772, see the root README "Feature flags"). The agent polls
 * AppConfig every 15 s and serves what it has; this module asks the agent every
 * `refreshMs` and keeps the values in memory, so a request never waits for a flag.
 *
 * What it does when things go wrong:
 * - **At start**, before the agent has answered once: the safe defaults below (new transactions
 *   accepted). A cold task whose agent cannot reach AppConfig therefore serves; the kill switch
 *   takes effect at the first good answer.
 * - **The agent or AppConfig unreachable, an error status, a body that is not the document, a
 *   flag missing or malformed**: the last known good values stay (the flag keeps what it was), and
 *   one warning is logged per change of state (not per poll).
 * - Every answer is parsed field by field: an unknown extra flag is ignored, a known flag with a
 *   wrong shape keeps that flag's last known value.
 */

/** The flag keys in config/feature-flags.json the service reads. */
export const KILL_SWITCH_FLAG = 'transactions_kill_switch';
export const KILL_SWITCH_RETRY_AFTER = 'retry_after_seconds';

/** What the service applies. */
export interface FlagValues {
  /** The kill switch of new transactions: when enabled, POST /transactions answers 503 `feature_disabled`. */
  readonly killSwitch: { readonly enabled: boolean; readonly retryAfterSeconds: number };
}

/**
 * The safe defaults a task starts with (and the values in config/feature-flags.json, which a
 * root test compares): new transactions accepted; 60 s Retry-After if the switch is flipped.
 */
export const DEFAULT_FLAGS: FlagValues = { killSwitch: { enabled: false, retryAfterSeconds: 60 } };

/** How often the service asks the agent (ms). With the agent's 15 s poll: a flip applies within 15 + 5 s (+ one request). */
export const FLAGS_REFRESH_MS = 5000;
/** How long one question to the agent may take (it answers from memory in milliseconds). */
export const FLAGS_REQUEST_TIMEOUT_MS = 1000;

/** Where the values come from. */
export interface FlagsStatus {
  /** `default` until the agent answered once with a usable document, then `agent`. */
  readonly source: 'default' | 'agent';
  /** When the agent last answered with a usable document. */
  readonly lastSuccessAt?: Date;
  /** Why the last question failed (undefined after a success). */
  readonly lastError?: string;
}

/** Options of FeatureFlags. */
export interface FeatureFlagsOptions {
  /**
   * The agent's URL of this stage's flags (FEATURE_FLAGS_URL):
   * `http://localhost:2772/applications/<app>/environments/<env>/configurations/<profile>`.
   * @default none: the defaults, never refreshed (local development and most tests)
   */
  readonly url?: string;
  /** The logger (state changes only). */
  readonly logger: Logger;
  /** @default FLAGS_REFRESH_MS */
  readonly refreshMs?: number;
  /** @default FLAGS_REQUEST_TIMEOUT_MS */
  readonly requestTimeoutMs?: number;
}

/** The values a task applies, kept fresh from the AppConfig agent. */
export class FeatureFlags {
  private values: FlagValues = DEFAULT_FLAGS;
  private state: FlagsStatus = { source: 'default' };
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;

  constructor(private readonly options: FeatureFlagsOptions) {}

  /** The values to apply now (never waits). */
  public current(): FlagValues {
    return this.values;
  }

  /** Where the values come from, for logs and tests. */
  public status(): FlagsStatus {
    return this.state;
  }

  /** Ask the agent now, then every `refreshMs` (no-op without a URL). Never throws. */
  public start(): void {
    if (!this.options.url || this.timer) return;
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.refreshMs ?? FLAGS_REFRESH_MS);
    // The refresh must never keep the process alive on its own (shutdown, tests).
    this.timer.unref();
  }

  /** Stop asking. */
  public stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One question to the agent; concurrent calls share it. Keeps the last known values on any failure. */
  public refresh(): Promise<void> {
    this.inFlight ??= this.ask().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async ask(): Promise<void> {
    const { url, logger } = this.options;
    if (!url) return;
    let failure: string | undefined;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? FLAGS_REQUEST_TIMEOUT_MS) });
      if (!response.ok) {
        failure = `the agent answered ${response.status}`;
      } else {
        const next = parseFlags(await response.json(), this.values);
        if (typeof next === 'string') {
          failure = next;
        } else {
          const changed = JSON.stringify(next) !== JSON.stringify(this.values);
          this.values = next;
          if (changed || this.state.source !== 'agent' || this.state.lastError) logger.info({ flags: next }, 'feature flags applied');
          this.state = { source: 'agent', lastSuccessAt: new Date() };
          return;
        }
      }
    } catch (err) {
      failure = `the agent did not answer: ${(err as Error).message}`;
    }
    if (failure !== this.state.lastError) {
      logger.warn({ flags: this.values, source: this.state.source, reason: failure }, 'feature flags not refreshed: keeping the last known values');
    }
    this.state = { ...this.state, lastError: failure };
  }
}

/**
 * The values in an agent answer: for a feature-flag profile the agent serves each flag's
 * resolved value, `{ "<flag>": { "enabled": true, "<attribute>": ... } }`. A flag that is missing
 * or malformed keeps its previous value; an answer that is not an object is refused (a string).
 */
export function parseFlags(body: unknown, previous: FlagValues): FlagValues | string {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return 'the agent answered something other than a flag document';
  const kill = (body as Record<string, unknown>)[KILL_SWITCH_FLAG];
  if (!kill || typeof kill !== 'object' || typeof (kill as { enabled?: unknown }).enabled !== 'boolean') {
    return `the answer has no usable ${KILL_SWITCH_FLAG} (expected { "enabled": true|false, "${KILL_SWITCH_RETRY_AFTER}": <seconds> })`;
  }
  const retry = (kill as Record<string, unknown>)[KILL_SWITCH_RETRY_AFTER];
  const retryAfterSeconds = typeof retry === 'number' && Number.isInteger(retry) && retry >= 1 && retry <= 3600
    ? retry : previous.killSwitch.retryAfterSeconds;
  return { killSwitch: { enabled: (kill as { enabled: boolean }).enabled, retryAfterSeconds } };
}
