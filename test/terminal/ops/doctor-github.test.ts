import * as fs from 'fs';
import * as path from 'path';
import { captureIo, configFrom, ROOT, sampleInput } from './ops-helpers';
import { formatResult } from '../../../src/terminal/ops/doctor';
import { doctorCli, DoctorCliIo } from '../../../src/terminal/ops/doctor-cli';
import { GitHubApi, GitHubResponse, runGitHubChecks } from '../../../src/terminal/ops/doctor-github';

/**
 * `doctor --github` on recorded GitHub REST API answers (test/fixtures/github/): the branch
 * rules the gates rely on, CODEOWNERS, and the sandbox environment of integ-deploy.
 */

const config = configFrom(sampleInput());
const REPO = '/repos/example-org/cdk-delivery-pipeline';
const recorded = (name: string): GitHubResponse => JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'github', `${name}.json`), 'utf8'));

/** A repository as the API answers it; every path asked is recorded. */
function repository(overrides: Record<string, string> = {}) {
  const answers: Record<string, string> = {
    [`${REPO}/rules/branches/main`]: 'rules-main-protected',
    [`${REPO}/branches/main/protection`]: 'protection-not-protected',
    [`${REPO}/codeowners/errors?ref=main`]: 'codeowners-errors-none',
    [`${REPO}/environments/sandbox`]: 'environment-sandbox-main-only',
    [`${REPO}/environments/sandbox/deployment-branch-policies`]: 'deployment-branch-policies-main',
    ...overrides,
  };
  const asked: string[] = [];
  const api: GitHubApi = {
    get: async (p) => {
      asked.push(p);
      if (!answers[p]) throw new Error(`unexpected GET ${p}`);
      return recorded(answers[p]);
    },
  };
  return { api, asked };
}
const lines = async (overrides: Record<string, string> = {}) => (await runGitHubChecks(config, repository(overrides).api)).map(formatResult);

describe('doctor --github (recorded responses)', () => {
  test('a ruleset with reviews, code owners, last-push approval and no force pushes, valid CODEOWNERS, sandbox deployable from main only: all OK', async () => {
    const { api, asked } = repository();
    expect((await runGitHubChecks(config, api)).map(formatResult)).toEqual([
      'OK   github example-org/cdk-delivery-pipeline@main: pull requests need 1 approving review(s)',
      'OK   github example-org/cdk-delivery-pipeline@main: code owners must review their files (.github/CODEOWNERS)',
      'OK   github example-org/cdk-delivery-pipeline@main: force pushes are blocked',
      'OK   github example-org/cdk-delivery-pipeline@main: CODEOWNERS is valid (every owner exists)',
      'OK   github example-org/cdk-delivery-pipeline environment sandbox: only main may deploy to it',
    ]);
    expect(asked).toHaveLength(5);
  });

  test('classic branch protection counts as much as a ruleset', async () => {
    const out = await lines({ [`${REPO}/rules/branches/main`]: 'rules-main-none', [`${REPO}/branches/main/protection`]: 'protection-classic' });
    expect(out.slice(0, 3).every((l) => l.startsWith('OK'))).toBe(true);
    expect(out[0]).toContain('2 approving review(s)');
  });

  test('an unprotected branch fails three times, each with the ruleset to create', async () => {
    const out = await lines({ [`${REPO}/rules/branches/main`]: 'rules-main-none' });
    expect(out.filter((l) => l.startsWith('FAIL'))).toHaveLength(3);
    expect(out[0]).toBe('FAIL github example-org/cdk-delivery-pipeline@main: a commit can reach main without an approving review\n'
      + '       fix: https://github.com/example-org/cdk-delivery-pipeline/settings/rules: a branch ruleset for main with "Require a pull request before merging" '
      + '(1+ approvals, "Require review from Code Owners", "Require approval of the most recent reviewable push") and "Block force pushes"');
    expect(out).toContainEqual(expect.stringMatching(/^FAIL .*: main can be force-pushed/));
    // Last-push approval missing is a warning of its own.
    expect(out).toContainEqual(expect.stringMatching(/^WARN .*whoever pushed last to a pull request can be its approver/));
  });

  test('reviews without code owners fails the code-owner line only; unreadable classic protection is said', async () => {
    const out = await lines({ [`${REPO}/rules/branches/main`]: 'rules-main-reviews-only', [`${REPO}/branches/main/protection`]: 'protection-forbidden' });
    expect(out[0]).toMatch(/^OK /);
    expect(out[1]).toMatch(/^FAIL .*code owners are not required .*\(classic branch protection could not be read: the token lacks administration read; rulesets were read\)/);
  });

  test('CODEOWNERS with the placeholder team (unknown owner), or none at all, fails', async () => {
    const placeholder = await lines({ [`${REPO}/codeowners/errors?ref=main`]: 'codeowners-errors-placeholder' });
    expect(placeholder[3]).toBe('FAIL github example-org/cdk-delivery-pipeline@main: CODEOWNERS has 1 error(s), so GitHub ignores those owners: line 13: Unknown owner\n'
      + '       fix: replace @your-org/platform-team in .github/CODEOWNERS with a team or users of this repository that have write access');
    const missing = await lines({ [`${REPO}/codeowners/errors?ref=main`]: 'codeowners-missing' });
    expect(missing[3]).toMatch(/^FAIL .*main has no CODEOWNERS file/);
  });

  test('the sandbox environment: missing, any branch, or other branches beside main fail', async () => {
    expect((await lines({ [`${REPO}/environments/sandbox`]: 'environment-sandbox-missing' }))[4]).toMatch(/^FAIL .*environment sandbox: does not exist/);
    expect((await lines({ [`${REPO}/environments/sandbox`]: 'environment-sandbox-any-branch' }))[4]).toMatch(/^FAIL .*any branch may deploy to it/);
    expect((await lines({ [`${REPO}/environments/sandbox/deployment-branch-policies`]: 'deployment-branch-policies-main-and-feature' }))[4])
      .toMatch(/^FAIL .*deployable from main, feature\/\*, not only main/);
  });

  test('an API error is one failed line with the token it needs', async () => {
    const { api } = repository();
    const failing: GitHubApi = { get: async (p) => (p.includes('/rules/') ? { status: 401, body: { message: 'Bad credentials' } } : api.get(p)) };
    const results = await runGitHubChecks(config, failing);
    expect(results).toEqual([expect.objectContaining({ status: 'fail', message: 'cannot read the repository settings (GET rules for main: HTTP 401 {"message":"Bad credentials"})' })]);
  });
});

describe('doctor --github CLI', () => {
  function io(env: NodeJS.ProcessEnv, api?: GitHubApi) {
    const cap = captureIo();
    const tokens: string[] = [];
    const value: DoctorCliIo = {
      env,
      out: cap.write.out,
      err: cap.write.err,
      hasCredentials: async () => false,
      clients: () => {
        throw new Error('no AWS in this test');
      },
      github: (token) => {
        tokens.push(token);
        return api!;
      },
      rootDir: ROOT,
      now: () => new Date('2026-01-15T12:00:00Z'),
    };
    return { io: value, cap, tokens };
  }

  test('with GITHUB_TOKEN: the checks run with it; exit 0 when all pass, 1 when one fails', async () => {
    const green = io({ GITHUB_TOKEN: 'ghp_test' }, repository().api);
    expect(await doctorCli(['--github'], green.io)).toBe(0);
    expect(green.tokens).toEqual(['ghp_test']);
    expect(green.cap.stdout()).toContain('GitHub checks (example-org/cdk-delivery-pipeline@main):\nOK   github');
    const red = io({ GH_TOKEN: 'gho_test' }, repository({ [`${REPO}/rules/branches/main`]: 'rules-main-none' }).api);
    expect(await doctorCli(['--github'], red.io)).toBe(1);
    expect(red.tokens).toEqual(['gho_test']);
    expect(red.cap.stdout()).toContain('3 check(s) failed, 1 warning(s).');
  });

  test('without a token: exit 1, nothing checked, the way to get one', async () => {
    const t = io({});
    expect(await doctorCli(['--github'], t.io)).toBe(1);
    expect(t.tokens).toEqual([]);
    expect(t.cap.stderr()).toContain('doctor --github: no GITHUB_TOKEN (or GH_TOKEN) in the environment, so no GitHub check ran');
  });
});
