import * as fs from 'fs';
import { AlarmClient, awsCliAlarmClient, RecordedCall, recordedAlarmClient } from './alarm-client';
import { bake, parseAlarmNames } from './bake';

/**
 * The bake as the pipeline runs it (bundled into cdk.out/.delivery-tools/bake/bake-cli.js):
 *
 *   bake-cli --alarm-names "$ALARM_NAMES" --region us-east-1 --minutes 10 [--poll-seconds 30]
 *            [--profile bake-target] [--pipeline NAME --stage NAME --pipeline-region REGION]
 *            [--from-file recorded.json]
 *
 * With --pipeline and --stage it first asks CodePipeline whether the stage it runs in is a
 * ROLLBACK execution; then it does not watch (see BakeStep: the alarms that caused the rollback
 * would fail the rollback itself) and exits 0.
 */

/** Exit codes: the CodeBuild action fails on anything but 0. */
export const EXIT = { PASS: 0, BAKE_FAILED: 1, BAD_INPUT: 2 } as const;

const KNOWN = ['alarm-names', 'region', 'minutes', 'poll-seconds', 'profile', 'pipeline', 'stage', 'pipeline-region', 'from-file', 'max-errors'];

export const USAGE = `Usage: bake-cli --alarm-names A,B,... --region REGION --minutes N [--poll-seconds 30] [--max-errors 5]
       [--profile PROFILE] [--pipeline NAME --stage NAME [--pipeline-region REGION]] [--from-file recorded.json]
Exit: 0 every alarm stayed out of ALARM for N minutes, 1 an alarm went to ALARM (or the bake could
not see the alarms), 2 usage error.`;

class BakeInputError extends Error {}

function parseFlags(args: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(args[i]);
    if (!m || !KNOWN.includes(m[1])) throw new BakeInputError(`unknown argument "${args[i]}"`);
    const value = m[2] ?? args[++i];
    if (value === undefined) throw new BakeInputError(`--${m[1]} needs a value`);
    if (flags.has(m[1])) throw new BakeInputError(`--${m[1]} given more than once`);
    flags.set(m[1], value);
  }
  return flags;
}

function required(flags: Map<string, string>, name: string): string {
  const v = flags.get(name);
  if (v === undefined || v.trim() === '') throw new BakeInputError(`--${name} is required`);
  return v;
}

function number(flags: Map<string, string>, name: string, fallback: string, min: number): number {
  const raw = flags.get(name) ?? fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min) throw new BakeInputError(`--${name} must be a number of at least ${min}, got "${raw}"`);
  return n;
}

function recordedClient(file: string): AlarmClient {
  let raw: any;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BakeInputError(`cannot read recorded responses ${file}: ${(e as Error).message}`);
  }
  const calls = Array.isArray(raw?.calls) ? raw.calls : [{ response: raw }];
  if (calls.length === 0 || !calls.every((c: unknown) => typeof c === 'object' && c !== null && ('response' in c || 'error' in c))) {
    throw new BakeInputError(`${file}: expected a DescribeAlarms response, or { "calls": [ { "response": ... } | { "error": { "name": ... } } ], "stageType"?: "ROLLBACK" }`);
  }
  return recordedAlarmClient(calls as RecordedCall[], typeof raw?.stageType === 'string' ? raw.stageType : undefined);
}

interface Io { out: (text: string) => void; err: (text: string) => void }

/** Injected parts for tests: the clock and sleep (real ones by default). */
export interface BakeCliDeps {
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Run the bake CLI; resolves with the exit code. */
export async function runBakeCli(
  argv: readonly string[],
  io: Io = { out: (t) => console.log(t), err: (t) => console.error(t) },
  deps: BakeCliDeps = {},
): Promise<number> {
  let flags: Map<string, string>;
  let alarmNames: string[];
  let minutes: number;
  let pollSeconds: number;
  let maxErrors: number;
  try {
    flags = parseFlags(argv);
    // An unresolved CodePipeline variable reaches the shell literally: refuse it, never watch nothing.
    const csv = required(flags, 'alarm-names');
    if (/#\{/.test(csv)) throw new BakeInputError(`--alarm-names is an unresolved pipeline variable (${csv}): the stage's AlarmNames output did not reach the bake`);
    alarmNames = parseAlarmNames(csv);
    if (alarmNames.length === 0) throw new BakeInputError('--alarm-names names no alarm: there is nothing to watch, and a bake that watches nothing proves nothing');
    required(flags, 'region');
    minutes = number(flags, 'minutes', '', 0);
    pollSeconds = number(flags, 'poll-seconds', '30', 0);
    maxErrors = number(flags, 'max-errors', '5', 1);
    if ((flags.has('pipeline') || flags.has('stage')) && !(flags.has('pipeline') && flags.has('stage'))) {
      throw new BakeInputError('--pipeline and --stage go together');
    }
  } catch (e) {
    io.err(`bake-cli: ${(e as Error).message}\n${USAGE}`);
    return EXIT.BAD_INPUT;
  }
  const region = flags.get('region')!;
  let client: AlarmClient;
  try {
    client = flags.has('from-file')
      ? recordedClient(flags.get('from-file')!)
      : awsCliAlarmClient({ region, profile: flags.get('profile'), pipelineRegion: flags.get('pipeline-region') });
  } catch (e) {
    io.err(`bake-cli: ${(e as Error).message}`);
    return EXIT.BAD_INPUT;
  }

  const pipeline = flags.get('pipeline');
  const stage = flags.get('stage');
  if (pipeline && stage && client.stageExecutionType) {
    try {
      const type = await client.stageExecutionType(pipeline, stage);
      if (type === 'ROLLBACK') {
        io.out(`Stage ${stage} of ${pipeline} is running a ROLLBACK execution: the previous release is being redeployed because this one failed. `
          + 'The bake does not watch now (the alarms that caused the rollback would fail the rollback itself); it passes.');
        return EXIT.PASS;
      }
    } catch (e) {
      // Not knowing is no reason to skip the bake: watch as for a normal run.
      io.out(`Could not read the execution type of stage ${stage} (${(e as Error).name}: ${(e as Error).message}); baking as for a normal run.`);
    }
  }

  io.out(`Baking ${region}: watching ${alarmNames.length} alarm(s) for ${minutes} min, a read every ${pollSeconds} s.`);
  const result = await bake({
    client,
    alarmNames,
    durationMs: minutes * 60_000,
    pollMs: pollSeconds * 1000,
    maxConsecutiveErrors: maxErrors,
    now: deps.now,
    sleep: deps.sleep,
    log: io.out,
  });
  if (result.ok) {
    io.out(`Bake PASSED: ${alarmNames.length} alarm(s) stayed out of ALARM for ${minutes} min (${result.reads} reads).`);
    return EXIT.PASS;
  }
  io.out(`Bake FAILED in ${region}: ${result.reason}\nThe next region does not start; the stage rolls back to its last successful release.`);
  return EXIT.BAKE_FAILED;
}

if (require.main === module) {
  void runBakeCli(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
