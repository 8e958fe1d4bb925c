import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  bootstrapPlan, bootstrapTargets, commandLine, MANAGED_POLICY_MAX_CHARS, policySize, POLICY_SOURCES, renderPlanText, renderPolicy, splitPolicy,
} from '../../../src/terminal/execution-policy/bootstrap-plan';
import { BOOTSTRAP_USAGE, bootstrapCli, BootstrapCliIo } from '../../../src/terminal/ops/bootstrap-cli';
import { sampleAssembly } from '../../support/sample-assembly';
import { captureIo, configFrom, ROOT, sampleInput } from '../ops/ops-helpers';

const P = '111111111111';
/** The sample plan: the generated stage policy is attached as several managed policies (size). */
const SAMPLE_PLAN = bootstrapPlan(configFrom(sampleInput()), { rootDir: ROOT });
const policyArnsOf = (account: string, plan = SAMPLE_PLAN) => plan.policies.filter((p) => p.account === account).map((p) => p.policyArn).join(',');
const stageCmd = (account: string, region: string, plan = SAMPLE_PLAN) =>
  `npx cdk bootstrap aws://${account}/${region} --template bootstrap/bootstrap-template.yaml --trust ${P} --trust-for-lookup ${P} `
  + `--cloudformation-execution-policies ${policyArnsOf(account, plan)} --termination-protection`;
/** Policy names per account, the parts of one generated document numbered -2, -3, ... */
const namesByAccount = (plan: ReturnType<typeof bootstrapPlan>) => {
  const out: Record<string, string[]> = {};
  for (const p of plan.policies) (out[p.account] ??= []).push(p.policyName);
  return out;
};
const pipelineCmd = (region: string, plan = SAMPLE_PLAN) =>
  `npx cdk bootstrap aws://${P}/${region} --template bootstrap/bootstrap-template.yaml --cloudformation-execution-policies ${policyArnsOf(P, plan)} --termination-protection`;

/** The sample plus a `perf` environment in a new account and region, sharing dev's account in us-east-1 too. */
function extendedInput() {
  const input = sampleInput() as any;
  input.environments.splice(2, 0,
    { name: 'perf', account: '555555555555', regions: ['eu-west-1', 'us-east-1'] },
    { name: 'qa', account: '222222222222', regions: ['us-east-1', 'eu-west-1'] });
  return input;
}

describe('bootstrap plan', () => {
  test('sample config: pipeline account in both regions, every stage account/region trusting it, least-privilege policies', () => {
    const plan = bootstrapPlan(configFrom(sampleInput()), { rootDir: ROOT });
    expect(plan.bootstrap.map((b) => commandLine(b.command))).toEqual([
      pipelineCmd('us-east-1'),
      pipelineCmd('us-east-2'),
      stageCmd('222222222222', 'us-east-1'),
      stageCmd('333333333333', 'us-east-1'),
      stageCmd('333333333333', 'us-east-2'),
      stageCmd('444444444444', 'us-east-1'),
      stageCmd('444444444444', 'us-east-2'),
    ]);
    expect(plan.bootstrap.map((b) => b.purposes)).toEqual([['pipeline'], ['pipeline-support'], ['stage'], ['stage'], ['stage'], ['stage'], ['stage']]);
    const names = namesByAccount(plan);
    // Two parts: the delivery metrics and drift check (issue 29) and the permissions-boundary Deny take it past IAM's 6,144 characters.
    expect(names[P]).toEqual(['cdk-delivery-pipeline-cfn-exec', 'cdk-delivery-pipeline-cfn-exec-2']);
    for (const account of ['222222222222', '333333333333', '444444444444']) {
      expect(names[account][0]).toBe('cdk-delivery-cfn-exec');
      expect(names[account]).toEqual(names[account].map((_, i) => (i === 0 ? 'cdk-delivery-cfn-exec' : `cdk-delivery-cfn-exec-${i + 1}`)));
    }
    expect(commandLine(plan.policies[0].create)).toBe(
      `aws iam create-policy --policy-name cdk-delivery-pipeline-cfn-exec --policy-document file://bootstrap/rendered/${P}-cdk-delivery-pipeline-cfn-exec.json `
      + "--description 'CloudFormation execution policy for DeliveryPipeline (cdk bootstrap); from bootstrap/pipeline-cfn-execution-policy.json'");
    const prod = plan.policies.find((p) => p.account === '444444444444')!;
    expect(commandLine(prod.update)).toBe('aws iam create-policy-version --policy-arn arn:aws:iam::444444444444:policy/cdk-delivery-cfn-exec '
      + '--policy-document file://bootstrap/rendered/444444444444-cdk-delivery-cfn-exec.json --set-as-default');
    expect(plan.policies.every((p) => policySize(p.document) <= MANAGED_POLICY_MAX_CHARS)).toBe(true);
    expect(plan.bootstrap.map((b) => commandLine(b.command)).join('\n')).not.toContain('AdministratorAccess');
    expect(plan.bootstrap.every((b) => b.command.argv.includes('--cloudformation-execution-policies'))).toBe(true);
    expect(plan.ecrScanGate).toBe('ECR scan gate: needs nothing from bootstrap; it scans the project-owned repository cdk-delivery-pipeline/service '
      + '(scan-on-push, immutable tags) that the DeliveryPipeline stack creates in 111111111111/us-east-1, not the bootstrap asset repositories (cdk-*-container-assets-*).');
    // One replication configuration per registry: the plan warns, with the command that shows what it would replace.
    expect(plan.imageReplication).toBe('ECR replication: the DeliveryPipeline stack sets THE replication configuration of registry 111111111111/us-east-1 '
      + '(cdk-delivery-pipeline/service to us-east-2); ECR keeps one per registry, so any other replication rule there is replaced '
      + '(and removed if the stack is deleted). Check first: aws ecr describe-registry --region us-east-1 --query replicationConfiguration');
    expect(renderPlanText(plan, configFrom(sampleInput()))).toContain(`# ${plan.imageReplication}\n`);
  });

  test('an extra account and region: pipeline support region added, each account/region once, shared account/region merges stages', () => {
    const plan = bootstrapPlan(configFrom(extendedInput()), { rootDir: ROOT });
    expect(plan.bootstrap.map((b) => `${b.account}/${b.region} ${b.stages.join(',')}`)).toEqual([
      `${P}/us-east-1 `,
      `${P}/us-east-2 `,
      `${P}/eu-west-1 `,
      '222222222222/us-east-1 dev-us-east-1,qa-us-east-1',
      '333333333333/us-east-1 test-us-east-1',
      '333333333333/us-east-2 test-us-east-2',
      '555555555555/eu-west-1 perf-eu-west-1',
      '555555555555/us-east-1 perf-us-east-1',
      '222222222222/eu-west-1 qa-eu-west-1',
      '444444444444/us-east-1 prod-us-east-1',
      '444444444444/us-east-2 prod-us-east-2',
    ]);
    const keys = plan.bootstrap.map((b) => `${b.account}/${b.region}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(commandLine(plan.bootstrap[2].command)).toBe(pipelineCmd('eu-west-1', plan));
    expect(commandLine(plan.bootstrap[6].command)).toBe(stageCmd('555555555555', 'eu-west-1', plan));
    // One generated document per account (in one or more parts), rendered with every stage of that account.
    expect(Object.keys(namesByAccount(plan))).toEqual([P, '222222222222', '333333333333', '555555555555', '444444444444']);
    const dev = plan.policies.filter((p) => p.account === '222222222222').flatMap((p) => (p.document as any).Statement);
    expect(dev.find((s: any) => s.Sid === 'Iam').Resource)
      .toEqual(['arn:*:iam::*:role/dev-us-east-1-*', 'arn:*:iam::*:role/qa-us-east-1-*', 'arn:*:iam::*:role/qa-eu-west-1-*',
        // integ:deploy's sandbox stacks (integ-<region>-*) may be deployed into any non-production stage account/region.
        'arn:*:iam::*:role/integ-us-east-1-*', 'arn:*:iam::*:role/integ-eu-west-1-*']);
    const statementsOf = (account: string) => plan.policies.filter((p) => p.account === account).flatMap((p) => (p.document as any).Statement);
    expect(JSON.stringify(statementsOf(P))).not.toContain('integ-');
    // Never in an account of a production environment: there no sandbox stack can be deployed.
    expect(JSON.stringify(statementsOf('444444444444'))).not.toContain('integ-');
    expect(JSON.stringify(statementsOf('333333333333'))).toContain('role/integ-us-east-2-*');
    // Every account's policy requires the boundary of each region it is bootstrapped in.
    const boundaryOf = (account: string) => statementsOf(account).find((st: any) => st.Sid === 'DenyRolesWithoutBoundary').Condition.ArnNotEquals['iam:PermissionsBoundary'];
    expect(boundaryOf('555555555555')).toEqual(['eu-west-1', 'us-east-1'].map((r) => `arn:aws:iam::555555555555:policy/cdk-hnb659fds-delivery-boundary-555555555555-${r}`));
    expect(boundaryOf(P)).toEqual(['us-east-1', 'us-east-2', 'eu-west-1'].map((r) => `arn:aws:iam::${P}:policy/cdk-hnb659fds-delivery-boundary-${P}-${r}`));
  });

  test('an environment in the pipeline account: no self-trust, both policies on its execution role', () => {
    const input = sampleInput() as any;
    input.environments[0].account = P;
    const plan = bootstrapPlan(configFrom(input), { rootDir: ROOT });
    expect(bootstrapTargets(configFrom(input))[0]).toEqual({ account: P, region: 'us-east-1', purposes: ['pipeline', 'stage'], stages: ['dev-us-east-1'] });
    expect(commandLine(plan.bootstrap[0].command)).toBe(`npx cdk bootstrap aws://${P}/us-east-1 --template bootstrap/bootstrap-template.yaml --cloudformation-execution-policies `
      + `${policyArnsOf(P, plan)} --termination-protection`);
    expect(policyArnsOf(P, plan)).toMatch(new RegExp(`^arn:aws:iam::${P}:policy/cdk-delivery-pipeline-cfn-exec(,arn:aws:iam::${P}:policy/cdk-delivery-pipeline-cfn-exec-\\d)*,arn:aws:iam::${P}:policy/cdk-delivery-cfn-exec(,|$)`));
    // The support region of the pipeline account gets the same policies (one execution role per account/region).
    expect(commandLine(plan.bootstrap[1].command)).toContain(`--cloudformation-execution-policies ${policyArnsOf(P, plan)} `);
  });

  test('profiles per account are appended to that account\'s commands only', () => {
    const plan = bootstrapPlan(configFrom(sampleInput()), { rootDir: ROOT, profiles: { 444444444444: 'prod-admin' } });
    expect(commandLine(plan.bootstrap[6].command)).toBe(`${stageCmd('444444444444', 'us-east-2')} --profile prod-admin`);
    expect(commandLine(plan.policies.find((p) => p.account === '444444444444')!.create)).toMatch(/ --profile prod-admin$/);
    expect(commandLine(plan.bootstrap[2].command)).not.toContain('--profile');
  });
});

describe('shipped execution policies', () => {
  const docs = Object.values(POLICY_SOURCES).map((f) => [f, JSON.parse(fs.readFileSync(path.join(ROOT, f), 'utf8'))] as const);

  test.each(docs)('%s: no full admin, IAM only on named roles, identity takeover denied', (_file, doc) => {
    const allows = doc.Statement.filter((s: any) => s.Effect === 'Allow');
    const actions = (s: any) => [s.Action ?? []].flat();
    for (const s of allows) {
      expect(actions(s)).not.toContain('*');
      for (const a of actions(s).filter((x: string) => x.startsWith('iam:'))) {
        if (a === 'iam:CreateServiceLinkedRole') {
          expect(s.Condition.StringEquals['iam:AWSServiceName']).toBeDefined();
        } else {
          expect([s.Resource].flat().every((r: string) => /^arn:\*:iam::\*:role\/[A-Za-z{]/.test(r))).toBe(true);
        }
      }
    }
    const denied = doc.Statement.filter((s: any) => s.Effect === 'Deny').flatMap(actions);
    expect(denied).toEqual(expect.arrayContaining(['iam:CreateUser', 'iam:CreateAccessKey', 'organizations:*', 'iam:AttachRolePolicy']));
  });

  test('rendering fills every placeholder; splitting keeps every part under the managed-policy size limit and loses nothing', () => {
    const [, workload] = docs[0];
    const stages = ['prod-us-east-1', 'prod-us-east-2', 'prod-eu-west-1', 'prod-eu-central-1', 'prod-ap-southeast-2', 'prod-us-west-2'];
    const rendered = renderPolicy(workload, { stages, pipeline: 'cdk-delivery-pipeline' }) as any;
    expect(JSON.stringify(rendered)).not.toMatch(/\{stage\}|\{pipeline\}/);
    const parts = splitPolicy(rendered, MANAGED_POLICY_MAX_CHARS) as any[];
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => policySize(p) <= MANAGED_POLICY_MAX_CHARS)).toBe(true);
    const grants = (statements: any[]) => statements.flatMap((s) => [s.Action ?? s.NotAction].flat()
      .map((a: string) => `${s.Effect} ${a} ${JSON.stringify(s.Resource)} ${JSON.stringify(s.Condition ?? null)}`)).sort();
    expect(grants(parts.flatMap((p) => p.Statement))).toEqual(grants(rendered.Statement));
    const pipeline = renderPolicy(docs[1][1], { stages: [], pipeline: 'cdk-delivery-pipeline' }) as any;
    expect(pipeline.Statement.find((s: any) => s.Sid === 'Ecr').Resource).toBe('arn:*:ecr:*:*:repository/cdk-delivery-pipeline/*');
  });
});

describe('bootstrap CLI', () => {
  function io(overrides: Partial<BootstrapCliIo> = {}) {
    const cap = captureIo();
    const written: Record<string, string> = {};
    const ran: string[] = [];
    const value: BootstrapCliIo = {
      env: {},
      out: cap.write.out,
      err: cap.write.err,
      run: async (c) => {
        ran.push(commandLine(c));
        return 0;
      },
      writeFile: (f, c) => {
        written[path.relative(ROOT, f)] = c;
      },
      rootDir: ROOT,
      assemblyDir: sampleAssembly().directory,
      ...overrides,
    };
    return { io: value, cap, written, ran };
  }

  test('prints policies before bootstrap commands and renders the documents', async () => {
    const t = io();
    expect(await bootstrapCli([], t.io)).toBe(0);
    const text = t.cap.stdout();
    expect(text.indexOf('aws iam create-policy')).toBeLessThan(text.indexOf('npx cdk bootstrap'));
    expect(text).toContain(stageCmd('444444444444', 'us-east-2'));
    expect(text).toContain('# ECR scan gate: needs nothing from bootstrap');
    expect(text).toMatch(/# Execution policies: checked \d{3,} \(action, resource type\) pairs, \d+ requests over 20 synthesized stacks against the rendered policies: all allowed/);
    expect(Object.keys(t.written)).toEqual([...SAMPLE_PLAN.policies.map((p) => p.documentFile), 'bootstrap/rendered/111111111111-scp-pipeline-guardrails.json']);
    expect(text).toContain('aws organizations create-policy --type SERVICE_CONTROL_POLICY --name cdk-delivery-pipeline-guardrails-111111111111 '
      + '--description \'Only the delivery pipeline overrides its builds or changes its projects (account 111111111111)\' '
      + '--content file://bootstrap/rendered/111111111111-scp-pipeline-guardrails.json');
    expect(text).toContain('--template bootstrap/bootstrap-template.yaml');
    expect(Object.keys(t.written)).toContain('bootstrap/rendered/444444444444-cdk-delivery-cfn-exec.json');
    expect(t.ran).toEqual([]);
  });

  test('a policy that would fail a deploy refuses to bootstrap: the missing action is named, nothing runs', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-gap-'));
    fs.cpSync(path.join(ROOT, 'bootstrap'), path.join(root, 'bootstrap'), { recursive: true });
    const file = path.join(root, POLICY_SOURCES['cdk-delivery-cfn-exec']);
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
    for (const s of doc.Statement) if (Array.isArray(s.Action)) s.Action = s.Action.filter((a: string) => a !== 'route53:AssociateVPCWithHostedZone');
    fs.writeFileSync(file, JSON.stringify(doc));
    const t = io({ rootDir: root });
    expect(await bootstrapCli(['--run'], t.io)).toBe(1);
    expect(t.ran).toEqual([]);
    expect(t.cap.stdout()).toMatch(/NetworkVpc\w*Endpoint\w* \(AWS::EC2::VPCEndpoint\): route53:AssociateVPCWithHostedZone on \* -> implicit-deny/);
    expect(t.cap.stderr()).toContain('would not let CloudFormation deploy the synthesized templates');
  });

  test('--json prints the plan as JSON', async () => {
    const t = io();
    expect(await bootstrapCli(['--json'], t.io)).toBe(0);
    const plan = JSON.parse(t.cap.stdout());
    expect(plan.bootstrap).toHaveLength(7);
    expect(plan.bootstrap[2].command).toBe(stageCmd('222222222222', 'us-east-1'));
    expect(plan.policies[0].policyArn).toBe(`arn:aws:iam::${P}:policy/cdk-delivery-pipeline-cfn-exec`);
  });

  test('--config, else $DELIVERY_CONFIG, else the sample', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-'));
    const file = path.join(dir, 'delivery.json');
    fs.writeFileSync(file, JSON.stringify(extendedInput()));
    const viaFlag = io();
    expect(await bootstrapCli(['--json', '--config', file], viaFlag.io)).toBe(0);
    expect(JSON.parse(viaFlag.cap.stdout()).bootstrap).toHaveLength(11);
    const viaEnv = io({ env: { DELIVERY_CONFIG: file } });
    expect(await bootstrapCli(['--json'], viaEnv.io)).toBe(0);
    expect(JSON.parse(viaEnv.cap.stdout()).bootstrap).toHaveLength(11);
  });

  test('a broken config exits 1 with the readable ConfigError list and prints no commands', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ops-'));
    const file = path.join(dir, 'bad.json');
    const input = sampleInput() as any;
    input.pipeline.account = '1234';
    input.environments[2].requireApproval = false;
    fs.writeFileSync(file, JSON.stringify(input));
    const t = io();
    expect(await bootstrapCli(['--config', file], t.io)).toBe(1);
    expect(t.cap.stdout()).toBe('');
    expect(t.cap.stderr()).toContain(`Invalid delivery config ${file}:`);
    expect(t.cap.stderr()).toContain('  - pipeline.account: "1234" is not a 12-digit AWS account id');
    expect(t.cap.stderr()).toContain('  - environments[2].requireApproval: is not true for production environment "prod"');
    expect(t.cap.stderr()).not.toMatch(/\n\s+at /);
  });

  test('unknown arguments exit 2 with the usage', async () => {
    const t = io();
    expect(await bootstrapCli(['--yes'], t.io)).toBe(2);
    expect(t.cap.stderr()).toContain('usage: npx projen bootstrap');
  });

  test.each([
    [['--profile-1234=dev'], 'bootstrap: unknown argument "--profile-1234=dev"; the options are --config path/to/delivery.json, --json, --run, '
      + '--profile-<12-digit account>=<aws profile>'],
    [['--run=yes'], 'bootstrap: --run takes no value (got "--run=yes"): give it alone'],
    [['--config'], 'bootstrap: --config needs a value: --config path/to/delivery.json'],
  ])('%j exits 2 naming the flag and the fix, then the usage; nothing is written', async (argv, message) => {
    const t = io();
    expect(await bootstrapCli(argv, t.io)).toBe(2);
    expect(t.cap.stderr()).toBe(`${message}\n${BOOTSTRAP_USAGE}\n`);
    expect(t.written).toEqual({});
  });

  test('--help prints the usage and does nothing else', async () => {
    const t = io();
    expect(await bootstrapCli(['--help'], t.io)).toBe(0);
    expect(t.cap.stdout()).toBe(`${BOOTSTRAP_USAGE}\n`);
    expect(t.written).toEqual({});
  });

  test('--run: creates missing policies, updates existing ones, bootstraps in order, stops at the first failure', async () => {
    const t = io();
    t.io = {
      ...t.io,
      run: async (c, quiet) => {
        const line = commandLine(c);
        t.ran.push(`${quiet ? '(probe) ' : ''}${line}`);
        if (line.startsWith('aws iam get-policy')) return line.includes('222222222222') ? 0 : 254;
        if (line.startsWith('npx cdk bootstrap aws://333333333333/us-east-1')) return 1;
        return 0;
      },
    };
    expect(await bootstrapCli(['--run', '--profile-222222222222=dev'], t.io)).toBe(1);
    const steps = t.ran.filter((l) => !l.startsWith('(probe)')).map((l) => l.split(' ').slice(0, 4).join(' '));
    // Every policy of 222222222222 exists (a new default version), the others are created.
    const policySteps = SAMPLE_PLAN.policies.map((p) => (p.account === '222222222222'
      ? 'aws iam create-policy-version --policy-arn' : 'aws iam create-policy --policy-name'));
    expect(policySteps).toContain('aws iam create-policy-version --policy-arn');
    expect(steps).toEqual([
      ...policySteps,
      `npx cdk bootstrap aws://${P}/us-east-1`,
      `npx cdk bootstrap aws://${P}/us-east-2`,
      'npx cdk bootstrap aws://222222222222/us-east-1',
      'npx cdk bootstrap aws://333333333333/us-east-1',
    ]);
    expect(t.ran).toContain(`${stageCmd('222222222222', 'us-east-1')} --profile dev`);
    expect(t.cap.stderr()).toContain('FAILED (exit 1): bootstrap 333333333333/us-east-1');
  });
});
