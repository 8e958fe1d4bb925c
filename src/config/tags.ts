import { z } from 'zod';
import { expecting } from './messages';

/**
 * The organisation's tags, put on every taggable resource of every stage. Team, CostCenter and
 * Application are required; any other key is accepted within AWS's tag limits.
 */

/**
 * Tag keys the code sets itself on workload resources: applyGovernanceTags (src/synth/constructs/governance-tags.ts) sets
 * Environment, Region and ManagedBy, ec2.Vpc sets Name. Keys starting with `aws-cdk:` are CDK's
 * own (subnet names and types, auto-delete markers) and refused as well.
 */
export const RESERVED_TAG_KEYS: readonly string[] = ['Environment', 'Region', 'ManagedBy', 'Name'];
/** The prefix of the tag keys CDK sets itself. */
export const CDK_TAG_PREFIX = 'aws-cdk:';

/** AWS allows at most 50 tags per resource. */
export const MAX_TAGS = 50;
/**
 * The most tags the code sets itself on one resource: a subnet gets Environment, Region,
 * ManagedBy, Name, aws-cdk:subnet-name and aws-cdk:subnet-type (test/config/reserved-tags.test.ts
 * measures it on the synthesized stages).
 */
export const OWN_TAGS_PER_RESOURCE = 6;
/** Tags a config may list, Team, CostCenter and Application included. */
export const MAX_CONFIG_TAGS = MAX_TAGS - OWN_TAGS_PER_RESOURCE;

/** Characters AWS allows in tag keys and values: letters, digits, spaces and _ . : / = + - @. */
const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const CHARS_RULE = 'letters, digits, spaces and _ . : / = + - @';

/** A tag value: 0-256 characters AWS allows. */
const tagValue = z.string(expecting('a string of at most 256 characters, e.g. "payments"'))
  .max(256, { error: (iss) => `is ${String(iss.input).length} characters long; AWS allows at most 256 in a tag value` })
  .regex(TAG_CHARS, { error: `contains a character AWS does not allow in tag values; use ${CHARS_RULE}` });

/** One of the three required tags: non-empty. */
const requiredTag = (name: string, example: string) => z.string(expecting(`a string, the ${name} tag value on every resource, e.g. "${example}"`))
  .trim()
  .min(1, { error: `must not be empty: give the ${name} tag a value, e.g. "${example}"` })
  .pipe(tagValue);

/** `tags` in the config. Key rules (which need the key itself) are checked by tagKeyProblems. */
export const tagsSchema = z.object({
  Team: requiredTag('Team', 'platform'),
  CostCenter: requiredTag('CostCenter', 'cc-1234'),
  Application: requiredTag('Application', 'transactions'),
}, expecting('an object of tag values, e.g. { "Team": "platform", "CostCenter": "cc-1234", "Application": "transactions" }'))
  .catchall(tagValue);

/** Problems with tag keys and the number of tags, as `[field, message]` pairs. */
export function tagKeyProblems(tags: unknown): Array<[string, string]> {
  if (typeof tags !== 'object' || tags === null || Array.isArray(tags)) return [];
  const problems: Array<[string, string]> = [];
  const keys = Object.keys(tags);
  for (const key of keys) {
    const field = `tags.${key}`;
    const reserved = RESERVED_TAG_KEYS.find((r) => r.toLowerCase() === key.toLowerCase());
    if (key.length === 0 || key.length > 128) {
      problems.push([field, `the key is ${key.length} characters long; AWS allows tag keys of 1 to 128 characters`]);
    } else if (!TAG_CHARS.test(key)) {
      problems.push([field, `the key ${JSON.stringify(key)} contains a character AWS does not allow in tag keys; use ${CHARS_RULE}`]);
    } else if (key.toLowerCase().startsWith('aws:')) {
      problems.push([field, `the key ${JSON.stringify(key)} starts with "aws:", which AWS reserves; rename it, e.g. "${key.slice(4) || 'Owner'}"`]);
    } else if (key.toLowerCase().startsWith(CDK_TAG_PREFIX)) {
      problems.push([field, `the key ${JSON.stringify(key)} starts with "${CDK_TAG_PREFIX}", which CDK uses for its own tags; rename it`]);
    } else if (reserved) {
      problems.push([field, `the key ${JSON.stringify(key)} is set by the pipeline itself (${reserved}); remove it from tags or rename it`]);
    }
  }
  if (keys.length > MAX_CONFIG_TAGS) {
    problems.push(['tags', `lists ${keys.length} tags; AWS allows ${MAX_TAGS} per resource and the pipeline and CDK set up to ${OWN_TAGS_PER_RESOURCE} themselves (a subnet gets ${RESERVED_TAG_KEYS.join(', ')}, aws-cdk:subnet-name and aws-cdk:subnet-type), so keep at most ${MAX_CONFIG_TAGS}`]);
  }
  return problems;
}
