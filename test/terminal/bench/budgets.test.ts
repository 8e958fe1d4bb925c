import * as fs from 'fs';
import * as path from 'path';
import { BUDGETS, median, spread, verdict } from '../../../src/terminal/bench/budgets';
import { REPO_ROOT } from '../../support/repo-root';

test('median and spread', () => {
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 3, 2])).toBe(2.5);
  expect(spread([5.5, 4, 6])).toBe(2);
  expect(() => median([])).toThrow();
});

test('a ratio prints with two decimals', () => {
  expect(verdict([{ name: 'synth / naive', value: 0.734, budget: 1, unit: 'x' }]).lines[0]).toMatch(/^ok {3}synth \/ naive +0\.73x <= 1x$/);
});

test('a value over its budget fails the verdict, at the budget passes', () => {
  expect(verdict([{ name: 'synth', value: BUDGETS.synthSeconds, budget: BUDGETS.synthSeconds, unit: 's', samples: [9, 10, 11] }]).ok).toBe(true);
  const over = verdict([
    { name: 'synth', value: 9, budget: 10, unit: 's' },
    { name: 'slots', value: 21, budget: BUDGETS.sequentialSlots, unit: '' },
  ]);
  expect(over.ok).toBe(false);
  expect(over.lines[1]).toMatch(/^OVER slots/);
  expect(over.lines[0]).toMatch(/^ok {3}synth/);
});

test('the budgets are the ones the README states', () => {
  expect(BUDGETS).toEqual({
    synthSeconds: 10, synthToNaiveRatio: 1.0, testCommandSeconds: 75, coldSeconds: 180, sequentialSlots: 17, codeBuildActions: 6,
  });
});

test('docs/performance.md states the budgets bench enforces, in its Budget column', () => {
  const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'performance.md'), 'utf8');
  // The first column of a row of the table, and its last (Budget) column without the unit.
  const budgetOf = (rowStart: string): number | undefined => {
    const row = doc.split('\n').find((line) => line.startsWith(`| ${rowStart}`));
    const cells = row?.split('|').map((c) => c.trim()).filter((c) => c !== '');
    return cells ? Number(cells[cells.length - 1].replace(/ s$|×$/, '')) : undefined;
  };
  expect({
    synthSeconds: budgetOf('`npx projen synth`: median'),
    synthToNaiveRatio: budgetOf('`npx projen synth` / naive synth'),
    testCommandSeconds: budgetOf('`npx projen test`'),
    coldSeconds: budgetOf('`.ci/run`'),
    sequentialSlots: budgetOf('Sequential action slots'),
    codeBuildActions: budgetOf('CodeBuild actions per run'),
  }).toEqual(BUDGETS);
});
