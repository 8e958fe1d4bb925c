import * as fs from 'fs';
import * as path from 'path';
import { parseConfig } from '../../../src/config/load-config';
import { pipelineLayoutOf, stageStacksOf } from '../../../src/config/pipeline-layout';
import { synthPipeline } from '../../support/pipeline-fixture';
import { sampleAssembly, SampleAssembly } from '../../support/sample-assembly';
import { DEV_AND_PROD, sampleConfig } from '../../support/test-app';

const PIPELINE_ARN = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':codepipeline:us-east-1:111111111111:', { Ref: expect.stringMatching(/^Pipeline/) }]] };

/** Resources of a type whose logical id starts with a prefix. */
function resources(template: any, type: string, prefix: string): Array<[string, any]> {
  return Object.entries<any>(template.Resources).filter(([id, r]) => r.Type === type && id.startsWith(prefix));
}

describe('delivery metrics and drift check in the sample pipeline stack', () => {
  let sample: SampleAssembly;
  let template: any;
  beforeAll(() => {
    sample = sampleAssembly();
    template = sample.pipeline.template;
  });

  test('the layout the metrics read names stages and actions the rendered pipeline has', () => {
    const layout = pipelineLayoutOf(sampleConfig());
    const actions = new Set(sample.pipelineStages.flatMap((s: any) => s.Actions.map((a: any) => `${s.Name}/${a.Name}/${a.ActionTypeId.Category}`)));
    const stages = sample.pipelineStages.map((s: any) => s.Name);
    expect(layout.prodStages).toEqual(['prod-us-east-1', 'prod-us-east-2']);
    expect(stages.slice(-2)).toEqual(layout.prodStages);
    for (const a of layout.approvals) expect(actions).toContain(`${a.stage}/${a.action}/Approval`);
    for (const b of layout.bakes) expect(actions).toContain(`${b.stage}/${b.action}/Compute`);
    // The source action has a namespace, so CodePipeline records its AuthorDate output variable.
    expect(sample.pipelineStages[0].Actions[0]).toMatchObject({ ActionTypeId: { Category: 'Source', Provider: 'CodeStarSourceConnection' }, Namespace: expect.any(String) });
    const [[, fn]] = resources(template, 'AWS::Lambda::Function', 'DeliveryMetricsPublisher');
    expect(JSON.parse(fn.Properties.Environment.Variables.PIPELINE_LAYOUT)).toEqual(layout);
  });

  test('the stage stacks the drift check reads are exactly the stage stacks of the assembly', () => {
    const deployed = sample.stages.flatMap((s) => Object.values(s.stacks).map((st) => `${st.stackName} ${st.environment.account}/${st.environment.region}`));
    const targets = stageStacksOf(sampleConfig());
    expect(targets.map((t) => `${t.stackName} ${t.account}/${t.region}`).sort()).toEqual(deployed.sort());
    const [[, fn]] = resources(template, 'AWS::Lambda::Function', 'DriftDetectionChecker');
    // Each through its stage's own drift role (issue 33), in the stage's account.
    expect(JSON.parse(fn.Properties.Environment.Variables.DRIFT_TARGETS)).toEqual(targets.map((t) => ({ ...t, roleArn: `arn:aws:iam::${t.account}:role/${t.stageId}-pipeline-drift` })));
  });

  test('two rules on this pipeline\'s events only: an execution\'s end, and an approval\'s start or end, both to the metrics function', () => {
    const rules = resources(template, 'AWS::Events::Rule', 'DeliveryMetrics').map(([, r]) => r.Properties);
    expect(rules.map((r) => r.EventPattern)).toEqual([
      { 'source': ['aws.codepipeline'], 'detail-type': ['CodePipeline Pipeline Execution State Change'], 'resources': [PIPELINE_ARN], 'detail': { state: ['SUCCEEDED', 'FAILED', 'STOPPED', 'SUPERSEDED', 'CANCELED'] } },
      { 'source': ['aws.codepipeline'], 'detail-type': ['CodePipeline Action Execution State Change'], 'resources': [PIPELINE_ARN], 'detail': { type: { category: ['Approval'] } } },
    ]);
    for (const r of rules) expect(r.Targets).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [expect.stringMatching(/^DeliveryMetricsPublisherFunction/), 'Arn'] } })]);
  });

  test('least privilege: its own namespace only, this pipeline\'s history, its claim table, the drift roles of the config\'s stages', () => {
    const statements = (prefix: string) => resources(template, 'AWS::IAM::Policy', prefix).flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const metrics = statements('DeliveryMetricsPublisherRole');
    const drift = statements('DriftDetectionCheckerRole');
    for (const list of [metrics, drift]) {
      const put = list.filter((s: any) => [s.Action].flat().includes('cloudwatch:PutMetricData'));
      expect(put).toEqual([{ Sid: 'PublishOwnNamespaceOnly', Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': 'DeliveryPipeline' } } }]);
      // The only "*" resource is PutMetricData's.
      expect(list.filter((s: any) => s.Resource === '*').map((s: any) => s.Sid)).toEqual(['PublishOwnNamespaceOnly']);
    }
    expect(metrics.map((s: any) => s.Sid)).toEqual(['WriteOwnLogs', 'ReadThisPipelinesHistory', 'ClaimDatapoints', 'PublishOwnNamespaceOnly']);
    expect(metrics[1]).toMatchObject({ Action: ['codepipeline:ListPipelineExecutions', 'codepipeline:ListActionExecutions', 'codepipeline:GetPipelineState'], Resource: PIPELINE_ARN });
    const assume = drift.find((s: any) => s.Sid === 'AssumeStageDriftRoles');
    const expected = [...new Set(stageStacksOf(sampleConfig()).map((t) => `arn:aws:iam::${t.account}:role/${t.stageId}-pipeline-drift`))];
    expect(assume).toEqual({ Sid: 'AssumeStageDriftRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: expected });
    expect(expected).toHaveLength(5);
    // Its first-deploy question: this pipeline's action history, nothing else.
    expect(drift.find((s: any) => s.Sid === 'TellFirstDeploy')).toEqual({ Sid: 'TellFirstDeploy', Effect: 'Allow', Action: 'codepipeline:ListActionExecutions', Resource: PIPELINE_ARN });
    expect(drift.map((s: any) => s.Sid)).toEqual(['WriteOwnLogs', 'AssumeStageDriftRoles', 'TellFirstDeploy', 'PublishOwnNamespaceOnly', 'NotifyPipelineTopic', 'EncryptForPipelineTopic']);
    // Its role's fixed name, which each stage's drift role trusts.
    const [[, role]] = resources(template, 'AWS::IAM::Role', 'DriftDetectionCheckerRole');
    expect(role.Properties.RoleName).toBe('DeliveryPipeline-drift-stages');
  });

  test('Node.js 24, KMS-encrypted log groups kept a year, an error alarm per function to the pipeline\'s topic', () => {
    const fns = [...resources(template, 'AWS::Lambda::Function', 'DeliveryMetrics'), ...resources(template, 'AWS::Lambda::Function', 'DriftDetection')];
    expect(fns.map(([, f]) => f.Properties.Runtime)).toEqual(['nodejs24.x', 'nodejs24.x']);
    const groups = [...resources(template, 'AWS::Logs::LogGroup', 'DeliveryMetrics'), ...resources(template, 'AWS::Logs::LogGroup', 'DriftDetection')];
    expect(groups.map(([, g]) => [g.Properties.RetentionInDays, Boolean(g.Properties.KmsKeyId)])).toEqual([[365, true], [365, true]]);
    const alarms = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(2);
    for (const a of alarms) {
      expect(a.Properties).toMatchObject({ MetricName: 'Errors', Namespace: 'AWS/Lambda', Threshold: 1, TreatMissingData: 'notBreaching', AlarmActions: [{ Ref: expect.stringMatching(/^NotificationsTopic/) }] });
    }
    // CloudWatch may publish to the encrypted topic: the key and the topic policy say so.
    const topicPolicy = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::SNS::TopicPolicy');
    expect(topicPolicy.Properties.PolicyDocument.Statement.map((s: any) => s.Sid)).toContain('AllowCloudWatchAlarmsOfThisAccount');
  });

  test('the dashboard shows the four keys over 7 and 30 days, time per stage, approvals waiting and drifted stacks', () => {
    const [[, dashboard]] = resources(template, 'AWS::CloudWatch::Dashboard', 'DeliveryMetrics');
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const title of ['Deployments, 7 days', 'Lead time (median, hours), 30 days', 'Change failure rate (%), 7 days', 'Time to restore (median, hours), 30 days',
      'Time per stage of each deployment', 'Approvals waiting now', 'Drifted stage stacks']) {
      expect(body).toContain(title);
    }
    for (const stage of sample.pipelineStages.map((s: any) => s.Name)) expect(body).toContain(`\\"Stage\\",\\"${stage}\\"`);
  });

  test('the drift schedule runs daily by default and as often as the config says', () => {
    const [[, rule]] = resources(template, 'AWS::Events::Rule', 'DriftDetectionSchedule');
    expect(rule.Properties.ScheduleExpression).toBe('rate(1 day)');
    const raw = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'config', 'delivery.sample.json'), 'utf8'));
    // Two environments are enough for the schedule, and synthesize in a third of the time.
    const { template: sixHours } = synthPipeline(parseConfig({ ...raw, environments: DEV_AND_PROD, driftDetection: { intervalHours: 6 } }));
    const schedules = Object.values<any>(sixHours.toJSON().Resources).filter((r) => r.Properties?.ScheduleExpression);
    expect(schedules.map((r) => r.Properties.ScheduleExpression)).toEqual(['rate(6 hours)']);
  });
});
