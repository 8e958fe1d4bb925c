import { problemsOf, sample } from './support';
import { parseConfig } from '../../src/config/load-config';
import { primaryRegionOf, regionRoleOf, resilienceOf, secondaryRegionsOf } from '../../src/config/resilience';
import { defaultVpcCidr, overlaps, parseVpcCidr, resolveVpcCidrs, vpcCidrOf } from '../../src/config/vpc-cidrs';
import { plannedWaves } from '../../src/config/waves';

const PROD = 2;
const TEST = 1;

/** The one problem reported for `field`, which must name it and a fix. */
function lineFor(edit: (c: any) => void, field: string): string {
  const problems = problemsOf(edit);
  const lines = problems.filter((p) => p.startsWith(`${field}: `));
  expect({ problems, lines: lines.length }).toEqual({ problems, lines: 1 });
  return lines[0];
}

describe('the sample environments', () => {
  const c = parseConfig(sample(), 'sample');
  test('prod is global, written in us-east-1, read in us-east-2; test and dev are independent', () => {
    const [dev, test_, prod] = c.environments;
    expect([dev, test_, prod].map((e) => [e.name, resilienceOf(e), primaryRegionOf(e), secondaryRegionsOf(e)])).toEqual([
      ['dev', 'independent', 'us-east-1', []],
      ['test', 'independent', 'us-east-1', []],
      ['prod', 'global', 'us-east-1', ['us-east-2']],
    ]);
    expect(prod.regions.map((r) => regionRoleOf(prod, r))).toEqual(['primary', 'secondary']);
  });

  test('every region has a VPC range, and the two prod regions do not overlap', () => {
    const prod = c.environments[PROD];
    expect(prod.vpcCidrs).toEqual({ 'us-east-1': '10.0.0.0/16', 'us-east-2': '10.1.0.0/16' });
    const [a, b] = prod.regions.map((r) => parseVpcCidr(vpcCidrOf(prod, r)));
    expect(overlaps(a as any, b as any)).toBe(false);
  });
});

describe('primaryRegion', () => {
  test('must be one of the regions', () => {
    expect(lineFor((c) => { c.environments[PROD].primaryRegion = 'eu-west-1'; }, `environments[${PROD}].primaryRegion`))
      .toMatch(/"eu-west-1" is not one of the regions of "prod" \("us-east-1", "us-east-2"\); use one of them/);
  });

  test('an unknown region code is refused by the field rule', () => {
    expect(lineFor((c) => { c.environments[PROD].primaryRegion = 'us-east-9'; }, `environments[${PROD}].primaryRegion`))
      .toMatch(/not a known AWS region/);
  });

  test('a primary that is not the first region still deploys first in a sequential rollout', () => {
    const c = sample();
    c.environments[PROD].primaryRegion = 'us-east-2';
    const waves = plannedWaves(parseConfig(c)).filter((w) => w.environment.name === 'prod');
    expect(waves.map((w) => [w.id, w.approval, w.stages.map((s) => s.region)])).toEqual([
      ['prod-us-east-2', 'Approve-prod', ['us-east-2']],
      ['prod-us-east-1', undefined, ['us-east-1']],
    ]);
  });

  test('without it the first region is the primary and deploys first', () => {
    const c = sample();
    delete c.environments[PROD].primaryRegion;
    const waves = plannedWaves(parseConfig(c)).filter((w) => w.environment.name === 'prod');
    expect(waves.map((w) => w.id)).toEqual(['prod-us-east-1', 'prod-us-east-2']);
  });
});

describe('resilience', () => {
  test('"global" with one region is refused', () => {
    expect(lineFor((c) => { c.environments[0].resilience = 'global'; }, 'environments[0].resilience'))
      .toMatch(/"global" needs at least two regions, but "dev" has 1; add a second region .* or use "independent"/);
  });

  test('"global" with a parallel rollout is refused, telling the user to set it sequential', () => {
    expect(lineFor((c) => { c.environments[TEST].resilience = 'global'; }, `environments[${TEST}].rollout`))
      .toMatch(/is "parallel", but "test" is "global": .* set "rollout": "sequential"/);
  });

  test('a production environment with two regions defaults to global, so a parallel rollout is refused too', () => {
    const line = lineFor((c) => { delete c.environments[PROD].resilience; c.environments[PROD].rollout = 'parallel'; }, `environments[${PROD}].rollout`);
    expect(line).toMatch(/"global" \(the default for a production environment with two or more regions\)/);
    expect(line).toMatch(/or "resilience": "independent"/);
  });

  test('a two-region global prod without rollout is accepted and rolls out sequentially, primary first', () => {
    // Given and defaulted resilience alike: the default rollout is what global needs.
    for (const edit of [(e: any) => { delete e.rollout; }, (e: any) => { delete e.rollout; delete e.resilience; }]) {
      const c = sample();
      edit(c.environments[PROD]);
      c.environments[PROD].primaryRegion = 'us-east-2';
      const parsed = parseConfig(c);
      expect(parsed.environments[PROD].rollout).toBe('sequential');
      expect(plannedWaves(parsed).filter((w) => w.environment.name === 'prod').map((w) => w.id)).toEqual(['prod-us-east-2', 'prod-us-east-1']);
    }
  });

  test('an environment that is not global still defaults to a parallel rollout', () => {
    const c = sample();
    delete c.environments[TEST].rollout;
    c.environments[0] = { name: 'dev', account: '222222222222', regions: ['us-east-1'] };
    const parsed = parseConfig(c);
    expect([parsed.environments[0].rollout, parsed.environments[TEST].rollout]).toEqual(['parallel', 'parallel']);
    // test is "independent" in the sample; without that it is non-production, so independent too.
    delete c.environments[TEST].resilience;
    expect(parseConfig(c).environments[TEST].rollout).toBe('parallel');
  });

  test('an explicit parallel rollout of a global environment stays refused', () => {
    expect(lineFor((c) => { c.environments[PROD].rollout = 'parallel'; }, `environments[${PROD}].rollout`))
      .toMatch(/^environments\[2\]\.rollout: is "parallel", but "prod" is "global": .* set "rollout": "sequential"/);
  });

  test('a global environment with a domain has at most two regions (Route 53 failover pair), named by the loader', () => {
    // Before: accepted here, then synth threw from the service record with a stack trace.
    const line = lineFor((c) => { c.environments[PROD].regions.push('us-west-2'); }, `environments[${PROD}].regions`);
    expect(line).toMatch(/lists 3 regions, but "prod" is "global" with a domain, and Route 53 failover routing has exactly/);
    expect(line).toMatch(/one PRIMARY and one SECONDARY record per name; keep two regions, or set "resilience": "independent"/);
    // Without a domain (no failover records) or independent, three regions are fine.
    const c = sample();
    c.environments[PROD].regions.push('us-west-2');
    c.environments[PROD].allowPlainHttp = { reason: 'Internal load test environment behind a VPN, it never carries customer data.' };
    delete c.environments[PROD].domain;
    expect(() => parseConfig(c)).not.toThrow();
    const d = sample();
    d.environments[PROD].regions.push('us-west-2');
    Object.assign(d.environments[PROD], { resilience: 'independent', rollout: 'parallel' });
    expect(() => parseConfig(d)).not.toThrow();
  });

  test('test rehearses the global topology when set global and sequential', () => {
    const c = sample();
    Object.assign(c.environments[TEST], { resilience: 'global', rollout: 'sequential' });
    const test_ = parseConfig(c).environments[TEST];
    expect(secondaryRegionsOf(test_)).toEqual(['us-east-2']);
  });

  test('a single-region production environment stays independent (no rule fires)', () => {
    const c = sample();
    c.environments[PROD].regions = ['us-east-1'];
    delete c.environments[PROD].resilience;
    const prod = parseConfig(c).environments[PROD];
    expect(resilienceOf(prod)).toBe('independent');
  });

  test('an independent production environment may roll out in parallel', () => {
    const c = sample();
    Object.assign(c.environments[PROD], { resilience: 'independent', rollout: 'parallel' });
    expect(() => parseConfig(c)).not.toThrow();
  });

  test('a wrong value names both choices', () => {
    expect(lineFor((c) => { c.environments[PROD].resilience = 'active-active'; }, `environments[${PROD}].resilience`))
      .toMatch(/must be one of "global" .* or "independent" .*; got the string "active-active"/);
  });
});

describe('vpcCidrs', () => {
  const field = `environments[${PROD}].vpcCidrs`;
  const withCidrs = (cidrs: unknown) => (c: any) => { c.environments[PROD].vpcCidrs = cidrs; };

  test('configured ranges are used, the rest keep their defaults', () => {
    const c = sample();
    c.environments[PROD].vpcCidrs = { 'us-east-2': '172.16.0.0/18' };
    expect(parseConfig(c).environments[PROD].vpcCidrs).toEqual({ 'us-east-1': '10.0.0.0/16', 'us-east-2': '172.16.0.0/18' });
  });

  test.each([
    ['10.0.0/16', /is not an IPv4 CIDR; write it as "a\.b\.c\.d\/prefix", e\.g\. "10\.1\.0\.0\/16"/],
    ['10.0.0.256/16', /is not an IPv4 CIDR/],
    ['10.0.0.0', /is not an IPv4 CIDR/],
    ['10.0.0.0/15', /has prefix \/15; use \/16 to \/19/],
    ['10.0.0.0/20', /has prefix \/20; use \/16 to \/19/],
    ['10.1.2.0/16', /is not a network address .*; use "10\.1\.0\.0\/16"/],
  ])('refuses %s, naming the fix', (value, message) => {
    expect(lineFor(withCidrs({ 'us-east-2': value }), `${field}.us-east-2`)).toMatch(message);
  });

  test.each(['10.1.0.0/16', '192.168.0.0/19', '172.31.224.0/19'])('accepts %s', (value) => {
    const c = sample();
    c.environments[PROD].vpcCidrs = { 'us-east-2': value };
    expect(() => parseConfig(c)).not.toThrow();
  });

  test('a key that is not one of the regions is refused', () => {
    expect(lineFor(withCidrs({ 'us-east-1': '10.0.0.0/16', 'us-west-2': '10.2.0.0/16' }), `${field}.us-west-2`))
      .toMatch(/"us-west-2" is not one of the environment's regions \("us-east-1", "us-east-2"\); remove it or fix the region code/);
  });

  test('an unknown region code as a key is refused', () => {
    expect(lineFor(withCidrs({ 'us-east-9': '10.2.0.0/16' }), `${field}.us-east-9`)).toMatch(/is not one of the environment's regions/);
  });

  test('two configured ranges that overlap are refused', () => {
    expect(lineFor(withCidrs({ 'us-east-1': '10.0.0.0/16', 'us-east-2': '10.0.128.0/17' }), `${field}.us-east-2`))
      .toMatch(/"10\.0\.128\.0\/17" overlaps "10\.0\.0\.0\/16" of us-east-1; give each region its own range/);
  });

  test('a configured range that overlaps the default of another region is refused', () => {
    expect(lineFor(withCidrs({ 'us-east-2': '10.0.0.0/18' }), `${field}.us-east-2`))
      .toMatch(/"10\.0\.0\.0\/18" overlaps the default "10\.0\.0\.0\/16" of us-east-1/);
  });

  test('a value of the wrong type says what it expected', () => {
    expect(lineFor(withCidrs(['10.0.0.0/16']), field)).toMatch(/: must be an object of region codes to CIDRs, e\.g\. .*; got a list/);
    expect(lineFor(withCidrs({ 'us-east-2': 16 }), `${field}.us-east-2`)).toMatch(/: must be an IPv4 CIDR as a string, e\.g\. "10\.1\.0\.0\/16"; got the number 16/);
  });
});

describe('default VPC ranges', () => {
  test('never overlap across an environment\'s regions, and the first region keeps 10.0.0.0/16', () => {
    const [cidrs] = resolveVpcCidrs([{ account: '1', regions: ['us-east-1', 'us-east-2', 'us-west-2'] }]);
    expect(cidrs).toEqual({ 'us-east-1': '10.0.0.0/16', 'us-east-2': '10.1.0.0/16', 'us-west-2': '10.2.0.0/16' });
  });

  test('environments sharing an account get ranges after each other\'s', () => {
    const cidrs = resolveVpcCidrs([
      { account: '1', regions: ['us-east-1'] },
      { account: '2', regions: ['us-east-1', 'us-east-2'] },
      { account: '1', regions: ['us-east-1', 'us-east-2'] },
    ]);
    expect(cidrs).toEqual([
      { 'us-east-1': '10.0.0.0/16' },
      { 'us-east-1': '10.0.0.0/16', 'us-east-2': '10.1.0.0/16' },
      { 'us-east-1': '10.1.0.0/16', 'us-east-2': '10.2.0.0/16' },
    ]);
  });

  test('the positional default matches the resolver', () => {
    expect(defaultVpcCidr(0, 1)).toBe('10.1.0.0/16');
    expect(vpcCidrOf({ regions: ['a', 'b'] }, 'b')).toBe('10.1.0.0/16');
  });
});
