import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
// esbuild bundles the handlers at synth, which always runs with devDependencies installed (here
// and in the pipeline's synth step, after `npm ci`); the deployed templates never load it.
// eslint-disable-next-line import/no-extraneous-dependencies
import { buildSync } from 'esbuild';
import { NODE_MAJOR } from '../../shared/versions/toolchain';

const bundled = new Map<string, string>();

/**
 * A Lambda handler of src/lambda/ bundled by esbuild (no Docker) into a directory with
 * `index.js`, ONCE per process and handler: every use in a synth shares the same directory,
 * hence the same asset hash. `handlerSource` is relative to the repository root; the root is
 * found by walking up from this file, which runs from src/ (tests, ts-node) or from the synth
 * bundle in .cache/synth/. The AWS SDK clients a handler imports are bundled with it (pinned by
 * package-lock.json), not taken from the runtime. `external`: modules left out of the bundle
 * (an optional native add-on a driver only tries, such as pg's `pg-native`).
 */
export function bundledHandlerCode(handlerSource: string, external: readonly string[] = []): string {
  const cached = bundled.get(handlerSource);
  if (cached) return cached;
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, handlerSource))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find ${handlerSource} above ${__dirname}`);
    dir = parent;
  }
  const out = fs.mkdtempSync(path.join(os.tmpdir(), `${path.basename(handlerSource, '.ts').replace(/\W+/g, '-')}-`));
  buildSync({
    entryPoints: [path.join(dir, handlerSource)],
    outfile: path.join(out, 'index.js'),
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'cjs',
    target: `node${NODE_MAJOR}`,
    external: [...external],
    logLevel: 'warning',
  });
  // Assets are staged (copied into the assembly) at synth, later in the same process.
  process.once('exit', () => fs.rmSync(out, { recursive: true, force: true }));
  bundled.set(handlerSource, out);
  return out;
}
