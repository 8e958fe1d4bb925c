import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CustomResource, CustomResourceProvider, CustomResourceProviderRuntime, Stack, Stage } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { applyPermissionsBoundary, PERMISSIONS_BOUNDARY_ARN } from '../../../src/synth/constructs/permissions-boundary';
import { REPO_ROOT } from '../../support/repo-root';
import { sampleAssembly } from '../../support/sample-assembly';
import { testApp } from '../../support/test-app';

/**
 * Every role the synthesized stacks create carries the project's permissions boundary: the
 * execution policies refuse to create one without it (src/terminal/execution-policy/policy-rules.ts).
 */

const EXPECTED = { 'Fn::Sub': PERMISSIONS_BOUNDARY_ARN };

/** Every template of a cloud assembly directory, nested stage assemblies included. */
function templatesIn(dir: string): Array<[string, any]> {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e): Array<[string, any]> => {
    const full = path.join(dir, e.name);
    if (e.isDirectory() && e.name.startsWith('assembly-')) return templatesIn(full);
    return e.isFile() && e.name.endsWith('.template.json') ? [[path.relative(REPO_ROOT, full), JSON.parse(fs.readFileSync(full, 'utf8'))]] : [];
  });
}

function rolesWithout(templates: Array<[string, any]>): { roles: number; without: string[] } {
  let roles = 0;
  const without: string[] = [];
  for (const [file, template] of templates) {
    for (const [id, resource] of Object.entries<any>(template.Resources ?? {})) {
      if (resource.Type !== 'AWS::IAM::Role' && resource.Type !== 'AWS::IAM::User') continue;
      roles++;
      if (JSON.stringify(resource.Properties?.PermissionsBoundary) !== JSON.stringify(EXPECTED)) without.push(`${file} ${id}`);
    }
  }
  return { roles, without };
}

describe('permissions boundary on every role', () => {
  test('the boundary is the per-account, per-region policy of the bootstrap template', () => {
    expect(PERMISSIONS_BOUNDARY_ARN).toBe('arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/cdk-hnb659fds-delivery-boundary-${AWS::AccountId}-${AWS::Region}');
  });

  test('every role of every template of the sample app (pipeline, support and image stacks, every stage) carries it', () => {
    const { roles, without } = rolesWithout(templatesIn(sampleAssembly().directory));
    expect(without).toEqual([]);
    // CDK Pipelines' roles, the CodeBuild projects', the stages', the assertions' and the custom-resource providers'.
    expect(roles).toBeGreaterThan(80);
  });

  test('every role of the integ snapshot (deployed into the sandbox with the stage policy) carries it', () => {
    const { roles, without } = rolesWithout(templatesIn(path.join(REPO_ROOT, 'integ', 'integ.service-stage.ts.snapshot')));
    expect(without).toEqual([]);
    expect(roles).toBeGreaterThan(10);
  });

  test('the aspect reaches CDK roles and the plain CfnResource roles of custom-resource providers, in a stage', () => {
    const build = (apply: boolean) => {
      const stage = new Stage(testApp(), 'dev-us-east-1', { env: { account: '222222222222', region: 'us-east-1' } });
      if (apply) applyPermissionsBoundary(stage);
      const stack = new Stack(stage, 'Service');
      new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      // A provider needs a directory with index.js; the code is never run here.
      const codeDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'provider-'));
      fs.writeFileSync(path.join(codeDirectory, 'index.js'), 'exports.handler = async () => ({});\n');
      const provider = CustomResourceProvider.getOrCreateProvider(stack, 'Custom::Thing', { codeDirectory, runtime: CustomResourceProviderRuntime.NODEJS_22_X });
      new CustomResource(stack, 'Thing', { serviceToken: provider.serviceToken, resourceType: 'Custom::Thing' });
      return Template.fromStack(stack).findResources('AWS::IAM::Role');
    };
    const applied = Object.values<any>(build(true));
    expect(applied).toHaveLength(2);
    for (const role of applied) expect(role.Properties.PermissionsBoundary).toEqual(EXPECTED);
    for (const role of Object.values<any>(build(false))) expect(role.Properties.PermissionsBoundary).toBeUndefined();
  });
});
