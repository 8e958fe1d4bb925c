import { TRIVY_SHA256, TRIVY_VERSION } from '../../../src/synth/pipeline/steps/image-gate-step';
import { commandsActions, NODE_SWITCH } from '../../support/commands-actions';
import { sampleAssembly, SampleAssembly } from '../../support/sample-assembly';

/** Position of an action: stage index, then run order. */
interface Position { readonly stage: number; readonly runOrder: number }
const before = (a: Position, b: Position) => a.stage < b.stage || (a.stage === b.stage && a.runOrder < b.runOrder);

describe('gates, reports and assertions on the synthesized pipeline', () => {
  let sample: SampleAssembly;
  let actions: Array<{ action: any; at: Position; stageName: string }>;
  beforeAll(() => {
    sample = sampleAssembly();
    actions = sample.pipelineStages.flatMap((s, i) =>
      s.Actions.map((a: any) => ({ action: a, at: { stage: i, runOrder: a.RunOrder }, stageName: s.Name })));
  });
  const find = (pred: (a: any) => boolean) => actions.filter((x) => pred(x.action));
  const deploys = () => find((a) => a.ActionTypeId.Provider === 'CloudFormation');
  const projectOf = (action: any) => {
    const name = action.Configuration.ProjectName.Ref;
    return sample.pipelineTemplate.toJSON().Resources[name];
  };

  test('the image gate (build + Trivy + ECR scan) precedes every deploy action of every wave', () => {
    const gates = find((a) => a.Name === 'ImageGate');
    expect(gates).toHaveLength(1);
    expect(gates[0].action.ActionTypeId.Provider).toBe('CodeBuild');
    expect(deploys().length).toBeGreaterThan(5);
    for (const d of deploys()) expect(before(gates[0].at, d.at)).toBe(true);
  });

  test('the image gate runs beside the file-asset publishing, in the Assets stage, after self-mutation: one slot for both', () => {
    const [gate] = find((a) => a.Name === 'ImageGate');
    const [files] = find((a) => a.ActionTypeId.Provider === 'CodeBuild' && /FileAsset/.test(a.Name));
    expect(gate.stageName).toBe('Assets');
    expect(files.at).toEqual(gate.at);
    const [selfMutate] = find((a) => a.Name === 'SelfMutate');
    expect(before(selfMutate.at, gate.at)).toBe(true);
    // Only the asset publishing and the gate share that stage.
    expect(actions.filter((x) => x.stageName === 'Assets').map((x) => x.action.Name).sort()).toEqual(['FileAssets', 'ImageGate']);
  });

  test('the gate build pins Trivy, verifies its checksum, and runs the gate script with the config thresholds', () => {
    const [gate] = find((a) => a.Name === 'ImageGate');
    const project = projectOf(gate.action);
    expect(project.Properties.Environment.PrivilegedMode).toBe(true);
    const spec = JSON.parse(project.Properties.Source.BuildSpec);
    const install: string[] = spec.phases.install.commands;
    const download = install.indexOf(`curl -sSfL -o /tmp/trivy.tgz https://github.com/aquasecurity/trivy/releases/download/v${TRIVY_VERSION}/trivy_${TRIVY_VERSION}_Linux-64bit.tar.gz`);
    const verify = install.indexOf(`echo "${TRIVY_SHA256}  /tmp/trivy.tgz" | sha256sum --check --strict`);
    const unpack = install.findIndex((c) => c.startsWith('tar -xzf /tmp/trivy.tgz'));
    expect(download).toBeGreaterThanOrEqual(0);
    expect(verify).toBe(download + 1);
    expect(unpack).toBeGreaterThan(verify);
    expect(TRIVY_SHA256).toMatch(/^[0-9a-f]{64}$/);
    expect(install.join('\n')).not.toMatch(/\|\s*(ba)?sh\b/);
    expect(spec.phases.build.commands[0]).toBe('bash scripts/image-gate.sh');
    expect(spec.env['exported-variables']).toEqual(['IMAGE_DIGEST']);
    expect(spec.cache.paths).toContain('.trivycache/**/*');
    expect(spec.reports['trivy-image']).toMatchObject({ 'file-format': 'JUNITXML', 'base-directory': 'gate-reports' });
    const env = Object.fromEntries(project.Properties.Environment.EnvironmentVariables.map((v: any) => [v.Name, v.Value]));
    expect(env).toMatchObject({ FAIL_ON: 'CRITICAL', FAIL_ON_FIXABLE: 'HIGH', ECR_SCAN_TIMEOUT_MINUTES: '15', REPORTS_DIR: 'gate-reports' });
  });

  test('stages run the image by the commit tag from the gated repository in the pipeline account, in their own region', () => {
    for (const stage of sample.stages) {
      const [task] = Object.values(stage.stacks.Service.template.Resources).filter((r: any) => r.Type === 'AWS::ECS::TaskDefinition') as any[];
      const image = JSON.stringify(task.Properties.ContainerDefinitions[0].Image);
      expect(image).toContain(`111111111111.dkr.ecr.${stage.stacks.Service.environment.region}.`);
      expect(image).toContain(`/cdk-delivery-pipeline/service:${sample.commit}`);
    }
  });

  test('a change report step precedes the prod approval, and the approval links to its output', () => {
    const [report] = find((a) => /^ChangeReport-prod$/.test(a.Name));
    const [approval] = find((a) => a.ActionTypeId.Category === 'Approval');
    expect(report.stageName).toBe('Approve-prod');
    expect(before(report.at, approval.at)).toBe(true);
    // CodePipeline's own Commands action: no CodeBuild project anyone could start with an override.
    expect(report.action.ActionTypeId).toEqual({ Category: 'Compute', Owner: 'AWS', Provider: 'Commands', Version: '1' });
    expect(report.action.Namespace).toBe('ChangeReport-prod');
    expect(report.action.OutputVariables).toEqual(['CHANGE_SUMMARY', 'REPORT_URL']);
    expect(approval.action.Configuration.ExternalEntityLink).toBe(`#{${report.action.Namespace}.REPORT_URL}`);
    expect(approval.action.Configuration.CustomData).toContain(`#{${report.action.Namespace}.CHANGE_SUMMARY}`);
    const { commandsOf, environmentOf } = commandsActions(sample.pipelineTemplate.toJSON().Resources);
    const commands = commandsOf(report.action);
    expect(commands[0]).toMatch(NODE_SWITCH);
    expect(commands[1]).toMatch(/report-cli\.js .*--stages prod-us-east-1,prod-us-east-2 --stage-read-roles --pipeline cdk-delivery-pipeline .*--block-stateful-replacement/);
    // The link is the URL the CLI wrote for the report it uploaded, not one rebuilt in shell.
    expect(commands).toContain('export REPORT_URL="$(cat change-report-url.txt)"');
    expect(environmentOf(report.action)).toMatchObject({ COMMIT_ID: expect.stringMatching(/^#\{Source@.*\.CommitId\}$/), OVERRIDE_MARKER: expect.any(String) });
  });

  test('the change report role can only read the prod stages through their report roles and write its own reports', () => {
    const [report] = find((a) => /^ChangeReport-prod$/.test(a.Name));
    const resources = sample.pipelineTemplate.toJSON().Resources;
    const { roleOf, statementsOf } = commandsActions(resources);
    // Its own role, trusted by the pipeline's service role only, named for the prod roles' trust.
    const role = roleOf(report.action).Properties;
    expect(role.RoleName).toBe('DeliveryPipeline-report-prod');
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { AWS: { 'Fn::GetAtt': [expect.stringMatching(/^PipelineRole/), 'Arn'] } } }]);
    const statements = statementsOf(report.action);
    const assume = statements.filter((s: any) => [s.Action].flat().includes('sts:AssumeRole'));
    expect(assume).toHaveLength(1);
    expect(assume[0].Resource).toEqual([
      'arn:aws:iam::444444444444:role/prod-us-east-1-pipeline-report',
      'arn:aws:iam::444444444444:role/prod-us-east-2-pipeline-report',
    ]);
    // Besides its own logs and artifact/report encryption, the only write is s3:PutObject on the
    // reports; the only pipeline read is its history (the first deploy of a stage).
    const actionsOf = statements.flatMap((s: any) => [s.Action].flat()).filter((a: string) => !/^logs:/.test(a));
    const writes = actionsOf.filter((a: string) => /^(cloudformation|iam|ec2|ecs|rds|codebuild):/.test(a) || /:(Put|Create|Delete|Update|Start)/.test(a));
    expect(writes).toEqual(['s3:PutObject']);
    expect(actionsOf.filter((a: string) => a.startsWith('codepipeline:'))).toEqual(['codepipeline:ListActionExecutions']);
    const put = statements.find((s: any) => [s.Action].flat().includes('s3:PutObject'));
    expect(JSON.stringify(put.Resource)).toContain('/change-reports/*');
  });

  test('each prod report role trusts exactly the report step\'s role and may only read that stage\'s templates', () => {
    for (const stage of sample.stages.filter((s) => s.name.startsWith('prod-'))) {
      const resources = stage.stacks.Platform.template.Resources as Record<string, any>;
      const [role] = Object.values(resources).filter((r) => r.Type === 'AWS::IAM::Role' && r.Properties.RoleName === `${stage.name}-pipeline-report`);
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:root']] } },
        Condition: { ArnEquals: { 'aws:PrincipalArn': 'arn:aws:iam::111111111111:role/DeliveryPipeline-report-prod' } },
      }]);
      const region = stage.name.replace(/^prod-/, '');
      expect(role.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement)).toEqual([{
        Sid: 'ReadDeployedTemplates', Effect: 'Allow', Action: 'cloudformation:GetTemplate', Resource: `arn:aws:cloudformation:${region}:444444444444:stack/${stage.name}-*/*`,
      }]);
    }
    // dev and test have no approval: no report role (only the drift check's, as every stage).
    for (const stage of sample.stages.filter((s) => !s.name.startsWith('prod-'))) {
      const roles = Object.values(stage.stacks.Platform.template.Resources as Record<string, any>).filter((r) => r.Type === 'AWS::IAM::Role');
      expect(roles.map((r) => r.Properties.RoleName).filter(Boolean)).toEqual([`${stage.name}-pipeline-drift`]);
    }
  });

  test('every wave ends with assertions over each of its stages', () => {
    for (const stage of sample.stages) {
      const stagePrefix = `${stage.name}-`;
      const mine = deploys().filter((d) => d.action.Configuration.StackName.startsWith(stagePrefix));
      const assertion = mine.filter((d) => /Assertions/.test(d.action.Configuration.StackName));
      expect(assertion).toHaveLength(1);
      for (const d of mine) {
        if (d !== assertion[0]) expect(before(d.at, assertion[0].at)).toBe(true);
      }
    }
  });

  test('assertions fail the deployment when they do not match: every check waits and times out into a failure', () => {
    for (const stage of sample.stages) {
      expect(stage.stacks.Assertions).toBeDefined();
      const resources = Object.values(stage.stacks.Assertions.template.Resources as Record<string, any>);
      const checks = resources.filter((r) => /^Custom::DeployAssert@(SdkCall|HttpCall)/.test(r.Type));
      // health, ready, version, create, read, ECS steady, DB encrypted, no alarm; in the
      // secondary of a global environment (sample prod-us-east-2) read-back and deep health
      // replace create and read, and every one of the 8 asserts (no POST, which asserts nothing).
      // Plus the checks' token (a Lambda invocation: a step, no assertion; a failure to get it
      // fails the deployment because the calls that need it cannot resolve it).
      const secondary = stage.name === 'prod-us-east-2';
      expect(checks).toHaveLength(9);
      expect(checks.filter((c) => c.Type === 'Custom::DeployAssert@SdkCallLambdainvoke').map((c) => c.Properties.outputPaths)).toEqual([['Payload.token']]);
      const asserting = checks.filter((c) => c.Properties.expected !== undefined);
      expect(asserting).toHaveLength(secondary ? 8 : 7);
      // waitForAssertions: the check runs in a Step Functions waiter whose timeout fails the
      // custom resource (and so the stack, the stage and the pipeline run).
      for (const c of asserting) expect(c.Properties.stateMachineArn).toBeDefined();
      expect(resources.filter((r) => r.Type === 'AWS::StepFunctions::StateMachine')).toHaveLength(secondary ? 8 : 7);
      const expected = asserting.map((c) => c.Properties.expected).join('\n');
      expect(expected).toContain(sample.commit); // /version must report the delivered commit
    }
  });

  test('assertions reach each stage over HTTPS where it has a domain (sample prod), else over HTTP to its ALB', () => {
    const schemes: Record<string, string[]> = {};
    for (const stage of sample.stages) {
      const region = stage.name.replace(/^[a-z0-9]+-/, '');
      const calls = Object.values(stage.stacks.Assertions.template.Resources as Record<string, any>)
        .filter((r) => /^Custom::DeployAssert@HttpCall/.test(r.Type));
      expect(calls).toHaveLength(5); // health, ready, version, create, read (secondary: read-back, deep health)
      // A literal URL, or (ALB DNS name, created transaction id) a join that starts with one.
      const starts = calls.map((c) => { const url = c.Properties.parameters.url; return typeof url === 'string' ? url : url['Fn::Join'][1][0]; });
      for (const start of starts) {
        // With a domain: this region's name on the certificate, not the latency-routed one.
        if (start.startsWith('https://')) expect(start.startsWith(`https://api-${region}.prod.example.com/`)).toBe(true);
        else expect(start).toBe('http://');
      }
      schemes[stage.name] = [...new Set(starts.map((start) => start.split(':')[0]))];
    }
    expect(schemes).toEqual({
      'dev-us-east-1': ['http'],
      'test-us-east-1': ['http'],
      'test-us-east-2': ['http'],
      'prod-us-east-1': ['https'],
      'prod-us-east-2': ['https'],
    });
  });
});
