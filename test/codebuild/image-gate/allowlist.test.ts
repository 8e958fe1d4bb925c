import * as path from 'path';
import { fixture } from './fixtures';
import { entryMatches, globToRegExp, isExpired, parseAllowlist } from '../../../src/codebuild/image-gate/allowlist';
import { Finding } from '../../../src/codebuild/image-gate/finding';
import { InputError } from '../../../src/shared/cli/errors';

const vuln: Finding = { source: 'trivy', kind: 'vulnerability', id: 'CVE-2023-45853', aliases: [], severity: 'CRITICAL', fix: 'no', path: 'usr/lib/x86_64-linux-gnu/libz.so.1' };

describe('allowlist (.trivyignore.yaml)', () => {
  test('the committed root allowlist is valid and empty: the gate is strict by default', () => {
    const text = fixture(path.join('..', '..', '..', '.trivyignore.yaml'));
    expect(parseAllowlist(text).entries).toEqual([]);
    expect(text).toMatch(/^# /); // explanatory header
  });

  test('empty files, comment-only files and empty or null lists are empty allowlists (as in Trivy)', () => {
    for (const text of ['', '# nothing yet\n', 'vulnerabilities: []\nsecrets: []\n', 'vulnerabilities:\nmisconfigurations:\nlicenses:\n']) {
      expect(parseAllowlist(text).entries).toEqual([]);
    }
  });

  test('a complete entry is parsed with its section and position', () => {
    expect(parseAllowlist(fixture('allowlists/critical-allowed.yaml')).entries).toEqual([
      expect.objectContaining({ section: 'vulnerabilities', index: 0, id: 'CVE-2023-45853', expiredAt: '2027-01-31', paths: [] }),
    ]);
  });

  test('an entry without statement fails, naming the entry and the field', () => {
    expect(() => parseAllowlist(fixture('allowlists/no-statement.yaml'), 'no-statement.yaml'))
      .toThrow(/no-statement\.yaml[\s\S]*vulnerabilities\[0\] \(CVE-2023-45853\)\.statement: is required/);
  });

  test('an entry without expired_at fails, naming the entry and the field', () => {
    expect(() => parseAllowlist(fixture('allowlists/no-expiry.yaml')))
      .toThrow(/secrets\[0\] \(private-key\)\.expired_at: is required/);
  });

  test.each([
    ['blank statement', 'vulnerabilities:\n  - id: CVE-1\n    statement: "  "\n    expired_at: 2027-01-01\n', /statement: must not be empty/],
    ['not a date', 'vulnerabilities:\n  - id: CVE-1\n    statement: ok\n    expired_at: next year\n', /expired_at: must be a YYYY-MM-DD calendar date/],
    ['impossible date', 'vulnerabilities:\n  - id: CVE-1\n    statement: ok\n    expired_at: 2027-02-30\n', /expired_at: must be a YYYY-MM-DD/],
    ['missing id', 'vulnerabilities:\n  - statement: ok\n    expired_at: 2027-01-01\n', /vulnerabilities\[0\]\.id: is required/],
    ['misspelt key', 'vulnerabilities:\n  - id: CVE-1\n    statement: ok\n    expires_at: 2027-01-01\n', /unknown key\(s\) expires_at/],
    ['purls', 'vulnerabilities:\n  - id: CVE-1\n    statement: ok\n    expired_at: 2027-01-01\n    purls: ["pkg:npm/a@1"]\n', /purls: not supported/],
    ['unknown section', 'vulnerability:\n  - id: CVE-1\n', /unknown top-level key\(s\) vulnerability; allowed: vulnerabilities/],
    ['a list at the top', '- id: CVE-1\n', /\(root\): must be a mapping of vulnerabilities/],
    ['not YAML', 'vulnerabilities: [\n', /not valid YAML/],
  ])('rejects %s (exit 2 in the CLI)', (_name, text, message) => {
    expect(() => parseAllowlist(text)).toThrow(InputError);
    expect(() => parseAllowlist(text)).toThrow(message);
  });

  test('every bad entry is reported at once', () => {
    const text = 'vulnerabilities:\n  - id: CVE-1\n  - id: CVE-2\n    statement: ok\n';
    expect(() => parseAllowlist(text)).toThrow(/CVE-1\)\.statement[\s\S]*CVE-1\)\.expired_at[\s\S]*CVE-2\)\.expired_at/);
  });

  test('expiry follows Trivy: valid before expired_at, expired from that day on', () => {
    const [entry] = parseAllowlist(fixture('allowlists/critical-allowed.yaml')).entries;
    expect(isExpired(entry, '2027-01-30')).toBe(false);
    expect(isExpired(entry, '2027-01-31')).toBe(true);
    expect(isExpired(entry, '2027-02-01')).toBe(true);
  });

  test('entries match by id within their own section', () => {
    const [entry] = parseAllowlist(fixture('allowlists/critical-allowed.yaml')).entries;
    expect(entryMatches(entry, vuln)).toBe(true);
    expect(entryMatches(entry, { ...vuln, id: 'CVE-2023-45854' })).toBe(false);
    expect(entryMatches(entry, { ...vuln, kind: 'secret' })).toBe(false);
    expect(entryMatches(entry, { ...vuln, source: 'ecr', path: undefined })).toBe(true);
  });

  test('misconfigurations match on ID or AVDID; paths restrict where', () => {
    const [entry] = parseAllowlist(fixture('allowlists/misconfig-by-avdid.yaml')).entries;
    const ds002: Finding = { source: 'trivy', kind: 'misconfiguration', id: 'DS002', aliases: ['AVD-DS-0002'], severity: 'HIGH', fix: 'yes', path: 'Dockerfile' };
    expect(entryMatches(entry, ds002)).toBe(true);
    expect(entryMatches(entry, { ...ds002, path: 'tools/Dockerfile' })).toBe(false);
    expect(entryMatches(entry, { ...ds002, path: undefined })).toBe(false);
  });

  test('path globs: ** crosses directories, * does not', () => {
    expect(globToRegExp('usr/lib/**').test('usr/lib/a/b.so')).toBe(true);
    expect(globToRegExp('**/package.json').test('app/node_modules/x/package.json')).toBe(true);
    expect(globToRegExp('**/package.json').test('package.json')).toBe(true);
    expect(globToRegExp('usr/*/b.so').test('usr/lib/a/b.so')).toBe(false);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
  });
});
