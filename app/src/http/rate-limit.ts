/** The request rate each client may use on one task (a token bucket). */
export interface RateLimitConfig {
  /**
   * Requests per second a client may sustain (CLIENT_RATE_LIMIT_PER_SECOND): the bucket's refill rate.
   * @default DEFAULT_RATE_LIMIT.perSecond
   */
  readonly perSecond: number;
  /**
   * Requests a client may send at once after a quiet spell (CLIENT_RATE_LIMIT_BURST): the bucket's size.
   * @default DEFAULT_RATE_LIMIT.burst
   */
  readonly burst: number;
}

/** 20 requests per second sustained, bursts of 40, per client and per task (app/README.md, "Rate limits"). */
export const DEFAULT_RATE_LIMIT: RateLimitConfig = { perSecond: 20, burst: 40 };

/** Beyond this many tracked clients, buckets that are full again (idle clients) are forgotten. */
const MAX_TRACKED_CLIENTS = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per client id, in memory: each request takes one token; tokens refill at
 * `perSecond` up to `burst`. Only authenticated requests reach it, so the clients it tracks are
 * the issuer's clients (bounded), and forgotten once idle when there are very many.
 */
export class ClientRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(public readonly config: RateLimitConfig, private readonly now: () => number = () => performance.now()) {}

  /** How many clients have a bucket now. */
  get trackedClients(): number {
    return this.buckets.size;
  }

  /**
   * Takes one request from the client's bucket.
   * @returns 0 when the request may proceed; else the seconds until the client may send one again
   */
  take(clientId: string): number {
    const now = this.now();
    const { perSecond, burst } = this.config;
    const bucket = this.buckets.get(clientId) ?? { tokens: burst, at: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    if (!this.buckets.has(clientId)) {
      if (this.buckets.size >= MAX_TRACKED_CLIENTS) this.forgetIdle(now);
      this.buckets.set(clientId, bucket);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return (1 - bucket.tokens) / perSecond;
  }

  /** Drops the buckets that have refilled completely: forgetting them changes nothing. */
  private forgetIdle(now: number): void {
    const { perSecond, burst } = this.config;
    for (const [clientId, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * perSecond >= burst) this.buckets.delete(clientId);
    }
  }
}
