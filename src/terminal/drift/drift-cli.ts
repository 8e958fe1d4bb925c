import { ConfigError, loadConfig } from '../../config/load-config';
import { stageStacksOf } from '../../config/pipeline-layout';
import { UsageError } from '../../shared/cli/errors';
import { EXIT } from '../../shared/cli/exit-codes';
import { parseCliArgs } from '../../shared/cli/parse-args';
import { CliIo, PROCESS_IO, runCli, runMain } from '../../shared/cli/run-cli';
import type * as AwsDriftClients from '../../shared/drift/aws-drift-clients';
import { checkDrift, CloudFormationDriftApi } from '../../shared/drift/drift-check';
import { driftCounts, driftPassed, formatDriftReport } from '../../shared/drift/drift-report';
import { CONFIG_OPTION, configPathOf } from '../ops/config-option';

/**
 * `npx projen drift -- [--env <name>] [--json] [--config path] [--profile-<account>=<profile> ...]`
 *
 * The scheduled drift check on demand: CloudFormation drift detection on every deployed stage
 * stack of the config (or of one environment), through each account's CDK lookup role, the
 * expected differences (src/shared/drift/expected-differences.ts) set aside. Credentials: each
 * account's `--profile-<account>` (a person's own read access there), else its lookup role, which
 * the project's bootstrap template lets only the pipeline's own roles assume.
 */

export const DRIFT_USAGE = 'usage: npx projen drift -- [--env <name>] [--json] [--config path/to/delivery.json] [--profile-<12-digit account>=<aws profile> ...]\n'
  + 'exit 0 every deployed stack in sync; 1 drift, a stack that could not be checked, no stack deployed, or a config it cannot use; 2 a bad command line';
/** Poll interval and timeout of each detection. */
export const DRIFT_POLL_MS = 5000;
export const DRIFT_TIMEOUT_MS = 10 * 60_000;

export interface DriftCliIo extends CliIo {
  readonly env: NodeJS.ProcessEnv;
  /** CloudFormation of an account and region, with the `--profile-<account>` profiles. */
  readonly cloudFormation: (where: { account: string; region: string }, profiles: Readonly<Record<string, string>>) => CloudFormationDriftApi;
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

function defaultIo(): DriftCliIo {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const aws = require('../../shared/drift/aws-drift-clients') as typeof AwsDriftClients;
  let clients: ReturnType<typeof aws.awsDriftClients> | undefined;
  return {
    ...PROCESS_IO,
    env: process.env,
    cloudFormation: (where, profiles) => (clients ??= aws.awsDriftClients('delivery-drift-cli', profiles))(where),
  };
}

const OPTIONS = { ...CONFIG_OPTION, env: { type: 'string', hint: '<environment name>' }, json: { type: 'boolean' } } as const;
const PROFILE = { pattern: /^profile-\d{12}$/, shown: '--profile-<12-digit account>=<aws profile>' };

async function drift(argv: readonly string[], io: DriftCliIo): Promise<number> {
  const { values, patterned } = parseCliArgs(argv, { options: OPTIONS, patterns: [PROFILE] });
  const profiles = Object.fromEntries(Object.entries(patterned).map(([name, profile]) => [name.slice('profile-'.length), profile]));
  const config = loadConfig(configPathOf(values.config, io.env));
  const names = config.environments.map((e) => e.name);
  const env = values.env;
  if (env !== undefined && !names.includes(env)) throw new UsageError(`--env must name an environment of the config (${names.join(', ')}); got ${JSON.stringify(env)}`);
  const results = await checkDrift(stageStacksOf(config, env), {
    cloudFormation: (where) => io.cloudFormation(where, profiles),
    pollMs: io.pollMs ?? DRIFT_POLL_MS,
    timeoutMs: DRIFT_TIMEOUT_MS,
    sleep: io.sleep,
    now: io.now,
  });
  io.out(values.json ? `${JSON.stringify({ counts: driftCounts(results), results }, null, 2)}\n` : formatDriftReport(results));
  if (driftCounts(results).checked === 0) {
    io.err('drift: no stage stack of the selection is deployed, so nothing was checked.\n');
    return EXIT.FAILED;
  }
  return driftPassed(results) ? EXIT.OK : EXIT.FAILED;
}

/** The CLI; resolves to the exit code. */
export async function driftCli(argv: readonly string[], io: DriftCliIo = defaultIo()): Promise<number> {
  return runCli({ name: 'drift', usage: DRIFT_USAGE, expected: [{ error: ConfigError, exitCode: EXIT.FAILED }] }, argv, () => drift(argv, io), io);
}

if (require.main === module) runMain(driftCli);
