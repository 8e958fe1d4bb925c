import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT } from '../support/repo-root';

/*
 * docs/mutation-testing.md states each module's threshold; the generated stryker/<module>.json
 * (from projenrc/mutation-tasks.ts) is what `npx projen mutate` enforces. They must agree.
 */
const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'mutation-testing.md'), 'utf8');
const STRYKER = path.join(REPO_ROOT, 'stryker');

/** The module table's rows: first cell (the module's folder) -> Threshold (`break`) cell. */
function thresholdsInDoc(): Map<string, number> {
  const lines = doc.split('\n');
  const header = lines.findIndex((l) => /^\| Module \|/.test(l));
  const cells = (line: string) => line.split('|').slice(1, -1).map((c) => c.trim());
  const column = cells(lines[header]).findIndex((c) => c.startsWith('Threshold'));
  const rows = new Map<string, number>();
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const row = cells(line);
    rows.set(/`([^`]+)`/.exec(row[0])?.[1] ?? row[0], Number(row[column]));
  }
  return rows;
}

test('every mutated module has its enforced threshold in docs/mutation-testing.md', () => {
  const configs = fs.readdirSync(STRYKER).filter((f) => f.endsWith('.json'));
  expect(configs.length).toBeGreaterThanOrEqual(4);
  const enforced = new Map(configs.map((file) => {
    const config = JSON.parse(fs.readFileSync(path.join(STRYKER, file), 'utf8'));
    // The module's folder is the first mutated glob's directory: src/config/**/*.ts -> src/config.
    return [String(config.mutate[0]).replace(/\/\*\*.*$/, ''), config.thresholds.break as number];
  }));
  expect(Object.fromEntries(thresholdsInDoc())).toEqual(Object.fromEntries(enforced));
});

test('a module whose tests read the sample assembly gets it synthesized before its mutation run', () => {
  // Stryker switches the jest globalSetup off, so a test that calls sampleAssembly() fails the
  // dry run ("SAMPLE_ASSEMBLY is not set") unless the mutate task sets it (readsSampleAssembly).
  const tasks = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, '.projen', 'tasks.json'), 'utf8')).tasks;
  const filesUnder = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  const configs = fs.readdirSync(STRYKER).filter((f) => f.endsWith('.json'));
  const missing = configs.flatMap((file) => {
    const config = JSON.parse(fs.readFileSync(path.join(STRYKER, file), 'utf8'));
    const ignored = (config.jest.config.testPathIgnorePatterns as string[]).map((p) => new RegExp(p));
    const testDirs = (config.jest.config.testMatch as string[]).map((m) => m.replace('<rootDir>/', '').replace(/\/?\*\*.*$|\/[^/]*\.test\.ts$/, ''));
    const tests = [...new Set(testDirs)].flatMap((d) => filesUnder(path.join(REPO_ROOT, d)))
      .filter((f) => f.endsWith('.test.ts') && !ignored.some((p) => p.test(f)));
    const reads = tests.some((f) => /sampleAssembly\(/.test(fs.readFileSync(f, 'utf8')));
    const module = file.replace(/\.json$/, '');
    const exec = JSON.stringify(tasks[`mutate:${module}`]?.steps ?? []);
    return reads && !exec.includes('SAMPLE_ASSEMBLY') ? [module] : [];
  });
  expect(missing).toEqual([]);
});
