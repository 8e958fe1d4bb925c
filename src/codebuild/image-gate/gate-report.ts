import { entryName } from './allowlist';
import { Decision, Thresholds } from './decision';
import { Finding, SEVERITIES } from './finding';

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.min(60, Math.max(h.length, ...rows.map((r) => r[i].length))));
  const cell = (s: string, i: number) => (s.length > widths[i] ? `${s.slice(0, widths[i] - 1)}…` : s.padEnd(widths[i]));
  const line = (r: readonly string[]) => r.map(cell).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function findingRow(f: Finding): string[] {
  const pkg = f.pkg ? `${f.pkg}${f.installedVersion ? ` ${f.installedVersion}` : ''}` : (f.path ?? '');
  const fix = f.fix === 'yes' || f.fix === 'partial' ? (f.fixedVersion ?? f.fix) : f.fix;
  return [f.severity, f.kind, f.id, pkg, fix, f.title ?? ''];
}

const HEADER = ['SEVERITY', 'KIND', 'ID', 'PACKAGE / TARGET', 'FIX', 'TITLE'];

/**
 * Render a decision for the build log: blocking findings, expired and allowlisted entries,
 * then summary counts and the verdict on the last line.
 * @param gate name shown in the verdict, e.g. "Trivy gate"
 */
export function renderDecision(gate: string, decision: Decision, thresholds: Thresholds): string {
  const out: string[] = [];
  const c = decision.counts;
  out.push(`${gate}: failOnSeverities=[${thresholds.failOnSeverities.join(',')}] failOnFixableSeverities=[${thresholds.failOnFixableSeverities.join(',')}]`);
  if (decision.blocking.length > 0) {
    out.push('', `Blocking findings (${decision.blocking.length}):`,
      table([...HEADER, 'WHY'], decision.blocking.map((b) => [...findingRow(b.finding), b.reason])));
  }
  if (decision.expiredEntries.length > 0) {
    out.push('', `Expired allowlist entries (${decision.expiredEntries.length}) - each fails the gate until you fix the finding and delete the entry, or renew expired_at after a new review:`,
      ...decision.expiredEntries.map((e) => `  - ${entryName(e)} expired_at ${e.expiredAt}: ${e.statement}`));
  }
  if (decision.allowlisted.length > 0) {
    out.push('', `Allowlisted findings (${decision.allowlisted.length}):`,
      table([...HEADER, 'ALLOWED BY'], decision.allowlisted.map((a) => [...findingRow(a.finding), `${entryName(a.entry)} until ${a.entry.expiredAt}`])));
  }
  if (decision.unusedEntries.length > 0) {
    out.push('', `Allowlist entries that matched nothing in this scan (consider removing): ${decision.unusedEntries.map(entryName).join(', ')}`);
  }
  out.push('', `Findings: ${c.total} total (${SEVERITIES.map((s) => `${s} ${c.bySeverity[s]}`).join(', ')}); `
    + `${c.blocking} blocking, ${c.allowlisted} allowlisted, ${c.expiredEntries} expired allowlist entries.`);
  out.push(decision.pass ? `${gate} PASSED.` : `${gate} FAILED.`);
  return out.join('\n');
}
