import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  captureIo, configFrom, fakeClients, FakeWorld, fixture, greenWorld, recordedError, ROOT, sampleInput, withDeliveryTemplate, withExecutionPolicies,
} from './ops-helpers';
import { plannedWaves } from '../../../src/config/waves';
import { loadCalendar } from '../../../src/shared/versions/calendar';
import { bootstrapPlan } from '../../../src/terminal/execution-policy/bootstrap-plan';
import { describeDelivery, formatResult, MINIMUM_BOOTSTRAP_VERSION, runAwsChecks, runSandboxChecks } from '../../../src/terminal/ops/doctor';
import { cliTemplateVersion, doctorCli, DoctorCliIo, DOCTOR_USAGE } from '../../../src/terminal/ops/doctor-cli';
import { DoctorClients } from '../../../src/terminal/ops/doctor-clients';

const config = configFrom(sampleInput());
const plan = bootstrapPlan(config, { rootDir: ROOT });
const prodPolicies = plan.policies.filter((p) => p.account === '444444444444').map((p) => p.policyArn).join(',');
const stageFix = 'npx cdk bootstrap aws://444444444444/us-east-2 --template bootstrap/bootstrap-template.yaml --trust 111111111111 --trust-for-lookup 111111111111 '
  + `--cloudformation-execution-policies ${prodPolicies} --termination-protection`;

async function check(world: FakeWorld) {
  const { clients, calls } = fakeClients(world);
  const results = await runAwsChecks(config, plan, clients, { currentTemplateVersion: 33 });
  return { results, calls, failed: results.filter((r) => r.status === 'fail'), lines: results.map(formatResult) };
}

describe('doctor offline', () => {
  test('waves in pipeline order, approval before prod, e-mails and gate thresholds', () => {
    expect(plannedWaves(config).map((w) => `${w.approval ?? ''}>${w.id}:${w.stages.map((s) => s.id).join('+')}`)).toEqual([
      '>dev:dev-us-east-1', '>test:test-us-east-1+test-us-east-2', 'Approve-prod>prod-us-east-1:prod-us-east-1', '>prod-us-east-2:prod-us-east-2',
    ]);
    expect(plannedWaves(config).map((w) => w.bakeMinutes)).toEqual([0, 0, 10, 0]);
    const text = describeDelivery(config, 'config/delivery.sample.json');
    expect(text.split('\n').slice(2, 11)).toEqual([
      'Waves, in order:',
      '  1. Assets: publish the file assets and, beside it, build the image once, Trivy scan, ECR scan gate (fail on CRITICAL; fail on fixable HIGH; ECR scan timeout 15 min)',
      '     -> waits until the image has replicated to us-east-2 (timeout 15 min); stages pull in their own region '
        + '(the DeliveryPipeline stack owns the one replication configuration of registry 111111111111/us-east-1)',
      '  2. dev: dev-us-east-1 (222222222222/us-east-1)',
      '  3. test: test-us-east-1 (333333333333/us-east-1), test-us-east-2 (333333333333/us-east-2) [regions in parallel]',
      '     -> manual approval Approve-prod before prod (request e-mailed to platform-team@example.com)',
      '  4. prod-us-east-1: prod-us-east-1 (444444444444/us-east-1) [production: retained data, termination protection]',
      '     -> bake 10 min: any alarm of prod-us-east-1 in ALARM fails it (and rolls the region back) before the next region',
      '  5. prod-us-east-2: prod-us-east-2 (444444444444/us-east-2) [production: retained data, termination protection]',
    ]);
    expect(text).toContain('Notifications (failures, successes, approval requests): platform-team@example.com');
    expect(text).toContain('Endpoints: dev plain HTTP (no domain); test plain HTTP (no domain); '
      + 'prod HTTPS https://api.prod.example.com (hosted zone Z00000000000000EXAMPLE)');
  });
});

describe('doctor --aws checks (recorded responses)', () => {
  test('all green: one OK line per account/region, connection and e-mail; exit-worthy failures none', async () => {
    const { results, failed, lines, calls } = await check(greenWorld());
    expect(failed).toEqual([]);
    expect(results.filter((r) => r.status === 'warn')).toEqual([]);
    expect(lines).toEqual([
      'OK   bootstrap 111111111111/us-east-1: CDKToolkit version 33, boundary',
      'OK   bootstrap 111111111111/us-east-2: CDKToolkit version 33, boundary',
      'OK   bootstrap 222222222222/us-east-1: CDKToolkit version 33, trusts 111111111111\'s DeliveryPipeline-* roles, boundary',
      'OK   bootstrap 333333333333/us-east-1: CDKToolkit version 33, trusts 111111111111\'s DeliveryPipeline-* roles, boundary',
      'OK   bootstrap 333333333333/us-east-2: CDKToolkit version 33, trusts 111111111111\'s DeliveryPipeline-* roles, boundary',
      'OK   bootstrap 444444444444/us-east-1: CDKToolkit version 33, trusts 111111111111\'s DeliveryPipeline-* roles, boundary',
      'OK   bootstrap 444444444444/us-east-2: CDKToolkit version 33, trusts 111111111111\'s DeliveryPipeline-* roles, boundary',
      'OK   connection 111111111111/us-east-1: connection cdk-delivery-pipeline is AVAILABLE',
      'OK   build overrides 111111111111/us-east-1: 4 role(s) and user(s) checked with IAM\'s policy simulator: none may override a build '
        + 'of the 2 pipeline projects (2 of them stopped by the organization\'s SCP)',
      'OK   e-mail platform-team@example.com on arn:aws:sns:us-east-1:111111111111:DeliveryPipeline-NotificationsTopicB2B3E4F5-Xa1Yb2Zc3Dd4: subscribed and confirmed',
      'OK   database 444444444444/us-east-1,us-east-2: prod: transactions-prod-us-east-1 and transactions-prod-us-east-2 run aurora-postgresql 16.8',
    ]);
    expect(calls).toContain('ListSubscriptionsByTopic arn:aws:sns:us-east-1:111111111111:DeliveryPipeline-NotificationsTopicB2B3E4F5-Xa1Yb2Zc3Dd4');
  });

  test('the two prod clusters on different engine versions: WARN naming both and the upgrade of the older one (failover would refuse)', async () => {
    const world = greenWorld();
    world.clusters!['444444444444/us-east-2/transactions-prod-us-east-2'] = fixture('failover/describe-db-clusters-us-east-2-older-minor.json');
    const { results, failed } = await check(world);
    expect(failed).toEqual([]);
    expect(results.filter((r) => r.check === 'database')).toEqual([{
      status: 'warn',
      check: 'database',
      where: '444444444444/us-east-1,us-east-2',
      message: 'prod: the clusters run different engine versions (transactions-prod-us-east-1 16.8, transactions-prod-us-east-2 16.6): '
        + 'npx projen failover would refuse to move the writer (AWS needs the same version on both), so align them before you need it',
      fix: 'aws rds modify-db-cluster --db-cluster-identifier transactions-prod-us-east-2 --engine-version 16.8 --apply-immediately --region us-east-2   '
        + '(RUNBOOKS.md "Database engine upgrade")',
    }]);
  });

  test('the global database not deployed yet, or not readable: no comparison, said so (never a failure)', async () => {
    const none = greenWorld();
    none.clusters = {};
    expect((await check(none)).results.filter((r) => r.check === 'database').map(formatResult)).toEqual([
      'OK   database 444444444444/us-east-1,us-east-2: prod: fewer than two clusters deployed, nothing to compare; '
      + 'not deployed yet: transactions-prod-us-east-1 (us-east-1), transactions-prod-us-east-2 (us-east-2)',
    ]);
    const denied = greenWorld();
    denied.clusters!['444444444444/us-east-2/transactions-prod-us-east-2'] = recordedError('error-assume-role-access-denied.json');
    const [result] = (await check(denied)).results.filter((r) => r.check === 'database');
    expect(result.status).toBe('warn');
    expect(result.message).toMatch(/^prod: cannot read transactions-prod-us-east-2 in us-east-2 \(.*\), so the engine versions were not compared$/);
  });

  test('bootstrap missing: the exact bootstrap command is the fix', async () => {
    const world = greenWorld();
    world.stacks['444444444444/us-east-2/CDKToolkit'] = recordedError('error-stack-missing.json');
    const { failed, lines } = await check(world);
    expect(failed).toHaveLength(1);
    expect(lines).toContain(`FAIL bootstrap 444444444444/us-east-2: CDKToolkit stack not found: not bootstrapped\n       fix: ${stageFix}`);
  });

  test('version too old', async () => {
    const world = greenWorld();
    world.stacks['444444444444/us-east-2/CDKToolkit'] = fixture('describe-stacks-cdktoolkit-stage-v19.json');
    const { failed } = await check(world);
    expect(failed).toEqual([{
      status: 'fail',
      check: 'bootstrap',
      where: '444444444444/us-east-2',
      message: `CDKToolkit version 19 is older than the minimum ${MINIMUM_BOOTSTRAP_VERSION}`,
      fix: stageFix,
    }]);
  });

  test('a current stack older than the repo CLI template only warns', async () => {
    const world = greenWorld();
    world.stacks['444444444444/us-east-2/CDKToolkit'] = withDeliveryTemplate(withExecutionPolicies(fixture('describe-stacks-cdktoolkit-stage-v33.json'), '444444444444'), '444444444444', 'us-east-2');
    const { clients } = fakeClients(world);
    const results = await runAwsChecks(config, plan, clients, { currentTemplateVersion: 35 });
    expect(results.filter((r) => r.status === 'fail')).toEqual([]);
    expect(results.filter((r) => r.status === 'warn').map((r) => r.where)).toHaveLength(7);
  });

  test('trust missing (and AdministratorAccess): fails with the bootstrap command that adds the trust', async () => {
    const world = greenWorld();
    world.stacks['444444444444/us-east-2/CDKToolkit'] = fixture('describe-stacks-cdktoolkit-untrusted.json');
    const { failed } = await check(world);
    expect(failed).toHaveLength(1);
    expect(failed[0].message).toBe('CDKToolkit does not trust the pipeline account 111111111111 (TrustedAccounts: none); the pipeline cannot deploy here');
    expect(failed[0].fix).toBe(stageFix);
  });

  test('execution policies not exactly the generated parts: fails, naming the missing part, with the bootstrap line', async () => {
    const world = greenWorld();
    // As recorded before the stage policy was split: only its first part attached.
    world.stacks['444444444444/us-east-2/CDKToolkit'] = fixture('describe-stacks-cdktoolkit-stage-v33.json');
    const { failed } = await check(world);
    expect(failed).toHaveLength(1);
    expect(failed[0].message).toMatch(/^the CloudFormation execution policies are arn:aws:iam::444444444444:policy\/cdk-delivery-cfn-exec; expected .* \(missing cdk-delivery-cfn-exec-2/);
    expect(failed[0].fix).toBe(`${stageFix}   (create the policies first: npx projen bootstrap)`);
  });

  test('AdministratorAccess on the execution role fails: a sandbox run with it would prove nothing about the policies', async () => {
    const world = greenWorld();
    const admin = withDeliveryTemplate(withExecutionPolicies(fixture('describe-stacks-cdktoolkit-stage-v33.json'), '444444444444'), '444444444444', 'us-east-2');
    admin.Stacks[0].Parameters.find((p: any) => p.ParameterKey === 'CloudFormationExecutionPolicies').ParameterValue = 'arn:aws:iam::aws:policy/AdministratorAccess';
    world.stacks['444444444444/us-east-2/CDKToolkit'] = admin;
    const { failed } = await check(world);
    expect(failed.map((f) => f.message)).toEqual(['the CloudFormation execution role has arn:aws:iam::aws:policy/AdministratorAccess; '
      + 'deploy with the generated least-privilege policies instead']);
  });

  test('a bootstrap from the stock template fails: its roles trust the whole pipeline account; the fix adds --force once', async () => {
    const world = greenWorld();
    world.stacks['444444444444/us-east-2/CDKToolkit'] = withExecutionPolicies(fixture('describe-stacks-cdktoolkit-stage-v33.json'), '444444444444');
    const { failed } = await check(world);
    expect(failed).toEqual([{
      status: 'fail',
      check: 'bootstrap',
      where: '444444444444/us-east-2',
      message: 'CDKToolkit comes from another template (BootstrapVariant "AWS CDK: Default Resources"): its roles trust every principal of 111111111111, '
        + 'not only the pipeline\'s roles, and it has no permissions boundary, so the execution policies refuse every role',
      fix: `${stageFix} --force   (once: the CDK CLI does not replace a bootstrap stack of another variant without --force)`,
    }]);
  });

  test('the project template with another role prefix, or without the boundary output, fails', async () => {
    const world = greenWorld();
    const stack = world.stacks['444444444444/us-east-2/CDKToolkit'] as any;
    stack.Stacks[0].Parameters.find((p: any) => p.ParameterKey === 'PipelineRoleNamePrefix').ParameterValue = 'Other-';
    expect((await check(world)).failed.map((f) => f.message)).toEqual(['CDKToolkit trusts the roles Other-* of 111111111111, not the pipeline\'s DeliveryPipeline-*']);
    stack.Stacks[0].Parameters.find((p: any) => p.ParameterKey === 'PipelineRoleNamePrefix').ParameterValue = 'DeliveryPipeline-';
    stack.Stacks[0].Outputs = stack.Stacks[0].Outputs.filter((o: any) => o.OutputKey !== 'DeliveryPermissionsBoundaryArn');
    expect((await check(world)).failed.map((f) => f.message)).toEqual([expect.stringMatching(/^CDKToolkit has no permissions boundary arn:aws:iam::444444444444:policy\/cdk-hnb659fds-delivery-boundary-444444444444-us-east-2 /)]);
  });

  test('lookup role cannot be assumed (it trusts only the pipeline\'s roles): the fix reads the account with the person\'s own profile', async () => {
    const world = greenWorld();
    world.stacks['444444444444/us-east-2/CDKToolkit'] = recordedError('error-assume-role-access-denied.json');
    const { failed } = await check(world);
    expect(failed).toHaveLength(1);
    expect(failed[0].message).toMatch(/^cannot assume arn:aws:iam::444444444444:role\/cdk-hnb659fds-lookup-role-444444444444-us-east-2 from account 111111111111 \(AccessDenied: User: .* is not authorized to perform: sts:AssumeRole/);
    expect(failed[0].fix).toBe('read 444444444444 with your own credentials there: npx projen doctor -- --aws --profile-444444444444=<profile of 444444444444>'
      + '   (the lookup roles trust only the pipeline\'s DeliveryPipeline-* roles of 111111111111; '
      + `if arn:aws:iam::444444444444:role/cdk-hnb659fds-lookup-role-444444444444-us-east-2 is missing: ${stageFix})`);
  });

  test('running as another account: a warning, and the fix reads the account with its own profile', async () => {
    const world = { ...greenWorld(), caller: '999999999999' };
    world.stacks['444444444444/us-east-2/CDKToolkit'] = recordedError('error-assume-role-access-denied.json');
    const { results, failed } = await check(world);
    expect(results[0]).toMatchObject({ status: 'warn', check: 'credentials', where: '999999999999' });
    expect(failed[0].fix).toBe('read 444444444444 with your own credentials there: npx projen doctor -- --aws --profile-444444444444=<profile of 444444444444>');
  });

  test('build overrides: every role and user but service-linked roles and the pipeline\'s action role is simulated with a buildspec override', async () => {
    const { calls } = await check(greenWorld());
    const simulated = calls.filter((c) => c.startsWith('SimulatePrincipalPolicy')).map((c) => c.split(' ')[1]);
    expect(simulated).toEqual([
      'arn:aws:iam::111111111111:role/DeliveryPipeline-PipelineAssetsFileRole59943A77-Tn5Rw1Xc8Zb3',
      'arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PlatformAdmin_0123456789abcdef',
      'arn:aws:iam::111111111111:role/cdk-hnb659fds-deploy-role-111111111111-us-east-1',
      'arn:aws:iam::111111111111:user/legacy-ci',
    ]);
    expect(calls.filter((c) => c.startsWith('SimulatePrincipalPolicy')).every((c) => c.endsWith('codebuild:StartBuild codebuild:source.buildspec'))).toBe(true);
  });

  test('build overrides: a principal the simulator allows (no SCP) fails, named, with the SCP as the fix', async () => {
    const world = greenWorld();
    world.simulations!['arn:aws:iam::111111111111:user/legacy-ci'] = fixture('simulate-start-build-allowed.json');
    const { failed } = await check(world);
    expect(failed).toEqual([{
      status: 'fail',
      check: 'build overrides',
      where: '111111111111/us-east-1',
      message: '1 principal(s) of 111111111111 may start a pipeline build with a buildspec override, outside the pipeline '
        + '(their commands then run with the project\'s role): arn:aws:iam::111111111111:user/legacy-ci',
      fix: 'attach the pipeline account SCP (npx projen bootstrap renders it to bootstrap/rendered/111111111111-scp-pipeline-guardrails.json; '
        + 'README "Pipeline account guardrails"), or remove codebuild:StartBuild on the pipeline projects from these principals',
    }]);
  });

  test('build overrides: IAM refuses the listing: fails with the permissions doctor needs', async () => {
    const world = greenWorld();
    world.roles = Object.assign(new Error('User is not authorized to perform: iam:ListRoles'), { name: 'AccessDenied' });
    const { failed } = await check(world);
    expect(failed).toMatchObject([{ check: 'build overrides', message: 'cannot check who may override the pipeline\'s builds (AccessDenied: User is not authorized to perform: iam:ListRoles)' }]);
    expect(failed[0].fix).toContain('iam:SimulatePrincipalPolicy');
  });

  test('connection PENDING: fails with the console step that completes it', async () => {
    const world = { ...greenWorld(), connection: fixture('get-connection-pending.json') };
    const { failed } = await check(world);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ check: 'connection', where: '111111111111/us-east-1' });
    expect(failed[0].message).toContain('connection cdk-delivery-pipeline is PENDING');
    expect(failed[0].fix).toContain('https://us-east-1.console.aws.amazon.com/codesuite/settings/connections?region=us-east-1');
  });

  test('e-mail PendingConfirmation counts as not confirmed', async () => {
    const world = { ...greenWorld(), subscriptions: fixture('list-subscriptions-pending.json') };
    const { failed } = await check(world);
    expect(failed).toHaveLength(1);
    expect(failed[0].where).toBe('platform-team@example.com on arn:aws:sns:us-east-1:111111111111:DeliveryPipeline-NotificationsTopicB2B3E4F5-Xa1Yb2Zc3Dd4');
    expect(failed[0].message).toMatch(/PendingConfirmation/);
    expect(failed[0].fix).toContain('aws sns subscribe --topic-arn arn:aws:sns:us-east-1:111111111111:DeliveryPipeline-NotificationsTopicB2B3E4F5-Xa1Yb2Zc3Dd4 --protocol email --notification-endpoint platform-team@example.com --region us-east-1');
  });

  test('e-mail not subscribed at all', async () => {
    const world = { ...greenWorld(), subscriptions: { Subscriptions: [] } };
    const { failed } = await check(world);
    expect(failed.map((f) => f.message)).toEqual(['not subscribed']);
  });

  test('topic found through a stack output without listing topics', async () => {
    const world = greenWorld();
    const stack = fixture('describe-stacks-delivery-pipeline.json');
    stack.Stacks[0].Outputs = [{ OutputKey: 'NotificationTopicArn', OutputValue: 'arn:aws:sns:us-east-1:111111111111:from-output' }];
    world.stacks['111111111111/us-east-1/DeliveryPipeline'] = stack;
    const { calls, failed } = await check(world);
    expect(failed).toEqual([]);
    expect(calls).not.toContain('ListTopics 111111111111/us-east-1');
    expect(calls).toContain('ListSubscriptionsByTopic arn:aws:sns:us-east-1:111111111111:from-output');
  });

  test('pipeline not deployed yet: a warning, not a failure', async () => {
    const world = greenWorld();
    world.stacks['111111111111/us-east-1/DeliveryPipeline'] = recordedError('error-pipeline-stack-missing.json');
    const { results, failed } = await check(world);
    expect(failed).toEqual([]);
    expect(results.find((r) => r.check === 'e-mail')).toMatchObject({
      status: 'warn',
      check: 'e-mail',
      message: 'DeliveryPipeline is not deployed yet: e-mail subscriptions are checked once it is',
      fix: 'npx cdk deploy DeliveryPipeline --profile <pipeline-account-profile>',
    });
  });
});

/** Every pin of versions/calendar.json is more than 90 days from its end of support on this day. */
const BEFORE_ANY_WARNING = new Date('2026-01-15T12:00:00Z');

describe('doctor CLI', () => {
  function io(clients?: DoctorClients, creds = true) {
    const cap = captureIo();
    const value: DoctorCliIo = {
      env: {},
      out: cap.write.out,
      err: cap.write.err,
      hasCredentials: async () => creds,
      clients: () => {
        if (!clients) throw new Error('no AWS in this test');
        return clients;
      },
      github: () => {
        throw new Error('no GitHub in this test');
      },
      options: { currentTemplateVersion: 33 },
      rootDir: ROOT,
      // A day on which every pin of the committed calendar is more than 90 days from its end.
      now: () => BEFORE_ANY_WARNING,
    };
    return { io: value, cap };
  }

  test('offline by default: exit 0, never builds AWS clients', async () => {
    const t = io();
    expect(await doctorCli([], t.io)).toBe(0);
    expect(t.cap.stdout()).toContain('Config config/delivery.sample.json: valid.');
    expect(t.cap.stdout()).toContain('Offline checks passed.');
  });

  test('a usage error exits 2 naming the flag and the fix, then the usage; --help exits 0', async () => {
    const unknown = io();
    expect(await doctorCli(['--aws', '--frobnicate'], unknown.io)).toBe(2);
    expect(unknown.cap.stderr()).toBe('doctor: unknown argument "--frobnicate"; the options are --config path/to/delivery.json, --aws, --github, '
      + `--profile-<12-digit account>=<aws profile>\n${DOCTOR_USAGE}\n`);
    expect(unknown.cap.stdout()).toBe('');
    const noPath = io();
    expect(await doctorCli(['--config'], noPath.io)).toBe(2);
    expect(noPath.cap.stderr()).toContain('doctor: --config needs a value: --config path/to/delivery.json\n');
    const help = io();
    expect(await doctorCli(['--help'], help.io)).toBe(0);
    expect(help.cap.stdout()).toBe(`${DOCTOR_USAGE}\n`);
  });

  test('an unexpected error exits 4 with its stack (a bug, not a finding)', async () => {
    const t = io(undefined, true);
    expect(await doctorCli(['--aws'], t.io)).toBe(4);
    expect(t.cap.stderr()).toMatch(/doctor: unexpected error: Error: no AWS in this test\n\s+at /);
  });

  test('--aws without credentials fails: the AWS checks it asked for did not run', async () => {
    const t = io(undefined, false);
    expect(await doctorCli(['--aws'], t.io)).toBe(1);
    expect(t.cap.stderr()).toContain('no AWS credentials found, so no AWS check ran');
  });

  test('--aws: exit 0 when all green, 1 when any check fails', async () => {
    const green = io(fakeClients(greenWorld()).clients);
    expect(await doctorCli(['--aws'], green.io)).toBe(0);
    expect(green.cap.stdout()).toContain('All checks passed.');
    const world = { ...greenWorld(), connection: fixture('get-connection-pending.json') };
    const red = io(fakeClients(world).clients);
    expect(await doctorCli(['--aws'], red.io)).toBe(1);
    expect(red.cap.stdout()).toMatch(/FAIL connection 111111111111\/us-east-1: .*PENDING.*\n {7}fix: open https:/);
    expect(red.cap.stdout()).toContain('1 check(s) failed.');
  });

  test('--profile-<account> reaches the AWS clients (other accounts are read with the person\'s own access there)', async () => {
    const seen: Array<Readonly<Record<string, string>>> = [];
    const t = io(fakeClients(greenWorld()).clients);
    const clients = t.io.clients;
    expect(await doctorCli(['--aws', '--profile-444444444444=prod-readonly'], {
      ...t.io,
      clients: (region, profiles) => {
        seen.push(profiles);
        return clients(region, profiles);
      },
    })).toBe(0);
    expect(seen).toEqual([{ 444444444444: 'prod-readonly' }]);
  });

  test('a broken config exits 1 with the readable ConfigError list', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-'));
    const file = path.join(dir, 'bad.json');
    const input = sampleInput() as any;
    input.environments[1].regions = ['us-east-1', 'mars-north-1'];
    input.notifications.emails = ['not-an-address'];
    fs.writeFileSync(file, JSON.stringify(input));
    const t = io();
    expect(await doctorCli(['--config', file], t.io)).toBe(1);
    expect(t.cap.stdout()).toBe('');
    expect(t.cap.stderr()).toContain('  - environments[1].regions[1]: "mars-north-1" is not a known AWS region');
    expect(t.cap.stderr()).toContain('  - notifications.emails[0]: "not-an-address" is not an e-mail address');
    expect(t.cap.stderr()).toContain('Fix the fields above and run again');
  });

  test('a config warning is printed and the offline check still passes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-'));
    const file = path.join(dir, 'warn.json');
    const input = sampleInput() as any;
    input.source.connectionArn = input.source.connectionArn.replace(':111111111111:', ':999999999999:');
    fs.writeFileSync(file, JSON.stringify(input));
    const t = io();
    expect(await doctorCli(['--config', file], t.io)).toBe(0);
    expect(t.cap.stderr()).toContain('Config warnings (synth continues):\n  - source.connectionArn: the connection is in account 999999999999, not the pipeline account 111111111111');
    expect(t.cap.stdout()).toContain('Offline checks passed.');
  });

  test('a missing config file is a ConfigError too', async () => {
    const t = io();
    t.io = { ...t.io, env: { DELIVERY_CONFIG: '/nonexistent/delivery.json' } };
    expect(await doctorCli([], t.io)).toBe(1);
    expect(t.cap.stderr()).toContain('config: cannot read /nonexistent/delivery.json');
  });

  describe('version calendar (injected clock)', () => {
    // The pin that expires first: around its date no other pin has expired yet.
    const base = [...loadCalendar(ROOT)].sort((a, b) => a.endOfSupport.localeCompare(b.endOfSupport))[0];
    const day = (iso: string, offsetDays: number) => new Date(Date.parse(`${iso}T09:00:00Z`) + offsetDays * 86_400_000);

    test('every pin gets a line with its remaining days; none near its end: exit 0', async () => {
      const t = io();
      expect(await doctorCli([], t.io)).toBe(0);
      const lines = t.cap.stdout().split('\n').filter((l) => /^(OK  |WARN|FAIL) /.test(l));
      expect(lines).toHaveLength(loadCalendar(ROOT).length);
      expect(t.cap.stdout()).toContain('OK   database-engine aurora-postgresql 16.8: supported until 2029-02-28 (1140 days)');
    });

    test('90 days before an end of support: WARN with the fix, still exit 0', async () => {
      const t = io();
      t.io = { ...t.io, now: () => day(base.endOfSupport, -90) };
      expect(await doctorCli([], t.io)).toBe(0);
      expect(t.cap.stdout()).toContain(`WARN ${base.kind} ${base.pin}: end of support ${base.endOfSupport}, in 90 day(s)\n       fix: plan the move of ${base.usedIn}`);
      const early = io();
      early.io = { ...early.io, now: () => day(base.endOfSupport, -91) };
      expect(await doctorCli([], early.io)).toBe(0);
      expect(early.cap.stdout()).toContain(`OK   ${base.kind} ${base.pin}: supported until ${base.endOfSupport} (91 days)`);
    });

    test('the last day still warns; the day after fails with exit 1, offline and with --aws', async () => {
      const last = io();
      last.io = { ...last.io, now: () => day(base.endOfSupport, 0) };
      expect(await doctorCli([], last.io)).toBe(0);
      expect(last.cap.stdout()).toContain(`WARN ${base.kind} ${base.pin}: end of support ${base.endOfSupport}, in 0 day(s)`);
      const after = io();
      after.io = { ...after.io, now: () => day(base.endOfSupport, 1) };
      expect(await doctorCli([], after.io)).toBe(1);
      expect(after.cap.stdout()).toContain(`FAIL ${base.kind} ${base.pin}: end of support ${base.endOfSupport} passed 1 day(s) ago`);
      expect(after.cap.stdout()).not.toContain('Offline checks passed.');
      expect(after.cap.stderr()).toContain('1 pinned version(s) past their end of support');
      const aws = io(fakeClients(greenWorld()).clients);
      aws.io = { ...aws.io, now: () => day(base.endOfSupport, 1) };
      expect(await doctorCli(['--aws'], aws.io)).toBe(1);
      expect(aws.cap.stdout()).toContain('All checks passed.');
    });

    test('a broken calendar exits 1 naming the entry and field', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calendar-'));
      fs.mkdirSync(path.join(dir, 'versions'));
      fs.writeFileSync(path.join(dir, 'versions', 'calendar.json'), JSON.stringify({ pins: [{ ...base, endOfSupport: 'April 2026' }] }));
      const t = io();
      t.io = { ...t.io, rootDir: dir, env: { DELIVERY_CONFIG: path.join(ROOT, 'config', 'delivery.sample.json') } };
      expect(await doctorCli([], t.io)).toBe(1);
      expect(t.cap.stderr()).toContain('pins[0].endOfSupport: "April 2026" is not a date written YYYY-MM-DD');
    });
  });

  test('the repo CLI template version is read from aws-cdk', () => {
    expect(cliTemplateVersion()).toBeGreaterThanOrEqual(MINIMUM_BOOTSTRAP_VERSION);
  });
});

describe('integ:deploy preflight: the sandbox proves the generated execution policies (recorded responses)', () => {
  const sandbox = { account: '222222222222', region: 'us-east-1' };

  test('sandbox credentials and a bootstrap with exactly the generated policies: OK', async () => {
    const { clients, calls } = fakeClients({ ...greenWorld(), caller: '222222222222' });
    const results = await runSandboxChecks(config, plan, clients, sandbox);
    expect(results.map(formatResult)).toEqual(['OK   bootstrap 222222222222/us-east-1: CDKToolkit version 33, trusts 111111111111\'s DeliveryPipeline-* roles, boundary']);
    expect(calls).toEqual(['DescribeStacks 222222222222/us-east-1 CDKToolkit']);
  });

  test('AdministratorAccess on the sandbox execution role: refused before anything deploys', async () => {
    const world = { ...greenWorld(), caller: '222222222222' };
    const admin = JSON.parse(JSON.stringify(world.stacks['222222222222/us-east-1/CDKToolkit']));
    admin.Stacks[0].Parameters.find((p: any) => p.ParameterKey === 'CloudFormationExecutionPolicies').ParameterValue = 'arn:aws:iam::aws:policy/AdministratorAccess';
    world.stacks['222222222222/us-east-1/CDKToolkit'] = admin;
    const results = await runSandboxChecks(config, plan, fakeClients(world).clients, sandbox);
    expect(results).toMatchObject([{ status: 'fail', check: 'bootstrap', message: expect.stringContaining('AdministratorAccess') }]);
  });

  test('an account of a production environment is never a sandbox, whatever the credentials', async () => {
    const { clients, calls } = fakeClients({ ...greenWorld(), caller: '444444444444' });
    const results = await runSandboxChecks(config, plan, clients, { account: '444444444444', region: 'us-east-1' });
    expect(results).toEqual([{
      status: 'fail',
      check: 'sandbox',
      where: '444444444444/us-east-1',
      message: 'INTEG_ACCOUNT 444444444444 hosts the production environment prod: integ:deploy never deploys there '
        + '(its execution policy has no integ-<region>-* scope, and a test stack has no place beside production)',
      fix: 'set INTEG_ACCOUNT and INTEG_REGION to a non-production account/region of the config, e.g. the dev one',
    }]);
    expect(calls).toEqual([]);
  });

  test('a sandbox outside the config, or credentials of another account: refused with the fix', async () => {
    const outside = await runSandboxChecks(config, plan, fakeClients(greenWorld()).clients, { account: '999999999999', region: 'us-east-1' });
    expect(outside).toMatchObject([{ status: 'fail', check: 'sandbox', fix: expect.stringContaining('INTEG_ACCOUNT') }]);
    const wrongCaller = await runSandboxChecks(config, plan, fakeClients(greenWorld()).clients, sandbox);
    expect(wrongCaller).toMatchObject([{ status: 'fail', check: 'credentials', message: 'the credentials are account 111111111111, not the sandbox 222222222222' }]);
  });
});
