import type * as AwsCredentials from './aws-credentials';
import type * as AwsDoctorClients from './aws-doctor-clients';
import { formatResult, runSandboxChecks } from './doctor';
import { ConfigError, loadConfig } from '../../config/load-config';
import { UsageError } from '../../shared/cli/errors';
import { EXIT } from '../../shared/cli/exit-codes';
import { parseCliArgs } from '../../shared/cli/parse-args';
import { CliIo, PROCESS_IO, runCli, runMain } from '../../shared/cli/run-cli';
import { bootstrapPlan } from '../execution-policy/bootstrap-plan';

/**
 * `integ:deploy` step 1: refuse to deploy into an account of a production environment, or into
 * a sandbox whose CloudFormation execution role is not bootstrapped with exactly the generated
 * execution policies and the project's template (see doctor.ts runSandboxChecks). Reads
 * INTEG_ACCOUNT, INTEG_REGION and the config like `doctor`.
 */

export const PREFLIGHT_USAGE = 'usage: INTEG_ACCOUNT=<sandbox account> INTEG_REGION=<region> AWS_PROFILE=<profile of the sandbox> npx projen integ:deploy';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const awsCredentials = () => require('./aws-credentials') as typeof AwsCredentials;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const awsClients = () => require('./aws-doctor-clients') as typeof AwsDoctorClients;

async function preflight(argv: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  parseCliArgs(argv, { options: {} });
  const account = env.INTEG_ACCOUNT;
  const region = env.INTEG_REGION;
  if (!account || !region) throw new UsageError('INTEG_ACCOUNT and INTEG_REGION are required: the sandbox account and region to deploy the integ test into');
  if (!(await awsCredentials().hasAwsCredentials())) {
    io.err(`no AWS credentials: set AWS_PROFILE to a profile of the sandbox account ${account}\n`);
    return EXIT.FAILED;
  }
  const config = loadConfig(env.DELIVERY_CONFIG);
  const results = await runSandboxChecks(config, bootstrapPlan(config), awsClients().awsDoctorClients(region), { account, region });
  for (const r of results) io.out(`${formatResult(r)}\n`);
  return results.some((r) => r.status === 'fail') ? EXIT.FAILED : EXIT.OK;
}

/** The preflight; resolves to the exit code (0 ready, 1 no credentials or a failed check, 2 usage). */
export function integPreflightCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, io: CliIo = PROCESS_IO): Promise<number> {
  return runCli({ name: 'integ:deploy preflight', usage: PREFLIGHT_USAGE, expected: [{ error: ConfigError, exitCode: EXIT.FAILED }] },
    argv, () => preflight(argv, env, io), io);
}

if (require.main === module) runMain(integPreflightCli);
