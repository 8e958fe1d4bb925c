import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { describeValue } from './messages';

/**
 * The feature flags of the service: an AWS AppConfig feature-flag document, kept in the
 * repository (`config/feature-flags.json`) and deployed by the pipeline into every stage's
 * AppConfig environment (src/synth/feature-flags/). Its format is AppConfig's
 * `AWS.AppConfig.FeatureFlags` type ("Type reference for AWS.AppConfig.FeatureFlags",
 * https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-type-reference-feature-flags.html):
 * `version` "1", `flags` (definitions: name, description, attributes with constraints) and
 * `values` (per flag `enabled` and its attribute values); flag keys match
 * `^[a-z][a-zA-Z\d_-]{0,63}$`, no other top-level keys.
 *
 * The service reads the kill switch (app/src/flags/). Its value in this file is what every
 * release that changes the file deploys, and what a task uses before the agent answers.
 */

/** The file, relative to the repository root. */
export const FEATURE_FLAGS_FILE = path.join('config', 'feature-flags.json');

/** The flag the service reads: enabled = new transactions are refused. */
export const KILL_SWITCH_FLAG = 'transactions_kill_switch';
/** Its attribute: the Retry-After (seconds) of the refusal. */
export const KILL_SWITCH_RETRY_AFTER = 'retry_after_seconds';

const FLAG_KEY = /^[a-z][a-zA-Z\d_-]{0,63}$/;

const flagKey = z.string().regex(FLAG_KEY);

const definitionSchema = z.object({
  name: z.string({ error: (iss) => `must be the flag's display name as a string; got ${describeValue(iss.input)}` }).min(1),
  description: z.string().optional(),
  attributes: z.record(flagKey, z.object({ constraints: z.record(z.string(), z.unknown()).optional() }).loose()).optional(),
  _deprecation: z.object({ status: z.literal('planned') }).optional(),
}).loose();

const valueSchema = z.object({
  enabled: z.boolean({ error: (iss) => `must be true or false (without quotes); got ${describeValue(iss.input)}` }),
}).catchall(z.unknown());

export const featureFlagsSchema = z.strictObject({
  version: z.literal('1', { error: (iss) => `must be "1" (the only version AppConfig's feature-flag type has); got ${describeValue(iss.input)}` }),
  flags: z.record(flagKey, definitionSchema),
  values: z.record(flagKey, valueSchema),
}).superRefine((doc, ctx) => {
  for (const key of Object.keys(doc.flags)) {
    if (!(key in doc.values)) ctx.addIssue({ code: 'custom', path: ['values', key], message: `is missing: every flag needs its value, e.g. "${key}": { "enabled": false }` });
  }
  for (const key of Object.keys(doc.values)) {
    if (!(key in doc.flags)) ctx.addIssue({ code: 'custom', path: ['values', key], message: 'has no definition in "flags": define the flag, or remove its value' });
  }
  const kill = doc.values[KILL_SWITCH_FLAG];
  if (!(KILL_SWITCH_FLAG in doc.flags)) {
    ctx.addIssue({ code: 'custom', path: ['flags', KILL_SWITCH_FLAG], message: 'is missing: the service reads this flag (its kill switch for new transactions); keep its definition' });
  } else if (kill) {
    const retry = kill[KILL_SWITCH_RETRY_AFTER];
    if (typeof retry !== 'number' || !Number.isInteger(retry) || retry < 1 || retry > 3600) {
      ctx.addIssue({ code: 'custom', path: ['values', KILL_SWITCH_FLAG, KILL_SWITCH_RETRY_AFTER], message: `must be a whole number of seconds from 1 to 3600 (the Retry-After of a refused POST); got ${describeValue(retry)}` });
    }
  }
});

/** A validated feature-flag document. */
export type FeatureFlagsDocument = z.output<typeof featureFlagsSchema>;

/** A flags file that cannot be used: every problem, each naming the field and the fix. */
export class FeatureFlagsError extends Error {
  constructor(public readonly source: string, public readonly problems: readonly string[]) {
    super(`Invalid feature flags ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}\nFix the fields above and run again; nothing was synthesized.`);
    this.name = 'FeatureFlagsError';
  }
}

/** Validate a parsed document (`source` names it in the messages). */
export function parseFeatureFlags(data: unknown, source = FEATURE_FLAGS_FILE): FeatureFlagsDocument {
  const result = featureFlagsSchema.safeParse(data);
  if (result.success) return result.data;
  throw new FeatureFlagsError(source, result.error.issues.map((i) => {
    const field = i.path.reduce<string>((acc, k) => (acc ? `${acc}.${String(k)}` : String(k)), '') || '(root)';
    const key = String(i.path[i.path.length - 1]);
    const message = i.code === 'unrecognized_keys' ? `unknown key(s) ${i.keys.map((k) => JSON.stringify(k)).join(', ')}: AppConfig's feature-flag document has only "version", "flags" and "values"`
      : i.code === 'invalid_key' ? `${JSON.stringify(key)} is not an AppConfig flag key: start with a lowercase letter, then up to 63 letters, digits, _ or -`
        : i.message;
    return `${field}: ${message}`;
  }));
}

/** Read and validate the flags file of the repository at `rootDir`. */
export function loadFeatureFlags(rootDir: string): FeatureFlagsDocument {
  const file = path.join(rootDir, FEATURE_FLAGS_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new FeatureFlagsError(file, [`cannot be read (${(e as Error).message}); restore ${FEATURE_FLAGS_FILE} from git`]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new FeatureFlagsError(file, [`is not valid JSON (${(e as Error).message})`]);
  }
  return parseFeatureFlags(data, file);
}
