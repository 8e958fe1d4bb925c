import * as path from 'path';
import { fakeCloudFormation, FIXTURE_ASSEMBLY, fixtureTemplate } from './support';
import { findStacks, listStages, selectStages } from '../../../src/codebuild/change-report/assembly';
import { buildReport } from '../../../src/codebuild/change-report/compare';
import { evaluatePolicy } from '../../../src/codebuild/change-report/policy';
import { renderJson, renderMarkdown, summaryLine } from '../../../src/codebuild/change-report/render';
import { InputError } from '../../../src/shared/cli/errors';

const NOW = new Date('2025-01-02T03:04:05Z');

describe('assembly', () => {
  test('finds the nested stage assemblies by their stage id', () => {
    expect(listStages(FIXTURE_ASSEMBLY).map((s) => s.stageId)).toEqual(['test-us-east-1', 'prod-us-east-1', 'prod-us-east-2']);
  });

  test('selects prod stacks by prefix, with account, region, stack name and the resolved lookup role', () => {
    const stacks = findStacks(FIXTURE_ASSEMBLY, { prefix: 'prod-' });
    expect(stacks.map((s) => s.stackName)).toEqual(['prod-us-east-1-Data', 'prod-us-east-1-Service', 'prod-us-east-2-Data', 'prod-us-east-2-Service']);
    expect(stacks[2]).toMatchObject({
      stageId: 'prod-us-east-2',
      account: '333333333333',
      region: 'us-east-2',
      displayName: 'DeliveryPipeline/prod-us-east-2/Data',
      readRoleArn: 'arn:aws:iam::333333333333:role/cdk-hnb659fds-lookup-role-333333333333-us-east-2',
      templatePath: path.join(FIXTURE_ASSEMBLY, 'assembly-DeliveryPipeline-prod-us-east-2', 'DeliveryPipelineproduseast2Data60469C48.template.json'),
    });
  });

  test('selects by an explicit list, and names unknown stages', () => {
    expect(findStacks(FIXTURE_ASSEMBLY, { stages: ['prod-us-east-2'] }).map((s) => s.stackName)).toEqual(['prod-us-east-2-Data', 'prod-us-east-2-Service']);
    expect(() => selectStages(listStages(FIXTURE_ASSEMBLY), { stages: ['prod-eu-west-1'] })).toThrow(/prod-eu-west-1 not found.*prod-us-east-1/);
    expect(() => selectStages(listStages(FIXTURE_ASSEMBLY), { prefix: 'staging-' })).toThrow(InputError);
    expect(() => selectStages(listStages(FIXTURE_ASSEMBLY), {})).toThrow(/no stages selected/);
  });

  test('a directory without a manifest is a clear InputError', () => {
    expect(() => listStages(__dirname)).toThrow(/cannot read cloud assembly manifest .*--assembly/);
  });
});

async function fixtureReport(deployed: Parameters<typeof fakeCloudFormation>[0]) {
  const { factory, calls } = fakeCloudFormation(deployed);
  const report = await buildReport({ targets: findStacks(FIXTURE_ASSEMBLY, { prefix: 'prod-' }), clientFor: factory, commit: 'abc1234', now: NOW });
  return { report, calls };
}

describe('compare + render', () => {
  test('a stack that does not exist is NEW, not an error; GetTemplate is called with the lookup role and Original stage', async () => {
    const { report, calls } = await fixtureReport({
      'prod-us-east-1-Data': fixtureTemplate('prod-us-east-1-Data'),
      'prod-us-east-1-Service': fixtureTemplate('prod-us-east-1-Service'),
    });
    expect(report.stacks.map((s) => [s.target.stackName, s.status])).toEqual([
      ['prod-us-east-1-Data', 'UNCHANGED'], ['prod-us-east-1-Service', 'UNCHANGED'],
      ['prod-us-east-2-Data', 'NEW'], ['prod-us-east-2-Service', 'NEW'],
    ]);
    expect(calls).toContainEqual({
      roleArn: 'arn:aws:iam::333333333333:role/cdk-hnb659fds-lookup-role-333333333333-us-east-2',
      region: 'us-east-2',
      input: { StackName: 'prod-us-east-2-Data', TemplateStage: 'Original' },
    });
    // a new stack's policies, ingress and egress rules are new grants too: the approver sees them
    // once (the fixture's load-balancer group has no egress rule, so AWS allows all outbound); its
    // role has no permissions boundary (the fixture predates it), which is flagged on its own
    expect(summaryLine(report)).toBe('2 of 4 prod stacks change (2 new); DANGER: 4 security broadenings (2 wildcard/open to the internet)');
    expect(report.stacks.flatMap((st) => st.dangers.map((d) => d.ruleId))).toContain('permissions-boundary');
  });

  test('an AccessDenied is an ERROR stack named in the summary and the DANGER section', async () => {
    const denied = Object.assign(new Error('User is not authorized to perform: sts:AssumeRole'), { name: 'AccessDenied' });
    const { report } = await fixtureReport({ 'prod-us-east-1-Data': denied });
    expect(report.stacks[0]).toMatchObject({ status: 'ERROR', error: expect.stringMatching(/lookup-role-333333333333-us-east-1 failed: AccessDenied/) });
    expect(summaryLine(report)).toMatch(/; 1 stack COULD NOT BE COMPARED/);
    expect(renderMarkdown(report)).toMatch(/## DANGER\n\n- \*\*not compared\*\* `prod-us-east-1-Data`/);
  });

  test('the DANGER section comes first, then the overview, then each stack with its tables', async () => {
    const data = fixtureTemplate('prod-us-east-1-Data');
    data.Resources.OldReports = data.Resources.Reports65402A0A; // deployed under the old logical id
    delete data.Resources.Reports65402A0A;
    data.Resources.AppLogsC5DF83A6.Properties.RetentionInDays = 7;
    const service = fixtureTemplate('prod-us-east-1-Service');
    service.Resources.LbSg.Properties.SecurityGroupIngress = []; // synthesized one adds the 10.0.0.0/16 rule
    const { report } = await fixtureReport({
      'prod-us-east-1-Data': data,
      'prod-us-east-1-Service': service,
      'prod-us-east-2-Data': fixtureTemplate('prod-us-east-2-Data'),
      'prod-us-east-2-Service': fixtureTemplate('prod-us-east-2-Service'),
    });
    const md = renderMarkdown(report);
    const danger = md.indexOf('## DANGER');
    expect(danger).toBeGreaterThan(0);
    expect(danger).toBeLessThan(md.indexOf('## Stacks'));
    expect(md.indexOf('## Stacks')).toBeLessThan(md.indexOf('### prod-us-east-1-Data: CHANGED'));
    expect(md.split('\n')[0]).toBe('# prod change report for commit `abc1234`');
    expect(md).toMatch(/- \*\*stateful-replacement\*\* `prod-us-east-1-Data` \(us-east-1, 333333333333\) `OldReports` AWS::S3::Bucket: REMOVED/);
    expect(md).toMatch(/- \*\*security-group-ingress\*\* `prod-us-east-1-Service` .*New ingress: tcp port 443 from 10.0.0.0\/16/);
    expect(md).toContain('| Reports65402A0A | AWS::S3::Bucket |');
    expect(md).toContain('| AppLogsC5DF83A6 | AWS::Logs::LogGroup | `RetentionInDays`: 7 -> 30 | no |');
    expect(md).toContain('| OldReports | AWS::S3::Bucket | Retain |');
    expect(md).toContain('### prod-us-east-2-Data: UNCHANGED');
    expect(summaryLine(report)).toBe('2 of 4 prod stacks change; DANGER: 1 stateful replacement/deletion, 1 security broadening');
    const json = JSON.parse(renderJson(report));
    expect(json.stacks[0]).toMatchObject({ stackName: 'prod-us-east-1-Data', status: 'CHANGED', removed: [{ logicalId: 'OldReports', type: 'AWS::S3::Bucket' }] });
  });

  test('wildcards are counted in the summary, removals are no broadening, pipes are escaped in tables', async () => {
    const all = () => ({
      'prod-us-east-1-Data': fixtureTemplate('prod-us-east-1-Data'),
      'prod-us-east-1-Service': fixtureTemplate('prod-us-east-1-Service'),
      'prod-us-east-2-Data': fixtureTemplate('prod-us-east-2-Data'),
      'prod-us-east-2-Service': fixtureTemplate('prod-us-east-2-Service'),
    });
    // deployed has an extra open rule the synthesized template drops, and another description
    const deployed = all();
    deployed['prod-us-east-1-Service'].Resources.LbSg.Properties.GroupDescription = 'a|b';
    deployed['prod-us-east-1-Service'].Resources.LbSg.Properties.SecurityGroupIngress.push({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '0.0.0.0/0' });
    const { report } = await fixtureReport(deployed);
    expect(summaryLine(report)).toBe('1 of 4 prod stacks change; no danger findings');
    expect(renderMarkdown(report)).toContain('a\\|b -> load balancer');

    // the other way round: the change opens port 22 to the world
    const opened = all();
    opened['prod-us-east-2-Service'].Resources.LbSg.Properties.SecurityGroupIngress = [];
    const { report: r2 } = await fixtureReport(opened);
    const { report: r3 } = await fixtureReport(all());
    expect(summaryLine(r3)).toBe('0 of 4 prod stacks change; no danger findings');
    expect(summaryLine(r2)).toBe('1 of 4 prod stacks change; DANGER: 1 security broadening');
    const wide = all();
    wide['prod-us-east-2-Service'].Resources.TaskRoleDefaultPolicy07FC53DE.Properties.PolicyDocument.Statement[0].Resource = 'arn:aws:s3:::other/*';
    const synthWild = await fixtureReport(wide);
    expect(summaryLine(synthWild.report)).toBe('1 of 4 prod stacks change; DANGER: 1 security broadening');
  });
});

test('summary counts wildcard/open findings and retention protections', () => {
  const target = findStacks(FIXTURE_ASSEMBLY, { stages: ['prod-us-east-1'] })[0];
  const f = (ruleId: string, category: 'stateful' | 'security', wildcard: boolean) => ({ ruleId, category, wildcard, logicalId: 'X', resourceType: 'T', message: 'm' });
  const report = {
    commit: 'c',
    label: 'prod',
    generatedAt: NOW.toISOString(),
    stacks: [{
      target,
      status: 'CHANGED' as const,
      diff: { resources: [], otherChanges: ['Outputs.X changed'], hasChanges: true },
      dangers: [f('stateful-replacement', 'stateful', false), f('stateful-protection-removed', 'stateful', false),
        f('iam-broadening', 'security', true), f('security-group-ingress', 'security', true), f('kms-key-policy', 'security', false)],
    }],
  };
  expect(summaryLine(report)).toBe('1 of 1 prod stack change; DANGER: 1 stateful replacement/deletion, 1 retention protection removed, '
    + '3 security broadenings (2 wildcard/open to the internet)');
  expect(renderMarkdown(report)).toContain('- **iam-broadening** **WILDCARD/OPEN**');
});

describe('policy', () => {
  async function statefulReport() {
    const data = fixtureTemplate('prod-us-east-1-Data');
    data.Resources.OldReports = data.Resources.Reports65402A0A;
    delete data.Resources.Reports65402A0A;
    return (await fixtureReport({ 'prod-us-east-1-Data': data })).report;
  }

  test('refuses a stateful replacement without the override marker', async () => {
    const v = evaluatePolicy(await statefulReport(), { blockStatefulReplacement: true, commitMessage: 'refactor data stack' });
    expect(v).toMatchObject({ refused: true, overridden: false });
    expect(v.reason).toMatch(/prod-us-east-1-Data\/OldReports.*\[allow-stateful-replacement\]/);
  });

  test('lets it through with the marker (default or custom), or when blocking is off', async () => {
    const report = await statefulReport();
    expect(evaluatePolicy(report, { blockStatefulReplacement: true, commitMessage: 'move bucket\n\n[allow-stateful-replacement]' })).toMatchObject({ refused: false, overridden: true });
    expect(evaluatePolicy(report, { blockStatefulReplacement: true, commitMessage: 'x [ok-to-replace]', overrideMarker: '[ok-to-replace]' })).toMatchObject({ refused: false, overridden: true });
    expect(evaluatePolicy(report, { blockStatefulReplacement: true, commitMessage: 'x [allow-stateful-replacement]', overrideMarker: '[ok-to-replace]' }).refused).toBe(true);
    expect(evaluatePolicy(report, { blockStatefulReplacement: false, commitMessage: '' }).refused).toBe(false);
  });

  test('security findings alone do not trigger the stateful refusal', async () => {
    const { report } = await fixtureReport({});
    expect(report.stacks.every((s) => s.status === 'NEW')).toBe(true);
    expect(evaluatePolicy(report, { blockStatefulReplacement: true, commitMessage: '' }).refused).toBe(false);
  });
});
