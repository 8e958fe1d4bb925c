/**
 * The performance budgets of issue "fast feedback loops and a short pipeline" and issue 30
 * ("faster from push to prod"), on the 2-core machine CI uses, for the default config with every
 * gate, assertion and compliance pack.
 */
export interface Budgets {
  /** Median seconds of `npx projen synth`. */
  readonly synthSeconds: number;
  /**
   * Median seconds of `npx projen synth` over the median seconds of the naive synth of the same
   * pipeline (src/terminal/bench/naive-app.ts), measured alternately in the same run.
   */
  readonly synthToNaiveRatio: number;
  /** Seconds of the test command on a warm install. */
  readonly testCommandSeconds: number;
  /** Seconds of `npm ci` plus the test command on a fresh clone. */
  readonly coldSeconds: number;
  /** Sequential action slots from source to the last prod action (approvals excluded). */
  readonly sequentialSlots: number;
  /** CodeBuild actions per pipeline run. */
  readonly codeBuildActions: number;
}

/** The budgets (the default CDK Pipeline of the same waves: 24 slots, 12 CodeBuild actions). */
export const BUDGETS: Budgets = {
  synthSeconds: 10,
  synthToNaiveRatio: 1.0,
  testCommandSeconds: 75,
  coldSeconds: 180,
  // Issue 30: the image gate beside the asset publishing and the bake beside the assertions
  // took the sample from 19 to 17; the small steps became Commands actions, leaving 4 CodeBuild
  // projects (synth, self-mutation, file assets, image gate).
  sequentialSlots: 17,
  codeBuildActions: 6,
};

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Spread: max minus min. */
export function spread(values: readonly number[]): number {
  return Math.max(...values) - Math.min(...values);
}

/** One measured quantity and its budget. */
export interface Measurement {
  /** What was measured. */
  readonly name: string;
  /** The value compared with the budget (a median for timed runs). */
  readonly value: number;
  /** The budget; the measurement fails when value > budget. */
  readonly budget: number;
  /** Unit for printing: seconds, a ratio (two decimals) or a count. */
  readonly unit: 's' | 'x' | '';
  /** Every sample (timed runs). */
  readonly samples?: readonly number[];
}

const DECIMALS: Record<Measurement['unit'], number> = { 's': 1, 'x': 2, '': 0 };

/** Readable lines and whether every budget holds. */
export function verdict(measurements: readonly Measurement[]): { ok: boolean; lines: string[] } {
  const lines = measurements.map((m) => {
    const ok = m.value <= m.budget;
    const d = DECIMALS[m.unit];
    const samples = m.samples && m.samples.length > 1
      ? ` (median of ${m.samples.length}, spread ${spread(m.samples).toFixed(d)}${m.unit}; runs ${m.samples.map((s) => s.toFixed(d)).join(', ')})`
      : '';
    return `${ok ? 'ok  ' : 'OVER'} ${m.name.padEnd(44)} ${m.value.toFixed(d).padStart(6)}${m.unit} <= ${m.budget}${m.unit}${samples}`;
  });
  return { ok: measurements.every((m) => m.value <= m.budget), lines };
}
