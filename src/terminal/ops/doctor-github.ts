import type { CheckResult } from './doctor';
import { DeliveryConfig } from '../../config/schema';
import { readResponseBody } from '../../shared/response-body';

/**
 * `doctor --github`: the repository settings the gates rely on (README "Repository settings"),
 * read through GitHub's REST API with a token from the environment. What reaches prod is decided
 * by the reviewed commit on the default branch and the prod approval; that holds only if a
 * commit reaches the branch through a reviewed pull request, code owners review the files that
 * define the pipeline and its gates, and nobody rewrites the branch.
 *
 * - Rulesets: `GET /repos/{owner}/{repo}/rules/branches/{branch}` (every active rule for the
 *   branch, whatever ruleset defines it; needs only metadata read), rule types `pull_request`
 *   (`required_approving_review_count`, `require_code_owner_review`,
 *   `require_last_push_approval`) and `non_fast_forward` (GitHub REST API, "Rules").
 * - Classic branch protection: `GET /repos/{owner}/{repo}/branches/{branch}/protection`
 *   (`required_pull_request_reviews`, `allow_force_pushes`; 404 when the branch has none; the
 *   token needs administration read) (GitHub REST API, "Protected branches").
 * - CODEOWNERS: `GET /repos/{owner}/{repo}/codeowners/errors?ref={branch}` lists what GitHub
 *   could not use (an unknown owner such as the shipped placeholder team); 404 when the branch
 *   has no CODEOWNERS file (GitHub REST API, "Repositories", List CODEOWNERS errors).
 * - The `sandbox` environment of integ-deploy: `GET /repos/{owner}/{repo}/environments/sandbox`
 *   (`deployment_branch_policy`) and its `deployment-branch-policies` (GitHub REST API,
 *   "Deployment environments", "Deployment branch policies").
 * A rule enforced by both mechanisms counts once; either is enough.
 */

/** One answer of the GitHub REST API. */
export interface GitHubResponse {
  readonly status: number;
  readonly body: unknown;
}

/** The calls doctor makes: GETs of REST paths (`/repos/...`). */
export interface GitHubApi {
  get(path: string): Promise<GitHubResponse>;
}

/** The environment the integ-deploy workflow runs in (projenrc/workflows.ts). */
export const SANDBOX_ENVIRONMENT = 'sandbox';

interface Rule { readonly type?: string; readonly parameters?: Record<string, unknown> }
interface Protection {
  readonly required_pull_request_reviews?: {
    readonly required_approving_review_count?: number; readonly require_code_owner_reviews?: boolean; readonly require_last_push_approval?: boolean;
  };
  readonly allow_force_pushes?: { readonly enabled?: boolean };
}

/** What the rulesets and the classic protection of the branch require together. */
interface BranchRules { reviews: number; codeOwners: boolean; lastPush: boolean; noForcePush: boolean; readable: boolean }

async function branchRules(api: GitHubApi, repo: string, branch: string): Promise<BranchRules> {
  const rules = await api.get(`/repos/${repo}/rules/branches/${encodeURIComponent(branch)}`);
  if (rules.status !== 200) throw new Error(`GET rules for ${branch}: HTTP ${rules.status} ${JSON.stringify(rules.body)}`);
  const list = (Array.isArray(rules.body) ? rules.body : []) as Rule[];
  const pr = list.filter((r) => r.type === 'pull_request').map((r) => r.parameters ?? {});
  const classic = await api.get(`/repos/${repo}/branches/${encodeURIComponent(branch)}/protection`);
  const protection = (classic.status === 200 ? classic.body : {}) as Protection;
  const reviews = protection.required_pull_request_reviews;
  return {
    reviews: Math.max(0, ...pr.map((p) => Number(p.required_approving_review_count ?? 0)), reviews?.required_approving_review_count ?? 0),
    codeOwners: pr.some((p) => p.require_code_owner_review === true) || reviews?.require_code_owner_reviews === true,
    lastPush: pr.some((p) => p.require_last_push_approval === true) || reviews?.require_last_push_approval === true,
    noForcePush: list.some((r) => r.type === 'non_fast_forward') || (classic.status === 200 && protection.allow_force_pushes?.enabled === false),
    // 404: no classic protection (rulesets may still protect); 403: the token may not read it.
    readable: classic.status === 200 || classic.status === 404,
  };
}

function settingsUrl(repo: string, page: string): string {
  return `https://github.com/${repo}/settings/${page}`;
}

/** The branch protection results (reviews, code owners, last push, force push). */
function branchResults(rules: BranchRules, repo: string, branch: string): CheckResult[] {
  const where = `${repo}@${branch}`;
  const fix = `${settingsUrl(repo, 'rules')}: a branch ruleset for ${branch} with "Require a pull request before merging" `
    + '(1+ approvals, "Require review from Code Owners", "Require approval of the most recent reviewable push") and "Block force pushes"';
  const unread = rules.readable ? '' : ' (classic branch protection could not be read: the token lacks administration read; rulesets were read)';
  const results: CheckResult[] = [];
  results.push(rules.reviews >= 1
    ? { status: 'ok', check: 'github', where, message: `pull requests need ${rules.reviews} approving review(s)` }
    : { status: 'fail', check: 'github', where, message: `a commit can reach ${branch} without an approving review${unread}`, fix });
  results.push(rules.codeOwners
    ? { status: 'ok', check: 'github', where, message: 'code owners must review their files (.github/CODEOWNERS)' }
    : { status: 'fail', check: 'github', where, message: `code owners are not required to review changes to the pipeline, bootstrap and workflows${unread}`, fix });
  results.push(rules.noForcePush
    ? { status: 'ok', check: 'github', where, message: 'force pushes are blocked' }
    : { status: 'fail', check: 'github', where, message: `${branch} can be force-pushed (history rewritten under the pipeline)${unread}`, fix });
  if (!rules.lastPush) {
    results.push({ status: 'warn', check: 'github', where, message: 'whoever pushed last to a pull request can be its approver (no "approval of the most recent push")', fix });
  }
  return results;
}

async function codeOwnersResult(api: GitHubApi, repo: string, branch: string): Promise<CheckResult> {
  const where = `${repo}@${branch}`;
  const answer = await api.get(`/repos/${repo}/codeowners/errors?ref=${encodeURIComponent(branch)}`);
  if (answer.status === 404) {
    return { status: 'fail', check: 'github', where, message: `${branch} has no CODEOWNERS file`, fix: 'commit .github/CODEOWNERS (shipped with this repository) with your team' };
  }
  if (answer.status !== 200) throw new Error(`GET CODEOWNERS errors: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
  const errors = ((answer.body as { errors?: Array<{ line?: number; message?: string; kind?: string }> }).errors ?? []);
  if (errors.length === 0) return { status: 'ok', check: 'github', where, message: 'CODEOWNERS is valid (every owner exists)' };
  return {
    status: 'fail',
    check: 'github',
    where,
    message: `CODEOWNERS has ${errors.length} error(s), so GitHub ignores those owners: `
      + errors.map((e) => `line ${e.line ?? '?'}: ${e.kind ?? 'error'}`).join('; '),
    fix: 'replace @your-org/platform-team in .github/CODEOWNERS with a team or users of this repository that have write access',
  };
}

async function sandboxResult(api: GitHubApi, repo: string, branch: string): Promise<CheckResult> {
  const where = `${repo} environment ${SANDBOX_ENVIRONMENT}`;
  const fix = `${settingsUrl(repo, 'environments')}: environment "${SANDBOX_ENVIRONMENT}", Deployment branches and tags: "Selected branches and tags", only ${branch}`;
  const env = await api.get(`/repos/${repo}/environments/${SANDBOX_ENVIRONMENT}`);
  if (env.status === 404) {
    return { status: 'fail', check: 'github', where, message: 'does not exist: integ-deploy cannot run (its role trusts only this environment)', fix };
  }
  if (env.status !== 200) throw new Error(`GET environment ${SANDBOX_ENVIRONMENT}: HTTP ${env.status} ${JSON.stringify(env.body)}`);
  type BranchPolicy = { protected_branches?: boolean; custom_branch_policies?: boolean } | null;
  const policy = (env.body as { deployment_branch_policy?: BranchPolicy }).deployment_branch_policy;
  if (!policy) return { status: 'fail', check: 'github', where, message: 'any branch may deploy to it (and get the sandbox role)', fix };
  if (policy.protected_branches) {
    return { status: 'warn', check: 'github', where, message: `every protected branch may deploy to it, not only ${branch}`, fix };
  }
  const branches = await api.get(`/repos/${repo}/environments/${SANDBOX_ENVIRONMENT}/deployment-branch-policies`);
  if (branches.status !== 200) throw new Error(`GET deployment branch policies: HTTP ${branches.status} ${JSON.stringify(branches.body)}`);
  const names = ((branches.body as { branch_policies?: Array<{ name?: string; type?: string }> }).branch_policies ?? [])
    .map((p) => `${p.type === 'tag' ? 'tag ' : ''}${p.name}`);
  return names.length === 1 && names[0] === branch
    ? { status: 'ok', check: 'github', where, message: `only ${branch} may deploy to it` }
    : { status: 'fail', check: 'github', where, message: `deployable from ${names.join(', ') || 'no branch'}, not only ${branch}`, fix };
}

/** Every GitHub check, in report order; an API failure is one failed line naming the token's needs. */
export async function runGitHubChecks(config: DeliveryConfig, api: GitHubApi): Promise<CheckResult[]> {
  const repo = `${config.source.owner}/${config.source.repo}`;
  const branch = config.source.branch;
  try {
    return [
      ...branchResults(await branchRules(api, repo, branch), repo, branch),
      await codeOwnersResult(api, repo, branch),
      await sandboxResult(api, repo, branch),
    ];
  } catch (err) {
    return [{
      status: 'fail',
      check: 'github',
      where: repo,
      message: `cannot read the repository settings (${(err as Error).message})`,
      fix: 'export GITHUB_TOKEN=<a token that can read the repository: metadata, and administration read for classic branch protection>',
    }];
  }
}

/** The real API: fetch with the token, GitHub's JSON media type and a bounded wait. */
export function fetchGitHubApi(token: string, baseUrl = 'https://api.github.com'): GitHubApi {
  return {
    get: async (path) => {
      const response = await fetch(`${baseUrl}${path}`, {
        headers: { 'Authorization': `Bearer ${token}`, 'Accept': 'application/vnd.github+json', 'X-GitHub-Api-Version': '2022-11-28' },
        signal: AbortSignal.timeout(10_000),
      });
      return { status: response.status, body: await readResponseBody(response) };
    },
  };
}
