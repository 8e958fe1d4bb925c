import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'yaml';
import { DEFAULT_BRANCH_ONLY } from '../../../projenrc/workflows';
import { evaluate, PolicyDocument } from '../../../src/terminal/execution-policy/iam-evaluator';
import { REPO_ROOT } from '../../support/repo-root';

/**
 * The doors of the GitHub side: the integ-deploy workflow runs from the default branch in the
 * sandbox environment only, with a role that trusts exactly that environment of this repository;
 * the upgrade workflow never runs newly resolved dependencies next to a token that can write.
 */

const workflow = (name: string) => yaml.parse(fs.readFileSync(path.join(REPO_ROOT, '.github', 'workflows', `${name}.yml`), 'utf8'));
const oidcTemplate = yaml.parse(fs.readFileSync(path.join(REPO_ROOT, 'bootstrap', 'integ-github-oidc-role.yaml'), 'utf8'));

/** The role's trust, its Fn::Sub resolved for owner/repo `example-org/cdk-delivery-pipeline`. */
function trust(): PolicyDocument {
  const doc = JSON.parse(JSON.stringify(oidcTemplate.Resources.IntegDeployRole.Properties.AssumeRolePolicyDocument));
  for (const st of doc.Statement) {
    st.Resource = '*';
    const eq = st.Condition.StringEquals;
    eq['token.actions.githubusercontent.com:sub'] = eq['token.actions.githubusercontent.com:sub']['Fn::Sub']
      .replace('${GitHubOwner}', 'example-org').replace('${GitHubRepository}', 'cdk-delivery-pipeline').replace('${SandboxEnvironment}', 'sandbox');
  }
  return doc;
}
const assume = (sub: string, aud = 'sts.amazonaws.com') => evaluate([trust()], {
  action: 'sts:AssumeRoleWithWebIdentity',
  resource: '*',
  context: { 'token.actions.githubusercontent.com:sub': sub, 'token.actions.githubusercontent.com:aud': aud },
}).decision;

describe('integ-deploy', () => {
  test('the job runs only on the default branch, in the sandbox environment, with an OIDC token and a read-only checkout', () => {
    const job = workflow('integ-deploy').jobs.deploy;
    expect(job.if).toBe(DEFAULT_BRANCH_ONLY);
    expect(DEFAULT_BRANCH_ONLY).toBe("github.ref == format('refs/heads/{0}', github.event.repository.default_branch)");
    expect(job.environment).toBe('sandbox');
    expect(job.permissions).toEqual({ 'id-token': 'write', 'contents': 'read' });
  });

  test('its role trusts exactly this repository\'s sandbox environment, for the AWS action\'s audience', () => {
    expect(assume('repo:example-org/cdk-delivery-pipeline:environment:sandbox')).toBe('allow');
    // A job without the environment (any branch, pull requests), another environment or repository, another audience: refused.
    expect(assume('repo:example-org/cdk-delivery-pipeline:ref:refs/heads/main')).toBe('implicit-deny');
    expect(assume('repo:example-org/cdk-delivery-pipeline:pull_request')).toBe('implicit-deny');
    expect(assume('repo:example-org/cdk-delivery-pipeline:environment:production')).toBe('implicit-deny');
    expect(assume('repo:someone-else/cdk-delivery-pipeline:environment:sandbox')).toBe('implicit-deny');
    expect(assume('repo:example-org/cdk-delivery-pipeline:environment:sandbox', 'https://github.com/example-org')).toBe('implicit-deny');
    expect(oidcTemplate.Resources.IntegDeployRole.Properties.AssumeRolePolicyDocument.Statement).toHaveLength(1);
  });

  test('its role may only go through the account\'s own CDK bootstrap roles and read the bootstrap stack', () => {
    const [policy] = oidcTemplate.Resources.IntegDeployRole.Properties.Policies;
    const statements = policy.PolicyDocument.Statement;
    expect(statements.map((s: any) => s.Action)).toEqual(['sts:AssumeRole', 'cloudformation:DescribeStacks']);
    for (const arn of statements[0].Resource) expect(arn['Fn::Sub']).toMatch(/^arn:\$\{AWS::Partition\}:iam::\$\{AWS::AccountId\}:role\/cdk-hnb659fds-(deploy|file-publishing|image-publishing|lookup)-role-\$\{AWS::AccountId\}-\*$/);
    expect(oidcTemplate.Resources.GitHubOidcProvider.Properties.ClientIdList).toEqual(['sts.amazonaws.com']);
  });
});

describe('upgrade', () => {
  const jobs = workflow('upgrade').jobs;

  test('newly resolved dependencies run with a read-only token; the job that may write runs no project code', () => {
    expect(Object.keys(jobs)).toEqual(['patch', 'pullRequest']);
    expect(jobs.patch.permissions).toEqual({ contents: 'read' });
    expect(jobs.pullRequest.permissions).toEqual({ 'contents': 'write', 'pull-requests': 'write' });
    expect(jobs.pullRequest.needs).toBe('patch');
    const runs = jobs.pullRequest.steps.map((s: any) => s.run).filter(Boolean);
    expect(runs).toEqual(['git apply --index "$RUNNER_TEMP/patch/upgrade.patch"']);
    const uses = jobs.pullRequest.steps.map((s: any) => String(s.uses ?? '').split('@')[0]).filter(Boolean);
    expect(uses).toEqual(['actions/checkout', 'actions/download-artifact', 'peter-evans/create-pull-request']);
    // The read-only job does the npm work and hands over only the patch.
    expect(jobs.patch.steps.map((s: any) => s.run).filter(Boolean)).toEqual(expect.arrayContaining(['npm ci', 'npx projen upgrade', 'npx projen bootstrap:template', 'npx projen test']));
    expect(jobs.patch.steps.find((s: any) => String(s.uses ?? '').startsWith('actions/upload-artifact')).with.path).toBe('${{ runner.temp }}/upgrade.patch');
  });

  test('no checkout keeps a token in the working copy', () => {
    for (const job of Object.values<any>(jobs)) {
      for (const step of job.steps.filter((s: any) => String(s.uses ?? '').startsWith('actions/checkout'))) expect(step.with['persist-credentials']).toBe(false);
    }
  });
});
