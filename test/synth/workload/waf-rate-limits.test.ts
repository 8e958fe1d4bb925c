import { RATE_LIMITED_BODY, TOKEN_RATE_LIMIT_PER_MINUTE } from '../../../src/synth/workload/web-acl';
import { sampleAssembly } from '../../support/sample-assembly';

/**
 * The WAF's two rate limits (issue 32), on every synthesized stage's web ACL: per client address
 * and per access token. What WAF accepts is checked against its API model (botocore 1.43.11,
 * wafv2/2019-07-29/service-2.json: `RateLimit` min 10 max 2000000000, `EvaluationWindowSec`
 * 60, 120, 300 or 600, at most 5 custom keys, a custom response status from 200 to 599), and
 * what a request counts against is modelled as WAF's guide describes the aggregation
 * (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-aggregation-options.html).
 */

const WINDOWS = [60, 120, 300, 600];

interface Request {
  readonly ip: string;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * The aggregation instance a request counts against in a rate-based rule, or undefined when WAF
 * leaves it out: "Web requests that are missing any of the components specified in the
 * aggregation keys are omitted from the rate-based rule evaluation and handling." Header names
 * match without regard to case.
 */
function aggregationKey(statement: any, request: Request): string | undefined {
  if (statement.AggregateKeyType === 'IP') return request.ip;
  const parts: string[] = [];
  for (const key of statement.CustomKeys) {
    if (!key.Header) throw new Error(`the model knows Header keys only, not ${JSON.stringify(key)}`);
    const name = String(key.Header.Name).toLowerCase();
    const value = Object.entries(request.headers).find(([k]) => k.toLowerCase() === name)?.[1];
    if (value === undefined) return undefined;
    parts.push(value);
  }
  return parts.join('|');
}

const stages = sampleAssembly().stages;
const webAcls = stages.map((stage) => {
  const template = stage.stacks.Platform.template as { Resources: Record<string, any> };
  const acls = Object.values(template.Resources).filter((r) => r.Type === 'AWS::WAFv2::WebACL');
  expect(acls).toHaveLength(1);
  return [stage.name, acls[0].Properties] as const;
});

describe.each(webAcls)('%s web ACL', (_stage, acl) => {
  const rule = (name: string) => acl.Rules.find((r: any) => r.Name === name);

  test('per token: a rate-based rule keyed on the Authorization header alone, 1200 a minute, every request with the header', () => {
    const perToken = rule('RateLimitPerToken');
    expect(perToken.Statement.RateBasedStatement).toEqual({
      Limit: TOKEN_RATE_LIMIT_PER_MINUTE,
      EvaluationWindowSec: 60,
      AggregateKeyType: 'CUSTOM_KEYS',
      CustomKeys: [{ Header: { Name: 'authorization', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } }],
    });
    expect(TOKEN_RATE_LIMIT_PER_MINUTE).toBe(1200);
  });

  test('per address: kept for every request (no scope-down), 2000 per 5 minutes', () => {
    expect(rule('RateLimitPerIp').Statement.RateBasedStatement).toEqual({ Limit: 2000, EvaluationWindowSec: 300, AggregateKeyType: 'IP' });
  });

  test('both within what WAF accepts, evaluated before the managed rule groups', () => {
    for (const name of ['RateLimitPerIp', 'RateLimitPerToken']) {
      const r = rule(name).Statement.RateBasedStatement;
      expect(r.Limit).toBeGreaterThanOrEqual(10);
      expect(r.Limit).toBeLessThanOrEqual(2_000_000_000);
      expect(WINDOWS).toContain(r.EvaluationWindowSec);
      expect((r.CustomKeys ?? []).length).toBeLessThanOrEqual(5);
      expect(r.ScopeDownStatement).toBeUndefined();
    }
    const managed = acl.Rules.filter((r: any) => r.Statement.ManagedRuleGroupStatement).map((r: any) => r.Priority);
    expect(Math.max(rule('RateLimitPerIp').Priority, rule('RateLimitPerToken').Priority)).toBeLessThan(Math.min(...managed));
  });

  test('both answer 429 with Retry-After = their window and the service\'s error shape, not WAF\'s default 403', () => {
    for (const name of ['RateLimitPerIp', 'RateLimitPerToken']) {
      const r = rule(name);
      const response = r.Action.Block.CustomResponse;
      expect(response.ResponseCode).toBe(429);
      expect(response.ResponseHeaders).toEqual([{ Name: 'Retry-After', Value: String(r.Statement.RateBasedStatement.EvaluationWindowSec) }]);
      const body = acl.CustomResponseBodies[response.CustomResponseBodyKey];
      expect(body).toEqual({ ContentType: 'APPLICATION_JSON', Content: RATE_LIMITED_BODY });
      expect(JSON.parse(body.Content)).toEqual({ error: 'rate_limited', message: expect.stringMatching(/Retry-After/) });
    }
  });

  test('what each request counts against: without the header only the address counts; a token counts wherever it comes from', () => {
    const ip = rule('RateLimitPerIp').Statement.RateBasedStatement;
    const token = rule('RateLimitPerToken').Statement.RateBasedStatement;
    const probe: Request = { ip: '198.51.100.7', headers: {} };
    const a: Request = { ip: '198.51.100.7', headers: { Authorization: 'Bearer eyJ.a.1' } };
    const aElsewhere: Request = { ip: '203.0.113.9', headers: { authorization: 'Bearer eyJ.a.1' } };
    const b: Request = { ip: '198.51.100.7', headers: { authorization: 'Bearer eyJ.b.2' } };
    expect([probe, a, aElsewhere, b].map((r) => [aggregationKey(ip, r), aggregationKey(token, r)])).toEqual([
      ['198.51.100.7', undefined], // no Authorization: left out of the token rule, limited by address only
      ['198.51.100.7', 'Bearer eyJ.a.1'],
      ['203.0.113.9', 'Bearer eyJ.a.1'], // the same token from another address: the same token bucket
      ['198.51.100.7', 'Bearer eyJ.b.2'], // another token from the same address: the same address bucket
    ]);
    // A flood of requests from one address with made-up tokens: each token is its own bucket,
    // the address bucket takes them all.
    const flood = Array.from({ length: 2500 }, (_, i): Request => ({ ip: '192.0.2.1', headers: { authorization: `Bearer fake-${i}` } }));
    expect(new Set(flood.map((r) => aggregationKey(token, r))).size).toBe(2500);
    expect(flood.filter((r) => aggregationKey(ip, r) === '192.0.2.1').length).toBeGreaterThan(ip.Limit);
  });
});

test('every stage has the two rate limits (none was left out)', () => {
  expect(webAcls.map(([name]) => name).sort()).toEqual(stages.map((s) => s.name).sort());
  expect(webAcls.length).toBeGreaterThanOrEqual(5);
});
