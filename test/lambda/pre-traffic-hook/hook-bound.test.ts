import * as fs from 'fs';
import * as path from 'path';
import { deploymentStartOf, EcsDeploymentClient, elapsedSinceStart } from '../../../src/lambda/pre-traffic-hook/deployment-start';
import { HookEvent } from '../../../src/lambda/pre-traffic-hook/hook-decision';
import { CheckRequest, handleHookEvent, HttpOutcome, PreTrafficConfig } from '../../../src/lambda/pre-traffic-hook/pre-traffic-checks';
import {
  PRE_TRAFFIC_DEADLINE_MINUTES, PRE_TRAFFIC_MAX_ATTEMPTS, PRE_TRAFFIC_RETRY_DELAY_SECONDS,
} from '../../../src/synth/progressive-deployment/pre-traffic-hook';
import { REPO_ROOT } from '../../support/repo-root';

/**
 * "A hook that always ends" (issue 27 part 3): with the shipped numbers, a revision whose checks
 * keep failing gets FAILED from the hook within its bound whether or not ECS passes the returned
 * hookDetails back, and a passing one gets SUCCEEDED. ECS is simulated as its guide describes it:
 * after IN_PROGRESS it invokes the function again `callBackDelay` seconds later; the clock the
 * hook reads is ECS's own record of the deployment (ListServiceDeployments, recorded responses).
 */

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'pre-traffic');
const json = (name: string): any => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
const healthy: Record<string, HttpOutcome> = json('healthy-primary.json');
const failures: Record<string, HttpOutcome> = json('failures.json');

/** ECS answering from the recorded responses (the error as the SDK throws it: its name is the AWS code). */
function ecsFrom(deployments: string, error?: string): EcsDeploymentClient & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    listServices: async (cluster) => { calls.push(`ListServices ${cluster}`); return json('ecs/list-services.json'); },
    listServiceDeployments: async (cluster, service) => {
      calls.push(`ListServiceDeployments ${cluster} ${service}`);
      if (error) {
        const body = json(error);
        throw Object.assign(new Error(body.message), { name: body.__type });
      }
      return json(deployments);
    },
  };
}

/** The deployment of the recorded ListServiceDeployments answer started at this instant. */
const STARTED_AT = Date.UTC(2026, 4, 4, 10, 0, 0, 123);
const CLUSTER = 'prod-us-east-1-ServiceCluster1A2B3C4D-Ab12Cd34Ef56';

const config: PreTrafficConfig = {
  testUrl: 'https://api-us-east-1.example.com:9443',
  commit: '0123abc',
  idempotencyKey: 'pretraffic-prod-us-east-1-0123abc',
  role: 'primary',
  maxAttempts: PRE_TRAFFIC_MAX_ATTEMPTS,
  retryDelaySeconds: PRE_TRAFFIC_RETRY_DELAY_SECONDS,
  deadlineMinutes: PRE_TRAFFIC_DEADLINE_MINUTES,
  clusterName: CLUSTER,
};

const MINUTE = 60_000;
/**
 * Longest invocation: six hanging requests of 5 s, a new token (credentials read 2 x 3 s, token
 * request 5 s) and the ECS lookup (pre-traffic-checks.test.ts checks this number).
 */
const INVOCATION_MS = 53_000;
/** The checks' token, always issued (the token's own failures are pre-traffic-checks.test.ts's). */
const tokens = { get: async () => 'checks-token', clear: () => undefined };

interface Run {
  readonly status: string;
  readonly invocations: number;
  /** Milliseconds from the deployment's start to the hook's final answer. */
  readonly endedAfterMs: number;
  readonly reason: string;
}

/**
 * One deployment from the hook's first invocation (`firstCallAfterMs` after the deployment
 * started) to its final answer. `echo`: whether ECS passes the returned hookDetails back at
 * event.hookDetails. `healthyFrom`: the invocation from which the checks pass (never: Infinity).
 */
async function deploy(opts: { echo: boolean; healthyFrom: number; firstCallAfterMs: number; ecs?: EcsDeploymentClient }): Promise<Run> {
  let now = STARTED_AT + opts.firstCallAfterMs;
  const ecs = opts.ecs ?? ecsFrom('ecs/list-service-deployments-in-progress.json');
  let event: HookEvent = { lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' };
  for (let invocation = 1; invocation <= 1000; invocation++) {
    const answers = invocation >= opts.healthyFrom ? healthy : { ...healthy, 'GET /ready': failures['ready-database-down'] };
    const http = async (r: CheckRequest) => answers[`${r.method} ${r.path}`];
    const r = await handleHookEvent(event, config, http, elapsedSinceStart(ecs, CLUSTER, () => now), tokens);
    now += INVOCATION_MS;
    if (r.hookStatus !== 'IN_PROGRESS') return { status: r.hookStatus, invocations: invocation, endedAfterMs: now - STARTED_AT, reason: r.reason };
    expect(r.callBackDelay).toBe(PRE_TRAFFIC_RETRY_DELAY_SECONDS);
    now += r.callBackDelay! * 1000;
    event = opts.echo ? { lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT', hookDetails: r.hookDetails } : { lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT' };
  }
  throw new Error('the hook never ended');
}

/**
 * The hook's bound from the deployment's start: the last invocation that started before the
 * deadline, its callback delay, then the invocation that answers FAILED.
 */
const BOUND_MS = PRE_TRAFFIC_DEADLINE_MINUTES * MINUTE + 2 * INVOCATION_MS + PRE_TRAFFIC_RETRY_DELAY_SECONDS * 1000;

describe.each([['echoed', true], ['not echoed', false]])('hookDetails %s by ECS', (_label, echo) => {
  test('checks that keep failing: the hook itself answers FAILED within its bound', async () => {
    const run = await deploy({ echo, healthyFrom: Infinity, firstCallAfterMs: 3 * MINUTE });
    expect(run.status).toBe('FAILED');
    expect(run.endedAfterMs).toBeLessThanOrEqual(BOUND_MS);
    if (echo) {
      // The attempt counter ends it first: PRE_TRAFFIC_MAX_ATTEMPTS invocations.
      expect(run.invocations).toBe(PRE_TRAFFIC_MAX_ATTEMPTS);
      expect(run.reason).toMatch(new RegExp(`attempt ${PRE_TRAFFIC_MAX_ATTEMPTS} of ${PRE_TRAFFIC_MAX_ATTEMPTS} still failing`));
    } else {
      // Every invocation looks like the first; the deployment's own start ends it.
      expect(run.reason).toMatch(new RegExp(`minutes after the deployment started \\(deadline ${PRE_TRAFFIC_DEADLINE_MINUTES}\\), rolling back: ready: expected HTTP 200, got HTTP 503`));
      expect(run.endedAfterMs).toBeGreaterThanOrEqual(PRE_TRAFFIC_DEADLINE_MINUTES * MINUTE);
    }
  });

  test('checks that pass: SUCCEEDED on the first invocation, without asking ECS anything', async () => {
    const ecs = ecsFrom('ecs/list-service-deployments-in-progress.json');
    expect(await deploy({ echo, healthyFrom: 1, firstCallAfterMs: 3 * MINUTE, ecs })).toMatchObject({ status: 'SUCCEEDED', invocations: 1 });
    expect(ecs.calls).toEqual([]);
  });

  test('checks that pass from the third invocation on: SUCCEEDED then', async () => {
    expect(await deploy({ echo, healthyFrom: 3, firstCallAfterMs: 3 * MINUTE })).toMatchObject({ status: 'SUCCEEDED', invocations: 3 });
  });

  test('a hook first reached after the deadline (a slow scale-up) fails on its first failing check, and still passes a healthy revision', async () => {
    const late = PRE_TRAFFIC_DEADLINE_MINUTES * MINUTE + 1;
    expect(await deploy({ echo, healthyFrom: Infinity, firstCallAfterMs: late })).toMatchObject({ status: 'FAILED', invocations: 1 });
    expect(await deploy({ echo, healthyFrom: 1, firstCallAfterMs: late })).toMatchObject({ status: 'SUCCEEDED', invocations: 1 });
  });

  test('when ECS cannot say when the deployment started, a failing check fails closed at once, naming why', async () => {
    const ecs = ecsFrom('ecs/list-service-deployments-in-progress.json', 'ecs/error-access-denied.json');
    const run = await deploy({ echo, healthyFrom: Infinity, firstCallAfterMs: 3 * MINUTE, ecs });
    expect(run).toMatchObject({ status: 'FAILED', invocations: 1 });
    expect(run.reason).toMatch(/cannot be bounded \(the deployment's start is unknown: AccessDeniedException: User: .* is not authorized to perform: ecs:ListServiceDeployments/);
  });
});

test('the shipped numbers: 10 attempts 30 s apart, a deadline of 20 minutes after the deployment started', () => {
  expect([PRE_TRAFFIC_MAX_ATTEMPTS, PRE_TRAFFIC_RETRY_DELAY_SECONDS, PRE_TRAFFIC_DEADLINE_MINUTES]).toEqual([10, 30, 20]);
  // The deadline leaves the whole retry window to a hook reached within 15 minutes of the start.
  expect(PRE_TRAFFIC_DEADLINE_MINUTES * 60 - 15 * 60).toBe(PRE_TRAFFIC_MAX_ATTEMPTS * PRE_TRAFFIC_RETRY_DELAY_SECONDS);
});

describe('when the deployment started, from ECS (recorded responses)', () => {
  test('the start of the deployment IN_PROGRESS of the cluster\'s one service, asked by name', async () => {
    const ecs = ecsFrom('ecs/list-service-deployments-in-progress.json');
    expect(await deploymentStartOf(ecs, CLUSTER)).toEqual({
      startedAt: new Date(STARTED_AT),
      serviceDeploymentArn: expect.stringMatching(/:service-deployment\/.*\/ejGvqq2ilnbKT9qj0vLJe$/),
    });
    const service = json('ecs/list-services.json').serviceArns[0];
    expect(ecs.calls).toEqual([`ListServices ${CLUSTER}`, `ListServiceDeployments ${CLUSTER} ${service}`]);
  });

  test('a deployment without startedAt yet counts from createdAt', async () => {
    expect(await deploymentStartOf(ecsFrom('ecs/list-service-deployments-pending.json'), CLUSTER))
      .toMatchObject({ startedAt: new Date(Date.UTC(2026, 4, 4, 9, 59, 59, 456)) });
  });

  test('no deployment in progress, an error, or a cluster with other than one service: an error naming it, never a guess', async () => {
    expect(await deploymentStartOf(ecsFrom('ecs/list-service-deployments-none.json'), CLUSTER))
      .toEqual({ error: expect.stringMatching(/shows no deployment IN_PROGRESS with a start time/) });
    expect(await deploymentStartOf(ecsFrom('', 'ecs/error-access-denied.json'), CLUSTER))
      .toEqual({ error: expect.stringMatching(/^AccessDeniedException: User: /) });
    const two: EcsDeploymentClient = {
      listServices: async () => ({ serviceArns: ['arn:aws:ecs:us-east-1:1:service/c/a', 'arn:aws:ecs:us-east-1:1:service/c/b'] }),
      listServiceDeployments: async () => { throw new Error('not reached'); },
    };
    expect(await deploymentStartOf(two, 'c')).toEqual({ error: 'cluster c holds 2 services, expected exactly this stage\'s one' });
    const odd: EcsDeploymentClient = { listServices: async () => ({}), listServiceDeployments: async () => ({}) };
    expect(await deploymentStartOf(odd, 'c')).toEqual({ error: 'ListServices(c) answered without serviceArns' });
  });
});
