import { clone, fixtureTemplate, template } from './support';
import { diffTemplates } from '../../../src/codebuild/change-report/diff';
import { parseTemplateBody } from '../../../src/codebuild/change-report/template';

const cluster = (props: Record<string, unknown>) => ({
  Type: 'AWS::RDS::DBCluster',
  Properties: { Engine: 'aurora-postgresql', StorageEncrypted: true, DatabaseName: 'app', ...props },
  DeletionPolicy: 'Snapshot',
  UpdateReplacePolicy: 'Snapshot',
});

describe('diffTemplates', () => {
  test('identical templates: no change', () => {
    const synth = fixtureTemplate('prod-us-east-1-Data');
    const diff = diffTemplates(clone(synth), synth);
    expect(diff.hasChanges).toBe(false);
    expect(diff.resources.every((r) => r.status === 'unchanged')).toBe(true);
  });

  test('CDK noise is ignored: Metadata, CDKMetadata, BootstrapVersion parameter and rule', () => {
    const synth = fixtureTemplate('prod-us-east-1-Data');
    const deployed = clone(synth);
    for (const r of Object.values<any>(deployed.Resources)) r.Metadata = { 'aws:cdk:path': 'Old/Path', 'aws:asset:path': 'asset.123' };
    deployed.Resources.CDKMetadata.Properties.Analytics = 'v2:deflate64:something-else';
    deployed.Parameters.BootstrapVersion.Default = '/cdk-bootstrap/other/version';
    delete deployed.Rules.CheckBootstrapVersion;
    const diff = diffTemplates(deployed, synth);
    expect(diff.hasChanges).toBe(false);
    expect(diff.resources.map((r) => r.logicalId)).not.toContain('CDKMetadata');
  });

  test('added resource', () => {
    const synth = fixtureTemplate('prod-us-east-1-Data');
    const deployed = clone(synth);
    delete deployed.Resources.AppLogsC5DF83A6;
    const diff = diffTemplates(deployed, synth);
    expect(diff.hasChanges).toBe(true);
    expect(diff.resources.filter((r) => r.status !== 'unchanged')).toEqual([
      expect.objectContaining({ logicalId: 'AppLogsC5DF83A6', status: 'added', type: 'AWS::Logs::LogGroup' }),
    ]);
  });

  test('property change without replacement (log group retention)', () => {
    const synth = fixtureTemplate('prod-us-east-1-Data');
    const deployed = clone(synth);
    deployed.Resources.AppLogsC5DF83A6.Properties.RetentionInDays = 7;
    const [change] = diffTemplates(deployed, synth).resources.filter((r) => r.status === 'changed');
    expect(change).toMatchObject({ logicalId: 'AppLogsC5DF83A6', replacement: 'no', stateful: true });
    expect(change.propertyChanges).toEqual([{ name: 'RetentionInDays', before: 7, after: 30, replacement: 'no' }]);
  });

  test('stateful replacement: RDS cluster StorageEncrypted', () => {
    const diff = diffTemplates(template({ Db: cluster({ StorageEncrypted: false }) }), template({ Db: cluster({}) }));
    expect(diff.resources[0]).toMatchObject({ status: 'changed', replacement: 'yes', stateful: true });
    expect(diff.resources[0].propertyChanges.map((c) => [c.name, c.replacement])).toEqual([['StorageEncrypted', 'yes']]);
  });

  test('conditional replacement is reported as such (RDS cluster MasterUsername)', () => {
    const diff = diffTemplates(template({ Db: cluster({ MasterUsername: 'a' }) }), template({ Db: cluster({ MasterUsername: 'b' }) }));
    expect(diff.resources[0].replacement).toBe('conditional');
  });

  test('a changed logical id is a removal plus an addition of the same type', () => {
    const synth = fixtureTemplate('prod-us-east-1-Data');
    const deployed = clone(synth);
    deployed.Resources.OldReportsBucket = deployed.Resources.Reports65402A0A;
    delete deployed.Resources.Reports65402A0A;
    const changes = diffTemplates(deployed, synth).resources.filter((r) => r.status !== 'unchanged');
    expect(changes.map((r) => [r.logicalId, r.status, r.type])).toEqual([
      ['OldReportsBucket', 'removed', 'AWS::S3::Bucket'],
      ['Reports65402A0A', 'added', 'AWS::S3::Bucket'],
    ]);
  });

  test('a type change always replaces', () => {
    const diff = diffTemplates(template({ X: { Type: 'AWS::SNS::Topic' } }), template({ X: { Type: 'AWS::SQS::Queue' } }));
    expect(diff.resources[0]).toMatchObject({ status: 'changed', replacement: 'yes' });
  });

  test('types outside the table are "not-assessed", never a silent "no"', () => {
    const diff = diffTemplates(
      template({ Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'a' } } }),
      template({ Fn: { Type: 'AWS::Lambda::Function', Properties: { FunctionName: 'b' } } }),
    );
    expect(diff.resources[0].replacement).toBe('not-assessed');
  });

  test('attribute changes (DeletionPolicy) and outputs are reported', () => {
    const before = { Resources: { B: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain' } }, Outputs: { Url: { Value: 'a' } } };
    const after = { Resources: { B: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Delete' } }, Outputs: { Url: { Value: 'b' }, New: { Value: 'c' } } };
    const diff = diffTemplates(before, after);
    expect(diff.resources[0]).toMatchObject({ status: 'changed', attributeChanges: ['DeletionPolicy'], replacement: 'no' });
    expect(diff.otherChanges).toEqual(['Outputs.New added', 'Outputs.Url changed']);
  });

  test('intrinsics are compared structurally (key order does not matter)', () => {
    const a = { Type: 'AWS::S3::BucketPolicy', Properties: { Bucket: { Ref: 'B' }, PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['B', 'Arn'] }, '/*']] } }], Version: '2012-10-17' } } };
    const b = { Properties: { PolicyDocument: { Version: '2012-10-17', Statement: [{ Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['B', 'Arn'] }, '/*']] }, Action: 's3:GetObject', Effect: 'Allow' }] }, Bucket: { Ref: 'B' } }, Type: 'AWS::S3::BucketPolicy' };
    expect(diffTemplates(template({ P: a }), template({ P: b })).hasChanges).toBe(false);
  });

  test('no deployed template (new stack): everything is added', () => {
    const synth = fixtureTemplate('prod-us-east-2-Service');
    const diff = diffTemplates(undefined, synth);
    expect(diff.resources.every((r) => r.status === 'added')).toBe(true);
    expect(diff.otherChanges).toEqual([]);
  });

  test('a YAML deployed template with short-form intrinsics parses to the JSON long form', () => {
    const yaml = [
      'Resources:',
      '  P:',
      '    Type: AWS::S3::BucketPolicy',
      '    Properties:',
      '      Bucket: !Ref B',
      '      PolicyDocument:',
      '        Statement:',
      '          - Effect: Allow',
      '            Action: s3:GetObject',
      '            Resource: !Join ["", [!GetAtt B.Arn, "/*"]]',
    ].join('\n');
    expect(parseTemplateBody(yaml)).toEqual({
      Resources: {
        P: {
          Type: 'AWS::S3::BucketPolicy',
          Properties: {
            Bucket: { Ref: 'B' },
            PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['B', 'Arn'] }, '/*']] } }] },
          },
        },
      },
    });
  });
});
