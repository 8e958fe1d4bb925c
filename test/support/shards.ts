import * as fs from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { REPO_ROOT } from './repo-root';
import { writeFileAtomically } from '../../src/shared/cache-files';

/**
 * The test command runs the root tests in SHARD_COUNT shards (test/shards/shard-<n>.shard.ts)
 * instead of one jest test file at a time. jest gives every test file a fresh module registry,
 * so each of the ~140 files loaded and compiled aws-cdk-lib, cdk-nag and our constructs again
 * (the first stage a file builds took ~0.7 s, the next ~0.1 s); a shard loads them once for its
 * files. Measured on this machine, jest alone with two workers: the same 2,055 tests took 146 s
 * of CPU (76 s wall) file by file, 104-112 s in 8 shards and 89-100 s in 4: each shard loads
 * the modules once more (~3 s of CPU). Four shards for the two workers, not two: a worker that
 * runs two shards can balance a misdealt one, and a shard's heap grows with its files. Two series
 * of whole test commands disagreed (two shards 78-100 s, four 79-88 s; later two 75-92 s, four
 * 87-95 s, the two shards ending up to 12 s apart): docs/performance.md. Each file still
 * runs in a `describe` of its own (its path), so its hooks and timeouts apply to its tests
 * only; a plain `npx jest <file>` runs one file on its own, as before.
 *
 * The shards must take about the same time, or one worker idles while the other finishes. Each
 * shard records how long each of its files took (`.cache/shard-weights/`), and the next run
 * deals the files out by those times, longest first, each to the shard with the least time so
 * far. The times are read once per run, in jest's globalSetup ($TEST_SHARD_WEIGHTS), so every
 * worker deals the same hand even while another shard writes new times. Without recorded times
 * (a fresh clone), a file counts as the median of those known, or 1 s.
 *
 * Snapshot files are kept per jest test file, and a shard is one: a file that uses
 * `toMatchSnapshot` would read and write the shard's snapshots, so no root test may use one
 * (test/structure/shards.test.ts; compare with a committed file instead, as
 * test/synth/assertions/assertion-drift.test.ts does).
 */
export const SHARD_COUNT = 4;

/** Where the shards record how long each file took (seconds, by file). */
export const SHARD_WEIGHTS_DIR = path.join(REPO_ROOT, '.cache', 'shard-weights');

/** Every root test file (`test/**\/*.test.ts`, fixtures excluded), relative to the repository, sorted. */
export function rootTestFiles(root = REPO_ROOT): string[] {
  return (fs.readdirSync(path.join(root, 'test'), { recursive: true, encoding: 'utf8' }) as string[])
    .filter((f) => f.endsWith('.test.ts') && !f.startsWith(`fixtures${path.sep}`))
    .map((f) => path.join('test', f))
    .sort();
}

/** The recorded times of the last runs (seconds by file): the newest record of each file wins. */
export function recordedWeights(dir = SHARD_WEIGHTS_DIR): Record<string, number> {
  if (!fs.existsSync(dir)) return {};
  const records = fs.readdirSync(dir).filter((f) => f.endsWith('.json'))
    .map((f) => ({ file: path.join(dir, f), mtime: fs.statSync(path.join(dir, f)).mtimeMs }))
    .sort((a, b) => a.mtime - b.mtime);
  const weights: Record<string, number> = {};
  for (const { file } of records) {
    try {
      for (const [test, seconds] of Object.entries(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>)) {
        if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0) weights[test] = seconds;
      }
    } catch {
      // A record cut short: its files count as unknown.
    }
  }
  return weights;
}

/** The weights this run deals by: frozen by globalSetup in $TEST_SHARD_WEIGHTS, else read now. */
function runWeights(): Record<string, number> {
  const frozen = process.env.TEST_SHARD_WEIGHTS;
  return frozen ? JSON.parse(frozen) as Record<string, number> : recordedWeights();
}

/**
 * The files of shard `index` (1-based) of `count`: longest first (by `weights`, seconds; a file
 * without one counts as the median of the known, or 1), each to the shard with the least time so
 * far; ties by name, so the same weights always deal the same shards.
 */
export function shardFiles(index: number, count: number, files: readonly string[] = rootTestFiles(),
  weights: Readonly<Record<string, number>> = runWeights()): string[] {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 1 || index > count) {
    throw new Error(`shard ${index} of ${count}: give a shard number from 1 to the count`);
  }
  const known = files.map((f) => weights[f]).filter((w): w is number => w !== undefined).sort((a, b) => a - b);
  const fallback = known.length ? known[Math.floor(known.length / 2)] : 1;
  const weighed = files.map((file) => ({ file, weight: weights[file] ?? fallback }))
    .sort((a, b) => b.weight - a.weight || a.file.localeCompare(b.file));
  const totals = new Array<number>(count).fill(0);
  const mine: string[] = [];
  for (const { file, weight } of weighed) {
    const lightest = totals.indexOf(Math.min(...totals));
    totals[lightest] += weight;
    if (lightest === index - 1) mine.push(file);
  }
  return mine.sort();
}

/**
 * Registers the tests of shard `index` of `count`: each file inside a `describe` named by its
 * path, timed from its loading to its last hook; the times are written for the next run.
 */
export function registerShard(index: number, count: number): void {
  const times: Record<string, number> = {};
  for (const file of shardFiles(index, count)) {
    const absolute = path.join(REPO_ROOT, file);
    describe(file, () => {
      let started = 0;
      // Before the file's own hooks (hooks run in the order they are declared).
      beforeAll(() => { started = performance.now(); });
      const loading = performance.now();
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(absolute);
      const loaded = performance.now() - loading;
      afterAll(() => {
        if (started) times[file] = Math.round(loaded + performance.now() - started) / 1000;
      });
    });
  }
  afterAll(() => {
    fs.mkdirSync(SHARD_WEIGHTS_DIR, { recursive: true });
    writeFileAtomically(path.join(SHARD_WEIGHTS_DIR, `shard-${index}-of-${count}.json`), `${JSON.stringify(times, null, 1)}\n`);
  });
}
