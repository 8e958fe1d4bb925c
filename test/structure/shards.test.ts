import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from '../support/repo-root';
import { rootTestFiles, SHARD_COUNT, shardFiles } from '../support/shards';

/** The shards the test command runs must hold every root test file, once (test/support/shards.ts). */
describe('test shards', () => {
  const files = rootTestFiles();

  test('every root test file is in exactly one shard', () => {
    const sharded = Array.from({ length: SHARD_COUNT }, (_, i) => shardFiles(i + 1, SHARD_COUNT)).flat();
    expect(files.length).toBeGreaterThan(100);
    expect([...sharded].sort()).toEqual(files);
    expect(new Set(sharded).size).toBe(sharded.length);
    expect(files).toContain(path.join('test', 'structure', 'shards.test.ts'));
    expect(files.filter((f) => f.startsWith(path.join('test', 'fixtures')))).toEqual([]);
  });

  test('test/shards holds shard 1 to SHARD_COUNT, each registering its own number', () => {
    const dir = path.join(REPO_ROOT, 'test', 'shards');
    expect(fs.readdirSync(dir).sort()).toEqual(Array.from({ length: SHARD_COUNT }, (_, i) => `shard-${i + 1}.shard.ts`).sort());
    for (let n = 1; n <= SHARD_COUNT; n++) {
      expect(fs.readFileSync(path.join(dir, `shard-${n}.shard.ts`), 'utf8')).toMatch(new RegExp(`\\nregisterShard\\(${n}, SHARD_COUNT\\);\\n$`));
    }
  });

  test('the test command runs the shards and nothing else; a plain `npx jest` runs the files one by one', () => {
    const tasks = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, '.projen', 'tasks.json'), 'utf8')).tasks;
    expect(tasks['test:code'].steps.map((s: { exec: string }) => s.exec)).toEqual([
      "jest --ci --coverage=false --maxWorkers=2 --testMatch '<rootDir>/test/shards/*.shard.ts'",
    ]);
    const testMatch: string[] = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).jest.testMatch;
    // No default pattern takes a shard file (it would run every test twice).
    for (const pattern of testMatch) expect(pattern).not.toMatch(/shard/);
    expect(fs.readdirSync(path.join(REPO_ROOT, 'test', 'shards')).filter((f) => /\.(test|spec)\.ts$/.test(f))).toEqual([]);
  });

  test('no root test file uses a jest snapshot (a shard would keep it under the shard\'s name)', () => {
    const users = files.filter((f) => /\btoMatch(Inline)?Snapshot\(/.test(fs.readFileSync(path.join(REPO_ROOT, f), 'utf8')));
    expect(users).toEqual([]);
  });

  test('a shard number outside 1..count is refused, naming the fix', () => {
    expect(() => shardFiles(0, 8, files)).toThrow('shard 0 of 8: give a shard number from 1 to the count');
    expect(() => shardFiles(9, 8, files)).toThrow(/shard 9 of 8/);
    expect(() => shardFiles(1, 0, files)).toThrow(/shard 1 of 0/);
    // Largest first, each to the lightest shard so far: 9 | 7 | 5 then 4 -> shard 3, 3 -> shard 2.
    const sizes: Record<string, number> = { a: 9, b: 7, c: 5, d: 4, e: 3 };
    const shard = (n: number) => shardFiles(n, 3, Object.keys(sizes), (f) => sizes[f]);
    expect([shard(1), shard(2), shard(3)]).toEqual([['a'], ['b', 'e'], ['c', 'd']]);
  });
});
