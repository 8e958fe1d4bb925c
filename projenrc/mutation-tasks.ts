import { awscdk, JsonFile } from 'projen';

/** One pure-logic module under mutation testing. */
export interface MutatedModule {
  /** The module's name: `mutate:<name>`, `stryker/<name>.json`, `reports/mutation/<name>.*`. */
  readonly name: string;
  /**
   * Its folder under src/ (and under test/, where its tests live).
   * @default name
   */
  readonly dir?: string;
  /**
   * Mutation score (%) below which `mutate:<name>` fails: set from the first measurement on
   * this machine (docs/mutation-testing.md), so a change that leaves new mutants alive fails.
   */
  readonly breakBelow: number;
  /**
   * The source files to mutate, relative to the repository root.
   * @default every `*.ts` under `src/<dir>/`
   */
  readonly sources?: readonly string[];
  /**
   * The test files that exercise the module, relative to the repository root.
   * @default every `*.test.ts` under `test/<dir>/`
   */
  readonly tests?: readonly string[];
  /**
   * Test files left out of the run: ones that synthesize whole apps (seconds per mutant) to
   * check wiring outside the module, not the module's logic.
   * @default none
   */
  readonly ignoreTests?: readonly string[];
  /**
   * Whether some of its tests read the synthesized sample app: the task then synthesizes it
   * first and points $SAMPLE_ASSEMBLY at it (Stryker's sandbox copy leaves cdk.out out).
   * @default false
   */
  readonly readsSampleAssembly?: boolean;
}

/**
 * `npx projen mutate`: StrykerJS (jest runner, per-test coverage analysis) over the pure-logic
 * modules. Not part of the test command (minutes, not seconds): run it before a release or
 * after changing one of these modules, and raise the thresholds when the scores rise.
 *
 * One Stryker configuration per module (`stryker/<module>.json`, generated here), so each run
 * mutates only `src/<dir>/` and runs only the tests of that module: the score is per module, the
 * runs are independent (`npx projen mutate:config` alone). The jest globalSetup is switched
 * off; a module whose tests read the sample assembly gets it synthesized once, before the run.
 * Reports go to reports/mutation/ (git-ignored).
 *
 * @param project the root project
 * @param modules the modules and their thresholds
 */
export function addMutationTasks(project: awscdk.AwsCdkTypeScriptApp, modules: readonly MutatedModule[]): void {
  // Stryker 10 requires Node.js 22; the project still supports Node.js 20 (minNodeVersion),
  // so the 9.6 line (Node >= 20). The jest runner's peer dependency is the exact core version.
  project.addDevDeps('@stryker-mutator/core@~9.6.1', '@stryker-mutator/jest-runner@~9.6.1');
  project.gitignore.exclude('/.stryker-tmp/');

  const all = project.addTask('mutate', {
    description: 'Mutation testing (StrykerJS) of src/config, src/codebuild/image-gate, src/codebuild/change-report and src/terminal/ops; fails below each module\'s threshold',
  });
  for (const module of modules) {
    const dir = module.dir ?? module.name;
    const configFile = `stryker/${module.name}.json`;
    new JsonFile(project, configFile, {
      obj: {
        $schema: '../node_modules/@stryker-mutator/core/schema/stryker-schema.json',
        mutate: module.sources ?? [`src/${dir}/**/*.ts`],
        testRunner: 'jest',
        jest: {
          projectType: 'custom',
          config: {
            testMatch: (module.tests ?? [`test/${dir}/**/*.test.ts`]).map((glob) => `<rootDir>/${glob}`),
            testPathIgnorePatterns: ['/node_modules/', ...(module.ignoreTests ?? [])],
            globalSetup: null,
            collectCoverage: false,
            reporters: ['default'],
          },
        },
        coverageAnalysis: 'perTest',
        // Static mutants (module-level values such as the zod schemas' constants) are active
        // while a module loads, so each one re-runs every test in a fresh module registry:
        // measured on src/config, 48% of the mutants and ~93% of the time (~55 min instead of
        // ~4). They are reported as ignored, outside the score; docs/mutation-testing.md says so.
        ignoreStatic: true,
        // The sandbox copy needs the sources, tests, fixtures, sample config and docs (the config
        // tests check docs/config-rules.md against the schema) only.
        ignorePatterns: ['/app', '/cdk.out', '/integ', '/.cache', '/reports', '/test-reports', '/coverage', '/bootstrap/rendered'],
        concurrency: 2,
        // A mutant that makes a loop endless (the ECR wait's polling, say) is stopped after its
        // tests' normal time x1.5 plus this margin, and counts as detected. 60 s cost the first
        // supply-chain run ~25 of its minutes in such timeouts; 10 s still allows for load.
        timeoutMS: 10_000,
        reporters: ['clear-text', 'progress', 'html', 'json'],
        htmlReporter: { fileName: `reports/mutation/${module.name}.html` },
        jsonReporter: { fileName: `reports/mutation/${module.name}.json` },
        thresholds: { high: 90, low: 80, break: module.breakBelow },
        tempDirName: `.stryker-tmp/${module.name}`,
        cleanTempDir: true,
      },
      // JSON has no comments: the reasons live in projenrc/mutation-tasks.ts.
      marker: false,
    });
    const task = project.addTask(`mutate:${module.name}`, {
      description: `Mutation testing of src/${dir} (fails below ${module.breakBelow}%)`,
    });
    if (module.readsSampleAssembly) {
      task.spawn(project.tasks.tryFind('synth')!);
      task.exec(`SAMPLE_ASSEMBLY="$PWD/cdk.out" stryker run ${configFile}`);
    } else {
      task.exec(`stryker run ${configFile}`);
    }
    all.spawn(task);
  }
}
