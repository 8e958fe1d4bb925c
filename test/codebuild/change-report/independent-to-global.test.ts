import { Template } from 'aws-cdk-lib/assertions';
import { findDangers, statefulReplacementRule } from '../../../src/codebuild/change-report/danger';
import { diffTemplates } from '../../../src/codebuild/change-report/diff';
import { CfnTemplate } from '../../../src/codebuild/change-report/template';
import { testApp } from '../../support/test-app';
import { buildStage, sampleEnvironment } from '../../synth/workload/support';

/**
 * Converting an already-deployed independent prod environment to `global` (README "Migrating
 * from independent to global"): the "deployed" templates are the prod Platform stacks
 * synthesized with `resilience: "independent"`, the new ones with the sample's `global`. The
 * prod change report must flag, before the approval, every stateful resource that is replaced.
 */
const platformOf = (resilience: 'independent' | 'global', region: string): CfnTemplate => {
  const environment = sampleEnvironment('prod', { resilience });
  return Template.fromStack(buildStage(environment, region, testApp()).platform).toJSON() as CfnTemplate;
};

/** `logicalId: message` of every stateful-replacement finding. */
function replaced(region: string): Record<string, string> {
  const found = statefulReplacementRule.check(diffTemplates(platformOf('independent', region), platformOf('global', region)));
  return Object.fromEntries(found.map((f) => [f.logicalId, f.message]));
}

describe('independent -> global, primary region (us-east-1)', () => {
  let findings: Record<string, string>;
  beforeAll(() => { findings = replaced('us-east-1'); });

  test('the cluster is REPLACED (it gets its fixed regional identifier); a final snapshot is taken', () => {
    expect(findings.DataCluster9E8A15F8).toMatch(/^REPLACED: DBClusterIdentifier \(unset\) -> transactions-prod-us-east-1\./);
    expect(findings.DataCluster9E8A15F8).toMatch(/SNAPSHOT/);
  });

  test('the credentials secret is REPLACED (it gets its derivable name); the old one is retained', () => {
    expect(findings.DataDatabaseSecret0CD5E47D).toMatch(/^REPLACED: Name \(unset\) -> transactions-prod-global\/credentials\./);
    expect(findings.DataDatabaseSecret0CD5E47D).toMatch(/RETAINED/);
  });

  test('the PostgreSQL log group follows the cluster identifier', () => {
    expect(findings.DataPostgresLogGroupF58F0D50).toMatch(/^REPLACED: LogGroupName/);
  });

  test('nothing else stateful is replaced (the VPC keeps 10.0.0.0/16, the keys stay)', () => {
    expect(Object.keys(findings).sort()).toEqual(['DataCluster9E8A15F8', 'DataDatabaseSecret0CD5E47D', 'DataPostgresLogGroupF58F0D50']);
  });
});

describe('independent -> global, secondary region (us-east-2)', () => {
  let findings: Record<string, string>;
  beforeAll(() => { findings = replaced('us-east-2'); });

  test('the cluster is REPLACED by the secondary (its data is discarded: it starts as a copy of the primary)', () => {
    const cluster = findings.DataCluster9E8A15F8;
    expect(cluster).toMatch(/^REPLACED: /);
    expect(cluster).toMatch(/DBClusterIdentifier \(unset\) -> transactions-prod-us-east-2;/);
    expect(cluster).toMatch(/DatabaseName app -> \(unset\)/);
    expect(cluster).toMatch(/GlobalClusterIdentifier \(unset\) -> transactions-prod-global \(may replace\)/);
    expect(cluster).toMatch(/SNAPSHOT/);
  });

  test('its own secret leaves the template (retained)', () => {
    expect(findings.DataDatabaseSecret0CD5E47D).toMatch(/^REMOVED from the template \(old one is RETAINED/);
  });

  test('the whole conversion is a blocking stateful finding of the prod change report', () => {
    const dangers = findDangers(diffTemplates(platformOf('independent', 'us-east-2'), platformOf('global', 'us-east-2')));
    expect(dangers.filter((d) => d.category === 'stateful').map((d) => d.logicalId)).toEqual(expect.arrayContaining(['DataCluster9E8A15F8', 'DataDatabaseSecret0CD5E47D']));
  });
});
