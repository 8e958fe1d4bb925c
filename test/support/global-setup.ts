import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { bundleCli } from './bundle-cli';
import { REPO_ROOT } from './repo-root';
import { recordedWeights } from './shards';

/**
 * Jest globalSetup: synthesize the sample app once per run, exactly as `npx projen synth`
 * does (src/main.ts bundled by esbuild), for the tests that read it (test/support/
 * sample-assembly.ts). The test command synthesizes before jest starts and passes that
 * cdk.out in $SAMPLE_ASSEMBLY, so nothing is synthesized twice.
 */
export default function globalSetup(): void {
  const root = REPO_ROOT;
  // V8's compile cache for every node process the tests start (the bundled CLIs, the app):
  // the workers inherit this environment.
  process.env.NODE_COMPILE_CACHE ??= path.join(root, '.cache', 'node-compile-cache');
  // The times the shards deal their files by, read once so that every worker deals the same
  // shards while a finished shard records new times (test/support/shards.ts).
  process.env.TEST_SHARD_WEIGHTS ??= JSON.stringify(recordedWeights());
  if (process.env.SAMPLE_ASSEMBLY) return;
  const outdir = path.join(root, '.cache', 'sample-assembly');
  fs.rmSync(outdir, { recursive: true, force: true });
  const run = spawnSync(process.execPath, [bundleCli('src/main.ts', { externalPackages: true })], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, CDK_OUTDIR: outdir },
  });
  if (run.status !== 0) throw new Error(`synthesizing the sample app for the tests failed:\n${run.stderr}`);
  process.env.SAMPLE_ASSEMBLY = outdir;
}
