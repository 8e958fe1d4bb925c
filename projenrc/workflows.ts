import { awscdk } from 'projen';
import { JobPermission } from 'projen/lib/github/workflows-model';
import { NODE_MAJOR } from '../src/shared/versions/toolchain';

/**
 * GitHub workflows, generated: pull-request build, pull-request title lint, a weekly
 * dependency upgrade (that also refreshes the integ snapshots offline; made with a read-only
 * token, opened as a pull request by a job that runs no project code), and an optional manual
 * `integ:deploy` from the default branch into the sandbox environment, with AWS credentials from
 * GitHub OIDC (the role: bootstrap/integ-github-oidc-role.yaml). Every action is pinned to a
 * full commit SHA (the tag is in the comment); every workflow and job has least-privilege
 * `permissions`. `npx projen lint:workflows` (in the test command) checks them offline.
 */
export const ACTIONS = {
  checkout: 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683', // v4.2.2
  setupNode: 'actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020', // v4.4.0
  awsCredentials: 'aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502', // v4.0.2
  semanticPr: 'amannn/action-semantic-pull-request@0723387faaf9b38adef4775cd42cfd5155ed6017', // v5.5.3
  createPr: 'peter-evans/create-pull-request@271a8d0340265f705b14b6d32b9829c1cb33d45e', // v7.0.8
  uploadArtifact: 'actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02', // v4.6.2
  downloadArtifact: 'actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093', // v4.3.0
} as const;

/** Only the repository's default branch (main) may run a job guarded by this. */
export const DEFAULT_BRANCH_ONLY = "github.ref == format('refs/heads/{0}', github.event.repository.default_branch)";

const setup = [
  { name: 'Checkout', uses: ACTIONS.checkout, with: { 'persist-credentials': false } },
  { name: `Set up Node.js ${NODE_MAJOR} with the npm cache`, uses: ACTIONS.setupNode, with: { 'node-version': String(NODE_MAJOR), 'cache': 'npm' } },
  { name: 'Install', run: 'npm ci' },
];

/** Adds the workflows to the project. */
export function addWorkflows(project: awscdk.AwsCdkTypeScriptApp): void {
  const github = project.github!;

  const build = github.addWorkflow('build');
  build.on({ pullRequest: {}, workflowDispatch: {}, push: { branches: ['main'] } });
  build.file!.addOverride('permissions', { contents: 'read' });
  build.addJobs({
    test: {
      name: 'npx projen test (same as .ci/run)',
      runsOn: ['ubuntu-latest'],
      permissions: { contents: JobPermission.READ },
      timeoutMinutes: 30,
      steps: [
        ...setup,
        { name: 'Test: compile, unit and app tests, synth with compliance, guard rules, integ snapshots, workflow lint', run: 'npx projen test' },
        // eslint (root and app) is outside the test command; `build` runs it as post-compile.
        { name: 'Lint (root and app)', run: 'npx projen post-compile' },
        {
          name: 'Generated files are up to date',
          run: 'npx projen && git diff --exit-code',
        },
      ],
    },
  });

  const titles = github.addWorkflow('pull-request-lint');
  titles.on({ pullRequestTarget: { types: ['opened', 'edited', 'synchronize', 'reopened'] } });
  titles.file!.addOverride('permissions', { 'pull-requests': 'read' });
  titles.addJobs({
    title: {
      name: 'Conventional pull-request title',
      runsOn: ['ubuntu-latest'],
      permissions: { pullRequests: JobPermission.READ },
      timeoutMinutes: 5,
      steps: [{
        uses: ACTIONS.semanticPr,
        env: { GITHUB_TOKEN: '${{ secrets.GITHUB_TOKEN }}' },
        with: { types: 'feat\nfix\nchore\ndocs\nrefactor\nperf\ntest\nci\nbuild\nrevert' },
      }],
    },
  });

  // Two jobs, so that newly resolved dependencies never run next to a token that can write:
  // `patch` installs, upgrades and tests them with a read-only token and hands over only a git
  // patch; `pull-request` applies that patch and opens the pull request, running no project
  // code (no npm ci, no projen), which people then review like any other.
  const upgrade = github.addWorkflow('upgrade');
  upgrade.on({ schedule: [{ cron: '0 6 * * 1' }], workflowDispatch: {} });
  upgrade.file!.addOverride('permissions', { contents: 'read' });
  upgrade.addJobs({
    patch: {
      name: 'Upgrade dependencies, refresh integ snapshots, test (read-only token)',
      runsOn: ['ubuntu-latest'],
      permissions: { contents: JobPermission.READ },
      timeoutMinutes: 30,
      outputs: { changed: { stepId: 'diff', outputName: 'changed' } },
      steps: [
        ...setup,
        // aws-cdk-lib stays pinned (see .projenrc.ts): integ-runner reads schema <= 53 only.
        { name: 'Upgrade within the pinned ranges', run: 'npx projen upgrade' },
        { name: 'Refresh integ snapshots offline (so the PR does not fail on drift)', run: 'npx projen integ:update' },
        // A new CDK CLI may ship a new bootstrap template: the project's is regenerated from it,
        // and the pull request shows the diff for review (RUNBOOKS.md "Bootstrap template").
        { name: 'Regenerate the bootstrap template from the upgraded CDK CLI', run: 'npx projen bootstrap:template' },
        { name: 'Test', run: 'npx projen test' },
        {
          name: 'The change as one patch',
          id: 'diff',
          run: 'git add -A && git diff --cached --binary > "$RUNNER_TEMP/upgrade.patch" '
            + '&& if [ -s "$RUNNER_TEMP/upgrade.patch" ]; then echo changed=true >> "$GITHUB_OUTPUT"; else echo changed=false >> "$GITHUB_OUTPUT"; fi',
        },
        {
          name: 'Hand the patch to the pull-request job',
          if: "steps.diff.outputs.changed == 'true'",
          uses: ACTIONS.uploadArtifact,
          with: { 'name': 'upgrade-patch', 'path': '${{ runner.temp }}/upgrade.patch', 'retention-days': 1, 'if-no-files-found': 'error' },
        },
      ],
    },
    pullRequest: {
      name: 'Open the upgrade pull request (runs no project code)',
      needs: ['patch'],
      if: "needs.patch.outputs.changed == 'true'",
      runsOn: ['ubuntu-latest'],
      permissions: { contents: JobPermission.WRITE, pullRequests: JobPermission.WRITE },
      timeoutMinutes: 10,
      steps: [
        { name: 'Checkout', uses: ACTIONS.checkout, with: { 'persist-credentials': false } },
        { name: 'The patch from the read-only job', uses: ACTIONS.downloadArtifact, with: { name: 'upgrade-patch', path: '${{ runner.temp }}/patch' } },
        { name: 'Apply it (git only: no install, no scripts)', run: 'git apply --index "$RUNNER_TEMP/patch/upgrade.patch"' },
        {
          name: 'Open a pull request',
          uses: ACTIONS.createPr,
          with: {
            'branch': 'deps/upgrade',
            'title': 'chore(deps): upgrade dependencies',
            'commit-message': 'chore(deps): upgrade dependencies and refresh integ snapshots',
            'body': 'Automated weekly upgrade, made and tested with a read-only token. Integ snapshots were refreshed offline; review the template diff.',
            'delete-branch': true,
          },
        },
      ],
    },
  });

  const integ = github.addWorkflow('integ-deploy');
  integ.on({
    workflowDispatch: {
      inputs: {
        region: { description: 'Region to deploy the integ test into', required: true, default: 'us-east-1', type: 'string' },
        image_tag: { description: 'A commit tag that passed the image gates', required: true, type: 'string' },
      },
    },
  });
  integ.file!.addOverride('permissions', { contents: 'read' });
  integ.addJobs({
    deploy: {
      name: 'integ:deploy in the sandbox account (OIDC, no stored keys)',
      runsOn: ['ubuntu-latest'],
      permissions: { idToken: JobPermission.WRITE, contents: JobPermission.READ },
      timeoutMinutes: 90,
      // Main only, in the `sandbox` environment: the OIDC role trusts exactly
      // repo:<owner>/<repo>:environment:sandbox (bootstrap/integ-github-oidc-role.yaml), and the
      // environment's deployment branches are the default branch (doctor --github checks it).
      if: DEFAULT_BRANCH_ONLY,
      environment: 'sandbox',
      steps: [
        ...setup,
        {
          name: 'AWS credentials from GitHub OIDC (role ARN from the repository variable INTEG_ROLE_ARN)',
          uses: ACTIONS.awsCredentials,
          with: { 'role-to-assume': '${{ vars.INTEG_ROLE_ARN }}', 'aws-region': '${{ inputs.region }}' },
        },
        {
          name: 'Deploy, assert, destroy',
          run: 'npx projen integ:deploy',
          env: {
            INTEG_ACCOUNT: '${{ vars.INTEG_ACCOUNT }}',
            INTEG_REGION: '${{ inputs.region }}',
            INTEG_IMAGE_REPOSITORY_ARN: '${{ vars.INTEG_IMAGE_REPOSITORY_ARN }}',
            INTEG_IMAGE_TAG: '${{ inputs.image_tag }}',
          },
        },
      ],
    },
  });
}
