import { execFile } from 'child_process';
import * as path from 'path';
import { DIGEST, FIXTURES, TODAY } from './fixtures';
import { runGateCli } from '../../../src/codebuild/image-gate/gate-cli';
import { bundleCli } from '../../support/bundle-cli';
import { REPO_ROOT } from '../../support/repo-root';

const ROOT = REPO_ROOT;
const f = (rel: string) => path.join(FIXTURES, rel);
const EMPTY = path.join(ROOT, '.trivyignore.yaml');

/** The CLI bundled as synth ships it to CodeBuild (built only when a child-process test runs). */
let bundle: string;

/** Run the bundled CLI exactly as the buildspec does, as a child process. */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bundle, ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

/** Run it in-process (fast) and capture output. */
async function inProcess(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runGateCli(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

const trivy = (report: string, ...more: string[]) => ['trivy', '--report', f(`trivy/${report}`), '--allowlist', EMPTY, '--today', TODAY, ...more];
/** Replays a recording without waiting between reads; `timeout` in minutes. */
const ecr = (recording: string, timeout = '1', ...more: string[]) =>
  ['ecr', '--repository', 'app', '--digest', DIGEST, '--from-file', f(`ecr/${recording}.json`), '--poll-seconds', '0', '--timeout-minutes', timeout, '--allowlist', EMPTY, '--today', TODAY, ...more];

describe('gate-cli as a child process (exit codes 0/1/2)', () => {
  jest.setTimeout(60_000);
  beforeAll(() => { bundle = bundleCli('src/codebuild/image-gate/gate-cli.ts'); });

  test.concurrent('0: clean Trivy report', async () => {
    const r = await cli(trivy('clean.json'));
    expect(r.stdout).toMatch(/PASSED\.\n$/);
    expect(r.code).toBe(0);
  });

  test.concurrent('1: CRITICAL in the Trivy report, with a table of blocking findings and counts', async () => {
    const r = await cli(trivy('critical.json', '--fail-on', 'CRITICAL', '--fail-on-fixable', 'HIGH'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/CRITICAL +vulnerability +CVE-2023-45853 +zlib1g/);
    expect(r.stdout).toMatch(/Findings: 1 total .* 1 blocking/);
  });

  test.concurrent('2: malformed Trivy report fails closed', async () => {
    const r = await cli(trivy('malformed-missing-results.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Results: is missing[\s\S]*Failing closed \(exit 2\)/);
  });

  test.concurrent('1: ECR scan waited on, then a HIGH with unknown fix status blocks', async () => {
    const r = await cli(ecr('scan-in-progress-then-complete', '1', '--region', 'us-east-1'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/IN_PROGRESS; waiting[\s\S]*CVE-2023-31484/);
  });

  test.concurrent('1: ECR scan timed out', async () => {
    const r = await cli(ecr('scan-in-progress-forever', '0.001'));
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/timed out: no usable result within the 0\.06 second\(s\) timeout[\s\S]*ECR scan gate FAILED\./);
  });

  test.concurrent('2: an allowlist entry without statement', async () => {
    const r = await cli(['trivy', '--report', f('trivy/clean.json'), '--allowlist', f('allowlists/no-statement.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/vulnerabilities\[0\] \(CVE-2023-45853\)\.statement: is required/);
  });
});

describe('gate-cli in-process', () => {
  test.each([
    ['allowlisted CRITICAL passes', trivy('critical.json').map((a) => (a === EMPTY ? f('allowlists/critical-allowed.yaml') : a)), 0, /Allowlisted findings \(1\)[\s\S]*PASSED/],
    ['HIGH without fix passes with defaults', trivy('high-unfixed.json'), 0, /0 blocking/],
    ['HIGH without fix fails with --fail-on HIGH', trivy('high-unfixed.json', '--fail-on', 'CRITICAL,HIGH'), 1, /HIGH is in failOnSeverities/],
    ['HIGH with fix fails', trivy('high-fixed.json'), 1, /CVE-2024-21538/],
    ['HIGH with fix passes with --fail-on-fixable none', trivy('high-fixed.json', '--fail-on-fixable', 'none'), 0, /failOnFixableSeverities=\[\]/],
    ['secret fails', trivy('secret.json'), 1, /secret +private-key/],
    ['misconfig FAIL fails', trivy('misconfig.json'), 1, /misconfiguration +DS002/],
    ['expired allowlist entry fails with no finding', trivy('clean.json').map((a) => (a === EMPTY ? f('allowlists/expired.yaml') : a)), 1, /Expired allowlist entries \(1\)/],
    ['ECR ScanNotFound then COMPLETE LOW passes', ecr('scan-not-found-then-complete'), 0, /ECR scan gate .* PASSED/],
    ['ECR COMPLETE-before-findings race finds the CRITICAL', ecr('scan-complete-before-findings'), 1, /not populated yet[\s\S]*CVE-2023-45853/],
    ['ECR paginated CRITICAL on page 2', ecr('scan-paginated'), 1, /CVE-2023-45853/],
    ['ECR enhanced: HIGH without fix passes, HIGH with fix fails', ecr('scan-enhanced'), 1, /CVE-2024-21538(?![\s\S]*CVE-2023-31484 .*failOn)/],
    ['ECR scan FAILED', ecr('scan-failed'), 1, /ended with status FAILED/],
    ['ECR basic HIGH passes when Trivy saw no fix for it (--trivy-report)', ecr('scan-in-progress-then-complete', '1', '--trivy-report', f('trivy/high-unfixed.json')), 0, /0 blocking/],
    ['ECR clean', ecr('scan-clean'), 0, /PASSED/],
  ])('%s', async (_name, args, code, output) => {
    const r = await inProcess(args);
    expect(r.stdout).toMatch(output);
    expect(r.code).toBe(code);
  });

  test.each([
    ['no command', [], /missing command[\s\S]*Usage/],
    ['unknown command', ['scan'], /unknown command "scan"/],
    ['unknown flag', ['trivy', '--report', 'x', '--severity', 'HIGH'], /unknown argument "--severity"/],
    ['missing report', ['trivy', '--allowlist', EMPTY], /--report is required/],
    ['report file absent', ['trivy', '--report', '/nonexistent/trivy.json', '--allowlist', EMPTY], /cannot read Trivy report/],
    ['allowlist file absent', ['trivy', '--report', f('trivy/clean.json'), '--allowlist', '/nonexistent/.trivyignore.yaml'], /cannot read allowlist/],
    ['bad severity', trivy('clean.json', '--fail-on', 'SEVERE'), /"SEVERE" is not a severity/],
    ['bad digest', ['ecr', '--repository', 'app', '--digest', 'latest', '--region', 'us-east-1', '--allowlist', EMPTY], /--digest must be sha256/],
    ['missing region', ['ecr', '--repository', 'app', '--digest', DIGEST, '--allowlist', EMPTY], /--region is required/],
    ['bad timeout', ecr('scan-clean', '0'), /--timeout-minutes must be a positive number, got "0"/],
    ['flag twice', trivy('clean.json', '--report', 'other.json'), /--report given more than once/],
    ['malformed ECR response', ecr('scan-malformed'), /imageScanFindings\.findings/],
    ['malformed --trivy-report, before any wait', ecr('scan-in-progress-forever', '60', '--trivy-report', f('trivy/malformed-not-json.txt')), /malformed-not-json\.txt is not JSON/],
    ['recording is not JSON', ['ecr', '--repository', 'app', '--digest', DIGEST, '--from-file', '/dev/null', '--allowlist', EMPTY], /is not JSON/],
  ])('exit 2: %s', async (_name, args, message) => {
    const r = await inProcess(args as string[]);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
  });
});
