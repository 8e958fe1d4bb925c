import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildStage, only, resources, sampleEnvironment } from './support';
import { ServiceStage } from '../../../src/synth/workload/service-stage';
import { sampleConfig } from '../../support/test-app';

/** Monitoring (in the service stack): encrypted alarm topic, alarms with actions, dashboard. */
describe.each([
  ['dev', 'us-east-1'],
  ['prod', 'us-east-1'], // the secondary adds a replication alarm: test/synth/workload/global-database.test.ts,
])('Monitoring %s %s', (envName, region) => {
  // Rolling (one target group); progressive.test.ts covers the metrics over two target groups.
  const environment = sampleEnvironment(envName, { deployment: { strategy: 'rolling' } });
  let stage: ServiceStage;
  let template: Template;
  const id = (construct: any) => stage.service.getLogicalId(construct.node.defaultChild);

  beforeAll(() => {
    stage = buildStage(environment, region);
    template = Template.fromStack(stage.service);
  });

  // The monitoring's alarms (a production Service stack also holds the audit tier's: test/synth/audit/).
  const alarms = () => stage.service.monitoring.alarms.map((a) => resources(template, 'AWS::CloudWatch::Alarm')[id(a)].Properties!);
  const metricNames = (a: Record<string, any>): string[] =>
    a.MetricName ? [a.MetricName] : a.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric.MetricName);

  test('topic is encrypted with a rotating CMK that CloudWatch may use', () => {
    const topicKey = id(stage.service.monitoring.topicKey);
    expect(only(template, 'AWS::SNS::Topic').Properties!.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [topicKey, 'Arn'] });
    const key = resources(template, 'AWS::KMS::Key')[topicKey];
    expect(key.Properties!.EnableKeyRotation).toBe(true);
    expect(key.Properties!.KeyPolicy.Statement).toContainEqual(expect.objectContaining({
      Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Effect: 'Allow',
    }));
  });

  test('topic accepts TLS only and lets this account\'s alarms publish', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({ Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: 'sns:Publish', Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': environment.account } }) }),
        ]),
      },
    });
  });

  test('alarm e-mails are subscribed', () => {
    const subscriptions = Object.values(resources(template, 'AWS::SNS::Subscription')).map((s) => s.Properties!);
    expect(subscriptions.map((s) => s.Endpoint).sort()).toEqual([...sampleConfig().notifications.emails].sort());
    for (const s of subscriptions) expect(s.Protocol).toBe('email');
  });

  test('alarms on service CPU and memory, 5xx, p99 latency, (un)healthy hosts, DB CPU, connections and memory', () => {
    const watched = alarms().map((a) => metricNames(a).sort().join('+')).sort();
    expect(watched).toEqual([
      'CPUUtilization', 'CPUUtilization', 'DatabaseConnections', 'FreeableMemory',
      'HTTPCode_ELB_5XX_Count+HTTPCode_Target_5XX_Count', 'HealthyHostCount', 'MemoryUtilization',
      'TargetResponseTime', 'UnHealthyHostCount',
    ]);
    const namespaces = alarms().filter((a) => a.MetricName === 'CPUUtilization').map((a) => a.Namespace).sort();
    expect(namespaces).toEqual(['AWS/ECS', 'AWS/RDS']);
    expect(alarms().find((a) => a.MetricName === 'TargetResponseTime')!.ExtendedStatistic).toBe('p99');
    expect(stage.alarms).toHaveLength(environment.production ? 9 + stage.service.audit!.alarms.length : 9);
  });

  test('every alarm notifies on ALARM and OK, and sets datapointsToAlarm and treatMissingData', () => {
    const topic = { Ref: id(stage.service.monitoring.topic) };
    expect(alarms()).toHaveLength(9);
    for (const a of alarms()) {
      expect(a.AlarmActions).toEqual([topic]);
      expect(a.OKActions).toEqual([topic]);
      expect(a.DatapointsToAlarm).toBeGreaterThanOrEqual(2);
      expect(a.DatapointsToAlarm).toBeLessThanOrEqual(a.EvaluationPeriods);
      expect(['breaching', 'notBreaching', 'missing', 'ignore']).toContain(a.TreatMissingData);
      expect(a.AlarmDescription).toContain(`-${environment.name}-${region}:`);
      expect(a.AlarmName).toBeUndefined();
    }
  });

  test('database thresholds scale with the configured maximum capacity', () => {
    const byMetric = (name: string) => alarms().find((a) => a.MetricName === name)!;
    const { dbMaxCapacity } = environment.sizing;
    expect(byMetric('DatabaseConnections').Threshold).toBe(Math.floor(Math.min(5000, dbMaxCapacity * 225) * 0.8));
    expect(byMetric('FreeableMemory').Threshold).toBe(Math.floor(dbMaxCapacity * 2 * 1024 ** 3 * 0.1));
    expect(byMetric('FreeableMemory').TreatMissingData).toBe('breaching');
  });

  test('a dashboard named after the stage shows service, ALB and database', () => {
    const dashboard = only(template, 'AWS::CloudWatch::Dashboard').Properties!;
    expect(dashboard.DashboardName).toBe(`transactions-${environment.name}-${region}`);
    const body = JSON.stringify(dashboard.DashboardBody);
    for (const metric of ['AWS/ECS', 'AWS/ApplicationELB', 'AWS/RDS', 'ServerlessDatabaseCapacity', 'TargetResponseTime']) {
      expect(body).toContain(metric);
    }
  });

  test('the stage exposes the topic, alarm names and their outputs', () => {
    expect(stage.alarmTopic).toBe(stage.service.monitoring.topic);
    template.hasOutput('AlarmTopicArn', { Value: { Ref: id(stage.service.monitoring.topic) } });
    const names = template.findOutputs('AlarmNames').AlarmNames.Value['Fn::Join'];
    expect(names[0]).toBe(',');
    // Every alarm of the stage (in production the audit tier's too): the bake and the assertions read this.
    expect(names[1]).toEqual(stage.alarms.map((a) => ({ Ref: id(a) })));
    expect(names[1]).toHaveLength(environment.production ? 12 : 9);
    expect(stage.alarmNames).toBe(stage.service.alarmNamesOutput);
  });
});
