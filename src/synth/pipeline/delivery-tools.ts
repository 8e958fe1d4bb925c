import * as fs from 'fs';
import * as path from 'path';
import { NODE_MAJOR } from '../../shared/versions/toolchain';
import { bundleSettingsFiles, repositoryRootHolding } from '../constructs/bundled-handler';
import { cachedBundle } from '../constructs/cached-bundle';

/**
 * The CLIs the pipeline's CodeBuild actions run, by their path under `<cdk.out>/.delivery-tools/`
 * (without `.js`), and their source relative to the repository root. They travel in the cloud
 * assembly as single bundled files, so those actions need no `npm ci` of their own.
 */
export const DELIVERY_TOOLS: Readonly<Record<string, string>> = {
  'supply-chain/gate-cli': 'src/codebuild/image-gate/gate-cli.ts',
  'change-report/report-cli': 'src/codebuild/change-report/report-cli.ts',
  'bake/bake-cli': 'src/codebuild/bake/bake-cli.ts',
};

/**
 * Writes the bundled CLIs into `<assemblyDir>/.delivery-tools/`. They are bundled by esbuild
 * (one build, AWS SDK clients included) only when a file they bundle changed since the last
 * synth (cachedBundle, `.cache/bundles/`); otherwise the last build is copied.
 */
export function writeDeliveryTools(assemblyDir: string): void {
  const root = repositoryRootHolding(Object.values(DELIVERY_TOOLS)[0]);
  const bundle = cachedBundle({
    name: 'delivery-tools',
    cacheDir: path.join(root, '.cache', 'bundles'),
    extraInputs: bundleSettingsFiles(root),
    options: {
      entryPoints: Object.fromEntries(Object.entries(DELIVERY_TOOLS).map(([out, source]) => [out, path.join(root, source)])),
      outdir: '.',
      absWorkingDir: root,
      bundle: true,
      platform: 'node',
      target: `node${NODE_MAJOR}`,
      logLevel: 'warning',
    },
  });
  fs.cpSync(bundle, path.join(assemblyDir, '.delivery-tools'), { recursive: true });
}
