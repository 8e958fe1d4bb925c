import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fakeCloudFormation, FIXTURE_ASSEMBLY, fixtureTemplate } from './support';
import { PutObjectInput } from '../../../src/codebuild/change-report/change-report-clients';
import { main } from '../../../src/codebuild/change-report/report-cli';
import { EXIT } from '../../../src/shared/cli/exit-codes';

function deployedWithDanger() {
  const data = fixtureTemplate('prod-us-east-1-Data');
  data.Resources.OldReports = data.Resources.Reports65402A0A; // logical id changed in this commit
  delete data.Resources.Reports65402A0A;
  const service = fixtureTemplate('prod-us-east-1-Service');
  service.Resources.LbSg.Properties.SecurityGroupIngress = [];
  return { 'prod-us-east-1-Data': data, 'prod-us-east-1-Service': service, 'prod-us-east-2-Data': fixtureTemplate('prod-us-east-2-Data') };
}

async function run(args: string[], deployed: Record<string, any>, opts: { failUpload?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'change-report-'));
  const puts: PutObjectInput[] = [];
  const out: string[] = [];
  const err: string[] = [];
  const cfn = fakeCloudFormation(deployed);
  // Defaults for the flags the test does not give (a flag may be given once).
  const defaults: [string, string][] = [
    ['--assembly', FIXTURE_ASSEMBLY], ['--commit', 'abc1234'],
    ['--out', path.join(dir, 'change-report.md')], ['--summary-out', path.join(dir, 'change-summary.txt')],
    ['--url-out', path.join(dir, 'change-report-url.txt')],
  ];
  const code = await main([...defaults.filter(([flag]) => !args.includes(flag)).flat(), ...args], {
    templateClientFor: cfn.factory,
    objectStore: { putObject: async (i) => { if (opts.failUpload) throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }); puts.push(i); return {}; } },
    env: opts.env ?? { AWS_REGION: 'us-east-1' },
    now: new Date('2025-01-02T03:04:05Z'),
    log: (l) => out.push(l),
    error: (l) => err.push(l),
  });
  const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : undefined);
  return { code, puts, out, err, calls: cfn.calls, md: read('change-report.md'), json: read('change-report.json'), summary: read('change-summary.txt'), url: read('change-report-url.txt') };
}

describe('report-cli end to end on the fixture assembly', () => {
  test('writes the report, JSON and summary, uploads with SSE-KMS, prints the URLs; exit 0', async () => {
    const r = await run(['--stage-prefix', 'prod-', '--bucket', 'reports-bucket', '--key-prefix', 'reports', '--kms-key-id', 'alias/reports'], deployedWithDanger());
    expect(r.err).toEqual([]);
    expect(r.code).toBe(EXIT.OK);
    // The new stack's load-balancer group has no egress rule: all outbound traffic (security-group-egress).
    // Its role has no permissions boundary (the fixture predates it): flagged as a wildcard-level finding (permissions-boundary).
    const summary = '3 of 4 prod stacks change (1 new); DANGER: 1 stateful replacement/deletion, 5 security broadenings (2 wildcard/open to the internet)';
    expect(r.summary).toBe(summary + '\n');
    expect(r.out).toContain(summary);
    expect(r.calls.map((c) => c.input.StackName).sort()).toEqual(['prod-us-east-1-Data', 'prod-us-east-1-Service', 'prod-us-east-2-Data', 'prod-us-east-2-Service']);
    expect(r.puts.map((p) => [p.Bucket, p.Key, p.ServerSideEncryption, p.SSEKMSKeyId])).toEqual([
      ['reports-bucket', 'reports/abc1234/change-report.md', 'aws:kms', 'alias/reports'],
      ['reports-bucket', 'reports/abc1234/change-report.json', 'aws:kms', 'alias/reports'],
    ]);
    expect(r.puts[0].Body).toBe(r.md);
    expect(r.out).toContain('Report: s3://reports-bucket/reports/abc1234/change-report.md');
    expect(r.out).toContain('Console: https://us-east-1.console.aws.amazon.com/s3/object/reports-bucket?region=us-east-1&bucketType=general&prefix=reports%2Fabc1234%2Fchange-report.md');
    // ...and written for the pipeline step, whose REPORT_URL the approval links to.
    expect(r.url).toBe('https://us-east-1.console.aws.amazon.com/s3/object/reports-bucket?region=us-east-1&bucketType=general&prefix=reports%2Fabc1234%2Fchange-report.md\n');
    expect(r.md!.indexOf('## DANGER')).toBeLessThan(r.md!.indexOf('## Stacks'));
    expect(r.md).toContain('### prod-us-east-2-Service: NEW');
    expect(JSON.parse(r.json!)).toMatchObject({ commit: 'abc1234', summary, policy: { refused: false } });
  });

  test('--block-stateful-replacement refuses (exit 1) without the marker, still writing and uploading the report', async () => {
    const msgFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'msg-')), 'msg.txt');
    fs.writeFileSync(msgFile, 'Rename the reports bucket construct\n');
    const r = await run(['--stages', 'prod-us-east-1,prod-us-east-2', '--bucket', 'b', '--block-stateful-replacement', '--commit-message-file', msgFile], deployedWithDanger());
    expect(r.code).toBe(EXIT.FAILED);
    expect(r.summary).toMatch(/\[REFUSED by policy\]\n$/);
    expect(r.md).toMatch(/## Policy\n\nREFUSED: 1 stateful/);
    expect(r.puts).toHaveLength(2);
  });

  test('the override marker in the commit message (flag or env) lets it through', async () => {
    const viaFlag = await run(['--stage-prefix', 'prod-', '--no-upload', '--block-stateful-replacement', '--override-marker', '[ok-replace]', '--commit-message', 'rename [ok-replace]'], deployedWithDanger());
    expect(viaFlag.code).toBe(EXIT.OK);
    expect(viaFlag.summary).toMatch(/\[stateful override in commit message\]/);
    const viaEnv = await run(['--stage-prefix', 'prod-', '--no-upload'], deployedWithDanger(), {
      env: { BLOCK_STATEFUL_REPLACEMENT: 'true', COMMIT_MESSAGE: 'rename\n\n[allow-stateful-replacement]' },
    });
    expect(viaEnv.code).toBe(EXIT.OK);
    const refusedViaEnv = await run(['--stage-prefix', 'prod-', '--no-upload'], deployedWithDanger(), { env: { BLOCK_STATEFUL_REPLACEMENT: 'true', COMMIT_MESSAGE: 'rename' } });
    expect(refusedViaEnv.code).toBe(EXIT.FAILED);
  });

  test('narrowing a policy from * to one bucket is not a broadening; a changed CIDR is', async () => {
    const deployed: Record<string, any> = {
      'prod-us-east-1-Data': fixtureTemplate('prod-us-east-1-Data'),
      'prod-us-east-1-Service': fixtureTemplate('prod-us-east-1-Service'),
      'prod-us-east-2-Data': fixtureTemplate('prod-us-east-2-Data'),
      'prod-us-east-2-Service': fixtureTemplate('prod-us-east-2-Service'),
    };
    // the deployed policy was narrower than the synthesized one: s3:GetObject on another bucket only
    deployed['prod-us-east-2-Service'].Resources.TaskRoleDefaultPolicy07FC53DE.Properties.PolicyDocument.Statement[0].Resource = '*';
    deployed['prod-us-east-1-Service'].Resources.LbSg.Properties.SecurityGroupIngress[0].CidrIp = '10.1.0.0/16';
    const r = await run(['--stage-prefix', 'prod-', '--no-upload'], deployed);
    expect(r.summary).toBe('2 of 4 prod stacks change; DANGER: 1 security broadening\n');
    expect(r.md).toMatch(/security-group-ingress.*New ingress: tcp port 443 from 10.0.0.0\/16/);
  });

  test('usage errors and an unreadable assembly exit 2 without calling AWS', async () => {
    const noStages = await run(['--bucket', 'b'], {});
    expect(noStages.code).toBe(EXIT.USAGE);
    expect(noStages.err[0]).toMatch(/--stage-prefix/);
    const noBucket = await run(['--stage-prefix', 'prod-'], {});
    expect(noBucket.code).toBe(EXIT.USAGE);
    expect(noBucket.err[0]).toMatch(/--bucket/);
    const badAssembly = await run(['--stage-prefix', 'prod-', '--no-upload', '--assembly', '/nonexistent/cdk.out'], {});
    expect(badAssembly.code).toBe(EXIT.USAGE);
    expect(badAssembly.err[0]).toMatch(/cannot read cloud assembly manifest/);
    const unknownStage = await run(['--stages', 'prod-eu-west-1', '--no-upload'], {});
    expect(unknownStage.code).toBe(EXIT.USAGE);
    const unknownFlag = await run(['--stage-prefix', 'prod-', '--no-upload', '--frobnicate'], {});
    expect(unknownFlag.code).toBe(EXIT.USAGE);
    for (const r of [noStages, noBucket, badAssembly, unknownStage, unknownFlag]) expect(r.calls).toEqual([]);
  });

  test('each usage error names the flag and the fix, then the usage; --help prints the usage (exit 0)', async () => {
    const unknownFlag = await run(['--stage-prefix', 'prod-', '--no-upload', '--frobnicate'], {});
    expect(unknownFlag.err[0]).toMatch(/^change report: unknown argument "--frobnicate"; the options are --assembly <cdk\.out>, .*--no-upload, /);
    expect(unknownFlag.err[0]).toContain('Usage: report-cli');
    const twice = await run(['--stage-prefix', 'prod-', '--bucket', 'a', '--bucket', 'b'], {});
    expect(twice.code).toBe(EXIT.USAGE);
    expect(twice.err[0]).toMatch(/^change report: --bucket given more than once: give it once\n/);
    const noValue = await run(['--stage-prefix'], {});
    expect(noValue.err[0]).toMatch(/^change report: --stage-prefix needs a value: --stage-prefix <prefix>\n/);
    const help = await run(['--help'], {});
    expect(help.code).toBe(EXIT.OK);
    expect(help.out.join('\n')).toMatch(/^Usage: report-cli --assembly/);
    expect(help.err).toEqual([]);
  });

  test('an AWS failure (stack unreadable or upload denied) exits 3 after writing the local report', async () => {
    const denied = Object.assign(new Error('not authorized to perform sts:AssumeRole'), { name: 'AccessDenied' });
    const unreadable = await run(['--stage-prefix', 'prod-', '--no-upload'], { ...deployedWithDanger(), 'prod-us-east-2-Data': denied });
    expect(unreadable.code).toBe(EXIT.AWS);
    expect(unreadable.summary).toMatch(/1 stack COULD NOT BE COMPARED/);
    const upload = await run(['--stage-prefix', 'prod-', '--bucket', 'b'], deployedWithDanger(), { failUpload: true });
    expect(upload.code).toBe(EXIT.AWS);
    expect(upload.err.join('\n')).toMatch(/upload to s3:\/\/b\/change-reports\/abc1234\/ failed: AccessDenied/);
    expect(upload.md).toContain('## DANGER');
  });
});
