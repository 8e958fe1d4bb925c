import { clone } from './support';
import { auditProtectionRule, DANGER_RULES, findDangers } from '../../../src/codebuild/change-report/danger';
import { diffTemplates } from '../../../src/codebuild/change-report/diff';
import { sampleAssembly } from '../../support/sample-assembly';

/**
 * The prod change report flags every change that takes a protection away from the audit
 * evidence (src/synth/audit/), as a stateful finding: blockStatefulReplacement refuses it unless
 * the commit carries the override marker. Checked on the synthesized prod Service stack.
 */
const prodService = () => clone(sampleAssembly().stages.find((s) => s.name === 'prod-us-east-1')!.stacks.Service.template);
const byType = (t: any, type: string) => Object.entries<any>(t.Resources).filter(([, r]) => r.Type === type);
const auditBucket = (t: any) => byType(t, 'AWS::S3::Bucket').find(([, r]) => r.Properties.ObjectLockEnabled)!;
const check = (before: any, after: any) => auditProtectionRule.check(diffTemplates(before, after));

test('the deployed template against itself: nothing', () => {
  expect(check(prodService(), prodService())).toEqual([]);
});

test('Object Lock off, a shorter retention, versioning suspended and the replication rule dropped: one stateful finding naming each', () => {
  const before = prodService();
  const after = clone(before);
  const [id, bucket] = auditBucket(after);
  delete bucket.Properties.ObjectLockEnabled;
  bucket.Properties.ObjectLockConfiguration.Rule.DefaultRetention.Days = 30;
  bucket.Properties.VersioningConfiguration.Status = 'Suspended';
  delete bucket.Properties.ReplicationConfiguration;
  const [finding] = check(before, after);
  expect(finding).toMatchObject({ ruleId: 'audit-protection-removed', category: 'stateful', logicalId: id, resourceType: 'AWS::S3::Bucket' });
  expect(finding.message).toContain('ObjectLockEnabled true -> unset');
  expect(finding.message).toContain('Object Lock default retention 365 -> 30 day(s)');
  expect(finding.message).toContain('versioning Enabled -> Suspended');
  expect(finding.message).toMatch(/replication rule audit-to-us-east-2 \(to .*prod-us-east-1-audit-444444444444-us-east-2.*\) removed or disabled/);
});

test('a disabled replication rule counts as a removed one; a longer retention is no loss', () => {
  const before = prodService();
  const disabled = clone(before);
  auditBucket(disabled)[1].Properties.ReplicationConfiguration.Rules[0].Status = 'Disabled';
  expect(check(before, disabled)).toHaveLength(1);
  const longer = clone(before);
  auditBucket(longer)[1].Properties.ObjectLockConfiguration.Rule.DefaultRetention.Days = 730;
  expect(check(before, longer)).toEqual([]);
});

test('the trail stops logging, covers one region or stops signing its files; or it, the subscription or the stream is removed', () => {
  const before = prodService();
  const weakened = clone(before);
  const [trailId, trail] = byType(weakened, 'AWS::CloudTrail::Trail')[0];
  Object.assign(trail.Properties, { IsLogging: false, IsMultiRegionTrail: false, EnableLogFileValidation: false });
  expect(check(before, weakened)).toEqual([expect.objectContaining({
    logicalId: trailId,
    message: 'IsLogging true -> false: the trail stops logging; IsMultiRegionTrail true -> false: the trail no longer covers every region; '
      + 'EnableLogFileValidation true -> false: log files are no longer signed, so a changed or deleted one goes unnoticed.',
  })]);
  const removed = clone(before);
  for (const type of ['AWS::CloudTrail::Trail', 'AWS::Logs::SubscriptionFilter', 'AWS::KinesisFirehose::DeliveryStream']) {
    for (const [id] of byType(removed, type)) delete removed.Resources[id];
  }
  expect(check(before, removed).map((f) => `${f.resourceType} ${f.message.split(':')[0]}`).sort()).toEqual([
    'AWS::CloudTrail::Trail REMOVED', 'AWS::KinesisFirehose::DeliveryStream REMOVED', 'AWS::Logs::SubscriptionFilter REMOVED',
  ]);
});

test('the rule is one of the report\'s danger rules, listed right after the stateful ones', () => {
  expect(DANGER_RULES.map((r) => r.id).slice(0, 3)).toEqual(['stateful-replacement', 'stateful-protection-removed', 'audit-protection-removed']);
  const before = prodService();
  const after = clone(before);
  delete auditBucket(after)[1].Properties.ReplicationConfiguration;
  expect(findDangers(diffTemplates(before, after)).map((f) => f.ruleId)).toContain('audit-protection-removed');
});
