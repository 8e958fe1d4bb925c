import { configFrom, fakeClients, fixture, greenWorld, recordedError, ROOT, sampleInput } from './ops-helpers';
import { bootstrapPlan } from '../../../src/terminal/execution-policy/bootstrap-plan';
import { checkOrganizationTrail, describeAuditTrail, trailCheckTargets } from '../../../src/terminal/ops/audit-trail-check';
import { formatResult, runAwsChecks } from '../../../src/terminal/ops/doctor';

/**
 * `doctor --aws` with `audit.trail: "organization"`: every environment account and region must
 * see an organization trail that is multi-region, validates its log files and logs; tested on
 * recorded DescribeTrails / GetTrailStatus answers (test/fixtures/ops/audit-trail/).
 */

const ORG_TRAIL = 'arn:aws:cloudtrail:us-east-1:999999999999:trail/aws-controltower-BaselineCloudTrail';
const trail = (name: string) => fixture(`audit-trail/${name}`);
const organizationConfig = () => {
  const input = sampleInput() as any;
  input.audit = { trail: 'organization' };
  return configFrom(input);
};
const TARGETS = ['222222222222/us-east-1', '333333333333/us-east-1', '333333333333/us-east-2', '444444444444/us-east-1', '444444444444/us-east-2'];

/** A green world in which every stage account and region sees the Control Tower trail, logging. */
function organizationWorld() {
  const world = greenWorld();
  world.trails = Object.fromEntries(TARGETS.map((k) => [k, trail('describe-trails-member-org-trail.json')]));
  world.trailStatus = { [ORG_TRAIL]: trail('get-trail-status-logging.json') };
  return world;
}

async function run(world = organizationWorld(), config = organizationConfig()) {
  const { clients, calls } = fakeClients(world);
  const results = await runAwsChecks(config, bootstrapPlan(config, { rootDir: ROOT }), clients, { currentTemplateVersion: 33 });
  const trails = results.filter((r) => r.check === 'audit-trail');
  return { trails, calls, lines: trails.map(formatResult) };
}

test('every environment account and region is checked once, in config order', () => {
  expect(trailCheckTargets(organizationConfig()).map((w) => `${w.account}/${w.region}`)).toEqual(TARGETS);
});

test('all covered: one OK line per account and region, asking for shadow trails and the status by full ARN', async () => {
  const { trails, calls, lines } = await run();
  expect(trails.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
  expect(lines[0]).toBe(`OK   audit-trail 222222222222/us-east-1: organization trail ${ORG_TRAIL} (home us-east-1, bucket aws-controltower-logs-999999999999-us-east-1): `
    + 'multi-region, log-file validation on, logging');
  expect(calls.filter((c) => c.startsWith('DescribeTrails'))).toEqual(TARGETS.map((k) => `DescribeTrails ${k} includeShadowTrails=true`));
  expect(calls.filter((c) => c.startsWith('GetTrailStatus'))).toEqual(TARGETS.map((k) => `GetTrailStatus ${k} ${ORG_TRAIL}`));
});

test('no organization trail (only the account\'s own trail, or none): FAIL with both ways out, and doctor exits 1', async () => {
  const world = organizationWorld();
  world.trails!['444444444444/us-east-2'] = trail('describe-trails-account-trail-only.json');
  world.trails!['444444444444/us-east-1'] = trail('describe-trails-none.json');
  const { trails } = await run(world);
  const prod2 = trails.find((r) => r.where === '444444444444/us-east-2')!;
  expect(prod2).toMatchObject({ status: 'fail', message: 'no organization trail covers this account and region (visible: management-events, none an organization trail)' });
  expect(prod2.fix).toContain('--is-organization-trail --is-multi-region-trail --enable-log-file-validation');
  expect(prod2.fix).toContain('"audit": { "trail": "project" }');
  expect(trails.find((r) => r.where === '444444444444/us-east-1')).toMatchObject({ status: 'fail', message: 'no organization trail covers this account and region' });
});

test('an organization trail that is single-region or without log-file validation does not qualify', async () => {
  const world = organizationWorld();
  world.trails!['222222222222/us-east-1'] = trail('describe-trails-member-org-trail-no-validation.json');
  const { trails } = await run(world);
  expect(trails[0]).toMatchObject({
    status: 'fail',
    message: 'the organization trail does not qualify: arn:aws:cloudtrail:us-east-1:999999999999:trail/org-trail: not multi-region, log-file validation off',
  });
});

test('a trail that stopped logging fails with the start-logging command; an unreadable status is a warning, not a pass', async () => {
  const stopped = organizationWorld();
  stopped.trailStatus = { [ORG_TRAIL]: trail('get-trail-status-stopped.json') };
  const a = await run(stopped);
  expect(a.trails[0]).toMatchObject({ status: 'fail', message: expect.stringMatching(/is not logging$/), fix: `in the management account: aws cloudtrail start-logging --name ${ORG_TRAIL} --region us-east-1` });

  const denied = organizationWorld();
  denied.trailStatus = { [ORG_TRAIL]: recordedError('audit-trail/error-get-trail-status-access-denied.json') };
  const b = await run(denied);
  expect(b.trails[0]).toMatchObject({ status: 'warn', message: expect.stringContaining('its logging status cannot be read from this account (AccessDeniedException: ') });
  expect(b.trails[0].fix).toBe(`confirm in the management account: aws cloudtrail get-trail-status --name ${ORG_TRAIL} --region us-east-1`);
});

test('a lookup role that cannot be assumed names the role and the fix', async () => {
  const world = organizationWorld();
  world.trails!['333333333333/us-east-2'] = recordedError('error-assume-role-access-denied.json');
  const { trails } = await run(world);
  expect(trails.find((r) => r.where === '333333333333/us-east-2')).toMatchObject({
    status: 'fail', message: expect.stringContaining('cannot assume arn:aws:iam::333333333333:role/cdk-hnb659fds-lookup-role-333333333333-us-east-2'),
  });
});

test('with audit.trail "project" (the sample) no organization trail is looked for', async () => {
  const config = configFrom(sampleInput());
  const { trails, calls } = await run(organizationWorld(), config);
  expect(trails).toEqual([]);
  expect(calls.some((c) => c.startsWith('DescribeTrails'))).toBe(false);
});

test('the offline plan says where the trail comes from', () => {
  expect(describeAuditTrail(configFrom(sampleInput()))).toBe(
    'Audit trail: deployed by the project (audit.trail "project"): a multi-region trail with log-file validation in prod (444444444444, in us-east-1)');
  expect(describeAuditTrail(organizationConfig())).toBe(`Audit trail: an AWS Organizations trail (audit.trail "organization"); doctor --aws checks that one covers ${TARGETS.join(', ')}`);
});

test('the check itself, on one region', async () => {
  const result = await checkOrganizationTrail({ account: '444444444444', region: 'us-east-1' }, {
    describeTrails: async () => trail('describe-trails-member-org-trail.json'),
    getTrailStatus: async () => trail('get-trail-status-logging.json'),
  }, { caller: '111111111111', pipelineAccount: '111111111111' });
  expect(result.status).toBe('ok');
});
