import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from './repo-root';

/**
 * The test command runs the root tests in SHARD_COUNT shards (test/shards/shard-<n>.shard.ts)
 * instead of one jest test file at a time. jest gives every test file a fresh module registry,
 * so each of the ~140 files loaded and compiled aws-cdk-lib, cdk-nag and our constructs again
 * (the first stage a file builds took ~0.7 s, the next ~0.1 s); a shard loads them once for its
 * files. Measured on this machine, jest alone with two workers: the same 2,055 tests took 146 s
 * of CPU (76 s wall) file by file, 104-112 s in 8 shards and 89-100 s in 4 (each shard loads the
 * modules once more: ~3 s of CPU). Each file still runs in a `describe` of its own (its
 * path), so its hooks and timeouts apply to its tests only; a plain `npx jest <file>` runs one
 * file on its own, as before.
 *
 * Snapshot files are kept per jest test file, and a shard is one: a file that uses
 * `toMatchSnapshot` would read and write the shard's snapshots, so registerShard refuses it
 * (compare with a committed file instead, as test/synth/assertions/assertion-drift.test.ts does).
 */
export const SHARD_COUNT = 4;

/** Every root test file (`test/**\/*.test.ts`, fixtures excluded), relative to the repository, sorted. */
export function rootTestFiles(root = REPO_ROOT): string[] {
  return (fs.readdirSync(path.join(root, 'test'), { recursive: true, encoding: 'utf8' }) as string[])
    .filter((f) => f.endsWith('.test.ts') && !f.startsWith(`fixtures${path.sep}`))
    .map((f) => path.join('test', f))
    .sort();
}

/**
 * The files of shard `index` (1-based) of `count`. The shards should take about the same time,
 * or one jest worker idles while the other finishes: each file goes, largest first, to the shard
 * with the fewest bytes so far. A file's size follows its cost closely enough here (measured on
 * the per-file times of a full run: 4 shards of 33/34/32/32 s, where every 4th file by name gave
 * 29/35/42/25 s). `sizeOf` is for the tests.
 */
export function shardFiles(index: number, count: number, files: readonly string[] = rootTestFiles(),
  sizeOf: (file: string) => number = (file) => fs.statSync(path.join(REPO_ROOT, file)).size): string[] {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 1 || index > count) {
    throw new Error(`shard ${index} of ${count}: give a shard number from 1 to the count`);
  }
  const sized = files.map((file) => ({ file, size: sizeOf(file) }))
    .sort((a, b) => b.size - a.size || a.file.localeCompare(b.file));
  const totals = new Array<number>(count).fill(0);
  const mine: string[] = [];
  for (const { file, size } of sized) {
    const lightest = totals.indexOf(Math.min(...totals));
    totals[lightest] += size;
    if (lightest === index - 1) mine.push(file);
  }
  return mine.sort();
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
