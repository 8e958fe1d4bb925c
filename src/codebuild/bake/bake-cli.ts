import type * as AwsClients from './aws-bake-clients';
import { bake, parseAlarmNames } from './bake';
import { AlarmClient } from './bake-clients';
import { alarmClientFromFile } from './recorded-bake-clients';
import { UsageError } from '../../shared/cli/errors';
import { EXIT } from '../../shared/cli/exit-codes';
import { OptionValues, parseCliArgs, requireOption } from '../../shared/cli/parse-args';
import { lineWriters, runCli, runMain } from '../../shared/cli/run-cli';

/**
 * The bake as the pipeline runs it (bundled into cdk.out/.delivery-tools/bake/bake-cli.js):
 *
 *   bake-cli --alarm-names "$ALARM_NAMES" --region us-east-1 --minutes 10 [--poll-seconds 30]
 *            [--profile bake-target] [--pipeline NAME --stage NAME --pipeline-region REGION]
 *            [--from-file recorded.json]
 *
 * With --pipeline and --stage it first asks CodePipeline whether the stage it runs in is a
 * ROLLBACK execution; then it does not watch (see BakeStep: the alarms that caused the rollback
 * would fail the rollback itself) and exits 0. While it watches, it also asks after every read
 * whether another action of that stage (an assertion, beside which it runs) failed since it
 * started; then it stops and exits 1 at once, so the stage's rollback does not wait out the bake.
 */

const OPTIONS = {
  'alarm-names': { type: 'string', hint: 'A,B,...' },
  'region': { type: 'string', hint: 'REGION' },
  'minutes': { type: 'string', hint: 'N' },
  'poll-seconds': { type: 'string', hint: 'SECONDS' },
  'max-errors': { type: 'string', hint: 'N' },
  'profile': { type: 'string', hint: 'PROFILE' },
  'pipeline': { type: 'string', hint: 'NAME' },
  'stage': { type: 'string', hint: 'NAME' },
  'pipeline-region': { type: 'string', hint: 'REGION' },
  'from-file': { type: 'string', hint: 'recorded.json' },
} as const;

export const USAGE = `Usage: bake-cli --alarm-names A,B,... --region REGION --minutes N [--poll-seconds 30] [--max-errors 5]
       [--profile PROFILE] [--pipeline NAME --stage NAME [--pipeline-region REGION]] [--from-file recorded.json]
Exit: 0 every alarm stayed out of ALARM for N minutes, 1 an alarm went to ALARM (or the bake could
not see the alarms), 2 usage error or an unreadable recording, 4 unexpected error.`;

type Flags = OptionValues<typeof OPTIONS>;

function number(flags: Flags, name: 'minutes' | 'poll-seconds' | 'max-errors', fallback: string, min: number): number {
  const raw = flags[name] ?? fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < min) throw new UsageError(`--${name} must be a number of at least ${min}, got "${raw}"`);
  return n;
}

/** The AWS CLI client, loaded only when the bake reads CloudWatch. */
function aws(): typeof AwsClients {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./aws-bake-clients') as typeof AwsClients;
}

interface Io { out: (text: string) => void; err: (text: string) => void }

/** Injected parts for tests: the clock and sleep (real ones by default). */
export interface BakeCliDeps {
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What the command line asks for. */
interface BakeRequest {
  readonly flags: Flags;
  readonly alarmNames: string[];
  readonly region: string;
  readonly minutes: number;
  readonly pollSeconds: number;
  readonly maxErrors: number;
}

/** Read and check the command line; throws UsageError. */
function requestOf(argv: readonly string[]): BakeRequest {
  const flags = parseCliArgs(argv, { options: OPTIONS }).values;
  // An unresolved CodePipeline variable reaches the shell literally: refuse it, never watch nothing.
  const csv = requireOption(flags['alarm-names'], 'alarm-names', 'A,B,...');
  if (/#\{/.test(csv)) throw new UsageError(`--alarm-names is an unresolved pipeline variable (${csv}): the stage's AlarmNames output did not reach the bake`);
  const alarmNames = parseAlarmNames(csv);
  if (alarmNames.length === 0) throw new UsageError('--alarm-names names no alarm: there is nothing to watch, and a bake that watches nothing proves nothing');
  const region = requireOption(flags.region, 'region', 'REGION');
  const minutes = number(flags, 'minutes', '', 0);
  const pollSeconds = number(flags, 'poll-seconds', '30', 0);
  const maxErrors = number(flags, 'max-errors', '5', 1);
  if ((flags.pipeline === undefined) !== (flags.stage === undefined)) throw new UsageError('--pipeline and --stage go together');
  return { flags, alarmNames, region, minutes, pollSeconds, maxErrors };
}

/** Whether the stage runs a ROLLBACK execution (then the bake does not watch). Not knowing is no reason to skip it. */
async function isRollback(client: AlarmClient, flags: Flags, io: Io): Promise<boolean> {
  const { pipeline, stage } = flags;
  if (!pipeline || !stage || !client.stageExecutionType) return false;
  try {
    if (await client.stageExecutionType(pipeline, stage) !== 'ROLLBACK') return false;
    io.out(`Stage ${stage} of ${pipeline} is running a ROLLBACK execution: the previous release is being redeployed because this one failed. `
      + 'The bake does not watch now (the alarms that caused the rollback would fail the rollback itself); it passes.');
    return true;
  } catch (e) {
    io.out(`Could not read the execution type of stage ${stage} (${(e as Error).name}: ${(e as Error).message}); baking as for a normal run.`);
    return false;
  }
}

/** Run the bake CLI; resolves with the exit code. */
export async function runBakeCli(
  argv: readonly string[],
  io: Io = { out: (t) => console.log(t), err: (t) => console.error(t) },
  deps: BakeCliDeps = {},
): Promise<number> {
  return runCli({ name: 'bake-cli', usage: USAGE }, argv, async () => {
    const { flags, alarmNames, region, minutes, pollSeconds, maxErrors } = requestOf(argv);
    const client = flags['from-file'] !== undefined
      ? alarmClientFromFile(flags['from-file'])
      : aws().awsAlarmClient({ region, profile: flags.profile, pipelineRegion: flags['pipeline-region'] });
    if (await isRollback(client, flags, io)) return EXIT.OK;

    io.out(`Baking ${region}: watching ${alarmNames.length} alarm(s) for ${minutes} min, a read every ${pollSeconds} s.`);
    const since = new Date((deps.now ?? Date.now)());
    const { pipeline, stage } = flags;
    const result = await bake({
      // Beside the assertions in its stage: once one of them failed, the stage rolls back
      // whatever the bake finds, so the bake stops rather than hold the rollback.
      stopWhen: pipeline && stage && client.failedAction
        ? async () => {
          const failed = await client.failedAction!(pipeline, stage, since);
          return failed ? `${failed} failed in stage ${stage}` : undefined;
        }
        : undefined,
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
      return EXIT.OK;
    }
    io.out(`Bake FAILED in ${region}: ${result.reason}\nThe next region does not start; the stage rolls back to its last successful release.`);
    return EXIT.FAILED;
  }, lineWriters(io));
}

if (require.main === module) runMain(runBakeCli);
