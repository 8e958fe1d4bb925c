import { problemsOf, sample } from './support';
import {
  auditOf, auditReplicaBucketNameOf, auditReplicaKeyAliasOf, auditReplicaRegionsOf, DEFAULT_AUDIT_RETENTION_DAYS, projectTrailRegionOf,
} from '../../src/config/audit';
import { parseConfig } from '../../src/config/load-config';
import { configWarnings } from '../../src/config/warnings';

describe('audit (config `audit`)', () => {
  test('defaults: an organization trail, 365 days, GOVERNANCE; the sample deploys the project trail', () => {
    const c = sample();
    delete c.audit;
    expect(parseConfig(c).audit).toEqual({ trail: 'organization', retentionDays: DEFAULT_AUDIT_RETENTION_DAYS, objectLockMode: 'GOVERNANCE' });
    expect(DEFAULT_AUDIT_RETENTION_DAYS).toBe(365);
    expect(parseConfig(sample()).audit).toEqual({ trail: 'project', retentionDays: 365, objectLockMode: 'GOVERNANCE' });
    expect(auditOf({})).toEqual({ trail: 'organization', retentionDays: 365, objectLockMode: 'GOVERNANCE' });
  });

  test.each([
    [{ trail: 'org' }, /^audit\.trail: must be one of "organization" .* or "project" .*; got the string "org"$/],
    [{ retentionDays: 0 }, /^audit\.retentionDays: must be at least 1 day; got the number 0$/],
    [{ retentionDays: 3651 }, /^audit\.retentionDays: must be at most 3650 days \(10 years\)/],
    [{ retentionDays: 1.5 }, /^audit\.retentionDays: must be a whole number of days/],
    [{ objectLockMode: 'governance' }, /^audit\.objectLockMode: must be one of "GOVERNANCE" .* or "COMPLIANCE"/],
    [{ trial: 'project' }, /^audit: unknown key "trial"|^audit\.trial:|trial/],
  ])('%j is refused, naming the field and the fix', (audit, message) => {
    const problems = problemsOf((c) => { c.audit = audit; });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  test('the project trail lives in a production environment\'s primary region; organization mode deploys none', () => {
    const config = parseConfig(sample());
    const [dev, , prod] = config.environments;
    expect(projectTrailRegionOf(config.audit, prod)).toBe('us-east-1');
    expect(projectTrailRegionOf(config.audit, { ...prod, primaryRegion: 'us-east-2' })).toBe('us-east-2');
    expect(projectTrailRegionOf(config.audit, dev)).toBeUndefined();
    expect(projectTrailRegionOf({ ...config.audit, trail: 'organization' }, prod)).toBeUndefined();
  });

  test('the copies: every other region of a production environment, a name that starts with the stage id and fits S3, the alias of the source stage', () => {
    const config = parseConfig(sample());
    const [dev, , prod] = config.environments;
    expect(auditReplicaRegionsOf(prod, 'us-east-1')).toEqual(['us-east-2']);
    expect(auditReplicaRegionsOf(dev, 'us-east-1')).toEqual([]);
    expect(auditReplicaRegionsOf({ production: true, regions: ['us-east-1'] }, 'us-east-1')).toEqual([]);
    expect(auditReplicaBucketNameOf('prod-us-east-1', '444444444444', 'us-east-2')).toBe('prod-us-east-1-audit-444444444444-us-east-2');
    const long = auditReplicaBucketNameOf('pre-prod-ap-southeast-2', '444444444444', 'ap-southeast-2');
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toBe('pre-prod-ap-southeast-2-audit-444444444444-ap-southeast-2');
    expect(auditReplicaBucketNameOf('pre-prod-ap-southeast-2', '444444444444', 'ap-southeast-2')).toBe(long);
    expect(auditReplicaKeyAliasOf('transactions-prod-us-east-1')).toBe('transactions-prod-us-east-1/audit-replica');
  });

  test('a name over 63 characters keeps its start and ends with a hash of the whole name', () => {
    const name = auditReplicaBucketNameOf('pre-prod-ap-southeast-2', '444444444444', 'ap-southeast-2-and-more-than-fits');
    expect(name).toHaveLength(63);
    expect(name).toMatch(/^pre-prod-ap-southeast-2-audit-444444444444-[a-z0-9-]+-[0-9a-f]{8}$/);
    expect(name).not.toBe(auditReplicaBucketNameOf('pre-prod-ap-southeast-2', '444444444444', 'ap-southeast-2-and-more-than-fitz'));
  });

  test('a one-region production environment is a warning: its evidence has no copy in a second region', () => {
    const c = sample();
    c.environments[2].regions = ['us-east-1'];
    c.environments[2].resilience = 'independent';
    delete c.environments[2].rollout;
    expect(configWarnings(parseConfig(c))).toContainEqual(expect.stringMatching(/^environments\[2\]\.regions: production "prod" runs in one region, so its audit bucket/));
    expect(configWarnings(parseConfig(sample())).filter((w) => w.includes('audit bucket'))).toEqual([]);
  });
});
