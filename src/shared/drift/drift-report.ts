import { StackDriftResult } from './drift-check';

/** Counts of a drift check. */
export interface DriftCounts {
  readonly checked: number;
  readonly drifted: number;
  readonly unchecked: number;
  readonly notDeployed: number;
}

export function driftCounts(results: readonly StackDriftResult[]): DriftCounts {
  const n = (s: StackDriftResult['status']) => results.filter((r) => r.status === s).length;
  return { checked: results.length - n('not-deployed'), drifted: n('drifted'), unchecked: n('unchecked'), notDeployed: n('not-deployed') };
}

/** A check passes when every deployed stack was checked and none drifted. */
export function driftPassed(results: readonly StackDriftResult[]): boolean {
  const c = driftCounts(results);
  return c.drifted === 0 && c.unchecked === 0;
}

const STATUS: Record<StackDriftResult['status'], string> = { 'in-sync': 'IN SYNC', 'drifted': 'DRIFTED', 'unchecked': 'NOT CHECKED', 'not-deployed': 'not deployed' };

/**
 * The report, as the terminal prints it and the notification carries it: one line per stack,
 * then every drifted resource with each differing property (expected and actual value), and
 * the expected differences found, each with its reason.
 */
export function formatDriftReport(results: readonly StackDriftResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const where = `${r.target.account}/${r.target.region}`;
    lines.push(`${STATUS[r.status].padEnd(12)} ${r.target.stackName} (${where})${r.reason ? `: ${r.reason}` : ''}`);
    for (const d of r.drifted) {
      lines.push(`    ${d.status} ${d.logicalId} (${d.type}${d.physicalId ? `, ${d.physicalId}` : ''})`);
      for (const p of d.differences) {
        const expected = p.expectedBecause ? ' [expected]' : '';
        lines.push(`      ${p.path}: ${p.type ?? 'NOT_EQUAL'} template ${p.expected ?? '(none)'} -> deployed ${p.actual ?? '(none)'}${expected}`);
      }
    }
    for (const d of r.expected) {
      for (const p of d.differences) lines.push(`    expected: ${d.logicalId} ${p.path} (${p.expectedBecause})`);
    }
  }
  const c = driftCounts(results);
  lines.push('', `${c.checked} stack(s) checked: ${c.drifted} drifted, ${c.unchecked} not checked; ${c.notDeployed} not deployed.`);
  return `${lines.join('\n')}\n`;
}
