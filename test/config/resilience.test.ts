import {
  globalClusterIdentifierOf, primaryRegionOf, regionalClusterIdentifierOf, regionRoleOf, resilienceOf, secondaryRegionsOf,
} from '../../src/config/resilience';

const env = (over: Record<string, unknown> = {}) => ({ regions: ['us-east-1', 'us-east-2'], production: true, ...over } as any);

describe('resilience resolvers (what every stage, the waves and `failover` agree on)', () => {
  test('the primary region is primaryRegion, else the first region', () => {
    expect(primaryRegionOf(env())).toBe('us-east-1');
    expect(primaryRegionOf(env({ primaryRegion: 'us-east-2' }))).toBe('us-east-2');
  });

  test('global by default only for production with two or more regions; an explicit mode wins', () => {
    expect(resilienceOf(env())).toBe('global');
    expect(resilienceOf(env({ production: false }))).toBe('independent');
    expect(resilienceOf(env({ regions: ['us-east-1'] }))).toBe('independent');
    expect(resilienceOf(env({ resilience: 'independent' }))).toBe('independent');
    expect(resilienceOf(env({ production: false, resilience: 'global' }))).toBe('global');
  });

  test('secondaries are the regions other than the primary, and only in a global environment', () => {
    expect(secondaryRegionsOf(env({ regions: ['us-east-1', 'us-east-2', 'us-west-2'], primaryRegion: 'us-east-2' }))).toEqual(['us-east-1', 'us-west-2']);
    expect(secondaryRegionsOf(env({ resilience: 'independent' }))).toEqual([]);
  });

  test('each region\'s role', () => {
    expect(regionRoleOf(env(), 'us-east-1')).toBe('primary');
    expect(regionRoleOf(env(), 'us-east-2')).toBe('secondary');
    expect(regionRoleOf(env({ primaryRegion: 'us-east-2' }), 'us-east-1')).toBe('secondary');
    expect(regionRoleOf(env({ resilience: 'independent' }), 'us-east-1')).toBe('independent');
  });

  test('cluster identifiers are derived from the application tag, reduced to what RDS accepts', () => {
    expect(globalClusterIdentifierOf('transactions', 'prod')).toBe('transactions-prod-global');
    expect(regionalClusterIdentifierOf('transactions', 'prod', 'us-east-2')).toBe('transactions-prod-us-east-2');
    expect(globalClusterIdentifierOf('My Payments_API!', 'prod')).toBe('my-payments-api-prod-global');
    expect(globalClusterIdentifierOf('--Edge--', 'dev')).toBe('edge-dev-global');
    expect(globalClusterIdentifierOf('!!!', 'dev')).toBe('app-dev-global');
    expect(regionalClusterIdentifierOf('a'.repeat(40), 'prod', 'us-east-1')).toBe(`${'a'.repeat(32)}-prod-us-east-1`);
  });
});
