import * as fs from 'fs';
import * as path from 'path';
import { cachedBundle } from './cached-bundle';
import { NODE_MAJOR } from '../../shared/versions/toolchain';

const bundled = new Map<string, string>();

/**
 * The repository root: found by walking up from this file to the directory that holds `file`
 * (relative to the root). This file runs from src/ (tests, ts-node) or from a bundle under
 * .cache/ (the synth).
 */
export function repositoryRootHolding(file: string): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, file))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find ${file} above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

/** The files besides the bundled sources that decide a bundle's bytes: dependencies and compiler settings. */
export function bundleSettingsFiles(root: string): string[] {
  return ['package-lock.json', 'package.json', 'tsconfig.json'].map((f) => path.join(root, f));
}

/**
 * A Lambda handler of src/lambda/ bundled by esbuild (no Docker) into a directory with
 * `index.js`. `handlerSource` is relative to the repository root. Built once per process and
 * handler (every use in a synth shares the directory, hence the asset hash), and only when an
 * input changed since the last synth (cachedBundle: `.cache/bundles/`, keyed by the content of
 * every file bundled). The AWS SDK clients a handler imports are bundled with it (pinned by
 * package-lock.json), not taken from the runtime. `external`: modules left out of the bundle
 * (an optional native add-on a driver only tries, such as pg's `pg-native`).
 */
export function bundledHandlerCode(handlerSource: string, external: readonly string[] = []): string {
  const cached = bundled.get(handlerSource);
  if (cached) return cached;
  const root = repositoryRootHolding(handlerSource);
  const out = cachedBundle({
    name: path.basename(handlerSource, '.ts').replace(/\W+/g, '-'),
    cacheDir: path.join(root, '.cache', 'bundles'),
    extraInputs: bundleSettingsFiles(root),
    options: {
      entryPoints: [path.join(root, handlerSource)],
      outfile: 'index.js',
      absWorkingDir: root,
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'cjs',
      target: `node${NODE_MAJOR}`,
      external: [...external],
      logLevel: 'warning',
    },
  });
  bundled.set(handlerSource, out);
  return out;
}
