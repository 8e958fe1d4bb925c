import { awscdk, javascript } from 'projen';
import { UpdateSnapshot } from 'projen/lib/javascript';
import { addAppProject } from './projenrc/app-project';

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
  minNodeVersion: '20.0.0',

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
  app: 'node -r ts-node/register/transpile-only src/main.ts',

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
    '@aws-sdk/credential-providers@^3',
  ],
  devDeps: [
    '@swc/core',
    '@swc/jest',
    '@aws-cdk/integ-runner@2.197.10',
  ],

  jestOptions: {
    // projen's default runs `jest --updateSnapshot`, so snapshot tests could never fail.
    updateSnapshot: UpdateSnapshot.NEVER,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '/cdk.out/', '/app/'],
      coverageProvider: 'v8',
    },
  },

  github: true,
  githubOptions: { mergify: false },
  release: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  sampleCode: false,
  licensed: false,
  gitignore: ['cdk.out', '*.out', '/reports/', '.trivycache/'],
});

// ---------------------------------------------------------------------------------------
// jest through @swc/jest: ~5 s instead of ~33 s with ts-jest on the same suite. swc only
// strips types; `compile` type-checks src, test and integ once with `tsc --noEmit`.
// ---------------------------------------------------------------------------------------
project.jest!.config.transform = {
  '^.+\\.ts$': new javascript.Transform('@swc/jest'),
};
project.deps.removeDependency('ts-jest');

// `compile` type-checks only (the app runs through ts-node, nothing is emitted).
project.compileTask.reset('tsc --noEmit -p tsconfig.dev.json');

import { addOpsTasks } from './projenrc/ops-tasks';
addOpsTasks(project);

addAppProject(project);

project.synth();
