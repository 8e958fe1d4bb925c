import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vm from 'vm';
import { REPO_ROOT } from '../support/repo-root';
import { TEST_FILE_TMP_PREFIX } from '../support/root-test-environment';

/**
 * The root tests run in test/support/root-test-environment.ts: jest's node environment on a
 * context whose global object is ordinary (vm.constants.DONT_CONTEXTIFY), still one per jest test file,
 * with a temporary directory of that file's own.
 */
describe('the root tests\' jest environment', () => {
  test('is test/support/root-test-environment.ts', () => {
    const config = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).jest;
    expect(config.testEnvironment).toBe('<rootDir>/test/support/root-test-environment.ts');
  });

  test('this file\'s global object is its context itself (jest\'s own environment answers false: its global is a Proxy\'s)', () => {
    expect(vm.isContext(globalThis)).toBe(true);
  });

  test('temporary files go to a directory of this file\'s own (removed at teardown), the processes it starts included', () => {
    expect(path.basename(os.tmpdir())).toMatch(new RegExp(`^${TEST_FILE_TMP_PREFIX}`));
    expect(path.basename(path.dirname(os.tmpdir()))).not.toMatch(new RegExp(`^${TEST_FILE_TMP_PREFIX}`));
    expect(fs.statSync(os.tmpdir()).isDirectory()).toBe(true);
    expect(process.env.TMPDIR).toBe(os.tmpdir());
  });

  test('and it is not the worker\'s own global: each jest test file (in the test command, each shard) keeps a context of its own', () => {
    expect(vm.runInThisContext('globalThis')).not.toBe(globalThis);
  });
});
