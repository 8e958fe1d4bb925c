/**
 * How a pipeline step polls an AWS answer that arrives later (an ECR scan, a replication, the
 * alarms of a bake): the interval, and the clock, sleep and log that tests replace.
 */
export interface PollOptions {
  /** Time between reads. */
  readonly pollMs: number;
  /** Clock in ms; injectable for tests. @default Date.now */
  readonly now?: () => number;
  /** Sleep; injectable for tests. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Progress lines for the build log. @default ignore */
  readonly log?: (line: string) => void;
}

/** A poll that waits for a final answer and fails closed when none comes in time. */
export interface DeadlinePollOptions extends PollOptions {
  /** Give up (fail closed) when the answer is still not final after this long. */
  readonly timeoutMs: number;
}
