import { TestEnvironment } from 'jest-environment-node';
import { NODE_MAJOR } from '../../src/shared/versions/toolchain';

// The module object itself (a namespace import would be a copy): its createContext is swapped
// while jest's environment is built.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeVm: typeof import('vm') = require('vm');

/**
 * jest's node environment, except that each test file's global object is an ordinary one.
 *
 * jest-environment-node makes the global of a test file's context from a JavaScript Proxy
 * (`vm.createContext(proxy)`, to track what tests set on it). Such a context's global object
 * forwards every lookup of a global (`Object`, `Array`, `Symbol`, `JSON`...) through V8's
 * interceptors and that Proxy, and aws-cdk-lib looks them up constantly: a CDK synthesis under
 * jest took ~1.35 times as long as the same synthesis in plain Node.js. Node.js 22.8+ can make a
 * context whose global is ordinary (`vm.constants.DONT_CONTEXTIFY`); this environment has jest
 * build its environment on such a context and changes nothing else: every jest test file still gets
 * a context of its own (its own globals, jest's own setup of them, fake timers, teardown). What
 * jest no longer does is record the globals a test file sets, to delete them at teardown; the
 * context is dropped at teardown anyway.
 *
 * Measured on this machine (2 cores), `test:code` alone, interleaved: 95.6 and 109.7 s of CPU
 * with jest's environment, 75.9 and 94.5 s with this one, the same 2,066 tests passing.
 */
export default class PlainGlobalEnvironment extends TestEnvironment {
  constructor(...args: ConstructorParameters<typeof TestEnvironment>) {
    if (nodeVm.constants?.DONT_CONTEXTIFY === undefined) {
      throw new Error(`test/support/plain-global-environment.ts: Node.js ${process.version} has no vm.constants.DONT_CONTEXTIFY (22.8 and later do); `
        + `run the tests on Node.js ${NODE_MAJOR} (package.json engines)`);
    }
    const createContext = nodeVm.createContext;
    nodeVm.createContext = (() => createContext(nodeVm.constants.DONT_CONTEXTIFY)) as typeof createContext;
    try {
      super(...args);
    } finally {
      nodeVm.createContext = createContext;
    }
    // A context made with DONT_CONTEXTIFY is its own global object. If a jest upgrade builds
    // the context another way, say so instead of silently testing (more slowly) in another one.
    if (this.context !== this.global) {
      throw new Error('test/support/plain-global-environment.ts: jest-environment-node no longer builds its context with vm.createContext; '
        + 'update this environment for the installed jest, or remove it from testEnvironment in .projenrc.ts');
    }
  }
}
