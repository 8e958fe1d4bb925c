import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT } from '../support/repo-root';
import { recordedWeights, rootTestFiles, SHARD_COUNT, shardFiles } from '../support/shards';

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
  });

  test('files are dealt longest first, each to the shard with the least time so far; an unknown file counts as the median', () => {
    // 9 | 7 | 5, then 4 -> shard 3 (5), 3 -> shard 2 (7).
    const weights: Record<string, number> = { a: 9, b: 7, c: 5, d: 4, e: 3 };
    const shard = (n: number, w = weights, names = Object.keys(weights)) => shardFiles(n, 3, names, w);
    expect([shard(1), shard(2), shard(3)]).toEqual([['a'], ['b', 'e'], ['c', 'd']]);
    // f has no time: it counts as the median of the known (5), after c by name.
    const withNew = ['a', 'b', 'c', 'd', 'e', 'f'];
    expect([shard(1, weights, withNew), shard(2, weights, withNew), shard(3, weights, withNew)]).toEqual([['a', 'e'], ['b', 'd'], ['c', 'f']]);
    // No times at all (a fresh clone): every file counts the same, dealt in name order.
    expect(shardFiles(1, 2, ['a', 'b', 'c'], {})).toEqual(['a', 'c']);
  });

  test('recorded times: the newest record of a file wins; a record cut short or a bad value counts as unknown', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shard-weights-'));
    const write = (name: string, content: string, ageSeconds: number) => {
      fs.writeFileSync(path.join(dir, name), content);
      const at = new Date(Date.now() - ageSeconds * 1000);
      fs.utimesSync(path.join(dir, name), at, at);
    };
    write('shard-1-of-2.json', JSON.stringify({ 'test/a.test.ts': 4, 'test/b.test.ts': 2 }), 60);
    write('shard-2-of-2.json', JSON.stringify({ 'test/a.test.ts': 1.5, 'test/c.test.ts': 'slow', 'test/d.test.ts': -1 }), 10);
    write('shard-1-of-4.json', '{"test/e.test.ts": 3', 5);
    expect(recordedWeights(dir)).toEqual({ 'test/a.test.ts': 1.5, 'test/b.test.ts': 2 });
    expect(recordedWeights(path.join(dir, 'missing'))).toEqual({});
  });
});
