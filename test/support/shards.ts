import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from './repo-root';

/**
 * The test command runs the root tests in SHARD_COUNT shards (test/shards/shard-<n>.shard.ts)
 * instead of one jest test file at a time. jest gives every test file a fresh module registry,
 * so each of the ~140 files loaded and compiled aws-cdk-lib, cdk-nag and our constructs again
 * (the first stage a file builds took ~0.7 s, the next ~0.1 s); a shard loads them once for its
 * files. Measured on this machine: the same 2,048 tests took 146 s of CPU (76 s wall) file by
 * file and 91 s (48 s wall) in 8 shards. Each file still runs in a `describe` of its own (its
 * path), so its hooks and timeouts apply to its tests only; a plain `npx jest <file>` runs one
 * file on its own, as before.
 *
 * Snapshot files are kept per jest test file, and a shard is one: a file that uses
 * `toMatchSnapshot` would read and write the shard's snapshots, so registerShard refuses it
 * (compare with a committed file instead, as test/synth/assertions/assertion-drift.test.ts does).
 */
export const SHARD_COUNT = 8;

/** Every root test file (`test/**\/*.test.ts`, fixtures excluded), relative to the repository, sorted. */
export function rootTestFiles(root = REPO_ROOT): string[] {
  return (fs.readdirSync(path.join(root, 'test'), { recursive: true, encoding: 'utf8' }) as string[])
    .filter((f) => f.endsWith('.test.ts') && !f.startsWith(`fixtures${path.sep}`))
    .map((f) => path.join('test', f))
    .sort();
}

/** The files of shard `index` (1-based) of `count`: every count-th file of the sorted list, so a new file moves no other file between shards but the ones after it. */
export function shardFiles(index: number, count: number, files: readonly string[] = rootTestFiles()): string[] {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 1 || index > count) {
    throw new Error(`shard ${index} of ${count}: give a shard number from 1 to the count`);
  }
  return files.filter((_, i) => i % count === index - 1);
}

/** Registers the tests of shard `index` of `count`: each file inside a `describe` named by its path. */
export function registerShard(index: number, count: number): void {
  for (const file of shardFiles(index, count)) {
    const absolute = path.join(REPO_ROOT, file);
    if (/\btoMatch(Inline)?Snapshot\(/.test(fs.readFileSync(absolute, 'utf8'))) {
      throw new Error(`${file} uses a jest snapshot, which a shard would keep under its own name: compare with a committed file instead (test/support/shards.ts)`);
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    describe(file, () => { require(absolute); });
  }
}
