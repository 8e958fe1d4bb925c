import { DORA_2024, DoraBand, DoraKey } from './dora-bands';
import { DeliverySummary, DurationStats } from './summary';

/** `2d 3h`, `3h 12m`, `4m 05s`, `12s`. */
export function formatDuration(totalSeconds: number | undefined): string {
  if (totalSeconds === undefined) return '-';
  const s = Math.round(totalSeconds);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

function band(key: DoraKey, b: DoraBand | undefined): string {
  if (!b) return 'no data';
  const limit = DORA_2024[key].limits.find((l) => l.band === b)!;
  return `${b.toUpperCase()} (2024: ${limit.text}${limit.confirmed ? '' : ', unconfirmed'})`;
}

function median(s: DurationStats, noun: string): string {
  return s.count === 0 ? `no ${noun}` : `median ${formatDuration(s.medianSeconds)} over ${s.count} ${noun}`;
}

const pad = (label: string) => label.padEnd(24);

/** The summary as the terminal shows it. */
export function formatSummary(s: DeliverySummary): string {
  const lines: string[] = [];
  lines.push(`Delivery metrics of ${s.pipeline}, ${s.days} days (${s.from} to ${s.to})`, '');
  const df = s.deploymentFrequency;
  lines.push(`${pad('Deployment frequency')}${df.deployments} deployment(s), ${df.perDay.toFixed(2)} per day  -> ${band('deploymentFrequency', df.band)}`);
  const lt = s.leadTime;
  const source = lt.count === 0 ? '' : `; from the commit's author date ${lt.fromCommit}, from the execution's start ${lt.fromExecutionStart}`;
  lines.push(`${pad('Lead time for changes')}${median(lt, 'changes')}${source}  -> ${band('leadTime', lt.band)}`);
  const cfr = s.changeFailureRate;
  const rate = cfr.rate === undefined ? 'no production deployment attempt' : `${(cfr.rate * 100).toFixed(1)}% (${cfr.failures} of ${cfr.attempts} attempts)`;
  lines.push(`${pad('Change failure rate')}${rate}  -> ${band('changeFailureRate', cfr.band)}`);
  const ttr = s.timeToRestore;
  const failing = ttr.failingSince ? `; FAILING since ${ttr.failingSince} (no deployment since)` : '';
  lines.push(`${pad('Time to restore')}${median(ttr, 'restores')}${failing}  -> ${band('timeToRestore', ttr.band)}`);
  lines.push('', 'Reported separately:');
  const aw = s.approvalWait;
  const waiting = aw.waitingNow === undefined ? '' : `; ${aw.waitingNow} waiting now`;
  lines.push(`${pad('Approval wait')}${median(aw, 'answered approvals')}, ${aw.rejected} rejected${waiting}`);
  lines.push(`${pad('Bake')}${median(s.bakeTime, 'bakes')}`);
  lines.push('', 'Time per stage (median over the deployments):');
  if (s.stages.length === 0) lines.push('  (no deployment in the period)');
  for (const st of s.stages) lines.push(`  ${st.stage.padEnd(22)}${formatDuration(st.medianSeconds).padStart(8)}  (${st.count})`);
  return `${lines.join('\n')}\n`;
}
