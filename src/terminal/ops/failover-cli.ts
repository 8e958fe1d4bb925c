import type * as AwsCredentials from './aws-credentials';
import type * as AwsFailoverClients from './aws-failover-clients';
import { CONFIG_OPTION, configPathOf } from './config-option';
import { FailoverClients } from './failover-clients';
import { failoverSteps, FailoverInputError, FailoverMode, formatSteps, probeKeyOf, resolveFailover } from './failover-plan';
import { FailoverRunOptions, runFailover } from './failover-run';
import { ConfigError, loadConfig } from '../../config/load-config';
import { UsageError } from '../../shared/cli/errors';
import { EXIT } from '../../shared/cli/exit-codes';
import { OptionValues, parseCliArgs, requireOption } from '../../shared/cli/parse-args';
import { runCli, runMain } from '../../shared/cli/run-cli';

/**
 * `npx projen failover -- --env <name> --to <region> [--planned|--unplanned] [--run] [--config path]`
 *
 * Moves the writer of a `global` environment's Aurora global database to `--to`.
 * - `--planned` (the default): switchover, sent to the current writer region, which must be
 *   healthy; Aurora lets the secondary catch up first, so nothing is lost (RPO 0).
 * - `--unplanned`: failover with `--allow-data-loss`, sent to the target region (the writer's
 *   region may be down); writes not yet replicated are lost. Never the default: losing data is
 *   asked for by name.
 * Without `--run` it prints the exact commands (find the writer, move it, wait, DNS, the checks
 * that prove the new writer serves, fail back) and exits 0. With `--run` (credentials of the
 * environment's account) it executes them and exits 0 only when the new writer served a fresh
 * transaction. Exit 1: bad config, bad request for this config, or a failed step; 2: usage.
 */

export const FAILOVER_USAGE = 'usage: npx projen failover -- --env <name> --to <region> [--planned|--unplanned] [--run] [--config path/to/delivery.json]';

export interface FailoverCliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Whether AWS credentials are available. */
  readonly hasCredentials: () => Promise<boolean>;
  /** AWS and HTTP clients (built only for --run with credentials). */
  readonly clients: (homeRegion: string) => FailoverClients;
  /** The clock (the probe transaction's key). @default - the system clock */
  readonly now?: () => Date;
  /** Timing of --run. @default - FailoverRunOptions' defaults (30 min wait, 15 s polls, 5 min proof) */
  readonly options?: FailoverRunOptions;
}

/* The SDK clients, required lazily: printing the plan never loads the AWS SDK. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const awsCredentials = () => require('./aws-credentials') as typeof AwsCredentials;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const awsClients = () => require('./aws-failover-clients') as typeof AwsFailoverClients;

function defaultIo(): FailoverCliIo {
  return {
    env: process.env,
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    hasCredentials: () => awsCredentials().hasAwsCredentials(),
    clients: (region) => awsClients().awsFailoverClients(region),
  };
}

const OPTIONS = {
  ...CONFIG_OPTION,
  env: { type: 'string', hint: '<name>' },
  to: { type: 'string', hint: '<region>' },
  planned: { type: 'boolean' },
  unplanned: { type: 'boolean' },
  run: { type: 'boolean' },
} as const;

/** The mode from the flags: --planned (default) or --unplanned, never both. */
function modeOf(values: OptionValues<typeof OPTIONS>): FailoverMode {
  if (values.planned && values.unplanned) {
    throw new UsageError('--planned and --unplanned exclude each other: --planned for a switchover (writer region healthy, no data loss), '
      + '--unplanned for a failover during an outage (possible data loss)');
  }
  return values.unplanned ? 'unplanned' : 'planned';
}

/** Print or run the failover; resolves to the exit code. */
async function failover(argv: readonly string[], io: FailoverCliIo): Promise<number> {
  const { values } = parseCliArgs(argv, { options: OPTIONS });
  const environmentName = requireOption(values.env, 'env', '<name>');
  const to = requireOption(values.to, 'to', '<region>');
  const mode = modeOf(values);
  const config = loadConfig(configPathOf(values.config, io.env));
  const target = resolveFailover(config, { environmentName, to, mode });
  const now = io.now?.() ?? new Date();
  if (!values.run) {
    io.out(formatSteps(target, failoverSteps(target, { probeKey: probeKeyOf(target, now) })));
    io.out('Nothing was changed. Add --run to execute these steps with the AWS SDK (credentials of account '
      + `${target.environment.account}).\n`);
    return EXIT.OK;
  }
  if (!(await io.hasCredentials())) {
    io.err(`failover --run: no AWS credentials found, nothing was changed. Export credentials of account ${target.environment.account} `
      + '(or set AWS_PROFILE) and run again, or drop --run to print the commands.\n');
    return EXIT.FAILED;
  }
  io.out(`${mode === 'planned' ? 'Planned switchover' : 'Unplanned failover'} of ${target.environment.name} to ${to}: `
    + `global cluster ${target.globalClusterIdentifier}, target ${target.targetClusterArn}\n`);
  const result = await runFailover(target, io.clients(to), (line) => io.out(`${line}\n`), io.options);
  return result.ok ? EXIT.OK : EXIT.FAILED;
}

/** The CLI; resolves to the exit code (0 ok, 1 bad input or failed step, 2 usage). */
export async function failoverCli(argv: readonly string[], io: FailoverCliIo = defaultIo()): Promise<number> {
  const expected = [ConfigError, FailoverInputError].map((error) => ({ error, exitCode: EXIT.FAILED }));
  return runCli({ name: 'failover', usage: FAILOVER_USAGE, expected }, argv, () => failover(argv, io), io);
}

if (require.main === module) runMain(failoverCli);
