import { parseOpsArgs, UsageError } from './args';
import { FailoverClients } from './failover-clients';
import { failoverSteps, FailoverInputError, FailoverMode, formatSteps, probeKeyOf, resolveFailover } from './failover-plan';
import { FailoverRunOptions, runFailover } from './failover-run';
import { ConfigError, loadConfig } from '../../config/load-config';

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

/** The SDK adapters, required lazily: printing the plan never loads the AWS SDK. */
function lazy<T>(module: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(module) as T;
}

function defaultIo(): FailoverCliIo {
  return {
    env: process.env,
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    hasCredentials: () => lazy<typeof import('./doctor-aws')>('./doctor-aws').hasCredentials(),
    clients: (region) => lazy<typeof import('./failover-aws')>('./failover-aws').sdkFailoverClients(region),
  };
}

/** The mode from the flags: --planned (default) or --unplanned, never both. */
function modeOf(flags: ReadonlySet<string>): FailoverMode {
  if (flags.has('planned') && flags.has('unplanned')) {
    throw new UsageError('--planned and --unplanned exclude each other: --planned for a switchover (writer region healthy, no data loss), '
      + '--unplanned for a failover during an outage (possible data loss)');
  }
  return flags.has('unplanned') ? 'unplanned' : 'planned';
}

/** The CLI; resolves to the exit code (0 ok, 1 bad input or failed step, 2 usage). */
export async function failoverCli(argv: readonly string[], io: FailoverCliIo = defaultIo()): Promise<number> {
  try {
    const args = parseOpsArgs(argv, io.env, ['planned', 'unplanned', 'run', 'help'], false, ['env', 'to']);
    if (args.flags.has('help')) {
      io.out(`${FAILOVER_USAGE}\n`);
      return 0;
    }
    const environmentName = args.values.env;
    const to = args.values.to;
    if (!environmentName || !to) throw new UsageError(`${!environmentName ? '--env' : '--to'} is required`);
    const mode = modeOf(args.flags);
    const config = loadConfig(args.configPath);
    const target = resolveFailover(config, { environmentName, to, mode });
    const now = io.now?.() ?? new Date();
    if (!args.flags.has('run')) {
      io.out(formatSteps(target, failoverSteps(target, { probeKey: probeKeyOf(target, now) })));
      io.out('Nothing was changed. Add --run to execute these steps with the AWS SDK (credentials of account '
        + `${target.environment.account}).\n`);
      return 0;
    }
    if (!(await io.hasCredentials())) {
      io.err(`failover --run: no AWS credentials found, nothing was changed. Export credentials of account ${target.environment.account} `
        + '(or set AWS_PROFILE) and run again, or drop --run to print the commands.\n');
      return 1;
    }
    io.out(`${mode === 'planned' ? 'Planned switchover' : 'Unplanned failover'} of ${target.environment.name} to ${to}: `
      + `global cluster ${target.globalClusterIdentifier}, target ${target.targetClusterArn}\n`);
    const result = await runFailover(target, io.clients(to), (line) => io.out(`${line}\n`), io.options);
    return result.ok ? 0 : 1;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof FailoverInputError) {
      io.err(`${e.message}\n`);
      return 1;
    }
    if (e instanceof UsageError) {
      io.err(`${e.message}\n${FAILOVER_USAGE}\n`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) {
  failoverCli(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
}
