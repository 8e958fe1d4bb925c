/**
 * The common shape of a scanner finding, whichever scanner (Trivy or ECR) reported it.
 * Parsers turn their tool's format into `Finding`s; `decide()` only ever sees this shape.
 */

/** Severity names shared by both scanners. ECR's UNDEFINED/UNTRIAGED become UNKNOWN. */
export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNKNOWN'] as const;

/** One of {@link SEVERITIES}. */
export type Severity = typeof SEVERITIES[number];

/**
 * Whether a fixed version exists.
 * `unknown` means the scanner cannot say (ECR basic scanning); the decision treats it as fixable,
 * so a missing fact never lets a finding through.
 */
export type FixAvailable = 'yes' | 'no' | 'partial' | 'unknown';

/** What kind of problem a finding is; selects the matching allowlist section. */
export type FindingKind = 'vulnerability' | 'secret' | 'misconfiguration';

/** One problem reported by a scanner. */
export interface Finding {
  /** Which gate saw it. */
  readonly source: 'trivy' | 'ecr';
  readonly kind: FindingKind;
  /** Primary identifier: CVE/GHSA id, secret rule id, or misconfiguration id. */
  readonly id: string;
  /** Other identifiers an allowlist entry may use (e.g. Trivy's AVDID for misconfigurations). */
  readonly aliases: readonly string[];
  readonly severity: Severity;
  readonly fix: FixAvailable;
  /** Fixed version(s) when known. */
  readonly fixedVersion?: string;
  /** Affected package name, when the finding is about a package. */
  readonly pkg?: string;
  readonly installedVersion?: string;
  /** File or target the finding is in (Trivy Target or package path); used by allowlist `paths`. */
  readonly path?: string;
  /** One-line human description. */
  readonly title?: string;
}

/** True when `value` is one of our severity names. */
export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}
