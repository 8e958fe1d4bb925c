import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ComplianceReportJson } from '../../src/synth/compliance/compliance-checks';
import { bundleCli } from '../support/bundle-cli';
import { REPO_ROOT } from '../support/repo-root';

/**
 * A production environment without a domain synthesizes only with a written opt-out
 * (`allowPlainHttp`), and that opt-out is never silent: `npx projen synth` prints it under its
 * summary, and the compliance report (Markdown and JSON) lists it, the listener's suppression
 * carrying the same reason.
 */
const REASON = 'Internal load test environment behind a VPN, it never carries customer data.';

describe('prod opting out of HTTPS in writing', () => {
  const root = REPO_ROOT;
  let dir: string;
  let run: ReturnType<typeof spawnSync>;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plain-http-'));
    const config = JSON.parse(fs.readFileSync(path.join(root, 'config', 'delivery.sample.json'), 'utf8'));
    // Two environments, one region each: keep synth small.
    config.environments = [
      { name: 'dev', account: '222222222222', regions: ['us-east-1'] },
      { name: 'prod', account: '444444444444', regions: ['us-east-2'], production: true, requireApproval: true, allowPlainHttp: { reason: REASON } },
    ];
    fs.writeFileSync(path.join(dir, 'delivery.json'), JSON.stringify(config));
    run = spawnSync('node', [bundleCli('src/main.ts', { externalPackages: true })], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DELIVERY_CONFIG: path.join(dir, 'delivery.json'), CDK_OUTDIR: path.join(dir, 'cdk.out'), CDK_CONTEXT_JSON: undefined },
    });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('synth succeeds and its summary states the opt-out with the reason', () => {
    // The one warning is the one-region prod's (its audit evidence has no second regional copy): nothing about the opt-out.
    expect({ status: run.status, stderr: run.stderr }).toEqual({
      status: 0,
      stderr: expect.stringMatching(/^Config warnings \(synth continues\):\n {2}- environments\[1\]\.regions: production "prod" runs in one region, so its audit bucket [^\n]*\n$/),
    });
    expect(run.stdout).toContain(`Plain HTTP in production (allowPlainHttp): prod (444444444444: us-east-2) serves HTTP without TLS. Reason: ${REASON}`);
  });

  test('the compliance report lists it, and the prod listener suppression carries the reason', () => {
    const md = fs.readFileSync(path.join(dir, 'cdk.out', 'compliance-report.md'), 'utf8');
    expect(md).toContain(`- Plain HTTP in production (allowPlainHttp): prod (444444444444: us-east-2) serves HTTP without TLS. Reason: ${REASON}`);
    const json: ComplianceReportJson = JSON.parse(fs.readFileSync(path.join(dir, 'cdk.out', 'compliance-report.json'), 'utf8'));
    expect(json.plainHttpOptOuts).toEqual([{ environment: 'prod', account: '444444444444', regions: ['us-east-2'], reason: REASON }]);
    const listener = json.suppressions.filter((s) => s.stack === 'prod-us-east-2-Platform' && /ALBHttpToHttpsRedirection/.test(s.ruleId));
    expect(listener.length).toBeGreaterThan(0);
    for (const s of listener) expect(s.reason).toBe(`Production serves plain HTTP by the config's written opt-out (allowPlainHttp): ${REASON}`);
  });
});
