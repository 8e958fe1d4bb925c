import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseOpsArgs, UsageError } from './args';
import { BootstrapPlan, bootstrapPlan, Command, commandLine, renderPlanText } from './bootstrap-plan';
import { ConfigError, loadConfig } from '../config/load-config';

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
    if (!ok) return 1;
  }
  for (const b of plan.bootstrap) {
    if (!(await step(`bootstrap ${b.account}/${b.region}`, b.command))) return 1;
  }
  io.out(`\nDone: ${plan.policies.length} policies, ${plan.bootstrap.length} bootstrap stacks. Check them with: npx projen doctor --aws\n`);
  return 0;
}

/** The CLI; resolves to the exit code (0 ok, 1 failed config or command, 2 usage). */
export async function bootstrapCli(argv: readonly string[], io: BootstrapCliIo = defaultIo()): Promise<number> {
  try {
    const args = parseOpsArgs(argv, io.env, ['json', 'run', 'help'], true);
    if (args.flags.has('help')) {
      io.out(`${BOOTSTRAP_USAGE}\n`);
      return 0;
    }
    const config = loadConfig(args.configPath);
    const plan = bootstrapPlan(config, { profiles: args.profiles, rootDir: io.rootDir });
    for (const p of plan.policies) {
      io.writeFile(path.join(io.rootDir, p.documentFile), `${JSON.stringify(p.document, null, 2)}\n`);
    }
    if (args.flags.has('json')) {
      io.out(`${JSON.stringify({
        ...plan,
        policies: plan.policies.map((p) => ({ ...p, probe: commandLine(p.probe), create: commandLine(p.create), update: commandLine(p.update) })),
        bootstrap: plan.bootstrap.map((b) => ({ ...b, command: commandLine(b.command) })),
      }, null, 2)}\n`);
      if (!args.flags.has('run')) return 0;
    } else {
      io.out(renderPlanText(plan, config));
    }
    return args.flags.has('run') ? await runPlan(plan, io) : 0;
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(`${e.message}\n`);
      return 1;
    }
    if (e instanceof UsageError) {
      io.err(`${e.message}\n${BOOTSTRAP_USAGE}\n`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) {
  bootstrapCli(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
}
