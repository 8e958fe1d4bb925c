import { Template } from 'aws-cdk-lib/assertions';
import { buildStage, resources, sampleEnvironment } from './support';

/** The configured threshold reaches the secondary's AuroraGlobalDBReplicationLag alarm (milliseconds). */
const lagAlarm = (seconds?: number) => {
  const stage = buildStage(sampleEnvironment('prod', seconds === undefined ? {} : { replicationLagAlarmSeconds: seconds }), 'us-east-2');
  const alarms = Object.values(resources(Template.fromStack(stage.service), 'AWS::CloudWatch::Alarm'))
    .filter((a) => a.Properties!.MetricName === 'AuroraGlobalDBReplicationLag');
  expect(alarms).toHaveLength(1);
  return alarms[0].Properties!;
};

test('default: 30 s (30000 ms), and the description says so', () => {
  expect(lagAlarm()).toMatchObject({ Threshold: 30_000, AlarmDescription: expect.stringContaining('above 30 s') });
});

test('environments[i].replicationLagAlarmSeconds 1 (the payments system we replace) pages above 1000 ms', () => {
  expect(lagAlarm(1)).toMatchObject({ Threshold: 1000, AlarmDescription: expect.stringContaining('above 1 s') });
});
