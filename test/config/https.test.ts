import * as fs from 'fs';
import { problemsOf, sample } from './support';
import { ConfigError, loadConfig, parseConfig, SAMPLE_CONFIG_PATH } from '../../src/config/load-config';
import { plainHttpOptOuts, renderPlainHttpOptOuts } from '../../src/config/plain-http';

/** Production serves HTTPS only: `domain`, or a reasoned `allowPlainHttp` opt-out. */

const REASON = 'Internal load test environment behind a VPN, it never carries customer data.';
const prodOf = (c: any): any => c.environments.find((e: any) => e.production === true);


test('the sample prod has a domain (HTTPS), dev and test have none (HTTP), nothing opts out', () => {
  const c = loadConfig();
  expect(c.environments.map((e) => [e.name, e.domain?.zoneName])).toEqual([
    ['dev', undefined], ['test', undefined], ['prod', 'prod.example.com'],
  ]);
  expect(plainHttpOptOuts(c)).toEqual([]);
});

test('production without a domain is refused, naming the field and both fixes', () => {
  const problems = problemsOf((c) => { delete prodOf(c).domain; });
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatch(/^environments\[2\]\.domain: is missing for production environment "prod"/);
  expect(problems[0]).toContain('"domain": { "zoneName"');
  expect(problems[0]).toContain('"allowPlainHttp": { "reason"');
});

test('production without a domain is accepted with a reasoned opt-out, which is listed and rendered', () => {
  const c = sample();
  delete prodOf(c).domain;
  prodOf(c).allowPlainHttp = { reason: REASON };
  const config = parseConfig(c);
  const optOuts = plainHttpOptOuts(config);
  expect(optOuts).toEqual([{ environment: 'prod', account: '444444444444', regions: ['us-east-1', 'us-east-2'], reason: REASON }]);
  expect(renderPlainHttpOptOuts(optOuts)).toEqual([
    `Plain HTTP in production (allowPlainHttp): prod (444444444444: us-east-1, us-east-2) serves HTTP without TLS. Reason: ${REASON}`,
  ]);
});

test.each([
  ['too short', 'Because we said so.'],
  ['no final period', 'Internal load test environment behind a VPN, never customer data'],
  ['empty', ''],
])('an opt-out reason that is not a full sentence (%s) is refused', (_, reason) => {
  const problems = problemsOf((c) => { delete prodOf(c).domain; prodOf(c).allowPlainHttp = { reason }; });
  expect(problems).toEqual([expect.stringMatching(/^environments\[2\]\.allowPlainHttp\.reason: must say why in a full sentence \(at least 8 words, ending with a period\)/)]);
});

test('an opt-out without a reason, or with unknown keys, is refused', () => {
  expect(problemsOf((c) => { delete prodOf(c).domain; prodOf(c).allowPlainHttp = {}; }))
    .toEqual([expect.stringMatching(/^environments\[2\]\.allowPlainHttp\.reason: is required/)]);
  expect(problemsOf((c) => { delete prodOf(c).domain; prodOf(c).allowPlainHttp = true; }))
    .toEqual([expect.stringMatching(/^environments\[2\]\.allowPlainHttp: must be \{ "reason"/)]);
});

test('an opt-out next to a domain, or on a non-production environment, is refused', () => {
  expect(problemsOf((c) => { prodOf(c).allowPlainHttp = { reason: REASON }; }))
    .toEqual([expect.stringMatching(/^environments\[2\]\.allowPlainHttp: contradicts "domain"/)]);
  expect(problemsOf((c) => { c.environments[0].allowPlainHttp = { reason: REASON }; }))
    .toEqual([expect.stringMatching(/^environments\[0\]\.allowPlainHttp: is only for production environments/)]);
});
