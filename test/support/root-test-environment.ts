import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TestEnvironment } from 'jest-environment-node';
import { NODE_MAJOR } from '../../src/shared/versions/toolchain';

// The module object itself (a namespace import would be a copy): its createContext is swapped
// while jest's environment is built.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeVm: typeof import('vm') = require('vm');

/** The prefix of each jest test file's own temporary directory. */
export const TEST_FILE_TMP_PREFIX = 'jest-file-';

/**
 * The root tests' jest environment: jest's node environment with two changes.
 *
 * 1. Each test file's global object is an ordinary one. jest-environment-node makes the global
 *    of a test file's context from a JavaScript Proxy (`vm.createContext(proxy)`, to track what
 *    tests set on it). Such a context's global object forwards every lookup of a global
 *    (`Object`, `Array`, `Symbol`, `JSON`...) through V8's interceptors and that Proxy, and
 *    aws-cdk-lib looks them up constantly: a CDK synthesis under jest took ~1.35 times as long
 *    as the same synthesis in plain Node.js. Node.js 22.8+ can make a context whose global is
 *    ordinary (`vm.constants.DONT_CONTEXTIFY`), and jest builds its environment on such a
 *    context here. Every jest test file still gets a context of its own (its own globals, jest's
 *    own setup of them, fake timers, teardown); what jest no longer does is record the globals a
 *    test file sets to delete them at teardown, and the context is dropped then anyway.
 *    Measured on this machine (2 cores), `test:code` alone, interleaved: 95.6 and 109.7 s of CPU
 *    with jest's environment, 75.9 and 94.5 s with this one, the same 2,066 tests passing.
 * 2. Each test file's temporary files go to a directory of its own (see `scratch`), removed
 *    when the file ends.
 */
export default class RootTestEnvironment extends TestEnvironment {
  /**
   * This test file's temporary directory: $TMPDIR (so `os.tmpdir()`) while it runs, removed at
   * teardown. Every app a test synthesizes without an outdir writes its whole cloud assembly to
   * a `cdk.out*` directory under `os.tmpdir()`, and the tests' scratch directories go there too:
   * kept in /tmp, one test command left ~90 assemblies and ~100 scratch directories behind
   * (31 GB in 11,000 `cdk.out*` directories on this machine after a few hundred runs).
   */
  declare private scratch: string;
  declare private previousTmpdir: string | undefined;

  constructor(...args: ConstructorParameters<typeof TestEnvironment>) {
    if (nodeVm.constants?.DONT_CONTEXTIFY === undefined) {
      throw new Error(`test/support/root-test-environment.ts: Node.js ${process.version} has no vm.constants.DONT_CONTEXTIFY (22.8 and later do); `
        + `run the tests on Node.js ${NODE_MAJOR} (package.json engines)`);
    }
    // Set before jest copies the worker's environment into the test file's `process.env` (while
    // it builds the environment), so the processes its tests start use the directory too.
    const previousTmpdir = process.env.TMPDIR;
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), TEST_FILE_TMP_PREFIX));
    // Traversable by other users, as /tmp is: the PostgreSQL server the rotation tests start
    // (app/tools/local-postgres.ts) runs as another user when the tests run as root.
    fs.chmodSync(scratch, 0o755);
    process.env.TMPDIR = scratch;
    const createContext = nodeVm.createContext;
    nodeVm.createContext = (() => createContext(nodeVm.constants.DONT_CONTEXTIFY)) as typeof createContext;
    try {
      super(...args);
    } finally {
      nodeVm.createContext = createContext;
    }
    this.scratch = scratch;
    this.previousTmpdir = previousTmpdir;
    // A context made with DONT_CONTEXTIFY is its own global object. If a jest upgrade builds
    // the context another way, say so instead of silently testing (more slowly) in another one.
    if (this.context !== this.global) {
      throw new Error('test/support/root-test-environment.ts: jest-environment-node no longer builds its context with vm.createContext; '
        + 'update this environment for the installed jest, or remove it from testEnvironment in .projenrc.ts');
    }
  }

  override async teardown(): Promise<void> {
    if (this.previousTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = this.previousTmpdir;
    fs.rmSync(this.scratch, { recursive: true, force: true });
    await super.teardown();
  }
}
