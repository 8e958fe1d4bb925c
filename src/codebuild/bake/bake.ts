import { AlarmReading, parseDescribeAlarms } from './alarm-readings';
import { AlarmClient } from './bake-clients';
import { PollOptions } from '../../shared/polling';

/**
 * The bake between two regions of a sequential rollout: watch the alarms of the region that
 * was just deployed for a while, and fail as soon as one of them is in ALARM. Everything the
 * bake cannot see fails it (fail closed): a missing alarm, an answer it cannot read, calls that
 * keep failing, an alarm that never reported data.
 *
 * INSUFFICIENT_DATA: tolerated while the bake runs, refused at its end. A new alarm, or one
 * whose metric had a short gap, starts or sits there for a period or two, and failing on it at
 * once would fail healthy releases. But every alarm of a stage is built to be OK on a healthy
 * service (src/synth/workload/monitoring.ts chooses treatMissingData so that silence means OK or
 * ALARM; the one MISSING alarm reads Aurora's CPU, which Aurora publishes every minute), so an
 * alarm still INSUFFICIENT_DATA after the whole bake means its signal never reached CloudWatch:
 * the bake did not watch it, and does not pretend it did.
 */

/** CloudWatch's limit of alarm names per DescribeAlarms call. */
export const MAX_NAMES_PER_CALL = 100;

/** Errors that retrying cannot fix: fail at once, naming them. */
const FATAL_ERRORS = new Set([
  'AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'InvalidClientTokenId',
  'ValidationError', 'InvalidParameterValue', 'InvalidParameterCombination', 'UnreadableResponse',
]);

/** Options of {@link bake}. */
export interface BakeOptions extends PollOptions {
  readonly client: AlarmClient;
  /** The alarms to watch (the stage's `AlarmNames` output). At least one. */
  readonly alarmNames: readonly string[];
  /** How long to watch; 0 = one read. */
  readonly durationMs: number;
  /**
   * Failed reads in a row after which the bake fails closed (throttling, network, 5xx).
   * @default 5
   */
  readonly maxConsecutiveErrors?: number;
  /**
   * Asked after every read: a reason to stop now (another action of the stage failed), or
   * undefined to keep watching. Errors are logged and ignored (the bake keeps watching).
   * @default - never stops early
   */
  readonly stopWhen?: () => Promise<string | undefined>;
}

/** The bake watched every alarm for the whole duration and none went to ALARM. */
export interface BakePassed {
  readonly ok: true;
  /** Successful reads. */
  readonly reads: number;
  /** The last reading of every alarm. */
  readonly alarms: readonly AlarmReading[];
}

/** The bake failed: an alarm in ALARM, or something it could not see. */
export interface BakeFailed {
  readonly ok: false;
  /** One paragraph for the build log, naming the alarm(s) or the error. */
  readonly reason: string;
  /** The alarms in ALARM (empty when the bake failed for another reason). */
  readonly inAlarm: readonly AlarmReading[];
  readonly reads: number;
}

export type BakeResult = BakePassed | BakeFailed;

/** The alarm names of the `AlarmNames` output: comma-separated, blanks dropped, each once. */
export function parseAlarmNames(csv: string): string[] {
  return [...new Set(csv.split(',').map((n) => n.trim()).filter(Boolean))];
}

async function readAll(client: AlarmClient, names: readonly string[]): Promise<AlarmReading[]> {
  const readings: AlarmReading[] = [];
  for (let i = 0; i < names.length; i += MAX_NAMES_PER_CALL) {
    readings.push(...parseDescribeAlarms(await client.describeAlarms(names.slice(i, i + MAX_NAMES_PER_CALL))));
  }
  return readings;
}

const describe = (a: AlarmReading) => `${a.name} (${a.state}${a.since ? ` since ${a.since}` : ''}${a.reason ? `: ${a.reason}` : ''})`;

function counts(readings: readonly AlarmReading[]): string {
  const by = new Map<string, number>();
  for (const r of readings) by.set(r.state, (by.get(r.state) ?? 0) + 1);
  return [...by.entries()].map(([state, n]) => `${n} ${state}`).join(', ');
}

/** Watch the alarms; resolves with the verdict (never rejects for AWS errors). */
export async function bake(options: BakeOptions): Promise<BakeResult> {
  const names = [...new Set(options.alarmNames)];
  if (names.length === 0) throw new Error('bake: no alarm names to watch');
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const log = options.log ?? (() => undefined);
  const maxErrors = options.maxConsecutiveErrors ?? 5;
  const started = now();
  const deadline = started + options.durationMs;
  const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;
  let reads = 0;
  let errorsInARow = 0;
  const fail = (reason: string, inAlarm: readonly AlarmReading[] = []): BakeFailed => ({ ok: false, reason, inAlarm, reads });

  for (;;) {
    let readings: AlarmReading[];
    try {
      readings = await readAll(options.client, names);
    } catch (e) {
      const err = e as { name?: string; message?: string };
      const name = err.name ?? 'Error';
      if (FATAL_ERRORS.has(name)) {
        return fail(`DescribeAlarms failed with ${name}: ${err.message ?? ''}. Retrying cannot fix this; the bake fails closed.`);
      }
      errorsInARow++;
      log(`read failed (${name}, ${errorsInARow} of ${maxErrors} in a row): ${err.message ?? ''}`);
      if (errorsInARow >= maxErrors) {
        return fail(`DescribeAlarms failed ${errorsInARow} times in a row (last: ${name}: ${err.message ?? ''}). The bake cannot see the alarms, so it fails closed; retry the stage when CloudWatch answers again.`);
      }
      await sleep(options.pollMs);
      continue;
    }
    errorsInARow = 0;
    reads++;
    const found = new Set(readings.map((r) => r.name));
    const missing = names.filter((n) => !found.has(n));
    if (missing.length > 0) {
      return fail(`${missing.length === 1 ? 'alarm' : 'alarms'} ${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist: the stage's AlarmNames output names alarms CloudWatch does not know (deleted, renamed, or another region). The bake cannot watch what it cannot see, so it fails closed.`);
    }
    const inAlarm = readings.filter((r) => r.state === 'ALARM');
    if (inAlarm.length > 0) {
      return fail(`after ${minutes(now() - started)} of the bake, ${inAlarm.length === 1 ? 'an alarm is' : `${inAlarm.length} alarms are`} in ALARM: ${inAlarm.map(describe).join('; ')}.`, inAlarm);
    }
    log(`read ${reads} at ${minutes(now() - started)}: ${counts(readings)}`);
    const stop = await options.stopWhen?.().catch((e: Error) => {
      log(`could not tell whether the stage failed elsewhere (${e.name}: ${e.message}); baking on`);
      return undefined;
    });
    if (stop) {
      return fail(`${stop}: the stage fails and rolls back whatever the bake finds, so the bake stops after ${minutes(now() - started)} instead of holding the rollback.`);
    }
    if (now() >= deadline) {
      const silent = readings.filter((r) => r.state === 'INSUFFICIENT_DATA');
      if (silent.length > 0) {
        return fail(`after the whole bake (${minutes(options.durationMs)}), ${silent.map(describe).join('; ')} still ${silent.length === 1 ? 'has' : 'have'} INSUFFICIENT_DATA: `
          + 'the metric never reached CloudWatch, so the bake did not watch that signal. Check that the service reports it, or retry the stage.');
      }
      return { ok: true, reads, alarms: readings };
    }
    await sleep(Math.min(options.pollMs, Math.max(0, deadline - now())));
  }
}
