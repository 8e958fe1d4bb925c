import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildSync, BuildOptions } from 'esbuild';
import { cachedBundle } from '../../../src/synth/constructs/cached-bundle';

const made: string[] = [];
afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A tiny project: an entry importing a helper, in its own temporary directory. */
function project(): { dir: string; cacheDir: string; options: BuildOptions; write: (file: string, text: string) => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cached-bundle-'));
  made.push(dir);
  const write = (file: string, text: string) => fs.writeFileSync(path.join(dir, file), text);
  write('entry.ts', "import { greet } from './helper';\nexport const handler = () => greet('world');\n");
  write('helper.ts', 'export const greet = (who: string) => `hello ${who}`;\n');
  write('other.ts', 'export const other = 42;\n');
  return {
    dir,
    write,
    cacheDir: path.join(dir, '.cache'),
    options: { entryPoints: [path.join(dir, 'entry.ts')], outfile: 'index.js', absWorkingDir: dir, bundle: true, platform: 'node', format: 'cjs', logLevel: 'silent' },
  };
}

const read = (dir: string) => fs.readFileSync(path.join(dir, 'index.js'), 'utf8');

test('the second call reuses the first build; its bytes are those of a fresh build', () => {
  const p = project();
  const first = cachedBundle({ name: 'entry', cacheDir: p.cacheDir, options: p.options });
  const builtAt = fs.statSync(path.join(first, 'index.js')).mtimeMs;
  const second = cachedBundle({ name: 'entry', cacheDir: p.cacheDir, options: p.options });
  expect(second).toBe(first);
  expect(fs.statSync(path.join(second, 'index.js')).mtimeMs).toBe(builtAt);
  const fresh = buildSync({ ...p.options, outfile: path.join(p.dir, 'fresh', 'index.js') });
  expect(fresh.errors).toEqual([]);
  expect(read(first)).toBe(read(path.join(p.dir, 'fresh')));
  // The recorded inputs are the files esbuild read, nothing else.
  const hint = JSON.parse(fs.readFileSync(path.join(p.cacheDir, 'entry', 'inputs.json'), 'utf8'));
  expect(hint.inputs).toEqual([path.join(p.dir, 'entry.ts'), path.join(p.dir, 'helper.ts')]);
});

test('a changed byte in an imported file, a new import, or a changed extra input builds again', () => {
  const p = project();
  const extra = path.join(p.dir, 'lock.json');
  fs.writeFileSync(extra, '{"v":1}');
  const bundle = () => cachedBundle({ name: 'entry', cacheDir: p.cacheDir, options: p.options, extraInputs: [extra] });
  const first = bundle();
  p.write('helper.ts', 'export const greet = (who: string) => `hi ${who}`;\n');
  const second = bundle();
  expect(second).not.toBe(first);
  expect(read(second)).toContain('hi ');
  expect(read(first)).toContain('hello ');
  p.write('entry.ts', "import { greet } from './helper';\nimport { other } from './other';\nexport const handler = () => greet('world') + other;\n");
  const third = bundle();
  expect(read(third)).toContain('42');
  p.write('other.ts', 'export const other = 43;\n');
  const fourth = bundle();
  expect(read(fourth)).toContain('43');
  fs.writeFileSync(extra, '{"v":2}');
  expect(bundle()).not.toBe(fourth);
  expect(new Set([first, second, third, fourth]).size).toBe(4);
});

test('different options are a different build', () => {
  const p = project();
  const plain = cachedBundle({ name: 'entry', cacheDir: p.cacheDir, options: p.options });
  const minified = cachedBundle({ name: 'entry', cacheDir: p.cacheDir, options: { ...p.options, minify: true } });
  expect(minified).not.toBe(plain);
  expect(read(minified).length).toBeLessThan(read(plain).length);
});

test('a build another process finished first is kept (the rename loses, nothing breaks)', () => {
  const p = project();
  const first = cachedBundle({ name: 'entry', cacheDir: p.cacheDir, options: p.options });
  // Forget the recorded inputs: the next call builds again and finds the same key taken.
  fs.rmSync(path.join(p.cacheDir, 'entry', 'inputs.json'));
  expect(cachedBundle({ name: 'entry', cacheDir: p.cacheDir, options: p.options })).toBe(first);
  expect(fs.readdirSync(path.join(p.cacheDir, 'entry')).sort()).toEqual([path.basename(first), 'inputs.json'].sort());
});
