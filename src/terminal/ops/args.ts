import * as path from 'path';
import { SAMPLE_CONFIG_PATH } from '../../config/load-config';

/**
 * Command-line arguments shared by the ops tasks (`npx projen bootstrap`, `npx projen doctor`).
 *
 * The config file follows the convention of src/main.ts: `--config path` (or `--config=path`),
 * else $DELIVERY_CONFIG, else the sample config.
 */
export interface OpsArgs {
  /** Absolute path of the delivery config to read. */
  readonly configPath: string;
  /** Boolean flags that were given, without the leading dashes (e.g. `run`, `json`, `aws`). */
  readonly flags: ReadonlySet<string>;
  /** `--profile-<account>=<name>`: the AWS CLI profile to use for each account. */
  readonly profiles: Readonly<Record<string, string>>;
  /** Options with a value the task accepts (`--env prod` or `--env=prod`), by name without the dashes. */
  readonly values: Readonly<Record<string, string>>;
}

/** A command line the task does not understand: print the message and the usage, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Parse `argv` (without node and the script); `booleanFlags` are the flags the task accepts,
 * `valueOptions` the options that take a value (`--env prod`, `--env=prod`).
 */
export function parseOpsArgs(
  argv: readonly string[], env: NodeJS.ProcessEnv, booleanFlags: readonly string[], acceptProfiles = false, valueOptions: readonly string[] = [],
): OpsArgs {
  let config: string | undefined;
  const flags = new Set<string>();
  const profiles: Record<string, string> = {};
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    // `npx projen <task> -- --flag` hands the `--` through: it separates nothing here.
    if (arg === '--') continue;
    const option = valueOptions.find((o) => arg === `--${o}` || arg.startsWith(`--${o}=`));
    if (option !== undefined) {
      const value = arg === `--${option}` ? argv[++i] : arg.slice(`--${option}=`.length);
      if (!value || value.startsWith('--')) throw new UsageError(`--${option} needs a value`);
      if (values[option] !== undefined) throw new UsageError(`--${option} given twice`);
      values[option] = value;
    } else if (arg === '--config') {
      config = argv[++i];
      if (!config) throw new UsageError('--config needs a path, e.g. --config config/delivery.json');
    } else if (arg.startsWith('--config=')) {
      config = arg.slice('--config='.length);
    } else if (acceptProfiles && /^--profile-\d{12}=.+$/.test(arg)) {
      const [key, name] = arg.slice(2).split('=', 2);
      profiles[key.slice('profile-'.length)] = name;
    } else if (arg.startsWith('--') && booleanFlags.includes(arg.slice(2))) {
      flags.add(arg.slice(2));
    } else {
      throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  const chosen = config ?? env.DELIVERY_CONFIG;
  return { configPath: chosen ? path.resolve(chosen) : SAMPLE_CONFIG_PATH, flags, profiles, values };
}
