import { z } from 'zod';
import { jsonErrorOffset } from '../../src/config/json-error-offset';
import { lineAndColumn } from '../../src/config/load-config';
import { describeValue, issueSentence } from '../../src/config/messages';

/** Raw validator text that must never reach a user. */
const RAW_ZOD = /Invalid input|Invalid option|expected \w+, received|Too (small|big)|Invalid (string|email)/;

describe('issueSentence: every zod issue code reads as a sentence', () => {
  const raw = (issue: Record<string, unknown>) => issue as unknown as z.core.$ZodRawIssue;
  test.each([
    [{ code: 'invalid_type', expected: 'string', input: 5 }, 'must be a string; got the number 5'],
    [{ code: 'invalid_type', expected: 'int', input: 1.5 }, 'must be a whole number; got the number 1.5'],
    [{ code: 'invalid_type', expected: 'object', input: undefined }, 'is required: an object { ... }'],
    [{ code: 'invalid_type', expected: 'array', input: null }, 'must be a list [ ... ]; got null'],
    [{ code: 'too_small', origin: 'number', minimum: 1, inclusive: true, input: 0 }, 'must be at least 1; got the number 0'],
    [{ code: 'too_small', origin: 'number', minimum: 0, inclusive: false, input: 0 }, 'must be more than 0; got the number 0'],
    [{ code: 'too_small', origin: 'string', minimum: 3, inclusive: true, input: 'ab' }, 'must be at least 3 characters'],
    [{ code: 'too_small', origin: 'array', minimum: 1, inclusive: true, input: [] }, 'is empty: list at least one item'],
    [{ code: 'too_small', origin: 'array', minimum: 2, inclusive: true, input: [1] }, 'must be at least 2 items'],
    [{ code: 'too_big', origin: 'number', maximum: 3, inclusive: true, input: 4 }, 'must be at most 3; got the number 4'],
    [{ code: 'too_big', origin: 'string', maximum: 1, inclusive: true, input: 'ab' }, 'must be at most 1 character long; got the string "ab"'],
    [{ code: 'invalid_format', format: 'email', input: 'x' }, 'the string "x" is not an e-mail address'],
    [{ code: 'invalid_format', format: 'regex', input: 'x' }, 'the string "x" is not in the expected regex form'],
    [{ code: 'not_multiple_of', divisor: 0.5, input: 0.7 }, 'must be a multiple of 0.5; got the number 0.7'],
    [{ code: 'invalid_value', values: ['a', 'b'], input: 'c' }, 'must be one of "a", "b"; got the string "c"'],
    [{ code: 'invalid_union', input: true }, 'true is not one of the accepted values'],
    [{ code: 'invalid_key', input: 'k' }, 'has a key that is not allowed (the string "k")'],
    [{ code: 'invalid_element', input: {} }, 'has an element that is not allowed (an object)'],
    [{ code: 'unrecognized_keys', keys: ['a', 'b'] }, 'has unknown keys "a", "b"; remove them or fix their spelling'],
    [{ code: 'custom', input: 1 }, 'is not valid'],
  ])('%j', (issue, sentence) => {
    expect(issueSentence(raw(issue))).toBe(sentence);
    expect(sentence).not.toMatch(RAW_ZOD);
  });

  test('describeValue names every JSON type', () => {
    expect([undefined, null, 's', 1, false, [1], [1, 2], {}].map(describeValue)).toEqual([
      'nothing', 'null', 'the string "s"', 'the number 1', 'false', 'a list (1 item)', 'a list (2 items)', 'an object',
    ]);
  });
});

describe('jsonErrorOffset: where JSON text stops being JSON', () => {
  test.each([
    '{}', '[]', '"x"', '0', '-1.5e+10', 'true', 'null', ' { "a" : [ 1 , { "b" : "\\u00e9\\n\\"" } ] } ',
  ])('valid: %s', (text) => {
    expect(() => JSON.parse(text)).not.toThrow();
    expect(jsonErrorOffset(text)).toBeUndefined();
  });

  test.each([
    ['{ "a": 1, }', 10],
    ['{ "a" 1 }', 6],
    ['[1 2]', 3],
    ['{ "a": tru }', 10],
    ['{ "a": "x\ty" }', 9],
    ['{ "a": "\\u12g4" }', 12],
    ['{ "a": 01 }', 8],
    ['{} x', 3],
    ['{ a: 1 }', 2],
    ['{ "a": "open', 12],
    ['', 0],
  ])('invalid: %j at %i', (text, offset) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(jsonErrorOffset(text)).toBe(offset);
  });

  test('line and column count from 1', () => {
    expect(lineAndColumn('ab\ncd', 0)).toBe('line 1, column 1');
    expect(lineAndColumn('ab\ncd', 4)).toBe('line 2, column 2');
  });
});
