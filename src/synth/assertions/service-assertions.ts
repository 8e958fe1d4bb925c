import { ExpectedResult, IApiCall, IDeployAssert, Match } from '@aws-cdk/integ-tests-alpha';
import { Duration } from 'aws-cdk-lib';

/** What the assertions check: one deployed ServiceStage (tokens from its stacks are fine). */
export interface ServiceAssertionTarget {
  /** Base URL of the service through the load balancer, e.g. `http://alb-dns`. */
  readonly serviceUrl: string;
  /** ECS cluster name. */
  readonly clusterName: string;
  /** ECS service name. */
  readonly serviceName: string;
  /** Aurora cluster identifier. */
  readonly databaseClusterIdentifier: string;
  /** Names of the stage's alarms. */
  readonly alarmNames: readonly string[];
  /** The commit `/version` must report: a stale deploy fails. */
  readonly commit: string;
  /** Idempotency key of the round-trip transaction (one per commit and stage). */
  readonly idempotencyKey: string;
  /**
   * Name of the function that returns the checks' access token (ChecksTokenFunction, in the
   * stage's Service stack): the transaction calls carry it, the probes go without.
   */
  readonly tokenFunctionName: string;
  /**
   * In a secondary (read-only) region of a `global` environment: prove replication instead of
   * writing. The checks then read back the transaction the primary region's assertions wrote
   * under this key in the same run (`GET /transactions/by-idempotency-key/<key>` answers 200
   * with the ROUND_TRIP body), check that `/health/deep` reports the role `reader`, and POST
   * nothing (`idempotencyKey` is then unused).
   * @default - none: the stage writes and reads its own round-trip transaction
   */
  readonly readBackIdempotencyKey?: string;
}

/** Options of the assertions. */
export interface ServiceAssertionOptions {
  /** How long each check may retry before it fails the deployment. @default Duration.minutes(10) */
  readonly timeout?: Duration;
  /** Pause between retries. @default Duration.seconds(20) */
  readonly interval?: Duration;
}

/** The amount and currency of the round-trip transaction. */
export const ROUND_TRIP = { amount: '12.34', currency: 'USD' } as const;

/**
 * Post-deploy assertions over one ServiceStage, shared by the pipeline (after every wave) and
 * the integ/ tests run by integ-runner: one source of assertions.
 *
 * Every check retries (`waitForAssertions`) until it matches or the timeout passes; a timeout
 * FAILS the assertion stack's deployment, so the pipeline stops promotion. (A plain
 * `expect()` would only record the mismatch and let the deployment succeed.)
 */
export function addServiceAssertions(assert: IDeployAssert, target: ServiceAssertionTarget, options: ServiceAssertionOptions = {}): IApiCall[] {
  const waiter = {
    totalTimeout: options.timeout ?? Duration.minutes(10),
    interval: options.interval ?? Duration.seconds(20),
    backoffRate: 1,
  };
  const url = (p: string) => `${target.serviceUrl}${p}`;
  const checks: IApiCall[] = [];

  // The checks' own access token (client credentials, src/lambda/checks-token/), fetched once per
  // run by the stage's token function, which keeps the client secret to itself. The probes stay
  // unauthenticated (the service keeps them public); every transaction call sends the token. A
  // failed token request fails this call, and with it the deployment (the attribute is missing).
  const token = assert.invokeFunction({ functionName: target.tokenFunctionName }).getAttString('Payload.token');
  const authorization = { authorization: `Bearer ${token}` };

  // Through the load balancer.
  checks.push(assert.httpApiCall(url('/health'))
    .expect(ExpectedResult.objectLike({ status: 200 })).waitForAssertions(waiter));
  checks.push(assert.httpApiCall(url('/ready'))
    .expect(ExpectedResult.objectLike({ status: 200 })).waitForAssertions(waiter));
  checks.push(assert.httpApiCall(url('/version'))
    .expect(ExpectedResult.objectLike({ status: 200, body: { commit: target.commit } })).waitForAssertions(waiter));

  if (target.readBackIdempotencyKey === undefined) {
    // Create + read round trip. The POST's id feeds the GET; a POST that fails has no id and
    // fails the deployment too. The same key on a re-run returns the same transaction.
    const create = assert.httpApiCall(url('/transactions'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': target.idempotencyKey, ...authorization },
      body: JSON.stringify(ROUND_TRIP),
    });
    const read = assert.httpApiCall(url(`/transactions/${create.getAttString('apiCallResponse.body.id')}`), { headers: authorization })
      .expect(ExpectedResult.objectLike({ status: 200, body: ROUND_TRIP }))
      .waitForAssertions(waiter);
    checks.push(create, read);
  } else {
    // A secondary region writes nothing (its database is read-only): it proves replication by
    // reading what the primary region's checks wrote in the same run (the primary's wave
    // deploys first), retrying through the replication lag, and that it knows it is a reader.
    checks.push(assert.httpApiCall(url(`/transactions/by-idempotency-key/${encodeURIComponent(target.readBackIdempotencyKey)}`), { headers: authorization })
      .expect(ExpectedResult.objectLike({ status: 200, body: ROUND_TRIP }))
      .waitForAssertions(waiter));
    checks.push(assert.httpApiCall(url('/health/deep'))
      .expect(ExpectedResult.objectLike({ status: 200, body: { status: 'ok', role: 'reader' } }))
      .waitForAssertions(waiter));
  }

  // Through AWS APIs: the service is steady (one PRIMARY deployment, rollout COMPLETED, which
  // ECS sets only when running = desired and the tasks are healthy).
  checks.push(assert.awsApiCall('ECS', 'describeServices', { cluster: target.clusterName, services: [target.serviceName] })
    .expect(ExpectedResult.objectLike({
      services: [Match.objectLike({
        status: 'ACTIVE',
        deployments: [Match.objectLike({ status: 'PRIMARY', rolloutState: 'COMPLETED' })],
      })],
    })).waitForAssertions(waiter));

  // The database is available and encrypted.
  checks.push(assert.awsApiCall('RDS', 'describeDBClusters', { DBClusterIdentifier: target.databaseClusterIdentifier })
    .expect(ExpectedResult.objectLike({
      DBClusters: [Match.objectLike({ Status: 'available', StorageEncrypted: true })],
    })).waitForAssertions(waiter));

  // No alarm of this stage is in ALARM.
  checks.push(assert.awsApiCall('CloudWatch', 'describeAlarms', { AlarmNames: [...target.alarmNames], StateValue: 'ALARM' })
    .expect(ExpectedResult.objectLike({ MetricAlarms: [], CompositeAlarms: [] })).waitForAssertions(waiter));

  return checks;
}
