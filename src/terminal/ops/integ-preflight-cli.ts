import { formatResult, runSandboxChecks } from './doctor';
import { hasCredentials, sdkDoctorClients } from './doctor-aws';
import { ConfigError, loadConfig } from '../../config/load-config';
import { bootstrapPlan } from '../execution-policy/bootstrap-plan';

/**
 * `integ:deploy` step 1: refuse to deploy into an account of a production environment, or into
 * a sandbox whose CloudFormation execution role is not bootstrapped with exactly the generated
 * execution policies and the project's template (see doctor.ts runSandboxChecks). Reads
 * INTEG_ACCOUNT, INTEG_REGION and the config like `doctor`.
 */
async function main(): Promise<number> {
  const account = process.env.INTEG_ACCOUNT;
  const region = process.env.INTEG_REGION;
  if (!account || !region) {
    process.stderr.write('INTEG_ACCOUNT and INTEG_REGION are required: the sandbox account and region to deploy the integ test into\n');
    return 2;
  }
  if (!(await hasCredentials())) {
    process.stderr.write(`no AWS credentials: set AWS_PROFILE to a profile of the sandbox account ${account}\n`);
    return 1;
  }
  const config = loadConfig(process.env.DELIVERY_CONFIG);
  const results = await runSandboxChecks(config, bootstrapPlan(config), sdkDoctorClients(region), { account, region });
  for (const r of results) process.stdout.write(`${formatResult(r)}\n`);
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => {
  process.stderr.write(`${e instanceof ConfigError ? e.message : (e as Error).stack}\n`);
  process.exit(1);
});
