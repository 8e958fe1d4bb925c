import { fixture } from './fixtures';
import { parseTrivyReport, trivyFindings } from '../../../src/codebuild/image-gate/trivy-report';
import { InputError } from '../../../src/shared/cli/errors';

const findings = (name: string) => trivyFindings(parseTrivyReport(fixture(`trivy/${name}`)));

describe('Trivy report parsing', () => {
  test('a clean image has no findings (PASSed misconfiguration checks are not findings)', () => {
    expect(findings('clean.json')).toEqual([]);
  });

  test('vulnerabilities carry id, package, severity and fix status from FixedVersion', () => {
    expect(findings('high-fixed.json')).toEqual([
      expect.objectContaining({ source: 'trivy', kind: 'vulnerability', id: 'CVE-2024-21538', pkg: 'cross-spawn', installedVersion: '7.0.3', severity: 'HIGH', fix: 'yes', fixedVersion: '7.0.5, 6.0.6' }),
      expect.objectContaining({ id: 'CVE-2024-4067', severity: 'MEDIUM', fix: 'yes' }),
    ]);
    expect(findings('high-unfixed.json').map((f) => [f.id, f.severity, f.fix])).toEqual([
      ['CVE-2023-31484', 'HIGH', 'no'],
      ['CVE-2011-3374', 'LOW', 'no'],
    ]);
  });

  test('secrets are findings of kind secret, always fixable', () => {
    expect(findings('secret.json')).toEqual([
      expect.objectContaining({ kind: 'secret', id: 'private-key', severity: 'HIGH', fix: 'yes', path: '/app/config/deploy-key.pem' }),
    ]);
  });

  test('only misconfigurations with Status FAIL are findings; AVDID becomes an alias', () => {
    const m = findings('misconfig.json');
    expect(m.map((f) => [f.id, f.severity])).toEqual([['DS002', 'HIGH'], ['DS026', 'LOW']]);
    expect(m[0]).toEqual(expect.objectContaining({ kind: 'misconfiguration', aliases: ['AVD-DS-0002'], path: 'Dockerfile', fix: 'yes' }));
  });

  test.each([
    ['malformed-not-json.txt', /is not JSON/],
    ['malformed-schema-v1.json', /not a valid Trivy JSON report[\s\S]*expected object/],
    ['malformed-missing-results.json', /Results: is missing/],
    ['malformed-bad-severity.json', /Results\[0\]\.Vulnerabilities\[0\]\.Severity/],
  ])('%s fails closed with a message naming the problem', (name, message) => {
    expect(() => parseTrivyReport(fixture(`trivy/${name}`), name)).toThrow(InputError);
    expect(() => parseTrivyReport(fixture(`trivy/${name}`), name)).toThrow(message);
  });

  test('an empty Results list and a wrong SchemaVersion fail closed', () => {
    expect(() => parseTrivyReport('{"SchemaVersion":2,"Results":[]}')).toThrow(/Results: is empty/);
    expect(() => parseTrivyReport('{"SchemaVersion":1,"Results":[{"Target":"x"}]}')).toThrow(/SchemaVersion: must be 2/);
  });
});
