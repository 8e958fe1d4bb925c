import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CONFIG_OPTION, configPathOf } from './config-option';
import { ConfigError, loadConfig } from '../../config/load-config';
import { EXIT } from '../../shared/cli/exit-codes';
import { parseCliArgs } from '../../shared/cli/parse-args';
import { runCli, runMain } from '../../shared/cli/run-cli';
import { BootstrapPlan, bootstrapPlan, Command, commandLine, renderPlanText } from '../execution-policy/bootstrap-plan';
import { HandlerPermissions } from '../execution-policy/handler-permissions';
import { PolicyDocument } from '../execution-policy/iam-evaluator';
import { checkSufficiency, describeGaps, stacksOfAssembly } from '../execution-policy/sufficiency';

/** What the policy check over cdk.out found. */
export interface PolicyCheck {
  /** Whether every request of every synthesized stack is allowed (false also when nothing could be checked). */
  readonly ok: boolean;
  /** Distinct (action, resource type) pairs evaluated. */
  readonly pairsChecked: number;
  /** One line for people. */
  readonly summary: string;
  /** One line per missing permission. */
  readonly gaps: readonly string[];
}

/**
 * Evaluate the plan's rendered policies against every stack of the synthesized app: the
 * templates of this very config, so a fork's own resources are covered too.
 */
export function checkPlanPolicies(plan: BootstrapPlan, assemblyDir: string, rootDir: string): PolicyCheck {
  if (!fs.existsSync(path.join(assemblyDir, 'manifest.json'))) {
    return { ok: false, pairsChecked: 0, gaps: [], summary: `no synthesized app in ${assemblyDir}: run \`npx projen synth\` (same config) first, so the policies can be checked against its templates` };
  }
  const found = stacksOfAssembly(assemblyDir);
  const stacks = [...found.pipeline, ...found.stage];
  const foreign = [...new Set(stacks.map((s) => s.account).filter((a) => !plan.policies.some((p) => p.account === a)))];
  if (foreign.length) {
    return { ok: false, pairsChecked: 0, gaps: [], summary: `${assemblyDir} deploys to account(s) ${foreign.join(', ')}, which this config does not bootstrap: synthesize with the same config first` };
  }
  const policiesOf = (account: string) => plan.policies.filter((p) => p.account === account).map((p) => p.document as PolicyDocument);
  const result = checkSufficiency(stacks, policiesOf, HandlerPermissions.load(rootDir));
  const gaps = describeGaps([...result.missing, ...result.unevaluable]);
  const unknown = result.unknownTypes.length ? `; no handler data for ${result.unknownTypes.join(', ')} (run npx projen policy:handlers)` : '';
  return {
    ok: gaps.length === 0 && result.unknownTypes.length === 0,
    pairsChecked: result.pairsChecked,
    gaps,
    summary: `checked ${result.pairsChecked} (action, resource type) pairs, ${result.requestsChecked} requests over ${result.stacksChecked} synthesized stacks `
      + `against the rendered policies: ${gaps.length ? `${gaps.length} not allowed` : 'all allowed'}${unknown}`,
  };
}

/**
 * `npx projen bootstrap [--config path] [--json] [--run] [--profile-<account>=<name> ...]`
 *
 * Prints (default), prints as JSON (`--json`) or runs (`--run`) the bootstrap plan: the
 * least-privilege CloudFormation execution policies, then `cdk bootstrap` for every
 * account/region of the config. `--run` runs the commands one after another and stops at the
 * first failure; each account uses `--profile-<account>=<name>` when given, else the current
 * credentials ($AWS_PROFILE or the default chain).
 */

export const BOOTSTRAP_USAGE = 'usage: npx projen bootstrap [--config path/to/delivery.json] [--json] [--run] [--profile-<12-digit account>=<aws profile> ...]';

/** Runs one command; resolves to its exit code. `quiet` hides its output (probes). */
export type Runner = (command: Command, quiet: boolean) => Promise<number>;

/** What the CLI touches, injectable for tests. */
export interface BootstrapCliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly run: Runner;
  /** Writes the rendered policy documents. */
  readonly writeFile: (file: string, content: string) => void;
  /** Repository root. */
  readonly rootDir: string;
  /** The synthesized app the policies are checked against. @default `<rootDir>/cdk.out` */
  readonly assemblyDir?: string;
}

const realRunner: Runner = (command, quiet) => new Promise((resolve) => {
  const [bin, ...args] = command.argv;
  const child = spawn(bin, args, { stdio: quiet ? 'ignore' : 'inherit' });
  child.on('error', () => resolve(127));
  child.on('close', (code) => resolve(code ?? 1));
});

function defaultIo(): BootstrapCliIo {
  return {
    env: process.env,
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    run: realRunner,
    writeFile: (file, content) => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    },
    rootDir: process.cwd(),
  };
}

async function runPlan(plan: BootstrapPlan, io: BootstrapCliIo): Promise<number> {
  const step = async (label: string, command: Command): Promise<boolean> => {
    io.out(`\n==> ${label}\n$ ${commandLine(command)}\n`);
    const code = await io.run(command, false);
    if (code !== 0) {
      io.err(`FAILED (exit ${code}): ${label}\nStopped here; nothing after this step ran. Fix the cause and run again: every step is safe to repeat.\n`);
      return false;
    }
    return true;
  };
  for (const p of plan.policies) {
    const exists = (await io.run(p.probe, true)) === 0;
    const ok = exists
      ? await step(`update ${p.policyName} in ${p.account} (exists: new default version)`, p.update)
      : await step(`create ${p.policyName} in ${p.account}`, p.create);
    if (!ok) return EXIT.FAILED;
  }
  for (const b of plan.bootstrap) {
    if (!(await step(`bootstrap ${b.account}/${b.region}`, b.command))) return EXIT.FAILED;
  }
  io.out(`\nDone: ${plan.policies.length} policies, ${plan.bootstrap.length} bootstrap stacks. Check them with: npx projen doctor --aws\n`);
  return EXIT.OK;
}

const OPTIONS = { ...CONFIG_OPTION, json: { type: 'boolean' }, run: { type: 'boolean' } } as const;
const PROFILE = { pattern: /^profile-\d{12}$/, shown: '--profile-<12-digit account>=<aws profile>' };

/** Print, print as JSON or run the plan; resolves to the exit code. */
async function bootstrap(argv: readonly string[], io: BootstrapCliIo): Promise<number> {
  const { values, patterned } = parseCliArgs(argv, { options: OPTIONS, patterns: [PROFILE] });
  const profiles = Object.fromEntries(Object.entries(patterned).map(([name, profile]) => [name.slice('profile-'.length), profile]));
  const config = loadConfig(configPathOf(values.config, io.env));
  const plan = bootstrapPlan(config, { profiles, rootDir: io.rootDir });
  const check = checkPlanPolicies(plan, io.assemblyDir ?? path.join(io.rootDir, 'cdk.out'), io.rootDir);
  for (const p of plan.policies) {
    io.writeFile(path.join(io.rootDir, p.documentFile), `${JSON.stringify(p.document, null, 2)}\n`);
  }
  io.writeFile(path.join(io.rootDir, plan.guardrail.documentFile), `${JSON.stringify(plan.guardrail.document, null, 2)}\n`);
  if (values.json) {
    io.out(`${JSON.stringify({
      ...plan,
      policyCheck: check,
      policies: plan.policies.map((p) => ({ ...p, probe: commandLine(p.probe), create: commandLine(p.create), update: commandLine(p.update) })),
      bootstrap: plan.bootstrap.map((b) => ({ ...b, command: commandLine(b.command) })),
      guardrail: { ...plan.guardrail, create: commandLine(plan.guardrail.create), attach: commandLine(plan.guardrail.attach) },
    }, null, 2)}\n`);
    if (!values.run) return EXIT.OK;
  } else {
    io.out(renderPlanText(plan, config));
    io.out(`# Execution policies: ${check.summary}\n${check.gaps.map((g) => `#   - ${g}\n`).join('')}`);
  }
  if (!check.ok && check.pairsChecked > 0) {
    io.err('The rendered execution policies would not let CloudFormation deploy the synthesized templates (see above); fix bootstrap/*.json '
      + '(npx projen policy:generate) before bootstrapping.\n');
    return EXIT.FAILED;
  }
  return values.run ? runPlan(plan, io) : EXIT.OK;
}

/** The CLI; resolves to the exit code (0 ok, 1 failed config or command, 2 usage). */
export async function bootstrapCli(argv: readonly string[], io: BootstrapCliIo = defaultIo()): Promise<number> {
  return runCli({ name: 'bootstrap', usage: BOOTSTRAP_USAGE, expected: [{ error: ConfigError, exitCode: EXIT.FAILED }] }, argv, () => bootstrap(argv, io), io);
}

if (require.main === module) runMain(bootstrapCli);
