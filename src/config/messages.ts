import { z } from 'zod';

/**
 * The sentences a user reads when a config value is wrong. Every zod issue code maps to one
 * sentence here (issueSentence); fields with a better sentence of their own say it in the
 * schema. No raw validator text ("Invalid input: expected object, received array") reaches
 * the user.
 */

/** How a JSON value reads in a sentence: `the number 111111111111`, `the string "us-east-1"`, `a list`. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `${value}`;
  if (Array.isArray(value)) return `a list (${value.length} item${value.length === 1 ? '' : 's'})`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** `must be <expected>; got <value>`, or `is required: <expected>` when the value is missing. */
export function wrongType(expected: string, input: unknown): string {
  return input === undefined ? `is required: ${expected}` : `must be ${expected}; got ${describeValue(input)}`;
}

/**
 * The error option of a schema whose wrong-type message names what is expected, with an
 * example: `z.string(expecting('a string of 12 digits, e.g. "123456789012"'))`. Other problems
 * (too short, wrong pattern) fall through to the schema's own checks or to issueSentence.
 */
export function expecting(expected: string): { error: (iss: z.core.$ZodRawIssue) => string | undefined } {
  return { error: (iss) => (iss.code === 'invalid_type' ? wrongType(expected, iss.input) : undefined) };
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list [ ... ]',
  object: 'an object { ... }',
};

const plural = (n: number | bigint, one: string) => `${n} ${one}${Number(n) === 1 ? '' : 's'}`;

function sizeWord(origin: string, n: number | bigint): string {
  if (origin === 'string') return plural(n, 'character');
  if (origin === 'array' || origin === 'set') return plural(n, 'item');
  return `${n}`;
}

/**
 * The one mapping of zod issue codes to sentences, used as the parse-level error map: it
 * applies wherever a schema has no sentence of its own.
 */
export function issueSentence(iss: z.core.$ZodRawIssue): string {
  const got = `; got ${describeValue(iss.input)}`;
  switch (iss.code) {
    case 'invalid_type':
      return wrongType(TYPE_NAMES[iss.expected] ?? `a ${iss.expected}`, iss.input);
    case 'too_small': {
      const bound = iss.inclusive === false ? 'more than' : 'at least';
      if (iss.origin === 'array' && Number(iss.minimum) === 1) return 'is empty: list at least one item';
      return `must be ${bound} ${sizeWord(iss.origin, iss.minimum)}${iss.origin === 'number' ? got : ''}`;
    }
    case 'too_big': {
      const bound = iss.inclusive === false ? 'less than' : 'at most';
      return `must be ${bound} ${sizeWord(iss.origin, iss.maximum)}${iss.origin === 'number' ? got : ` long${got}`}`;
    }
    case 'invalid_format':
      return `${describeValue(iss.input)} is not ${iss.format === 'email' ? 'an e-mail address' : `in the expected ${iss.format} form`}`;
    case 'not_multiple_of':
      return `must be a multiple of ${iss.divisor}${got}`;
    case 'invalid_value':
      return `must be one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}${got}`;
    case 'invalid_union':
      return `${describeValue(iss.input)} is not one of the accepted values`;
    case 'invalid_key':
      return `has a key that is not allowed (${describeValue(iss.input)})`;
    case 'invalid_element':
      return `has an element that is not allowed (${describeValue(iss.input)})`;
    case 'unrecognized_keys':
      return `has unknown keys ${iss.keys.map((k) => `"${k}"`).join(', ')}; remove them or fix their spelling`;
    default:
      return 'is not valid';
  }
}
