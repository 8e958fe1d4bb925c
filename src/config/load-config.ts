import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { jsonErrorOffset } from './json-error-offset';
import { issueSentence } from './messages';
import { relationProblems } from './relations';
import { DeliveryConfig, deliveryConfigSchema } from './schema';
import { resolveVpcCidrs } from './vpc-cidrs';

/** The repository root: the nearest folder above this file that holds config/delivery.sample.json. */
function projectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'config', 'delivery.sample.json'))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

/** The repository root, found from this module (bundled or not): the folder that holds config/delivery.sample.json. */
export const PROJECT_ROOT = projectRoot(__dirname);

/** The config a fresh clone synthesizes with: placeholder accounts, documented in the README. */
export const SAMPLE_CONFIG_PATH = path.join(PROJECT_ROOT, 'config', 'delivery.sample.json');

/**
 * A config that cannot be used. `problems` lists every problem at once, each one naming the
 * field and the fix; `message` is the whole readable list.
 */
export class ConfigError extends Error {
  constructor(public readonly source: string, public readonly problems: readonly string[]) {
    super(`Invalid delivery config ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`
      + 'Fix the fields above and run again; nothing was synthesized.');
    this.name = 'ConfigError';
  }
}

/** `environments[2].account` from a zod path. */
export function fieldPath(p: readonly PropertyKey[]): string {
  return p.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '') || '(root)';
}

/** Keys that live elsewhere than a user may put them: where they go instead. */
const MOVED_KEYS: Readonly<Record<string, string>> = {
  allowSharedProdAccount: 'it belongs to the production environment that shares its account: set "allowSharedProdAccount": true in environments[i] (e.g. environments[2].allowSharedProdAccount) and remove it here',
};

function describe(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => {
      const moved = issue.path.length === 0 ? MOVED_KEYS[k] : undefined;
      return `${fieldPath([...issue.path, k])}: ${moved ? `is not a top-level key; ${moved}` : `unknown key "${k}"; remove it or fix its spelling`}`;
    });
  }
  return [`${fieldPath(issue.path)}: ${issue.message}`];
}

/** Validate a parsed config object; throws ConfigError listing every problem. */
export function parseConfig(raw: unknown, source = '(inline)'): DeliveryConfig {
  const result = deliveryConfigSchema.safeParse(raw, { error: issueSentence });
  const problems = [
    ...(result.success ? [] : result.error.issues.flatMap(describe)),
    ...relationProblems(raw).map((p) => `${p.field}: ${p.message}`),
  ];
  if (problems.length > 0 || !result.success) {
    throw new ConfigError(source, problems);
  }
  // Every region's VPC range, configured or derived, so stages read one complete map.
  const cidrs = resolveVpcCidrs(result.data.environments);
  return { ...result.data, environments: result.data.environments.map((env, i) => ({ ...env, vpcCidrs: cidrs[i] })) };
}

/**
 * Read and validate a config file. Without a path the sample config is used.
 * Throws ConfigError for a missing file, bad JSON or invalid values.
 */
export function loadConfig(file?: string): DeliveryConfig {
  const resolved = path.resolve(file ?? SAMPLE_CONFIG_PATH);
  let text: string;
  try {
    text = fs.readFileSync(resolved, 'utf8');
  } catch {
    throw new ConfigError(resolved, [`config: cannot read ${resolved}; point DELIVERY_CONFIG at an existing file, e.g. DELIVERY_CONFIG=config/delivery.json`]);
  }
  return parseConfig(parseJson(text, resolved), resolved);
}

/** `line 3, column 7` of a character offset in `text`. */
export function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

/**
 * The parsed JSON of a config file. A UTF-8 byte order mark (which some Windows editors write)
 * is skipped; a syntax error names the line and column.
 */
export function parseJson(fileText: string, source: string): unknown {
  const text = fileText.startsWith('\uFEFF') ? fileText.slice(1) : fileText;
  try {
    return JSON.parse(text);
  } catch {
    const offset = jsonErrorOffset(text) ?? text.length;
    const where = offset >= text.length ? `the end (${lineAndColumn(text, text.length)}): the text stops before the JSON is complete` : `${lineAndColumn(text, offset)} (${JSON.stringify(text[offset])})`;
    throw new ConfigError(source, [`config: not valid JSON at ${where}; fix the syntax there (a missing comma or quote, or a trailing comma, is the usual cause)`]);
  }
}
