import { AllowlistEntry, Allowlist, entryMatches, isExpired } from './allowlist';
import { Finding, SEVERITIES, Severity } from './finding';

/** Which findings fail a gate. Mirrors `gates` in the delivery config. */
export interface Thresholds {
  /** Severities that fail the gate whether or not a fix exists. */
  readonly failOnSeverities: readonly Severity[];
  /** Severities that fail the gate only when a fix exists (or may exist: `unknown`/`partial`). */
  readonly failOnFixableSeverities: readonly Severity[];
}

/** The config defaults: CRITICAL always fails, HIGH fails when a fix exists. */
export const DEFAULT_THRESHOLDS: Thresholds = { failOnSeverities: ['CRITICAL'], failOnFixableSeverities: ['HIGH'] };

/** A finding that fails the gate, and why. */
export interface BlockingFinding {
  readonly finding: Finding;
  readonly reason: string;
}

/** A finding that would have blocked but a valid allowlist entry suppresses. */
export interface AllowlistedFinding {
  readonly finding: Finding;
  readonly entry: AllowlistEntry;
}

/** The outcome of a gate. */
export interface Decision {
  readonly pass: boolean;
  readonly blocking: readonly BlockingFinding[];
  readonly allowlisted: readonly AllowlistedFinding[];
  /** Expired entries fail the gate on their own, even when their finding is gone. */
  readonly expiredEntries: readonly AllowlistEntry[];
  /** Valid entries that matched no finding in this scan (informational: candidates for removal). */
  readonly unusedEntries: readonly AllowlistEntry[];
  readonly counts: {
    readonly total: number;
    readonly bySeverity: Readonly<Record<Severity, number>>;
    readonly blocking: number;
    readonly allowlisted: number;
    readonly expiredEntries: number;
  };
}

/** Why `finding` would block under `thresholds`, or undefined when it does not. */
export function blockReason(finding: Finding, thresholds: Thresholds): string | undefined {
  if (thresholds.failOnSeverities.includes(finding.severity)) {
    return `${finding.severity} is in failOnSeverities`;
  }
  if (thresholds.failOnFixableSeverities.includes(finding.severity) && finding.fix !== 'no') {
    const how = finding.fix === 'unknown' ? 'fix status unknown, treated as fixable' : `fix ${finding.fix === 'partial' ? 'partially ' : ''}available${finding.fixedVersion ? ` (${finding.fixedVersion})` : ''}`;
    return `${finding.severity} with ${how}; ${finding.severity} is in failOnFixableSeverities`;
  }
  return undefined;
}

/**
 * Decide a gate. Pure: the same input always gives the same answer.
 *
 * A finding blocks when its severity is in `failOnSeverities`, or in `failOnFixableSeverities`
 * and its fix status is not `no`. A blocking finding that a valid (unexpired) allowlist entry
 * matches is allowlisted instead. Every expired entry fails the gate, matched or not, so an
 * exception can never outlive its review date silently.
 *
 * @param today YYYY-MM-DD (UTC) the expiry dates are compared with
 */
export function decide(input: { findings: readonly Finding[]; thresholds: Thresholds; allowlist: Allowlist; today: string }): Decision {
  const { findings, thresholds, allowlist, today } = input;
  const expiredEntries = allowlist.entries.filter((e) => isExpired(e, today));
  const validEntries = allowlist.entries.filter((e) => !isExpired(e, today));
  const blocking: BlockingFinding[] = [];
  const allowlisted: AllowlistedFinding[] = [];
  const used = new Set<AllowlistEntry>();
  for (const finding of findings) {
    const entry = validEntries.find((e) => entryMatches(e, finding));
    if (entry) used.add(entry);
    const reason = blockReason(finding, thresholds);
    if (reason === undefined) continue;
    if (entry) allowlisted.push({ finding, entry });
    else blocking.push({ finding, reason });
  }
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length])) as Record<Severity, number>;
  return {
    pass: blocking.length === 0 && expiredEntries.length === 0,
    blocking,
    allowlisted,
    expiredEntries,
    unusedEntries: validEntries.filter((e) => !used.has(e)),
    counts: { total: findings.length, bySeverity, blocking: blocking.length, allowlisted: allowlisted.length, expiredEntries: expiredEntries.length },
  };
}
