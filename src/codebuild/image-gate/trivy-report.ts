import { z } from 'zod';
import { Finding } from './finding';
import { issuePath } from './issue-path';
import { InputError } from '../../shared/cli/errors';

const trivySeverity = z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN']);

const vulnerability = z.looseObject({
  VulnerabilityID: z.string().min(1),
  PkgName: z.string().min(1),
  PkgPath: z.string().optional(),
  InstalledVersion: z.string().optional(),
  FixedVersion: z.string().optional(),
  Severity: trivySeverity,
  Title: z.string().optional(),
});

const secret = z.looseObject({
  RuleID: z.string().min(1),
  Severity: trivySeverity,
  Title: z.string().optional(),
  StartLine: z.number().optional(),
});

const misconfiguration = z.looseObject({
  ID: z.string().min(1),
  AVDID: z.string().optional(),
  Severity: trivySeverity,
  Status: z.string().min(1),
  Title: z.string().optional(),
});

const result = z.looseObject({
  Target: z.string(),
  Class: z.string().optional(),
  Vulnerabilities: z.array(vulnerability).nullish(),
  Secrets: z.array(secret).nullish(),
  Misconfigurations: z.array(misconfiguration).nullish(),
});

/** The part of Trivy's JSON report (`--format json`, SchemaVersion 2) the gate reads. */
export const trivyReportSchema = z.looseObject({
  SchemaVersion: z.literal(2, { error: 'must be 2 (this gate reads Trivy JSON schema version 2)' }),
  ArtifactName: z.string().optional(),
  Results: z.array(result, { error: 'is missing: Trivy scanned nothing (or the report is truncated), so there is nothing to pass' })
    .min(1, { error: 'is empty: Trivy scanned nothing, so there is nothing to pass' }),
});

/** A validated Trivy report. */
export type TrivyReport = z.infer<typeof trivyReportSchema>;

/**
 * Parse the text of `trivy image --format json --scanners vuln,secret,misconfig` output.
 * Throws InputError for text that is not JSON or not a SchemaVersion 2 report with Results.
 */
export function parseTrivyReport(text: string, source = 'Trivy report'): TrivyReport {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${source} is not JSON (${(e as Error).message}); run trivy with --format json and pass that file.`);
  }
  const parsed = trivyReportSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 10).map((i) => `  - ${issuePath(i.path)}: ${i.message}`);
    throw new InputError(`${source} is not a valid Trivy JSON report:\n${problems.join('\n')}`);
  }
  return parsed.data;
}

/**
 * Turn a Trivy report into findings. Vulnerabilities are fixable when Trivy names a FixedVersion;
 * secrets and failed misconfigurations are always fixable (remove the secret, change the
 * Dockerfile). Misconfiguration checks that did not fail (PASS, EXCEPTION) are not findings.
 */
export function trivyFindings(report: TrivyReport): Finding[] {
  return report.Results.flatMap((r): Finding[] => [
    ...(r.Vulnerabilities ?? []).map((v): Finding => ({
      source: 'trivy',
      kind: 'vulnerability',
      id: v.VulnerabilityID,
      aliases: [],
      severity: v.Severity,
      fix: v.FixedVersion?.trim() ? 'yes' : 'no',
      fixedVersion: v.FixedVersion?.trim() || undefined,
      pkg: v.PkgName,
      installedVersion: v.InstalledVersion,
      path: v.PkgPath || r.Target,
      title: v.Title,
    })),
    ...(r.Secrets ?? []).map((s): Finding => ({
      source: 'trivy',
      kind: 'secret',
      id: s.RuleID,
      aliases: [],
      severity: s.Severity,
      fix: 'yes',
      path: r.Target,
      title: s.StartLine === undefined ? s.Title : `${s.Title ?? s.RuleID} (line ${s.StartLine})`,
    })),
    ...(r.Misconfigurations ?? []).filter((m) => m.Status === 'FAIL').map((m): Finding => ({
      source: 'trivy',
      kind: 'misconfiguration',
      id: m.ID,
      aliases: m.AVDID && m.AVDID !== m.ID ? [m.AVDID] : [],
      severity: m.Severity,
      fix: 'yes',
      path: r.Target,
      title: m.Title,
    })),
  ]);
}
