import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runLikeCodeBuild } from '../../support/codebuild-shell';
import { commandsActions } from '../../support/commands-actions';
import { sampleAssembly, SampleAssembly } from '../../support/sample-assembly';

/**
 * CDK Pipelines ignores `terminationProtection` (aws-cdk issue 17871), so the prod stages run a
 * step that turns it on. Checked on the synthesized pipeline (where, what, through which role)
 * and by running its commands against a stub AWS CLI (a failed call fails the action).
 */
describe('termination protection of prod stacks, on the synthesized pipeline', () => {
  let sample: SampleAssembly;
  let resources: Record<string, any>;
  beforeAll(() => {
    sample = sampleAssembly();
    resources = sample.pipelineTemplate.toJSON().Resources;
  });
  const protectionActions = (stage: any) => stage.Actions.filter((a: any) => /TerminationProtection/.test(a.Name));
  const commandsOf = (action: any) => commandsActions(resources).commandsOf(action);
  const statementsOf = (action: any) => commandsActions(resources).statementsOf(action);
  const roleOf = (action: any) => commandsActions(resources).roleOf(action);
  const prodStages = () => sample.pipelineStages.filter((s) => s.Name.startsWith('prod'));

  test('every prod stage protects exactly its Platform and Service stacks after they deploy, beside the Assertions deploy', () => {
    expect(prodStages().map((s) => s.Name)).toEqual(['prod-us-east-1', 'prod-us-east-2']);
    for (const stage of prodStages()) {
      const [protect, ...others] = protectionActions(stage);
      expect(others).toHaveLength(0);
      // CodePipeline's own Commands action: no CodeBuild project anyone could start with an override.
      expect(protect.ActionTypeId.Provider).toBe('Commands');
      const deploy = (stack: string) => stage.Actions.find((a: any) => a.Configuration?.StackName === `${stage.Name}-${stack}`);
      // After both deploys it protects, and in the same slot as the assertions: no extra slot.
      expect(protect.RunOrder).toBeGreaterThan(deploy('Platform').RunOrder);
      expect(protect.RunOrder).toBeGreaterThan(deploy('Service').RunOrder);
      expect(protect.RunOrder).toBe(deploy('Assertions').RunOrder);

      const commands = commandsOf(protect);
      const protectedStacks = commands.map((c) => /update-termination-protection --enable-termination-protection --stack-name (\S+)$/.exec(c)?.[1]).filter(Boolean);
      expect(protectedStacks).toEqual([`${stage.Name}-Platform`, `${stage.Name}-Service`]);
      // ...and those are the stacks the stage deploys (the manifest's names), not the assertions.
      const manifestStage = sample.stages.find((s) => s.name === stage.Name)!;
      expect(protectedStacks).toEqual([manifestStage.stacks.Platform.stackName, manifestStage.stacks.Service.stackName]);
      for (const c of commands.filter((x) => x.includes(' cloudformation '))) expect(c).toContain(`--region ${stage.Name.replace(/^prod-/, '')}`);
    }
  });

  test('the calls go through the stage\'s protect role, which only the step\'s own role may assume and which may only protect that stage', () => {
    for (const stage of prodStages()) {
      const [protect] = protectionActions(stage);
      const region = stage.Name.replace(/^prod-/, '');
      const role = `arn:aws:iam::444444444444:role/${stage.Name}-pipeline-protect`;
      expect(commandsOf(protect)).toContain(`aws configure set profile.protect-target.role_arn ${role}`);
      expect(roleOf(protect).Properties.RoleName).toBe(`DeliveryPipeline-protect-${stage.Name}`);
      const assume = statementsOf(protect).filter((s: any) => [s.Action].flat().includes('sts:AssumeRole'));
      expect(assume).toEqual([expect.objectContaining({ Effect: 'Allow', Resource: role })]);
      // Nothing else in the prod account: no other cross-account or CloudFormation permission.
      const actions = statementsOf(protect).flatMap((s: any) => [s.Action].flat());
      expect(actions.filter((a: string) => /^(cloudformation|iam|codebuild):/.test(a))).toEqual([]);
      // No bootstrap role anywhere in its commands.
      expect(commandsOf(protect).join('\n')).not.toMatch(/cdk-hnb659fds/);

      // The prod side: trusts exactly the step's role; protects exactly this stage's stacks.
      const platform = sample.stages.find((s) => s.name === stage.Name)!.stacks.Platform.template;
      const [prodRole] = Object.values(platform.Resources as Record<string, any>).filter((r) => r.Properties?.RoleName === `${stage.Name}-pipeline-protect`);
      expect(prodRole.Properties.AssumeRolePolicyDocument.Statement).toEqual([expect.objectContaining({
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:root']] } },
        Condition: { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::111111111111:role/DeliveryPipeline-protect-${stage.Name}` } },
      })]);
      const statements = prodRole.Properties.Policies.flatMap((x: any) => x.PolicyDocument.Statement);
      expect(statements.find((x: any) => x.Sid === 'ProtectStacks')).toEqual({
        Sid: 'ProtectStacks',
        Effect: 'Allow',
        Action: ['cloudformation:UpdateTerminationProtection', 'cloudformation:DescribeStacks'],
        Resource: ['Platform', 'Service'].map((n) => `arn:aws:cloudformation:${region}:444444444444:stack/${stage.Name}-${n}/*`),
      });
    }
  });

  test('dev and test stages have no termination protection step', () => {
    const others = sample.pipelineStages.filter((s) => !s.Name.startsWith('prod'));
    expect(others.map((s) => s.Name)).toEqual(expect.arrayContaining(['dev-us-east-1', 'test']));
    for (const stage of others) expect(protectionActions(stage)).toEqual([]);
  });

  test('every prod stage also turns deletion protection on for its Platform stack\'s database and load balancer (global cluster in the primary only)', () => {
    for (const stage of prodStages()) {
      const commands = commandsOf(protectionActions(stage)[0]);
      const platform = sample.stages.find((s) => s.name === stage.Name)!.stacks.Platform;
      const outputs = Object.keys(platform.template.Outputs ?? {});
      // Every output the step reads is one the Platform stack has.
      const read = commands.flatMap((c) => [...c.matchAll(/OutputKey=='(\w+)'/g)].map((m) => m[1]));
      expect(read.length).toBeGreaterThanOrEqual(2); // cluster and load balancer (and the global cluster in the primary)
      for (const key of read) expect(outputs).toContain(key);
      expect(commands.every((c) => !c.includes('describe-stacks --stack-name') || c.includes(`--stack-name ${stage.Name}-`))).toBe(true);
      expect(commands.some((c) => c.includes('rds modify-db-cluster') && c.includes('--deletion-protection'))).toBe(true);
      expect(commands.some((c) => c.includes('elbv2 modify-load-balancer-attributes') && c.includes('Key=deletion_protection.enabled,Value=true'))).toBe(true);
      expect(commands.some((c) => c.includes('rds modify-global-cluster'))).toBe(stage.Name === 'prod-us-east-1');
      // One profile: the protect role holds both the stacks' and the targets' permissions.
      expect(commands.join('\n')).not.toMatch(/protect-data|source_profile/);
    }
  });

  describe('its commands, run like CodeBuild against a stub AWS CLI', () => {
    let commands: string[];
    beforeAll(() => {
      const stage = prodStages().find((s) => s.Name === 'prod-us-east-2');
      commands = commandsOf(protectionActions(stage)[0]);
    });

    /**
     * `aws` stub: logs calls; fails update-termination-protection for `failStack`; reports the
     * termination flag `flag`, the Platform stack's outputs (`missingOutput` answers None), and
     * deletion protection `deletion` (True/true) on read-back.
     */
    function run(opts: { failStack?: string; flag?: string; missingOutput?: string; deletion?: boolean } = {}) {
      const work = fs.mkdtempSync(path.join(os.tmpdir(), 'protect-'));
      const bin = path.join(work, 'bin');
      fs.mkdirSync(bin);
      const log = path.join(work, 'calls.log');
      const on = opts.deletion ?? true;
      fs.writeFileSync(path.join(bin, 'aws'), `#!/usr/bin/env bash
echo "aws $*" >> "${log}"
case "$*" in
  *update-termination-protection*${opts.failStack ? `--stack-name ${opts.failStack}` : 'NEVER-FAILS'}*) echo "AccessDenied" >&2; exit 254 ;;
  *OutputKey==\\'${opts.missingOutput ?? 'NONE-MISSING'}\\'*) echo "None" ;;
  *OutputKey==\\'DeletionProtectionClusterId\\'*) echo "transactions-prod-us-east-2" ;;
  *OutputKey==\\'DeletionProtectionLoadBalancerArn\\'*) echo "arn:aws:elasticloadbalancing:us-east-2:444444444444:loadbalancer/app/x/1" ;;
  *describe-stacks*) echo "${opts.flag ?? 'True'}" ;;
  *describe-db-clusters*) echo "${on ? 'True' : 'False'}" ;;
  *describe-load-balancer-attributes*) echo "${on ? 'true' : 'false'}" ;;
esac
`, { mode: 0o755 });
      const result = runLikeCodeBuild(commands, { cwd: work, env: { PATH: `${bin}:${process.env.PATH}` } });
      const calls = fs.readFileSync(log, 'utf8').trim().split('\n');
      return { ...result, calls };
    }

    test('protects both stacks through the protect-role profile and passes when CloudFormation reports the flag on', () => {
      const r = run();
      expect(r.status).toBe(0);
      const updates = r.calls.filter((c) => c.includes('update-termination-protection'));
      expect(updates).toEqual([
        'aws --profile protect-target --region us-east-2 cloudformation update-termination-protection --enable-termination-protection --stack-name prod-us-east-2-Platform',
        'aws --profile protect-target --region us-east-2 cloudformation update-termination-protection --enable-termination-protection --stack-name prod-us-east-2-Service',
      ]);
      expect(r.calls).toContain('aws configure set profile.protect-target.credential_source EcsContainer');
    });

    test('a failed call fails the action (non-zero) and nothing after it runs', () => {
      const r = run({ failStack: 'prod-us-east-2-Platform' });
      expect(r.status).not.toBe(0);
      expect(r.calls.some((c) => c.includes('prod-us-east-2-Service'))).toBe(false);
    });

    test('a stack CloudFormation does not report as protected fails the action', () => {
      const r = run({ flag: 'False' });
      expect(r.status).not.toBe(0);
    });

    test('turns deletion protection on through the same protect role, for the targets the Platform stack names, and reads it back', () => {
      const r = run();
      expect(r.status).toBe(0);
      expect(r.calls).toContain('aws --profile protect-target --region us-east-2 rds modify-db-cluster --db-cluster-identifier transactions-prod-us-east-2 --deletion-protection --apply-immediately');
      expect(r.calls).toContain('aws --profile protect-target --region us-east-2 elbv2 modify-load-balancer-attributes --load-balancer-arn '
        + 'arn:aws:elasticloadbalancing:us-east-2:444444444444:loadbalancer/app/x/1 --attributes Key=deletion_protection.enabled,Value=true');
      // The secondary region has no global cluster to protect.
      expect(r.calls.some((c) => c.includes('global-cluster'))).toBe(false);
    });

    test('protection that does not read back as on fails the action', () => {
      expect(run({ deletion: false }).status).not.toBe(0);
    });

    test('an output the Platform stack does not have fails the action before any call with it', () => {
      const r = run({ missingOutput: 'DeletionProtectionClusterId' });
      expect(r.status).not.toBe(0);
      expect(r.calls.some((c) => c.includes('modify-db-cluster'))).toBe(false);
    });
  });
});
