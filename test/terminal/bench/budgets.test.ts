import { BUDGETS, median, spread, verdict } from '../../../src/terminal/bench/budgets';

test('median and spread', () => {
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 3, 2])).toBe(2.5);
  expect(spread([5.5, 4, 6])).toBe(2);
  expect(() => median([])).toThrow();
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
  expect(BUDGETS).toEqual({ synthSeconds: 10, testCommandSeconds: 90, coldSeconds: 180, sequentialSlots: 20, codeBuildActions: 10 });
});
