import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
// esbuild bundles at synth, which always runs with devDependencies installed (here and in the
// pipeline's synth step, after `npm ci`); the deployed templates never load it.
// eslint-disable-next-line import/no-extraneous-dependencies
import { buildSync, BuildOptions, version as esbuildVersion } from 'esbuild';
import { removeUntouchedFor, writeFileAtomically } from '../../shared/cache-files';

/** Props of cachedBundle. */
export interface CachedBundleProps {
  /**
   * A name for the bundle: the cache keeps its builds in `<cacheDir>/<name>/<key>/` and the
   * inputs of the last build in `<cacheDir>/<name>/inputs.json`. (The build directory's name has
   * no dot: CDK keeps a directory's "extension" in the name of the staged asset.)
   */
  readonly name: string;
  /**
   * esbuild's options, with `outdir` or `outfile` relative to the output directory this returns
   * (e.g. `outfile: 'index.js'`), and `absWorkingDir` (the paths in the bundle's comments are
   * relative to it; default: the current directory). `metafile` and `write` are set here.
   */
  readonly options: BuildOptions;
  /** The directory of the cache, e.g. `<repository>/.cache/bundles`. */
  readonly cacheDir: string;
  /**
   * Files that decide the output without being bundled (the lock file, tsconfig.json): part of
   * the key. Missing files count as empty.
   * @default - none
   */
  readonly extraInputs?: readonly string[];
}

/** The recorded inputs of the last build of a bundle (`<name>/inputs.json`). */
interface InputsHint {
  readonly inputs: string[];
}

/**
 * An esbuild bundle, built only when one of its inputs changed: returns the directory that holds
 * it. The key of a build is a hash of esbuild's version, the options, and the path and content of
 * every file esbuild read for it (its metafile's inputs: the sources and every node_modules file)
 * plus `extraInputs`. The next call re-hashes the inputs the last build recorded: the same key
 * reuses `<name>/<key>/`; any changed byte (a new import changes the file that imports it) is a
 * new key and a new build. The output is byte-for-byte what a fresh build writes, so asset hashes
 * do not depend on the cache. A fresh checkout (the pipeline's synth step) has no cache and builds.
 *
 * Safe for concurrent processes (jest workers, a synth beside the tests): each builds into its
 * own temporary directory and renames it into place; the first rename wins.
 */
export function cachedBundle(props: CachedBundleProps): string {
  const home = path.join(props.cacheDir, props.name);
  fs.mkdirSync(home, { recursive: true });
  const hintFile = path.join(home, 'inputs.json');
  const hint = readHint(hintFile);
  if (hint) {
    const dir = path.join(home, keyOf(props, hint.inputs));
    if (fs.existsSync(dir)) return dir;
  }
  const tmp = fs.mkdtempSync(path.join(home, 'tmp-'));
  const options = { ...props.options, metafile: true, write: true, absWorkingDir: props.options.absWorkingDir ?? process.cwd() };
  if (options.outfile) options.outfile = path.join(tmp, options.outfile);
  if (options.outdir) options.outdir = path.join(tmp, options.outdir);
  const result = buildSync(options);
  const inputs = Object.keys(result.metafile!.inputs).map((input) => path.resolve(options.absWorkingDir, input)).sort();
  const dir = path.join(home, keyOf(props, inputs));
  try {
    fs.renameSync(tmp, dir);
  } catch {
    // Another process built the same key first: theirs is identical.
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  writeFileAtomically(hintFile, JSON.stringify({ inputs } satisfies InputsHint));
  // Builds of the same bundle (and abandoned temporary directories) untouched for a day go.
  removeUntouchedFor(home, DAY_MS, [dir, 'inputs.json']);
  return dir;
}

function keyOf(props: CachedBundleProps, inputs: readonly string[]): string {
  const hash = createHash('sha256');
  const options = { ...props.options, absWorkingDir: props.options.absWorkingDir ?? process.cwd() };
  hash.update(`esbuild ${esbuildVersion}\0${JSON.stringify(options)}\0`);
  for (const file of [...inputs, ...(props.extraInputs ?? [])]) {
    hash.update(`${file}\0`);
    hash.update(fs.existsSync(file) ? fs.readFileSync(file) : '');
    hash.update('\0');
  }
  return hash.digest('hex').slice(0, 20);
}

function readHint(file: string): InputsHint | undefined {
  try {
    const hint = JSON.parse(fs.readFileSync(file, 'utf8')) as InputsHint;
    return Array.isArray(hint.inputs) ? hint : undefined;
  } catch {
    return undefined;
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;
