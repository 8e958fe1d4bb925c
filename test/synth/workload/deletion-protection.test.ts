import { DELETION_PROTECTION_OUTPUTS } from '../../../src/synth/workload/deletion-protection';
import { sampleAssembly, SampleAssembly } from '../../support/sample-assembly';

/**
 * Deletion protection after the first create (issue 26): no stage template asks for it, so a
 * failed first create rolls back; prod Platform stacks name the role and targets the post-deploy
 * step turns it on for (test/synth/pipeline/termination-protection.test.ts runs the step).
 */
describe('deletion protection on the synthesized stages', () => {
  let sample: SampleAssembly;
  beforeAll(() => {
    sample = sampleAssembly();
  });
  const platformOf = (name: string) => sample.stages.find((s) => s.name === name)!.stacks.Platform.template;
  const ofType = (template: any, type: string) => Object.entries<any>(template.Resources).filter(([, r]) => r.Type === type);

  test('no stage template turns deletion protection on: prod leaves it unset, dev and test say false', () => {
    for (const stage of sample.stages) {
      const production = stage.name.startsWith('prod');
      for (const stack of Object.values(stage.stacks)) {
        for (const [id, r] of Object.entries<any>(stack.template.Resources)) {
          const p = r.Properties ?? {};
          const values = [p.DeletionProtection, p.DeletionProtectionEnabled,
            ...(p.LoadBalancerAttributes ?? []).filter((a: any) => a.Key === 'deletion_protection.enabled').map((a: any) => a.Value)];
          // The token issuer's user pool (issue 32) is the one exception: prod says ACTIVE from the
          // first create, because it is also Retain, so no rollback ever deletes it (the rollback
          // analysis, src/terminal/rollback/, knows the property); and Cognito offers no call that
          // turns protection on without rewriting the whole pool ("If you don't provide a value for
          // an attribute, Amazon Cognito sets it to its default value", UpdateUserPool;
          // https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-updating.html),
          // which the post-deploy step would need.
          if (r.Type === 'AWS::Cognito::UserPool') {
            expect(`${stage.name} ${id}: ${p.DeletionProtection} ${r.DeletionPolicy}`).toBe(`${stage.name} ${id}: ${production ? 'ACTIVE Retain' : 'INACTIVE Delete'}`);
            continue;
          }
          for (const v of values.filter((x) => x !== undefined)) {
            expect(`${stage.name} ${id}: ${JSON.stringify(v)}`).toMatch(/: (false|"false")$/);
            expect(production).toBe(false);
          }
        }
      }
    }
  });

  test('each prod Platform stack names the targets the post-deploy step protects, as fixed output keys', () => {
    for (const name of ['prod-us-east-1', 'prod-us-east-2']) {
      const template = platformOf(name);
      const outputs = template.Outputs;
      const [[clusterId]] = ofType(template, 'AWS::RDS::DBCluster');
      const [[lbId]] = ofType(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
      expect(outputs[DELETION_PROTECTION_OUTPUTS.cluster].Value).toEqual({ Ref: clusterId });
      expect(outputs[DELETION_PROTECTION_OUTPUTS.loadBalancer].Value).toEqual({ Ref: lbId });
      // Only the primary region holds the global cluster.
      expect(outputs[DELETION_PROTECTION_OUTPUTS.globalCluster]?.Value).toEqual(name === 'prod-us-east-1' ? 'transactions-prod-global' : undefined);
    }
    for (const stage of sample.stages.filter((s) => !s.name.startsWith('prod'))) {
      expect(Object.keys(stage.stacks.Platform.template.Outputs ?? {}).filter((k) => k.startsWith('DeletionProtection'))).toEqual([]);
    }
  });

  test('the protect role: trusted by the pipeline\'s protect step only, allowed to turn protection on for its own targets only', () => {
    const template = platformOf('prod-us-east-1');
    const [[roleId, roleResource]] = ofType(template, 'AWS::IAM::Role').filter(([, r]) => r.Properties.RoleName === 'prod-us-east-1-pipeline-protect');
    const role = roleResource.Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([{
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:root']] } },
      Condition: { ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/DeliveryPipeline-protect-prod-us-east-1' } },
    }]);
    // Its policy is part of the role: no separate policy resource it could exist without.
    expect(ofType(template, 'AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))).toEqual([]);
    const statements = role.Policies.flatMap((p: any) => p.PolicyDocument.Statement);
    const bySid = Object.fromEntries(statements.map((s: any) => [s.Sid, s]));
    expect(Object.keys(bySid).sort()).toEqual(['ProtectCluster', 'ProtectGlobalCluster', 'ProtectLoadBalancer', 'ProtectStacks', 'ReadLoadBalancerAttributes']);
    expect(statements.flatMap((s: any) => [s.Action].flat()).sort()).toEqual([
      'cloudformation:DescribeStacks', 'cloudformation:UpdateTerminationProtection',
      'elasticloadbalancing:DescribeLoadBalancerAttributes', 'elasticloadbalancing:ModifyLoadBalancerAttributes',
      'rds:DescribeDBClusters', 'rds:DescribeGlobalClusters', 'rds:ModifyDBCluster', 'rds:ModifyGlobalCluster',
    ]);
    const [[clusterId]] = ofType(template, 'AWS::RDS::DBCluster');
    const [[lbId]] = ofType(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(JSON.stringify(bySid.ProtectCluster.Resource)).toContain(`{"Ref":"${clusterId}"}`);
    expect(bySid.ProtectLoadBalancer.Resource).toEqual({ Ref: lbId });
    expect(JSON.stringify(bySid.ProtectGlobalCluster.Resource)).toContain(':rds::444444444444:global-cluster:transactions-prod-global');
    // The one `*`: DescribeLoadBalancerAttributes takes no resource ARN.
    expect(statements.filter((s: any) => s.Resource === '*').map((s: any) => s.Sid)).toEqual(['ReadLoadBalancerAttributes']);
  });
});
