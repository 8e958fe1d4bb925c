import { TODAY, fixture } from './fixtures';
import { EMPTY_ALLOWLIST, parseAllowlist } from '../../../src/codebuild/image-gate/allowlist';
import { DEFAULT_THRESHOLDS, Thresholds, decide } from '../../../src/codebuild/image-gate/decision';
import { FixAvailable, Finding, Severity } from '../../../src/codebuild/image-gate/finding';
import { renderDecision } from '../../../src/codebuild/image-gate/gate-report';
import { parseTrivyReport, trivyFindings } from '../../../src/codebuild/image-gate/trivy-report';

const trivy = (name: string) => trivyFindings(parseTrivyReport(fixture(`trivy/${name}.json`)));
const allowlist = (name: string) => parseAllowlist(fixture(`allowlists/${name}.yaml`), name);
const finding = (severity: Severity, fix: FixAvailable, kind: Finding['kind'] = 'vulnerability'): Finding =>
  ({ source: 'ecr', kind, id: `X-${severity}-${fix}`, aliases: [], severity, fix });
const verdict = (findings: Finding[], thresholds: Thresholds = DEFAULT_THRESHOLDS) =>
  decide({ findings, thresholds, allowlist: EMPTY_ALLOWLIST, today: TODAY }).pass;

describe('decide: thresholds (both sides of each)', () => {
  test('defaults mirror the config: CRITICAL always, HIGH when fixable', () => {
    expect(DEFAULT_THRESHOLDS).toEqual({ failOnSeverities: ['CRITICAL'], failOnFixableSeverities: ['HIGH'] });
  });

  test('failOnSeverities blocks with and without a fix; severities outside it do not', () => {
    for (const fix of ['yes', 'no', 'partial', 'unknown'] as const) {
      expect(verdict([finding('CRITICAL', fix)])).toBe(false);
      expect(verdict([finding('MEDIUM', fix)])).toBe(true);
    }
    expect(verdict([finding('CRITICAL', 'no')], { failOnSeverities: [], failOnFixableSeverities: ['HIGH'] })).toBe(true);
    expect(verdict([finding('MEDIUM', 'no')], { failOnSeverities: ['MEDIUM'], failOnFixableSeverities: [] })).toBe(false);
  });

  test('failOnFixableSeverities blocks only when a fix exists (yes, partial) or may exist (unknown)', () => {
    expect(verdict([finding('HIGH', 'yes')])).toBe(false);
    expect(verdict([finding('HIGH', 'partial')])).toBe(false);
    expect(verdict([finding('HIGH', 'unknown')])).toBe(false);
    expect(verdict([finding('HIGH', 'no')])).toBe(true);
    expect(verdict([finding('LOW', 'yes')])).toBe(true);
    expect(verdict([finding('HIGH', 'yes')], { failOnSeverities: ['CRITICAL'], failOnFixableSeverities: [] })).toBe(true);
  });

  test('fixture: CRITICAL without a fix fails', () => {
    const d = decide({ findings: trivy('critical'), thresholds: DEFAULT_THRESHOLDS, allowlist: EMPTY_ALLOWLIST, today: TODAY });
    expect(d.pass).toBe(false);
    expect(d.blocking.map((b) => [b.finding.id, b.reason])).toEqual([['CVE-2023-45853', 'CRITICAL is in failOnSeverities']]);
  });

  test('fixture: HIGH without a fix passes with defaults, fails when HIGH is in failOnSeverities', () => {
    expect(verdict(trivy('high-unfixed'))).toBe(true);
    expect(verdict(trivy('high-unfixed'), { failOnSeverities: ['CRITICAL', 'HIGH'], failOnFixableSeverities: [] })).toBe(false);
  });

  test('fixture: HIGH with a fix fails with defaults, passes when fixable HIGH is not a failing severity', () => {
    const d = decide({ findings: trivy('high-fixed'), thresholds: DEFAULT_THRESHOLDS, allowlist: EMPTY_ALLOWLIST, today: TODAY });
    expect(d.blocking.map((b) => b.finding.id)).toEqual(['CVE-2024-21538']); // the fixable MEDIUM does not block
    expect(d.blocking[0].reason).toMatch(/HIGH with fix available \(7\.0\.5, 6\.0\.6\)/);
    expect(verdict(trivy('high-fixed'), { failOnSeverities: ['CRITICAL'], failOnFixableSeverities: [] })).toBe(true);
    expect(verdict(trivy('high-fixed'), { failOnSeverities: ['CRITICAL'], failOnFixableSeverities: ['HIGH', 'MEDIUM'] })).toBe(false);
  });

  test('fixture: a secret at a failing severity fails; below the thresholds it does not', () => {
    expect(verdict(trivy('secret'))).toBe(false);
    expect(verdict(trivy('secret'), { failOnSeverities: ['CRITICAL'], failOnFixableSeverities: [] })).toBe(true);
    expect(verdict(trivy('secret'), { failOnSeverities: ['HIGH'], failOnFixableSeverities: [] })).toBe(false);
  });

  test('fixture: a FAILed misconfiguration at a failing severity fails; the PASSed CRITICAL check does not count', () => {
    const d = decide({ findings: trivy('misconfig'), thresholds: DEFAULT_THRESHOLDS, allowlist: EMPTY_ALLOWLIST, today: TODAY });
    expect(d.blocking.map((b) => b.finding.id)).toEqual(['DS002']);
    expect(verdict(trivy('misconfig'), { failOnSeverities: ['CRITICAL'], failOnFixableSeverities: [] })).toBe(true);
  });

  test('fixture: a clean image passes even with every severity failing', () => {
    expect(verdict(trivy('clean'), { failOnSeverities: ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNKNOWN'], failOnFixableSeverities: [] })).toBe(true);
  });
});

describe('decide: allowlist', () => {
  test('a valid entry turns a blocking CRITICAL into an allowlisted one and the gate passes', () => {
    const d = decide({ findings: trivy('critical'), thresholds: DEFAULT_THRESHOLDS, allowlist: allowlist('critical-allowed'), today: TODAY });
    expect(d.pass).toBe(true);
    expect(d.blocking).toEqual([]);
    expect(d.allowlisted.map((a) => [a.finding.id, a.entry.id])).toEqual([['CVE-2023-45853', 'CVE-2023-45853']]);
    expect(d.counts).toEqual(expect.objectContaining({ total: 1, blocking: 0, allowlisted: 1, expiredEntries: 0 }));
  });

  test('the same entry on its expiry day no longer suppresses and fails the gate on its own', () => {
    const d = decide({ findings: trivy('critical'), thresholds: DEFAULT_THRESHOLDS, allowlist: allowlist('critical-allowed'), today: '2027-01-31' });
    expect(d.pass).toBe(false);
    expect(d.blocking.map((b) => b.finding.id)).toEqual(['CVE-2023-45853']);
    expect(d.expiredEntries.map((e) => e.id)).toEqual(['CVE-2023-45853']);
  });

  test('an expired entry fails the gate even when its finding is absent', () => {
    const d = decide({ findings: trivy('clean'), thresholds: DEFAULT_THRESHOLDS, allowlist: allowlist('expired'), today: TODAY });
    expect(d.pass).toBe(false);
    expect(d.blocking).toEqual([]);
    expect(d.expiredEntries.map((e) => [e.id, e.expiredAt])).toEqual([['CVE-2024-21538', '2026-10-01']]);
  });

  test('an entry for another id does not suppress, and is reported as unused', () => {
    const d = decide({ findings: trivy('high-fixed'), thresholds: DEFAULT_THRESHOLDS, allowlist: allowlist('critical-allowed'), today: TODAY });
    expect(d.pass).toBe(false);
    expect(d.unusedEntries.map((e) => e.id)).toEqual(['CVE-2023-45853']);
  });

  test('a misconfiguration entry by AVDID suppresses the DS002 finding', () => {
    expect(decide({ findings: trivy('misconfig'), thresholds: DEFAULT_THRESHOLDS, allowlist: allowlist('misconfig-by-avdid'), today: TODAY }).pass).toBe(true);
  });

  test('counts cover every finding by severity, blocking or not', () => {
    const d = decide({ findings: trivy('high-unfixed'), thresholds: DEFAULT_THRESHOLDS, allowlist: EMPTY_ALLOWLIST, today: TODAY });
    expect(d.counts.bySeverity).toEqual({ CRITICAL: 0, HIGH: 1, MEDIUM: 0, LOW: 1, INFORMATIONAL: 0, UNKNOWN: 0 });
  });
});

describe('renderDecision', () => {
  test('lists blocking findings in a table with the reason, then counts and the verdict', () => {
    const d = decide({ findings: trivy('high-fixed'), thresholds: DEFAULT_THRESHOLDS, allowlist: EMPTY_ALLOWLIST, today: TODAY });
    const text = renderDecision('Trivy gate', d, DEFAULT_THRESHOLDS);
    expect(text).toMatch(/Blocking findings \(1\):\nSEVERITY +KIND +ID +PACKAGE \/ TARGET +FIX +TITLE +WHY/);
    expect(text).toMatch(/HIGH +vulnerability +CVE-2024-21538 +cross-spawn 7\.0\.3 +7\.0\.5, 6\.0\.6/);
    expect(text).toMatch(/Findings: 2 total \(CRITICAL 0, HIGH 1, MEDIUM 1, .*\); 1 blocking, 0 allowlisted, 0 expired allowlist entries\./);
    expect(text.split('\n').pop()).toBe('Trivy gate FAILED.');
  });

  test('names expired entries and says to fix or renew them', () => {
    const d = decide({ findings: trivy('clean'), thresholds: DEFAULT_THRESHOLDS, allowlist: allowlist('expired'), today: TODAY });
    const text = renderDecision('Trivy gate', d, DEFAULT_THRESHOLDS);
    expect(text).toMatch(/fix the finding and delete the entry, or renew expired_at/);
    expect(text).toMatch(/- vulnerabilities\[0\] \(CVE-2024-21538\) expired_at 2026-10-01: cross-spawn/);
    expect(text).toMatch(/1 expired allowlist entries\.\nTrivy gate FAILED\.$/);
  });
});
