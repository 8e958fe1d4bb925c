import { FIXTURE_ASSEMBLY, template } from './support';
import { findStacks } from '../../../src/codebuild/change-report/assembly';
import {
  compareEngineVersions, DANGER_RULES, engineVersionChangeRule, engineVersionDowngradeRule, findDangers,
} from '../../../src/codebuild/change-report/danger';
import { diffTemplates } from '../../../src/codebuild/change-report/diff';
import { evaluatePolicy } from '../../../src/codebuild/change-report/policy';
import { ChangeReport, renderMarkdown, summaryLine } from '../../../src/codebuild/change-report/render';

/** The prod Platform stack's database as synthesized (src/synth/workload/data-tier.ts), at one engine version. */
function platform(version: string | undefined, instanceVersion?: string) {
  return template({
    DataCluster9E8A15F8: {
      Type: 'AWS::RDS::DBCluster',
      Properties: { Engine: 'aurora-postgresql', EngineVersion: version, AutoMinorVersionUpgrade: false, StorageEncrypted: true },
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
    },
    DataClusterWriterC5A92BD5: {
      Type: 'AWS::RDS::DBInstance',
      Properties: { Engine: 'aurora-postgresql', DBClusterIdentifier: { Ref: 'DataCluster9E8A15F8' }, AutoMinorVersionUpgrade: false, ...(instanceVersion ? { EngineVersion: instanceVersion } : {}) },
    },
  });
}

/** The report the pipeline would show for the prod-us-east-1 stacks, deployed `before`, synthesized `after`. */
function report(before: string, after: string): ChangeReport {
  const target = findStacks(FIXTURE_ASSEMBLY, { stages: ['prod-us-east-1'] })[0];
  const diff = diffTemplates(platform(before), platform(after));
  return { commit: 'c', label: 'prod', generatedAt: '2026-12-01T00:00:00.000Z', stacks: [{ target, status: 'CHANGED', diff, dangers: findDangers(diff) }] };
}

test('engine versions compare part by part, numerically', () => {
  expect(compareEngineVersions('16.10', '16.9')).toBeGreaterThan(0);
  expect(compareEngineVersions('16.8', '16.8')).toBe(0);
  expect(compareEngineVersions('16.6', '16.8')).toBeLessThan(0);
  expect(compareEngineVersions('15.12', '16.1')).toBeLessThan(0);
  expect(compareEngineVersions('16', '16.0')).toBe(0);
  expect(compareEngineVersions('8.0.mysql_aurora.3.08.0', '8.0.mysql_aurora.3.07.1')).toBeGreaterThan(0);
});

describe('an engine version change on a prod database is flagged', () => {
  test('a minor upgrade: one finding, upgraded in place, not a replacement', () => {
    const found = findDangers(diffTemplates(platform('16.6'), platform('16.8')));
    expect(found).toEqual([expect.objectContaining({
      ruleId: 'engine-version-change',
      category: 'version',
      logicalId: 'DataCluster9E8A15F8',
      resourceType: 'AWS::RDS::DBCluster',
      message: expect.stringMatching(/^EngineVersion 16\.6 -> 16\.8 \(upgrade\)\. The database is upgraded in place/),
    })]);
  });

  test('a major upgrade says what it needs', () => {
    const [f] = engineVersionChangeRule.check(diffTemplates(platform('16.8'), platform('17.7')));
    expect(f.message).toMatch(/MAJOR upgrade.*AllowMajorVersionUpgrade/);
  });

  test('an unchanged version, or an unrelated change, is no finding', () => {
    expect(findDangers(diffTemplates(platform('16.8'), platform('16.8')))).toEqual([]);
    const after = platform('16.8');
    (after.Resources!.DataCluster9E8A15F8.Properties as any).BackupRetentionPeriod = 30;
    expect(engineVersionChangeRule.check(diffTemplates(platform('16.8'), after))).toEqual([]);
  });

  test('instances and global clusters carry engine versions too', () => {
    expect(engineVersionDowngradeRule.check(diffTemplates(platform('16.8', '16.8'), platform('16.8', '16.6'))))
      .toEqual([expect.objectContaining({ logicalId: 'DataClusterWriterC5A92BD5', resourceType: 'AWS::RDS::DBInstance' })]);
    const global = (v: string) => template({ G: { Type: 'AWS::RDS::GlobalCluster', Properties: { Engine: 'aurora-postgresql', EngineVersion: v } } });
    expect(engineVersionChangeRule.check(diffTemplates(global('16.8'), global('16.9')))).toHaveLength(1);
  });

  test('the summary line and the DANGER section name it', () => {
    const r = report('16.6', '16.8');
    expect(summaryLine(r)).toBe('1 of 1 prod stack change; DANGER: 1 database engine version change');
    expect(renderMarkdown(r)).toMatch(/- \*\*engine-version-change\*\* `[^`]+` \(us-east-1, \d{12}\) `DataCluster9E8A15F8` AWS::RDS::DBCluster: EngineVersion 16\.6 -> 16\.8/);
  });

  test('an upgrade alone is not refused', () => {
    expect(evaluatePolicy(report('16.6', '16.8'), { blockStatefulReplacement: true, commitMessage: '' })).toMatchObject({ refused: false });
  });
});

describe('a version below the deployed one is refused (CloudFormation cannot downgrade)', () => {
  test('found as a downgrade, not as a change', () => {
    const found = findDangers(diffTemplates(platform('16.9'), platform('16.8')));
    expect(found).toEqual([expect.objectContaining({
      ruleId: 'engine-version-downgrade',
      category: 'version',
      logicalId: 'DataCluster9E8A15F8',
      message: expect.stringMatching(/^DOWNGRADE EngineVersion 16\.9 -> 16\.8: CloudFormation cannot downgrade/),
    })]);
    expect(findDangers(diffTemplates(platform('16.10'), platform('16.9')))[0].ruleId).toBe('engine-version-downgrade');
  });

  test('refused whatever blockStatefulReplacement and the override marker say', () => {
    const r = report('16.9', '16.8');
    expect(summaryLine(r)).toBe('1 of 1 prod stack change; DANGER: 1 database engine DOWNGRADE (cannot deploy)');
    for (const policy of [
      { blockStatefulReplacement: true, commitMessage: '' },
      { blockStatefulReplacement: true, commitMessage: 'pin 16.8 [allow-stateful-replacement]' },
      { blockStatefulReplacement: false, commitMessage: '' },
    ]) {
      const v = evaluatePolicy(r, policy);
      expect(v).toMatchObject({ refused: true, overridden: false });
      expect(v.reason).toMatch(/REFUSED: database engine version below the deployed one \(.+\/DataCluster9E8A15F8\); CloudFormation cannot downgrade/);
    }
  });
});

test('both engine rules are in the rule set the report runs', () => {
  expect(DANGER_RULES.map((r) => r.id)).toEqual(expect.arrayContaining(['engine-version-change', 'engine-version-downgrade']));
});
