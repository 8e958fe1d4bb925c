import * as fs from 'fs';
import * as path from 'path';
import type * as AwsCredentials from './aws-credentials';
import type * as AwsDoctorClients from './aws-doctor-clients';
import { CONFIG_OPTION, configPathOf } from './config-option';
import { AwsCheckOptions, CheckResult, describeDelivery, formatResult, MINIMUM_BOOTSTRAP_VERSION, runAwsChecks } from './doctor';
import { DoctorClients } from './doctor-clients';
import { fetchGitHubApi, GitHubApi, runGitHubChecks } from './doctor-github';
import { ConfigError, loadConfig } from '../../config/load-config';
import { DeliveryConfig } from '../../config/schema';
import { configWarnings, formatWarnings } from '../../config/warnings';
import { EXIT } from '../../shared/cli/exit-codes';
import { parseCliArgs } from '../../shared/cli/parse-args';
import { runCli, runMain } from '../../shared/cli/run-cli';
import { CALENDAR_FILE, CalendarError, calendarStatus, formatPinStatus, loadCalendar, WARN_DAYS } from '../../shared/versions/calendar';
import { bootstrapPlan } from '../execution-policy/bootstrap-plan';

/**
 * `npx projen doctor [--config path] [--aws [--profile-<account>=<profile> ...]] [--github]`
 *
 * Offline (default): validate the config and print what it builds, and report the remaining
 * support of every pinned version (versions/calendar.json: WARN within 90 days of its end of
 * support, FAIL after it); exit 0, or 1 with the readable list of config problems or when a
 * pin is past its end of support. `--aws` (with credentials): also check bootstrap stacks,
 * the GitHub connection, who may override the pipeline's builds and the approval e-mails, and
 * warn when the clusters of a global environment run different engine versions (a failover
 * would be refused); exit 1 if any check failed. Without credentials `--aws` says so and exits 1:
 * the checks it asked for did not run. Other accounts are read with their `--profile-<account>`,
 * else through their lookup roles, which trust only the pipeline's own roles. `--github` (a token
 * in GITHUB_TOKEN or GH_TOKEN): the repository settings the gates rely on (doctor-github.ts);
 * exit 1 if any failed, or without a token.
 */

export const DOCTOR_USAGE = 'usage: npx projen doctor [--config path/to/delivery.json] [--aws [--profile-<12-digit account>=<aws profile> ...]] [--github]';

export interface DoctorCliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Whether AWS credentials are available. */
  readonly hasCredentials: () => Promise<boolean>;
  /** AWS clients (built only for `--aws` with credentials), with the `--profile-<account>` profiles. */
  readonly clients: (homeRegion: string, profiles: Readonly<Record<string, string>>) => DoctorClients;
  /** The GitHub REST API with a token (built only for `--github` with a token). */
  readonly github: (token: string) => GitHubApi;
  readonly options?: AwsCheckOptions;
  readonly rootDir: string;
  /** Today, for the version calendar. @default - the system clock */
  readonly now?: () => Date;
}

/** BootstrapVersion of the template the repo's CDK CLI (aws-cdk devDependency) deploys, if found. */
export function cliTemplateVersion(): number | undefined {
  try {
    const dir = path.dirname(require.resolve('aws-cdk/package.json'));
    const template = fs.readFileSync(path.join(dir, 'lib', 'api', 'bootstrap', 'bootstrap-template.yaml'), 'utf8');
    const match = /CdkBootstrapVersion:[\s\S]*?Value:\s*'(\d+)'/.exec(template);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/* The SDK clients, required lazily: the offline doctor never loads the AWS SDK. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const awsCredentials = () => require('./aws-credentials') as typeof AwsCredentials;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const awsClients = () => require('./aws-doctor-clients') as typeof AwsDoctorClients;

function defaultIo(): DoctorCliIo {
  return {
    env: process.env,
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    hasCredentials: () => awsCredentials().hasAwsCredentials(),
    clients: (region, profiles) => awsClients().awsDoctorClients(region, profiles),
    github: (token) => fetchGitHubApi(token),
    options: { currentTemplateVersion: cliTemplateVersion() },
    rootDir: process.cwd(),
  };
}

const OPTIONS = { ...CONFIG_OPTION, aws: { type: 'boolean' }, github: { type: 'boolean' } } as const;
const PROFILE = { pattern: /^profile-\d{12}$/, shown: '--profile-<12-digit account>=<aws profile>' };

/** Print check results; the number that failed and warned. */
function report(io: DoctorCliIo, title: string, results: readonly CheckResult[]): { failed: number; warned: number } {
  io.out(`\n${title}:\n`);
  for (const r of results) io.out(`${formatResult(r)}\n`);
  return { failed: results.filter((r) => r.status === 'fail').length, warned: results.filter((r) => r.status === 'warn').length };
}

/** The AWS checks (`--aws`); undefined when there are no credentials (reported). */
async function awsChecks(io: DoctorCliIo, config: DeliveryConfig, profiles: Record<string, string>): Promise<CheckResult[] | undefined> {
  if (!(await io.hasCredentials())) {
    // --aws asked for the AWS checks: none ran, so this is not a pass.
    io.err('\ndoctor --aws: no AWS credentials found, so no AWS check ran (the offline checks passed). Export credentials or set AWS_PROFILE and run again.\n');
    return undefined;
  }
  const plan = bootstrapPlan(config, { rootDir: io.rootDir });
  return runAwsChecks(config, plan, io.clients(config.pipeline.region, profiles), io.options);
}

/** The GitHub checks (`--github`); undefined without a token (reported). */
async function gitHubChecks(io: DoctorCliIo, config: DeliveryConfig): Promise<CheckResult[] | undefined> {
  const token = io.env.GITHUB_TOKEN || io.env.GH_TOKEN;
  if (!token) {
    io.err('\ndoctor --github: no GITHUB_TOKEN (or GH_TOKEN) in the environment, so no GitHub check ran. '
      + 'Export a token that can read the repository (e.g. GITHUB_TOKEN=$(gh auth token)) and run again.\n');
    return undefined;
  }
  return runGitHubChecks(config, io.github(token));
}

/** The checks; resolves to the exit code. */
async function doctor(argv: readonly string[], io: DoctorCliIo): Promise<number> {
  const { values, patterned } = parseCliArgs(argv, { options: OPTIONS, patterns: [PROFILE] });
  const profiles = Object.fromEntries(Object.entries(patterned).map(([name, profile]) => [name.slice('profile-'.length), profile]));
  const configPath = configPathOf(values.config, io.env);
  const config = loadConfig(configPath);
  io.out(describeDelivery(config, path.relative(io.rootDir, configPath) || configPath));
  io.err(formatWarnings(configWarnings(config)));
  const pins = calendarStatus(loadCalendar(io.rootDir), io.now?.() ?? new Date());
  io.out(`\nVersion calendar (${CALENDAR_FILE}; WARN within ${WARN_DAYS} days of the end of support, FAIL after it):\n`);
  for (const p of pins) io.out(`${formatPinStatus(p)}\n`);
  const expired = pins.filter((p) => p.status === 'fail').length;
  if (expired) io.err(`\n${expired} pinned version(s) past their end of support: move them (see the fix lines above).\n`);
  if (!values.aws && !values.github) {
    if (expired) return EXIT.FAILED;
    io.out('\nOffline checks passed. Run with --aws (AWS credentials of the pipeline account) to check bootstrap, connection, build overrides and e-mails, '
      + 'and with --github (GITHUB_TOKEN) to check the repository settings.\n');
    return EXIT.OK;
  }
  let failed = 0;
  let warned = 0;
  for (const [asked, title, run] of [
    [values.aws, `AWS checks (minimum bootstrap version ${MINIMUM_BOOTSTRAP_VERSION})`, () => awsChecks(io, config, profiles)],
    [values.github, `GitHub checks (${config.source.owner}/${config.source.repo}@${config.source.branch})`, () => gitHubChecks(io, config)],
  ] as const) {
    if (!asked) continue;
    const results = await run();
    if (!results) return EXIT.FAILED;
    const counts = report(io, title, results);
    failed += counts.failed;
    warned += counts.warned;
  }
  io.out(`\n${failed === 0 ? 'All checks passed' : `${failed} check(s) failed`}${warned ? `, ${warned} warning(s)` : ''}.\n`);
  return failed === 0 && !expired ? EXIT.OK : EXIT.FAILED;
}

/** The CLI; resolves to the exit code (0 ok, 1 broken config or failed check, 2 usage). */
export async function doctorCli(argv: readonly string[], io: DoctorCliIo = defaultIo()): Promise<number> {
  const expected = [ConfigError, CalendarError].map((error) => ({ error, exitCode: EXIT.FAILED }));
  return runCli({ name: 'doctor', usage: DOCTOR_USAGE, expected }, argv, () => doctor(argv, io), io);
}

if (require.main === module) runMain(doctorCli);
