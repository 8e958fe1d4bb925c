/** How a gate waits on an AWS answer that arrives later (a scan, a replication): fail closed on time. */
export interface PollOptions {
  /** Give up (fail closed) when the answer is still not final after this long. */
  readonly timeoutMs: number;
  /** Time between reads. */
  readonly pollMs: number;
  /** Clock in ms; injectable for tests. @default Date.now */
  readonly now?: () => number;
  /** Sleep; injectable for tests. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Progress lines for the build log. @default ignore */
  readonly log?: (line: string) => void;
}
