import { assertionIdempotencyKey, readBackKeyOf } from '../../../src/synth/assertions/workload-assertions';
import { assertionChecks } from '../../support/assertion-checks';
import { sampleAssembly } from '../../support/sample-assembly';
import { sampleConfig } from '../../support/test-app';

/**
 * Item 6 of the multi-region issue: in a secondary region of a global environment the
 * post-deploy checks prove replication. They read back the transaction the primary region's
 * checks wrote for the same commit, check that the region knows it is a reader, and write
 * nothing (a POST there would answer 503 read_only_region and fail the wave).
 */
const COMMIT = '3333333333333333333333333333333333333333';

/**
 * Every stage's checks (by target, normalized), in the sample app as `npx projen synth` wrote
 * it (synthesized once for all test files), with the commit it was synthesized for.
 */
function checksByStage(): { commit: string; stages: Map<string, Record<string, any>> } {
  const sample = sampleAssembly();
  return {
    commit: sample.commit,
    stages: new Map(sample.stages.map((stage) => [stage.name, assertionChecks(
      stage.stacks.Assertions.template,
      // The commit stays visible (the key must carry it); the stage name is made explicit.
      { commit: '<no commit placeholder>', stage: '<no stage placeholder>' },
    )])),
  };
}

const targets = (checks: Record<string, any>) => Object.keys(checks).filter((t) => !/^(ECS|RDS|CloudWatch|Lambda)\./.test(t));

describe('post-deploy checks of a global environment (sample prod: us-east-1 primary, us-east-2 secondary)', () => {
  let stages: Map<string, Record<string, any>>;
  let commit: string;
  beforeAll(() => { ({ stages, commit } = checksByStage()); });

  test('the secondary writes nothing and reads back the primary\'s transaction of the same commit', () => {
    const secondary = stages.get('prod-us-east-2')!;
    const http = targets(secondary);
    expect(http.filter((t) => !t.startsWith('GET '))).toEqual([]);
    const readBack = http.filter((t) => t.includes('/transactions'));
    expect(readBack).toEqual([expect.stringMatching(new RegExp(`^GET .*/transactions/by-idempotency-key/assert-prod-us-east-1-${commit}$`))]);
    expect(secondary[readBack[0]].expected).toEqual({ $ObjectLike: { status: 200, body: { amount: '12.34', currency: 'USD' } } });
    // Replication lag: the read retries like every other check.
    expect(secondary[readBack[0]].retry).toEqual({ intervalSeconds: 20, maxAttempts: 30, backoffRate: 1 });
    // With the checks' token, the same client id as the primary's checks (one issuer per
    // environment): the service scopes data by client, so only that client sees the transaction.
    expect(secondary[readBack[0]].request).toEqual({
      headers: { authorization: 'Bearer ${response of Lambda.invoke {"FunctionName":"transactions-prod-us-east-2-checks-token"}: apiCallResponse.Payload.token}' },
    });
  });

  test('every transaction call carries the checks\' token, every probe goes without one', () => {
    for (const [name, checks] of stages) {
      for (const target of targets(checks)) {
        const auth = checks[target].request?.headers?.authorization;
        if (target.includes('/transactions')) expect({ name, target, auth }).toEqual({ name, target, auth: expect.stringMatching(/^Bearer \$\{response of Lambda\.invoke \{"FunctionName":"transactions-[a-z]+-us-east-[12]-checks-token"\}: apiCallResponse\.Payload\.token\}$/) });
        else expect({ name, target, auth }).toEqual({ name, target, auth: undefined });
      }
    }
  });

  test('the secondary checks that /health/deep reports the reader role', () => {
    const secondary = stages.get('prod-us-east-2')!;
    const [deep] = targets(secondary).filter((t) => t.endsWith('/health/deep'));
    expect(deep).toMatch(/^GET https:\/\/api-us-east-2\.prod\.example\.com\/health\/deep$/);
    expect(secondary[deep].expected).toEqual({ $ObjectLike: { status: 200, body: { status: 'ok', role: 'reader' } } });
  });

  test('the primary keeps the round trip, under exactly the key the secondary reads', () => {
    const primary = stages.get('prod-us-east-1')!;
    const [post] = targets(primary).filter((t) => t.startsWith('POST '));
    expect(post).toBe('POST https://api-us-east-1.prod.example.com/transactions');
    expect(primary[post].request.headers['idempotency-key']).toBe(`assert-prod-us-east-1-${commit}`);
    expect(targets(primary).some((t) => t.includes('by-idempotency-key'))).toBe(false);
  });

  test('independent regions (sample test, two regions in parallel) each keep their own round trip', () => {
    for (const name of ['test-us-east-1', 'test-us-east-2', 'dev-us-east-1']) {
      const checks = stages.get(name)!;
      const [post] = targets(checks).filter((t) => t.startsWith('POST '));
      expect({ name, key: checks[post].request.headers['idempotency-key'] }).toEqual({ name, key: `assert-${name}-${commit}` });
      expect(targets(checks).some((t) => t.includes('by-idempotency-key') || t.endsWith('/health/deep'))).toBe(false);
    }
  });
});

describe('the read-back key', () => {
  const prod = sampleConfig().environments.find((e) => e.name === 'prod')!;

  test('follows primaryRegion, not the order of the regions', () => {
    const moved = { ...prod, primaryRegion: 'us-east-2' };
    expect(readBackKeyOf({ environment: moved, region: 'us-east-1' }, COMMIT)).toBe(assertionIdempotencyKey('prod-us-east-2', COMMIT));
    expect(readBackKeyOf({ environment: moved, region: 'us-east-2' }, COMMIT)).toBeUndefined();
  });

  test('none for the primary, an independent environment, or without the stage', () => {
    expect(readBackKeyOf({ environment: prod, region: 'us-east-1' }, COMMIT)).toBeUndefined();
    expect(readBackKeyOf({ environment: { ...prod, resilience: 'independent' }, region: 'us-east-2' }, COMMIT)).toBeUndefined();
    expect(readBackKeyOf(undefined, COMMIT)).toBeUndefined();
  });

  test('is the 128-character-capped key the primary writes', () => {
    expect(assertionIdempotencyKey('prod-us-east-1', 'x'.repeat(200))).toHaveLength(128);
  });
});
