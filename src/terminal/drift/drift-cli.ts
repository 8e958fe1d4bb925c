import { ConfigError, loadConfig } from '../../config/load-config';
import { stageStacksOf } from '../../config/pipeline-layout';
import { checkDrift, CloudFormationDriftApi } from '../../shared/drift/drift-check';
import { driftCounts, driftPassed, formatDriftReport } from '../../shared/drift/drift-report';
import { parseOpsArgs, UsageError } from '../ops/args';

/**
 * `npx projen drift -- [--env <name>] [--json] [--config path]`
 *
 * The scheduled drift check on demand: CloudFormation drift detection on every deployed stage
 * stack of the config (or of one environment), through each account's CDK lookup role, the
 * expected differences (src/shared/drift/expected-differences.ts) set aside. Exit 0 when every
 * deployed stack is in sync; 1 on drift, on a stack that could not be checked, when no stack is
 * deployed at all (nothing was checked), or on a broken config; 2 on a bad command line.
 * Credentials: any principal of the pipeline account that may assume the lookup roles.
 */

export const DRIFT_USAGE = 'usage: npx projen drift -- [--env <name>] [--json] [--config path/to/delivery.json]';
/** Poll interval and timeout of each detection. */
export const DRIFT_POLL_MS = 5000;
export const DRIFT_TIMEOUT_MS = 10 * 60_000;

export interface DriftCliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly cloudFormation: (where: { account: string; region: string }) => CloudFormationDriftApi;
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

function defaultIo(): DriftCliIo {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const aws = require('../../shared/drift/drift-aws') as typeof import('../../shared/drift/drift-aws');
  return { env: process.env, out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t), cloudFormation: aws.sdkDriftClients('delivery-drift-cli') };
}

/** The CLI; resolves to the exit code. */
export async function driftCli(argv: readonly string[], io: DriftCliIo = defaultIo()): Promise<number> {
  try {
    const args = parseOpsArgs(argv, io.env, ['json', 'help'], false, ['env']);
    if (args.flags.has('help')) {
      io.out(`${DRIFT_USAGE}\n`);
      return 0;
    }
    const config = loadConfig(args.configPath);
    const names = config.environments.map((e) => e.name);
    const env = args.values.env;
    if (env !== undefined && !names.includes(env)) throw new UsageError(`--env must name an environment of the config (${names.join(', ')}); got ${JSON.stringify(env)}`);
    const results = await checkDrift(stageStacksOf(config, env), {
      cloudFormation: io.cloudFormation, pollMs: io.pollMs ?? DRIFT_POLL_MS, timeoutMs: DRIFT_TIMEOUT_MS, sleep: io.sleep, now: io.now,
    });
    io.out(args.flags.has('json') ? `${JSON.stringify({ counts: driftCounts(results), results }, null, 2)}\n` : formatDriftReport(results));
    if (driftCounts(results).checked === 0) {
      io.err('drift: no stage stack of the selection is deployed, so nothing was checked.\n');
      return 1;
    }
    return driftPassed(results) ? 0 : 1;
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(`${e.message}\n`);
      return 1;
    }
    if (e instanceof UsageError) {
      io.err(`${e.message}\n${DRIFT_USAGE}\n`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) {
  driftCli(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
}
