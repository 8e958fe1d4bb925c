import * as path from 'path';
import { captureIo, configFrom, fixture, recordedError, sampleInput } from './ops-helpers';
import { regionalClusterIdentifierOf } from '../../../src/config/resilience';
import { failoverCli, FailoverCliIo } from '../../../src/terminal/ops/failover-cli';
import { FailoverClients } from '../../../src/terminal/ops/failover-clients';
import {
  failoverSteps, FailoverInputError, FailoverRequest, LOAD_BALANCER_URL_OUTPUT_PREFIX, resolveFailover,
} from '../../../src/terminal/ops/failover-plan';
import { runFailover } from '../../../src/terminal/ops/failover-run';
import { buildStage, sampleEnvironment } from '../../synth/workload/support';

/**
 * `npx projen failover`: the plan it prints (names derived from the config like the stages
 * derive them) and `--run` on recorded AWS responses (test/fixtures/ops/failover/), including a
 * switchover that never finishes and a failover while the writer's region does not answer.
 */

const F = (name: string) => fixture(path.join('failover', name));
const E1 = 'arn:aws:rds:us-east-1:444444444444:cluster:transactions-prod-us-east-1';
const E2 = 'arn:aws:rds:us-east-2:444444444444:cluster:transactions-prod-us-east-2';
const URL2 = 'https://api-us-east-2.prod.example.com';
const START = new Date('2026-12-02T02:00:00Z');
const KEY = 'failover-prod-us-east-2-20261202T020000Z';

const config = configFrom(sampleInput());
const prod = (to: string, mode: FailoverRequest['mode'] = 'planned') => resolveFailover(config, { environmentName: 'prod', to, mode });

type Answer = unknown;
const answer = async (a: Answer) => {
  if (a instanceof Error) throw a;
  return a as any;
};

/** What the fake AWS answers. Queues repeat their last answer; regions in `unreachable` throw on every call. */
interface FakeWorld {
  caller?: string;
  describe: Record<string, Answer[]>;
  switchover?: Answer;
  failover?: Answer;
  unreachable?: string[];
  stacks?: Record<string, Answer>;
  /** DescribeDBClusters by `<region>/<cluster identifier>` (asked by identifier or ARN). @default both clusters healthy on 16.8 */
  clusters?: Record<string, Answer[]>;
  /** DescribePendingMaintenanceActions by cluster ARN. @default nothing pending */
  maintenance?: Record<string, Answer>;
  /** DescribeSecret answers per region, in order (the last repeats). @default the secret moving along with the writer (secretsMovingTo) */
  secrets?: Record<string, Answer[]>;
  /** Answers of the other Secrets Manager calls, by `<Operation> <region>`. @default success */
  secretCalls?: Record<string, Answer>;
  /** GetSecretValue of the checks' credentials per region. @default the credentials in us-east-1, the issuer region */
  checks?: Record<string, Answer>;
  http: Record<string, Answer[]>;
}

/** The issuer's token endpoint (sample prod: us-east-1) and the checks' token it issues (issue 32). */
const TOKEN_URL = 'https://transactions-prod-444444444444.auth.us-east-1.amazoncognito.com/oauth2/token';
const TOKEN = (F('http-token-200.json') as any).body.access_token as string;

/** Swap the two prod regions in a recorded answer: the same story seen from the other side (a fail back). */
const swapRegions = (recorded: unknown) => JSON.parse(JSON.stringify(recorded)
  .split('us-east-1').join('<r1>').split('us-east-2').join('us-east-1').split('<r1>').join('us-east-2'));

/**
 * DescribeSecret as the secret moves from us-east-1 to us-east-2: the writer's copy is the primary
 * (then with rotation off), the target's a replica, promoted, replicating back, in sync. For
 * us-east-1 as the target, the same with the regions swapped (a fail back).
 */
function secretsMovingTo(to: string): Record<string, Answer[]> {
  const story = {
    'us-east-1': [F('describe-secret-us-east-1-primary.json'), F('describe-secret-us-east-1-standalone-rotation-off.json')],
    'us-east-2': [
      F('describe-secret-us-east-2-replica.json'), F('describe-secret-us-east-2-replica.json'), F('describe-secret-us-east-2-promoted.json'),
      F('describe-secret-us-east-2-replicating.json'), F('describe-secret-us-east-2-replicated.json'),
    ],
  };
  return to === 'us-east-2' ? story : { 'us-east-1': story['us-east-2'].map(swapRegions), 'us-east-2': story['us-east-1'].map(swapRegions) };
}

/** Both regional clusters available, with instances, on the same engine version. */
const HEALTHY_CLUSTERS = {
  'us-east-1/transactions-prod-us-east-1': [F('describe-db-clusters-us-east-1.json')],
  'us-east-2/transactions-prod-us-east-2': [F('describe-db-clusters-us-east-2.json')],
};

function fakeClients(world: FakeWorld, to = 'us-east-2') {
  const calls: string[] = [];
  const secretQueues = world.secrets ?? secretsMovingTo(to);
  let clock = START.getTime();
  const next = (queue: Answer[] | undefined, what: string) => {
    if (!queue?.length) throw new Error(`fake: nothing recorded for ${what}`);
    return queue.length > 1 ? queue.shift() : queue[0];
  };
  const reach = (region: string) => {
    if (world.unreachable?.includes(region)) throw recordedError(path.join('failover', 'error-region-unreachable.json'));
  };
  const clients: FailoverClients = {
    callerAccount: async () => world.caller ?? '444444444444',
    rds: (region) => ({
      describeGlobalClusters: async (input) => {
        calls.push(`DescribeGlobalClusters ${region} ${input.GlobalClusterIdentifier}`);
        reach(region);
        return answer(next(world.describe[region], `describe in ${region}`));
      },
      switchoverGlobalCluster: async (input) => {
        calls.push(`SwitchoverGlobalCluster ${region} ${input.GlobalClusterIdentifier} -> ${input.TargetDbClusterIdentifier}`);
        reach(region);
        return answer(world.switchover);
      },
      describeDBClusters: async ({ DBClusterIdentifier: id }) => {
        calls.push(`DescribeDBClusters ${region} ${id}`);
        reach(region);
        const key = `${region}/${id.split(':cluster:').pop()}`;
        return answer(next({ ...HEALTHY_CLUSTERS, ...world.clusters }[key], `DescribeDBClusters ${key}`));
      },
      describePendingMaintenanceActions: async ({ ResourceIdentifier }) => {
        calls.push(`DescribePendingMaintenanceActions ${region} ${ResourceIdentifier}`);
        reach(region);
        return answer(world.maintenance?.[ResourceIdentifier] ?? F('describe-pending-maintenance-actions-none.json'));
      },
      failoverGlobalCluster: async (input) => {
        calls.push(`FailoverGlobalCluster ${region} ${input.GlobalClusterIdentifier} -> ${input.TargetDbClusterIdentifier} AllowDataLoss=${input.AllowDataLoss}`);
        reach(region);
        return answer(world.failover);
      },
    }),
    secretsManager: (region) => {
      const call = (operation: string, text: string, fallback: string) => {
        calls.push(text);
        reach(region);
        return answer(world.secretCalls?.[`${operation} ${region}`] ?? F(fallback));
      };
      return {
        describeSecret: async ({ SecretId }) => {
          calls.push(`DescribeSecret ${region} ${SecretId}`);
          reach(region);
          return answer(next(secretQueues[region], `DescribeSecret in ${region}`));
        },
        stopReplicationToReplica: async () => call('StopReplicationToReplica', `StopReplicationToReplica ${region}`, 'stop-replication-to-replica.json'),
        replicateSecretToRegions: async (input) => call('ReplicateSecretToRegions', `ReplicateSecretToRegions ${region} -> `
          + `${input.AddReplicaRegions.map((r) => `${r.Region} ${r.KmsKeyId}`).join(',')} force=${input.ForceOverwriteReplicaSecret}`, 'replicate-secret-to-regions.json'),
        rotateSecret: async (input) => call('RotateSecret', `RotateSecret ${region} ${input.RotationLambdaARN} ${input.RotationRules.ScheduleExpression} `
          + `immediately=${input.RotateImmediately}`, 'rotate-secret.json'),
        cancelRotateSecret: async () => call('CancelRotateSecret', `CancelRotateSecret ${region}`, 'cancel-rotate-secret.json'),
        getSecretValue: async ({ SecretId }) => {
          calls.push(`GetSecretValue ${region} ${SecretId}`);
          reach(region);
          const checks: Record<string, Answer> = world.checks ?? { 'us-east-1': F('secretsmanager-get-secret-value-checks.json') };
          return answer(checks[region]
            ?? recordedError(path.join('failover', 'error-region-unreachable.json')));
        },
      };
    },
    cloudFormation: (region) => ({
      describeStacks: async ({ StackName }) => {
        calls.push(`DescribeStacks ${region} ${StackName}`);
        reach(region);
        return answer(world.stacks?.[`${region}/${StackName}`] ?? recordedError('error-stack-missing.json'));
      },
    }),
    http: async (request) => {
      const auth = request.headers?.authorization;
      const shown = auth === `Bearer ${TOKEN}` ? ' bearer=checks' : auth?.startsWith('Basic ') ? ' basic=checks-client' : auth ? ' bearer=OTHER' : '';
      calls.push(`${request.method} ${request.url}${request.headers?.['idempotency-key'] ? ` key=${request.headers['idempotency-key']}` : ''}${shown}`);
      return answer(next(world.http[`${request.method} ${request.url}`], `${request.method} ${request.url}`));
    },
    sleep: async (ms) => {
      clock += ms;
    },
    now: () => new Date(clock),
  };
  return { clients, calls, elapsedMs: () => clock - START.getTime() };
}

/** The proof checks answering as a healthy new writer in us-east-2. */
const servingWriter = (base = URL2, key = KEY): FakeWorld['http'] => ({
  [`GET ${base}/health/deep?require=writer`]: [F('http-health-deep-writer-us-east-2.json')],
  [`POST ${TOKEN_URL}`]: [F('http-token-200.json')],
  [`POST ${base}/transactions`]: [F('http-post-transaction-201.json')],
  [`GET ${base}/transactions/by-idempotency-key/${key}`]: [F('http-get-transaction-by-key-200.json')],
});

async function run(world: FakeWorld, to = 'us-east-2', mode: FailoverRequest['mode'] = 'planned', target = prod(to, mode)) {
  const fake = fakeClients(world, to);
  const lines: string[] = [];
  // The defaults, spelled out: the timeout test counts on 30 minutes.
  const options = { waitTimeoutMs: 30 * 60_000, pollMs: 15_000, proofTimeoutMs: 5 * 60_000 };
  const result = await runFailover(target, fake.clients, (l) => lines.push(l), options);
  return { result, lines, calls: fake.calls, elapsedMs: fake.elapsedMs(), failures: lines.filter((l) => l.startsWith('FAIL')) };
}

describe('failover plan: names derived from the config', () => {
  test('sample prod to us-east-2: the global cluster, the target ARN, the stack, the URLs', () => {
    const target = prod('us-east-2');
    expect(target).toMatchObject({
      globalClusterIdentifier: 'transactions-prod-global',
      targetClusterIdentifier: regionalClusterIdentifierOf('transactions', 'prod', 'us-east-2'),
      targetClusterArn: E2,
      from: 'us-east-1',
      configuredPrimary: 'us-east-1',
      targetPlatformStack: 'prod-us-east-2-Platform',
      targetRegionalUrl: URL2,
      serviceUrl: 'https://api.prod.example.com',
    });
  });

  test('the token issuer the proof asks is the one a synthesized prod stage creates (its region, token endpoint and secret name)', () => {
    const stage = buildStage(sampleEnvironment('prod'), 'us-east-1');
    const issuer = stage.platform.issuer!;
    expect(prod('us-east-2').issuer).toEqual({
      region: 'us-east-1',
      tokenUrl: issuer.tokenUrl,
      checksSecretName: stage.platform.resolve((issuer.checksSecret.node.defaultChild as any).name),
    });
  });

  test('the stack name and EdgeLoadBalancerUrl… output the plan looks for are what a synthesized stage has', () => {
    const stage = buildStage(sampleEnvironment('prod'), 'us-east-2');
    expect(stage.platform.stackName).toBe(prod('us-east-2').targetPlatformStack);
    expect(stage.platform.getLogicalId(stage.edge.urlOutput)).toMatch(new RegExp(`^${LOAD_BALANCER_URL_OUTPUT_PREFIX}[0-9A-F]{8}$`));
    expect(stage.platform.resolve(stage.edge.url)).toBe(prod('us-east-2').targetRegionalUrl);
  });

  test.each([
    [{ environmentName: 'staging', to: 'us-east-2' }, '--env staging: no such environment in the config (environments: dev, test, prod)'],
    [{ environmentName: 'test', to: 'us-east-2' }, '--env test: the environment is "independent" (each region has its own database), so there is no writer to move. '
      + 'Failover needs resilience "global" and two or more regions.'],
    [{ environmentName: 'dev', to: 'us-east-1' }, '--env dev: the environment is "independent"'],
    [{ environmentName: 'prod', to: 'eu-west-1' }, '--to eu-west-1: not a region of prod (regions: us-east-1, us-east-2)'],
  ])('bad request %j: one clear error', (request, message) => {
    expect(() => resolveFailover(config, { ...request, mode: 'planned' })).toThrow(FailoverInputError);
    expect(() => resolveFailover(config, { ...request, mode: 'planned' })).toThrow(message);
  });
});

describe('failover plan: the exact commands', () => {
  const text = (to: string, mode: FailoverRequest['mode']) => failoverSteps(prod(to, mode), { probeKey: KEY }).flatMap((s) => s.commands);

  test('planned: switchover sent to the current writer region', () => {
    expect(text('us-east-2', 'planned')).toContain('aws rds switchover-global-cluster --global-cluster-identifier transactions-prod-global '
      + `--target-db-cluster-identifier ${E2} --region us-east-1`);
    expect(text('us-east-2', 'planned').join('\n')).not.toContain('failover-global-cluster');
    // Before the move: both clusters, as AWS requires them (available, not headless, same engine version).
    const check = failoverSteps(prod('us-east-2'), { probeKey: KEY })[1];
    expect(check.commands.filter((c) => c.startsWith('aws rds describe-db-clusters'))).toEqual([
      'aws rds describe-db-clusters --db-cluster-identifier transactions-prod-us-east-2 --region us-east-2 '
      + '--query "DBClusters[0].{Status:Status,EngineVersion:EngineVersion,Instances:length(DBClusterMembers),Pending:PendingModifiedValues}"',
      'aws rds describe-db-clusters --db-cluster-identifier transactions-prod-us-east-1 --region us-east-1 '
      + '--query "DBClusters[0].{Status:Status,EngineVersion:EngineVersion,Instances:length(DBClusterMembers),Pending:PendingModifiedValues}"',
    ]);
    expect(check.notes.join('\n')).toContain('the same EngineVersion, and the writer available too');
  });

  test('unplanned: failover with --allow-data-loss sent to the target region (the writer region may be down)', () => {
    const commands = text('us-east-2', 'unplanned');
    expect(commands).toContain('aws rds failover-global-cluster --global-cluster-identifier transactions-prod-global '
      + `--target-db-cluster-identifier ${E2} --allow-data-loss --region us-east-2`);
    expect(commands.join('\n')).toContain('--metric-name AuroraGlobalDBRPOLag --dimensions Name=DBClusterIdentifier,Value=transactions-prod-us-east-2');
    // Nothing is asked of the writer's region until the writer has moved; then only the secret's
    // cancel in us-east-1, which the step says to run once that region answers.
    // (Except the checks' credentials for the proof's token: the token issuer stays in the
    // configured primary, us-east-1, and the step says what to do when it is down.)
    const steps = failoverSteps(prod('us-east-2', 'unplanned'), { probeKey: KEY });
    const secretStep = steps.findIndex((st) => st.title.startsWith('Move the database secret'));
    expect(steps.slice(0, secretStep).flatMap((st) => st.commands).filter((c) => /--region us-east-1/.test(c))).toEqual([
      'CHECKS=$(aws secretsmanager get-secret-value --secret-id transactions-prod-us-east-1/checks-client --region us-east-1 --query SecretString --output text)',
    ]);
    const proof = steps.find((st) => st.title.startsWith('Prove'))!;
    expect(proof.notes[0]).toMatch(/If us-east-1 is down, no token can be had: see RUNBOOKS\.md "The token issuer's region is down"/);
    expect(steps[secretStep].commands.filter((c) => c.includes('--region us-east-1'))).toEqual([
      'aws secretsmanager cancel-rotate-secret --secret-id transactions-prod-global/credentials --region us-east-1',
    ]);
    expect(steps[secretStep].notes.join(' ')).toContain('While us-east-1 does not answer, skip its two commands');
  });

  test('the secret: before the move a copy in the target and rotation paused in the writer region; after it promoted, replicated back, rotating in the target', () => {
    const steps = failoverSteps(prod('us-east-2', 'planned'), { probeKey: KEY });
    const before = steps.find((st) => st.title.startsWith('The database secret'))!;
    expect(before.commands).toContain('aws secretsmanager cancel-rotate-secret --secret-id transactions-prod-global/credentials --region us-east-1');
    const after = steps.find((st) => st.title.startsWith('Move the database secret'))!;
    expect(after.commands).toEqual([
      'aws secretsmanager stop-replication-to-replica --secret-id transactions-prod-global/credentials --region us-east-2',
      'aws secretsmanager cancel-rotate-secret --secret-id transactions-prod-global/credentials --region us-east-1',
      'aws secretsmanager replicate-secret-to-regions --secret-id transactions-prod-global/credentials --add-replica-regions '
      + 'Region=us-east-1,KmsKeyId=alias/transactions-prod-us-east-1/db-secret --force-overwrite-replica-secret --region us-east-2',
      'aws secretsmanager describe-secret --secret-id transactions-prod-global/credentials --region us-east-2 '
      + '--query "{primary:PrimaryRegion,rotation:RotationEnabled,function:RotationLambdaARN,replicas:ReplicationStatus,versions:VersionIdsToStages}"',
      'aws secretsmanager rotate-secret --secret-id transactions-prod-global/credentials --rotation-lambda-arn '
      + 'arn:aws:lambda:us-east-2:444444444444:function:transactions-prod-us-east-2-rotation --rotation-rules \'{"ScheduleExpression":"rate(30 days)"}\' '
      + '--no-rotate-immediately --region us-east-2',
    ]);
    expect(steps.indexOf(after)).toBe(steps.findIndex((st) => st.title.startsWith('Prove the new writer serves')) + 1);
  });

  test('then wait for the writer, the Route 53 checks, and the proof against the region\'s own name', () => {
    const commands = text('us-east-2', 'planned');
    expect(commands.filter((c) => c.startsWith('aws rds describe-global-clusters --global-cluster-identifier transactions-prod-global --region us-east-2'))).toHaveLength(2);
    expect(commands).toContain('aws route53 get-health-check-status --health-check-id <id printed above>');
    expect(commands).toContain('aws route53 test-dns-answer --hosted-zone-id Z00000000000000EXAMPLE --record-name api.prod.example.com --record-type A');
    expect(commands).toContain(`curl -fsS '${URL2}/health/deep?require=writer'`);
    // The transaction calls carry the checks' token, fetched first with their client credentials.
    expect(commands).toContain('TOKEN=$(curl -fsS -X POST "$(echo "$CHECKS" | jq -r .token_url)" -u "$(echo "$CHECKS" | jq -r \'.client_id + ":" + .client_secret\')" '
      + '-d grant_type=client_credentials -d \'scope=transactions/read transactions/write\' | jq -r .access_token)');
    expect(commands).toContain(`curl -fsS -X POST ${URL2}/transactions -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -H 'idempotency-key: ${KEY}' `
      + '-d \'{"amount":"12.34","currency":"USD"}\'');
    expect(commands).toContain(`curl -fsS -H "Authorization: Bearer $TOKEN" ${URL2}/transactions/by-idempotency-key/${KEY}`);
    expect(commands).toContain('npx projen failover -- --env prod --to us-east-1 --planned');
  });

  test('without a domain: the EdgeLoadBalancerUrl… output of the target stage is the URL to use', () => {
    const input = sampleInput();
    const environment = input.environments.find((e) => e.name === 'prod')!;
    Object.assign(environment, { domain: undefined, allowPlainHttp: { reason: 'Internal rehearsal environment behind a VPN, no customer data.' } });
    const target = resolveFailover(configFrom(input), { environmentName: 'prod', to: 'us-east-2', mode: 'planned' });
    const steps = failoverSteps(target, { probeKey: KEY });
    const dns = steps.find((s) => s.title.startsWith('DNS'))!;
    expect(dns.commands).toEqual(['aws cloudformation describe-stacks --stack-name prod-us-east-2-Platform --region us-east-2 '
      + '--query "Stacks[0].Outputs[?starts_with(OutputKey,\'EdgeLoadBalancerUrl\')].OutputValue|[0]" --output text']);
    expect(steps.flatMap((s) => s.commands)).toContain('curl -fsS \'<EdgeLoadBalancerUrl… printed above>/health/deep?require=writer\'');
    expect(steps.flatMap((s) => s.commands).join('\n')).not.toContain('route53');
  });

  test('fail back to the configured primary: switchover sent to us-east-2, and the topology matches the config again', () => {
    const steps = failoverSteps(prod('us-east-1', 'planned'), { probeKey: KEY });
    expect(steps.flatMap((s) => s.commands)).toContain('aws rds switchover-global-cluster --global-cluster-identifier transactions-prod-global '
      + `--target-db-cluster-identifier ${E1} --region us-east-2`);
    expect(steps[steps.length - 1].title).toBe('Afterwards: the writer is back in the configured primary (us-east-1)');
    expect(steps[steps.length - 1].commands).toEqual([]);
  });
});

describe('failover CLI', () => {
  const io = (over: Partial<FailoverCliIo> = {}) => {
    const c = captureIo();
    const cli: FailoverCliIo = {
      env: {},
      out: c.write.out,
      err: c.write.err,
      hasCredentials: async () => false,
      clients: () => { throw new Error('no AWS client may be built'); },
      now: () => START,
      ...over,
    };
    return { c, cli };
  };

  test('prints the plan and changes nothing; --planned is the default; the leading -- of npx projen is accepted', async () => {
    const { c, cli } = io();
    expect(await failoverCli(['--', '--env', 'prod', '--to', 'us-east-2'], cli)).toBe(0);
    expect(c.stdout()).toContain('Planned switchover of prod to us-east-2 (account 444444444444)');
    expect(c.stdout()).toContain('aws rds switchover-global-cluster');
    expect(c.stdout()).toContain(`idempotency-key: ${KEY}`);
    expect(c.stdout()).toContain('Nothing was changed. Add --run');
    expect(c.stderr()).toBe('');
  });

  test('--unplanned prints the failover with --allow-data-loss; --env=/--to= forms work', async () => {
    const { c, cli } = io();
    expect(await failoverCli(['--env=prod', '--to=us-east-2', '--unplanned'], cli)).toBe(0);
    expect(c.stdout()).toContain('Unplanned failover of prod to us-east-2');
    expect(c.stdout()).toContain('--allow-data-loss --region us-east-2');
  });

  test.each([
    [['--env', 'prod', '--to', 'us-east-2', '--planned', '--unplanned'], 2, '--planned and --unplanned exclude each other'],
    [['--to', 'us-east-2'], 2, '--env is required'],
    [['--env', 'prod'], 2, '--to is required'],
    [['--env', 'prod', '--to'], 2, '--to needs a value'],
    [['--env', 'prod', '--to', 'us-east-2', '--force'], 2, 'unknown argument "--force"'],
    [['--env', 'prod', '--to', 'us-east-2', '--to', 'us-east-1'], 2, '--to given more than once'],
    [['--env', 'qa', '--to', 'us-east-2'], 1, '--env qa: no such environment in the config'],
    [['--env', 'test', '--to', 'us-east-2'], 1, '--env test: the environment is "independent"'],
    [['--env', 'prod', '--to', 'us-west-2'], 1, '--to us-west-2: not a region of prod (regions: us-east-1, us-east-2)'],
  ])('%j exits %i: %s', async (argv, code, message) => {
    const { c, cli } = io();
    expect(await failoverCli(argv, cli)).toBe(code);
    expect(c.stderr().split('\n')[0]).toContain(message);
    if (code === 2) expect(c.stderr()).toContain('usage: npx projen failover');
    expect(c.stdout()).toBe('');
  });

  test('--run without credentials changes nothing and says so (exit 1)', async () => {
    const { c, cli } = io();
    expect(await failoverCli(['--env', 'prod', '--to', 'us-east-2', '--run'], cli)).toBe(1);
    expect(c.stderr()).toContain('no AWS credentials found, nothing was changed. Export credentials of account 444444444444');
  });

  test('--run with credentials: the run\'s exit code, clients built for the target region', async () => {
    const fake = fakeClients({
      describe: { 'us-east-2': [F('describe-global-clusters-writer-us-east-1.json'), F('describe-global-clusters-writer-us-east-2.json')] },
      switchover: F('switchover-global-cluster.json'),
      http: servingWriter(),
    });
    const regions: string[] = [];
    const { c, cli } = io({ hasCredentials: async () => true, clients: (r) => { regions.push(r); return fake.clients; } });
    expect(await failoverCli(['--env', 'prod', '--to', 'us-east-2', '--run'], cli)).toBe(0);
    expect(regions).toEqual(['us-east-2']);
    expect(c.stdout()).toContain('OK   the new writer serves');
  });
});

describe('failover --run: the preflight refuses what AWS would refuse, before anything changes', () => {
  const moved = (calls: readonly string[]) => calls.filter((c) => /^(Switchover|Failover)GlobalCluster/.test(c));
  const writerUs1 = () => ({ 'us-east-2': [F('describe-global-clusters-writer-us-east-1.json')] });

  test('planned, the target on an older minor version: FAIL naming both versions and the upgrade command, nothing moved', async () => {
    const { result, failures, calls } = await run({
      describe: writerUs1(),
      clusters: { 'us-east-2/transactions-prod-us-east-2': [F('describe-db-clusters-us-east-2-older-minor.json')] },
      http: {},
    });
    expect(result.ok).toBe(false);
    expect(failures).toEqual(['FAIL engine versions differ (minor version): transactions-prod-us-east-1 (us-east-1) runs 16.8, '
      + 'transactions-prod-us-east-2 (us-east-2) runs 16.6. AWS moves the writer of a global database only between clusters of the same engine version '
      + '(Aurora User Guide, "Upgrading an Amazon Aurora global database"). Nothing was changed. Fix: upgrade transactions-prod-us-east-2 (us-east-2) to 16.8: '
      + 'aws rds modify-db-cluster --db-cluster-identifier transactions-prod-us-east-2 --engine-version 16.8 --apply-immediately --region us-east-2; '
      + 'wait until it is available, run this command again, and set DATABASE_ENGINE_VERSION in src/synth/workload/database-engine.ts to what both run '
      + '(RUNBOOKS.md "Database engine upgrade")']);
    expect(moved(calls)).toEqual([]);
  });

  test('unplanned, the target older: the same refusal, the target (reachable) is the one to upgrade; the lost region is never asked', async () => {
    const { failures, calls } = await run({
      unreachable: ['us-east-1'],
      describe: writerUs1(),
      clusters: { 'us-east-2/transactions-prod-us-east-2': [F('describe-db-clusters-us-east-2-older-minor.json')] },
      http: {},
    }, 'us-east-2', 'unplanned');
    expect(failures[0]).toContain('transactions-prod-us-east-1 (us-east-1) runs 16.8 (the global cluster\'s version: its region is not asked)');
    expect(failures[0]).toContain('aws rds modify-db-cluster --db-cluster-identifier transactions-prod-us-east-2 --engine-version 16.8');
    expect(calls.filter((c) => c.includes(' us-east-1 '))).toEqual([]);
    expect(moved(calls)).toEqual([]);
  });

  test('unplanned, the lost writer older than the target: no upgrade is possible, the manual path is named', async () => {
    const global = F('describe-global-clusters-writer-us-east-1.json');
    global.GlobalClusters[0].EngineVersion = '15.10';
    const { failures, calls } = await run({ unreachable: ['us-east-1'], describe: { 'us-east-2': [global] }, http: {} }, 'us-east-2', 'unplanned');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/^FAIL engine versions differ \(major version\): .* runs 15\.10 .* runs 16\.8\./);
    expect(failures[0]).toContain('the writer\'s region may be lost, so transactions-prod-us-east-1 cannot be upgraded now');
    expect(failures[0]).toContain('RUNBOOKS.md "Regional failure and failover"');
    expect(moved(calls)).toEqual([]);
  });

  test('the target not available (an upgrade running): FAIL with the command to watch it, and the pending version named', async () => {
    const { failures, lines, calls } = await run({
      describe: writerUs1(),
      clusters: { 'us-east-2/transactions-prod-us-east-2': [F('describe-db-clusters-us-east-2-upgrading.json')] },
      http: {},
    });
    expect(failures[0]).toBe('FAIL transactions-prod-us-east-2 is upgrading, and AWS moves the writer only to an available secondary '
      + '("The secondary DB cluster must be available"). Wait until it is: aws rds describe-db-clusters --db-cluster-identifier transactions-prod-us-east-2 '
      + '--region us-east-2 --query "DBClusters[0].{Status:Status,EngineVersion:EngineVersion,Instances:length(DBClusterMembers),Pending:PendingModifiedValues}"');
    expect(lines).toContain('WARN transactions-prod-us-east-2 has an engine version change to 16.8 pending: apply it to both clusters (or neither) before moving the writer');
    expect(moved(calls)).toEqual([]);
  });

  test('a headless target: FAIL with the command that adds an instance, nothing moved', async () => {
    const { failures, calls } = await run({
      describe: writerUs1(),
      clusters: { 'us-east-2/transactions-prod-us-east-2': [F('describe-db-clusters-us-east-2-headless.json')] },
      http: {},
    }, 'us-east-2', 'unplanned');
    expect(failures).toEqual(['FAIL transactions-prod-us-east-2 has no DB instance (headless), and Aurora promotes only a cluster with one. Add one first: '
      + 'aws rds create-db-instance --db-instance-identifier transactions-prod-us-east-2-1 --db-cluster-identifier transactions-prod-us-east-2 '
      + '--engine aurora-postgresql --db-instance-class db.serverless --region us-east-2']);
    expect(moved(calls)).toEqual([]);
  });

  test('planned, the writer not available: FAIL (a switchover is for a healthy database), --unplanned named', async () => {
    const writer = F('describe-db-clusters-us-east-1.json');
    writer.DBClusters[0].Status = 'backtracking';
    const { failures, calls } = await run({ describe: writerUs1(), clusters: { 'us-east-1/transactions-prod-us-east-1': [writer] }, http: {} });
    expect(failures[0]).toMatch(/^FAIL the writer transactions-prod-us-east-1 is backtracking: a switchover is for a healthy global database .* or for an outage use --unplanned$/);
    expect(moved(calls)).toEqual([]);
  });

  test('the target cluster cannot be read: FAIL, nothing moved', async () => {
    const { failures, calls } = await run({
      describe: writerUs1(),
      clusters: { 'us-east-2/transactions-prod-us-east-2': [recordedError(path.join('failover', 'error-db-cluster-not-found.json'))] },
      http: {},
    });
    expect(failures).toEqual(['FAIL cannot read the target cluster: describe-db-clusters transactions-prod-us-east-2 in us-east-2: '
      + 'DBClusterNotFoundFault: DBCluster transactions-prod-us-east-2 not found.']);
    expect(moved(calls)).toEqual([]);
  });

  test('only the patch level differs: a WARN with the remedy should Aurora refuse, and the move goes ahead', async () => {
    const target = F('describe-db-clusters-us-east-2.json');
    target.DBClusters[0].EngineVersion = '16.8.1';
    const { result, lines, calls } = await run({
      describe: { 'us-east-2': [F('describe-global-clusters-writer-us-east-1.json'), F('describe-global-clusters-writer-us-east-2.json')] },
      clusters: { 'us-east-2/transactions-prod-us-east-2': [target] },
      switchover: F('switchover-global-cluster.json'),
      http: servingWriter(),
    });
    expect(result.ok).toBe(true);
    expect(lines.find((l) => l.startsWith('WARN patch levels differ'))).toContain('if Aurora refuses, upgrade transactions-prod-us-east-1 (us-east-1) to 16.8.1');
    expect(moved(calls)).toHaveLength(1);
  });

  test('the secret in the middle of a rotation in the writer region: FAIL, rotation left alone, nothing moved', async () => {
    const { failures, calls } = await run({
      describe: writerUs1(),
      secrets: { 'us-east-2': [F('describe-secret-us-east-2-replica.json')], 'us-east-1': [F('describe-secret-us-east-1-primary-rotating.json')] },
      http: {},
    });
    expect(failures).toEqual(['FAIL a rotation of transactions-prod-global/credentials is under way in us-east-1 (a version is AWSPENDING): wait until it ends, '
      + 'then run again. Watch it: aws secretsmanager describe-secret --secret-id transactions-prod-global/credentials --region us-east-1 '
      + '--query "{primary:PrimaryRegion,rotation:RotationEnabled,function:RotationLambdaARN,replicas:ReplicationStatus,versions:VersionIdsToStages}"']);
    expect(calls.filter((c) => /^(CancelRotateSecret|Switchover)/.test(c))).toEqual([]);
  });

  test('the target\'s copy of the secret out of sync, or missing: FAIL before anything changes', async () => {
    const outOfSync = await run({
      describe: writerUs1(),
      secrets: { 'us-east-2': [F('describe-secret-us-east-2-replica.json')], 'us-east-1': [F('describe-secret-us-east-1-primary-replica-failed.json')] },
      http: {},
    });
    expect(outOfSync.failures).toEqual([expect.stringMatching(/^FAIL the us-east-2 copy of transactions-prod-global\/credentials is Failed \(Access denied to the KMS key of the replica region\): it must be in sync before the writer moves there/)]);
    expect(moved(outOfSync.calls)).toEqual([]);
    const missing = await run({
      describe: writerUs1(),
      secrets: { 'us-east-2': [recordedError(path.join('failover', 'error-secret-not-found.json'))] },
      http: {},
    }, 'us-east-2', 'unplanned');
    expect(missing.failures).toEqual(['FAIL the us-east-2 copy of the database secret cannot be read (describe-secret transactions-prod-global/credentials in us-east-2: '
      + 'ResourceNotFoundException: Secrets Manager can\'t find the specified secret.): is the us-east-2 stage deployed?']);
    expect(moved(missing.calls)).toEqual([]);
  });

  test('replicating the secret back to the old writer fails: the writer moved and serves, the run fails naming the status and where to look', async () => {
    const { result, failures, calls } = await run({
      describe: { 'us-east-2': [F('describe-global-clusters-writer-us-east-1.json'), F('describe-global-clusters-writer-us-east-2.json')] },
      secrets: {
        ...secretsMovingTo('us-east-2'),
        'us-east-2': [F('describe-secret-us-east-2-replica.json'), F('describe-secret-us-east-2-replica.json'), F('describe-secret-us-east-2-promoted.json'),
          F('describe-secret-us-east-2-replication-failed.json')],
      },
      switchover: F('switchover-global-cluster.json'),
      http: servingWriter(),
    });
    expect(result).toMatchObject({ ok: false, from: 'us-east-1', probeKey: KEY });
    expect(failures).toEqual([expect.stringMatching(/^FAIL secret: replicating transactions-prod-global\/credentials to us-east-1 failed \(Failed: Replication failed: Secret already exists/)]);
    expect(calls.filter((c) => c.startsWith('RotateSecret'))).toEqual([]);
  });

  test('a pending system-update on the writer: a WARN with the command that applies it, and the move goes ahead', async () => {
    const { result, lines } = await run({
      describe: { 'us-east-2': [F('describe-global-clusters-writer-us-east-1.json'), F('describe-global-clusters-writer-us-east-2.json')] },
      maintenance: { [E1]: F('describe-pending-maintenance-actions-system-update.json') },
      switchover: F('switchover-global-cluster.json'),
      http: servingWriter(),
    });
    expect(result.ok).toBe(true);
    expect(lines).toContain('WARN transactions-prod-us-east-1 has a pending system-update (Aurora PostgreSQL 16.8.2 patch release): the two clusters may run '
      + 'different patch levels, which Aurora may refuse. Apply it now, in a quiet moment: aws rds apply-pending-maintenance-action '
      + `--resource-identifier ${E1} --apply-action system-update --opt-in-type immediate --region us-east-1`);
  });
});

describe('failover --run on recorded AWS responses', () => {
  test('planned: switchover in the writer region, wait, then the new writer proves it serves', async () => {
    const { result, lines, calls, failures } = await run({
      describe: {
        'us-east-2': [
          F('describe-global-clusters-writer-us-east-1.json'),
          F('describe-global-clusters-switching-over.json'),
          F('describe-global-clusters-switching-over.json'),
          F('describe-global-clusters-writer-us-east-2.json'),
        ],
      },
      switchover: F('switchover-global-cluster.json'),
      http: servingWriter(),
    });
    expect(failures).toEqual([]);
    expect(result).toEqual({ ok: true, from: 'us-east-1', probeKey: KEY, secretPending: [] });
    const FN1 = 'arn:aws:lambda:us-east-1:444444444444:function:transactions-prod-us-east-1-rotation';
    const FN2 = 'arn:aws:lambda:us-east-2:444444444444:function:transactions-prod-us-east-2-rotation';
    expect(calls).toEqual([
      'DescribeGlobalClusters us-east-2 transactions-prod-global',
      'DescribeDBClusters us-east-2 transactions-prod-us-east-2',
      `DescribeDBClusters us-east-1 ${E1}`,
      `DescribePendingMaintenanceActions us-east-2 ${E2}`,
      `DescribePendingMaintenanceActions us-east-1 ${E1}`,
      // The secret: the target holds a replica in sync with the writer's primary copy.
      'DescribeSecret us-east-2 transactions-prod-global/credentials',
      'DescribeSecret us-east-1 transactions-prod-global/credentials',
      // No rotation may start against a cluster about to turn read-only.
      'CancelRotateSecret us-east-1',
      `SwitchoverGlobalCluster us-east-1 transactions-prod-global -> ${E2}`,
      'DescribeGlobalClusters us-east-2 transactions-prod-global',
      'DescribeGlobalClusters us-east-2 transactions-prod-global',
      'DescribeGlobalClusters us-east-2 transactions-prod-global',
      `GET ${URL2}/health/deep?require=writer`,
      // The checks' token: their credentials in the issuer region, then its token endpoint.
      'GetSecretValue us-east-1 transactions-prod-us-east-1/checks-client',
      `POST ${TOKEN_URL} basic=checks-client`,
      `POST ${URL2}/transactions key=${KEY} bearer=checks`,
      `GET ${URL2}/transactions/by-idempotency-key/${KEY} bearer=checks`,
      // The secret follows the writer: promoted in us-east-2, us-east-1's copy replaced by a replica, rotation on in us-east-2.
      'DescribeSecret us-east-2 transactions-prod-global/credentials',
      'StopReplicationToReplica us-east-2',
      'DescribeSecret us-east-2 transactions-prod-global/credentials',
      'DescribeSecret us-east-1 transactions-prod-global/credentials',
      'ReplicateSecretToRegions us-east-2 -> us-east-1 alias/transactions-prod-us-east-1/db-secret force=true',
      'DescribeSecret us-east-2 transactions-prod-global/credentials',
      'DescribeSecret us-east-2 transactions-prod-global/credentials',
      `RotateSecret us-east-2 ${FN2} rate(30 days) immediately=false`,
    ]);
    expect(calls.join('\n')).not.toContain(FN1);
    expect(lines).toContain(`OK   the checks' access token from ${TOKEN_URL}`);
    expect(lines).toContain(`OK   transactions-prod-global: writer ${E1} (us-east-1); ${E2} is a member (connected)`);
    expect(lines).toContain('OK   preflight: transactions-prod-us-east-2 is available with 1 DB instance(s)');
    expect(lines).toContain('OK   both clusters run aurora-postgresql 16.8');
    expect(lines).toContain('OK   secret: the us-east-2 copy of transactions-prod-global/credentials is in sync with the primary copy in us-east-1');
    expect(lines).toContain('OK   secret: rotation of transactions-prod-global/credentials turned off in us-east-1 until the writer has moved');
    expect(lines).toContain('...  Status switching-over, FailoverState switching-over, writer ' + E1);
    expect(lines).toContain(`OK   transactions-prod-global reports ${E2} as the writer`);
    expect(lines.some((l) => l.startsWith('OK   DNS: nothing to change'))).toBe(true);
    expect(lines.slice(-4, -1)).toEqual([
      'OK   secret: the us-east-2 copy of transactions-prod-global/credentials is the primary now (StopReplicationToReplica)',
      'OK   secret: the us-east-1 copy is a replica of the us-east-2 copy, in sync (its service reads every rotation)',
      `OK   secret: rotates in us-east-2 with ${FN2} (rate(30 days)); to rotate now: aws secretsmanager rotate-secret --secret-id transactions-prod-global/credentials --region us-east-2`,
    ]);
    expect(lines[lines.length - 1]).toBe('Fail back later (when us-east-1 is a healthy secondary again): npx projen failover -- --env prod --to us-east-1 --planned');
  });

  test('describe fails for a while during the wait (throttled): retried, not fatal', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $fault: 'client' });
    const { result, lines } = await run({
      describe: {
        'us-east-2': [
          F('describe-global-clusters-writer-us-east-1.json'),
          throttled,
          F('describe-global-clusters-switching-over.json'),
          F('describe-global-clusters-writer-us-east-2.json'),
        ],
      },
      switchover: F('switchover-global-cluster.json'),
      http: servingWriter(),
    });
    expect(result.ok).toBe(true);
    expect(lines).toContain('...  describe failed: Throttling: Rate exceeded (retrying)');
  });

  test('a switchover that never finishes: FAIL after the timeout, no second operation, no proof attempted', async () => {
    const { result, failures, calls, elapsedMs } = await run({
      describe: { 'us-east-2': [F('describe-global-clusters-writer-us-east-1.json'), F('describe-global-clusters-switching-over.json')] },
      switchover: F('switchover-global-cluster.json'),
      http: {},
    });
    expect(result.ok).toBe(false);
    expect(failures).toEqual([`FAIL timed out after 30 min waiting for us-east-2 to become the writer (last: Status switching-over, FailoverState switching-over, writer ${E1}). `
      + 'The switchover may still be running: do not start another; watch it with: aws rds describe-global-clusters --global-cluster-identifier transactions-prod-global '
      + '--region us-east-2 --query "GlobalClusters[0].{Status:Status,EngineVersion:EngineVersion,Failover:FailoverState.Status,Writer:GlobalClusterMembers[?IsWriter].DBClusterArn|[0]}"']);
    expect(calls.filter((c) => c.startsWith('Switchover'))).toHaveLength(1);
    expect(calls.filter((c) => /^(GET|POST) /.test(c))).toEqual([]);
    expect(elapsedMs).toBe(30 * 60_000);
  });

  const failingOver = () => ({
    'us-east-2': [
      F('describe-global-clusters-writer-us-east-1.json'),
      F('describe-global-clusters-failing-over.json'),
      F('describe-global-clusters-after-failover.json'),
    ],
  });

  test('unplanned while the writer region does not answer: only the target region is asked, the failover allows data loss; '
    + 'the write proof stops where it needs the token issuer of that region, and the secret follows the writer all the same', async () => {
    const { result, calls, failures, lines } = await run({
      unreachable: ['us-east-1'], describe: failingOver(), failover: F('failover-global-cluster.json'), http: servingWriter(),
    }, 'us-east-2', 'unplanned');
    // Exit 1: the new writer reports itself writer, but no write could be proven without a token.
    expect(result).toMatchObject({ ok: false, secretPending: ['us-east-1'] });
    expect(failures).toEqual([expect.stringMatching(/^FAIL the proof's writes need the checks' access token, from the token issuer in us-east-1, but its credentials transactions-prod-us-east-1\/checks-client could not be read there \(TimeoutError: .*\), so no write was tried\. If us-east-1 is down, see RUNBOOKS\.md "The token issuer's region is down"; the writer itself has moved; the database secret follows the writer all the same$/)]);
    expect(lines).toContain(`OK   GET ${URL2}/health/deep?require=writer: 200, role writer`);
    expect(calls.some((c) => c.startsWith('POST https://api-'))).toBe(false);
    // The lost region is asked nothing before the writer moved; afterwards the checks' credentials and whether its copy of the secret can be replaced.
    const deep = calls.findIndex((c) => c.startsWith('GET ') && c.includes('/health/deep'));
    expect(calls.slice(0, deep).filter((c) => c.includes(' us-east-1'))).toEqual([]);
    expect(calls.slice(deep).filter((c) => c.includes(' us-east-1'))).toEqual([
      'GetSecretValue us-east-1 transactions-prod-us-east-1/checks-client', 'DescribeSecret us-east-1 transactions-prod-global/credentials',
    ]);
    expect(calls).toContain(`FailoverGlobalCluster us-east-2 transactions-prod-global -> ${E2} AllowDataLoss=true`);
    // The password still rotates where the writer is, while us-east-1 is away.
    expect(calls).toContain('StopReplicationToReplica us-east-2');
    expect(calls).toContain('RotateSecret us-east-2 arn:aws:lambda:us-east-2:444444444444:function:transactions-prod-us-east-2-rotation rate(30 days) immediately=false');
    expect(calls.filter((c) => c.startsWith('CancelRotateSecret') || c.startsWith('ReplicateSecretToRegions'))).toEqual([]);
    expect(lines.find((l) => l.startsWith('WARN secret: the us-east-1 copy cannot be reached'))).toContain(
      'run this command again once us-east-1 answers (with the writer in us-east-2 it only completes the secret): npx projen failover -- --env prod --to us-east-2 --run');
  });

  test('unplanned while the writer\'s database fails (its region answers): the proof writes with the checks\' token from us-east-1', async () => {
    // (What the secret does when us-east-1 answers is the secret tests' business: here only the proof.)
    const { calls, lines } = await run({ describe: failingOver(), failover: F('failover-global-cluster.json'), http: servingWriter() }, 'us-east-2', 'unplanned');
    expect(lines).toContain(`OK   the new writer serves: ${URL2} wrote and read back transaction ${KEY}`);
    expect(calls).toContain(`POST ${URL2}/transactions key=${KEY} bearer=checks`);
    expect(calls).toContain(`GET ${URL2}/transactions/by-idempotency-key/${KEY} bearer=checks`);
  });

  test('the issuer refusing the checks\' client (rotated away, say): FAIL naming the endpoint and the OAuth error, no write, no secret in the line', async () => {
    const http = { ...servingWriter(), [`POST ${TOKEN_URL}`]: [F('http-token-400-invalid-client.json')] };
    const { result, failures, calls } = await run({ describe: failingOver(), failover: F('failover-global-cluster.json'), http }, 'us-east-2', 'unplanned');
    expect(result.ok).toBe(false);
    expect(failures.slice(0, 1)).toEqual([`FAIL the proof's writes need the checks' access token, from the token issuer in us-east-1, which gave none (the token endpoint ${TOKEN_URL} `
      + 'answered HTTP 400 invalid_client), so no write was tried. If us-east-1 is down, see RUNBOOKS.md "The token issuer\'s region is down"; '
      + 'the writer itself has moved; the database secret follows the writer all the same']);
    expect(failures[0]).not.toContain('sample0not0a0real0secret');
    expect(calls.some((c) => c.startsWith('POST https://api-'))).toBe(false);
  });

  test('unplanned when the global cluster no longer reports the old writer at all: still runs in the target region', async () => {
    const { result, calls } = await run({
      unreachable: ['us-east-1'],
      describe: {
        'us-east-2': [
          { GlobalClusters: [{ ...F('describe-global-clusters-writer-us-east-1.json').GlobalClusters[0], GlobalClusterMembers: [{ DBClusterArn: E2, IsWriter: false }] }] },
          F('describe-global-clusters-after-failover.json'),
        ],
      },
      failover: F('failover-global-cluster.json'),
      http: servingWriter(),
    }, 'us-east-2', 'unplanned');
    // The writer moved and the secret followed; the run fails only for the write proof, whose
    // token issuer (us-east-1) does not answer (the test above).
    expect(result).toMatchObject({ ok: false, from: undefined, secretPending: ['us-east-1'] });
    expect(calls).toContain(`FailoverGlobalCluster us-east-2 transactions-prod-global -> ${E2} AllowDataLoss=true`);
    expect(calls).toContain('StopReplicationToReplica us-east-2');
  });

  test('planned while the writer region does not answer: FAIL naming --unplanned, nothing else tried', async () => {
    const { result, failures, calls } = await run({
      unreachable: ['us-east-1'],
      describe: { 'us-east-2': [F('describe-global-clusters-writer-us-east-1.json')] },
      http: {},
    });
    expect(result.ok).toBe(false);
    expect(failures).toEqual([`FAIL a switchover needs a healthy writer, and it cannot be read (describe-db-clusters ${E1} in us-east-1: `
      + 'TimeoutError: Socket timed out without establishing a connection within 5000 ms): for an outage use --unplanned (writes not yet replicated are lost)',
    'FAIL a switchover moves the secret too, and the writer\'s copy cannot be read (describe-secret transactions-prod-global/credentials in us-east-1: '
      + 'TimeoutError: Socket timed out without establishing a connection within 5000 ms)']);
    expect(calls.filter((c) => /^(Switchover|CancelRotateSecret)/.test(c))).toEqual([]);
  });

  test('a switchover Aurora refuses anyway: its message, rotation back on in the writer region, nothing else tried', async () => {
    const { failures, calls, lines } = await run({
      describe: { 'us-east-2': [F('describe-global-clusters-writer-us-east-1.json')] },
      switchover: recordedError(path.join('failover', 'error-invalid-global-cluster-state.json')),
      http: {},
    });
    expect(failures[0]).toContain('FAIL switchover refused or unreachable: InvalidGlobalClusterStateFault: The global cluster transactions-prod-global is not in a valid state');
    expect(calls.slice(-3)).toEqual([
      'CancelRotateSecret us-east-1',
      `SwitchoverGlobalCluster us-east-1 transactions-prod-global -> ${E2}`,
      'RotateSecret us-east-1 arn:aws:lambda:us-east-1:444444444444:function:transactions-prod-us-east-1-rotation rate(30 days) immediately=false',
    ]);
    expect(lines).toContain('OK   secret: rotation of transactions-prod-global/credentials turned back on in us-east-1 (the writer did not move)');
  });

  test('--to already the writer, the secret already there: nothing moved, nothing changed, the way back named', async () => {
    const { result, failures, calls, lines } = await run({
      describe: { 'us-east-2': [F('describe-global-clusters-writer-us-east-2.json')] },
      secrets: { 'us-east-2': [F('describe-secret-us-east-2-rotating-here.json')] },
      http: {},
    });
    expect(failures).toEqual([]);
    expect(result).toEqual({ ok: true, secretPending: [] });
    expect(lines[0]).toBe('OK   --to us-east-2: us-east-2 is already the writer of transactions-prod-global, nothing to move '
      + '(to move the writer back: --to us-east-1); completing the database secret');
    expect(calls).toEqual(['DescribeGlobalClusters us-east-2 transactions-prod-global', 'DescribeSecret us-east-2 transactions-prod-global/credentials']);
  });

  test('after an unplanned failover, us-east-1 answers again: the same command completes the secret (its copy replaced by a replica)', async () => {
    const { result, failures, calls } = await run({
      describe: { 'us-east-2': [F('describe-global-clusters-writer-us-east-2.json')] },
      secrets: {
        'us-east-2': [F('describe-secret-us-east-2-rotating-here-alone.json'), F('describe-secret-us-east-2-replicating.json'), F('describe-secret-us-east-2-rotating-here.json')],
        'us-east-1': [F('describe-secret-us-east-1-back-standalone.json')],
      },
      http: {},
    }, 'us-east-2', 'unplanned');
    expect(failures).toEqual([]);
    expect(result).toEqual({ ok: true, secretPending: [] });
    expect(calls.slice(1)).toEqual([
      'DescribeSecret us-east-2 transactions-prod-global/credentials',
      'DescribeSecret us-east-1 transactions-prod-global/credentials',
      // Its own rotation (still on from before the outage) would run against a cluster that no longer writes.
      'CancelRotateSecret us-east-1',
      'ReplicateSecretToRegions us-east-2 -> us-east-1 alias/transactions-prod-us-east-1/db-secret force=true',
      'DescribeSecret us-east-2 transactions-prod-global/credentials',
      'DescribeSecret us-east-2 transactions-prod-global/credentials',
    ]);
  });

  test('us-east-1 comes back still listing us-east-2 as its replica: FAIL with the check and the command, nothing overwritten', async () => {
    const { result, failures, calls } = await run({
      describe: { 'us-east-2': [F('describe-global-clusters-writer-us-east-2.json')] },
      secrets: { 'us-east-2': [F('describe-secret-us-east-2-rotating-here-alone.json')], 'us-east-1': [F('describe-secret-us-east-1-back-stale-link.json')] },
      http: {},
    }, 'us-east-2', 'unplanned');
    expect(result.ok).toBe(false);
    expect(failures[0]).toMatch(/^FAIL secret: the us-east-1 copy still lists us-east-2 as its replica: .*\(aws secretsmanager remove-regions-from-replication --secret-id transactions-prod-global\/credentials --remove-replica-regions us-east-2 --region us-east-1\), then run this command again$/);
    expect(calls.filter((c) => /^(ReplicateSecretToRegions|CancelRotateSecret|RotateSecret)/.test(c))).toEqual([]);
  });

  test('an operation already in progress: FAIL, nothing started', async () => {
    const { failures, calls } = await run({ describe: { 'us-east-2': [F('describe-global-clusters-switching-over.json')] }, http: {} });
    expect(failures[0]).toMatch(/^FAIL a switchover is already switching-over \(arn:.*us-east-1 -> arn:.*us-east-2\): wait for it to finish/);
    expect(calls).toHaveLength(1);
  });

  test('credentials of another account: FAIL before any AWS call', async () => {
    const { failures, calls } = await run({ caller: '111111111111', describe: {}, http: {} });
    expect(failures).toEqual(['FAIL credentials are for account 111111111111, prod runs in 444444444444: use credentials (AWS_PROFILE) of 444444444444']);
    expect(calls).toEqual([]);
  });

  test('no global cluster (not deployed as global): FAIL with the reason', async () => {
    const { failures } = await run({ describe: { 'us-east-2': [recordedError(path.join('failover', 'error-global-cluster-not-found.json'))] }, http: {} });
    expect(failures).toEqual(['FAIL global cluster transactions-prod-global not found in us-east-2: is the prod environment deployed as "global"?']);
  });

  test('the target cluster is not a member: FAIL naming the members', async () => {
    const { failures } = await run({ describe: { 'us-east-1': [F('describe-global-clusters-after-failover.json')] }, http: {} }, 'us-east-1');
    expect(failures).toEqual([`FAIL ${E1} is not a member of transactions-prod-global (members: ${E2}): deploy the us-east-1 stage before moving the writer there`]);
  });

  test('Aurora cancels the switchover: FAIL once the old writer is back and no operation runs', async () => {
    const { failures } = await run({
      describe: {
        'us-east-2': [
          F('describe-global-clusters-writer-us-east-1.json'),
          F('describe-global-clusters-switching-over.json'),
          F('describe-global-clusters-writer-us-east-1.json'),
        ],
      },
      switchover: F('switchover-global-cluster.json'),
      http: {},
    });
    expect(failures).toEqual([`FAIL the switchover ended without moving the writer (Status available, FailoverState none, writer ${E1}): `
      + 'Aurora cancelled it; see the RDS events of transactions-prod-global']);
  });

  test('the new writer reports reader for a while (connections recycle): retried until writer', async () => {
    const http = servingWriter();
    http[`GET ${URL2}/health/deep?require=writer`] = [F('http-health-deep-require-writer-reader-us-east-2.json'), F('http-health-deep-writer-us-east-2.json')];
    const { result, lines } = await run({
      describe: { 'us-east-2': [F('describe-global-clusters-writer-us-east-1.json'), F('describe-global-clusters-writer-us-east-2.json')] },
      switchover: F('switchover-global-cluster.json'),
      http,
    });
    expect(result.ok).toBe(true);
    expect(lines).toContain(`...  GET ${URL2}/health/deep?require=writer answered 503 {"status":"unavailable","region":"us-east-2","role":"reader","writerRegion":"us-east-1"}`);
  });

  test('the new writer never reports writer: FAIL after the proof timeout, no write attempted', async () => {
    const http = servingWriter();
    http[`GET ${URL2}/health/deep?require=writer`] = [F('http-health-deep-require-writer-reader-us-east-2.json')];
    const { result, failures, calls } = await run({
      describe: { 'us-east-2': [F('describe-global-clusters-writer-us-east-1.json'), F('describe-global-clusters-writer-us-east-2.json')] },
      switchover: F('switchover-global-cluster.json'),
      http,
    });
    expect(result.ok).toBe(false);
    expect(failures[0]).toMatch(/^FAIL the new writer does not report itself writer in time: GET .* answered 503/);
    expect(calls.filter((c) => c.startsWith('POST'))).toEqual([]);
  });

  test('the write does not read back: FAIL', async () => {
    const http = servingWriter();
    http[`GET ${URL2}/transactions/by-idempotency-key/${KEY}`] = [{ status: 404, body: { error: 'not_found' } }];
    const { failures } = await run({
      describe: { 'us-east-2': [F('describe-global-clusters-writer-us-east-1.json'), F('describe-global-clusters-writer-us-east-2.json')] },
      switchover: F('switchover-global-cluster.json'),
      http,
    });
    expect(failures).toEqual([`FAIL GET ${URL2}/transactions/by-idempotency-key/${KEY} answered 404 {"error":"not_found"}, `
      + 'expected 200 with transaction 5b0f8a64-3e1d-4c2a-9f7e-0d6c1b2a3f4e']);
  });

  test('without a domain: the proof runs against the EdgeLoadBalancerUrl… output of the target stage', async () => {
    const input = sampleInput();
    Object.assign(input.environments.find((e) => e.name === 'prod')!, {
      domain: undefined, allowPlainHttp: { reason: 'Internal rehearsal environment behind a VPN, no customer data.' },
    });
    const target = resolveFailover(configFrom(input), { environmentName: 'prod', to: 'us-east-2', mode: 'planned' });
    const alb = 'http://prod-u-EdgeL-1A2B3C4D5E6F-1234567890.us-east-2.elb.amazonaws.com';
    const { result, lines, calls } = await run({
      describe: { 'us-east-2': [F('describe-global-clusters-writer-us-east-1.json'), F('describe-global-clusters-writer-us-east-2.json')] },
      switchover: F('switchover-global-cluster.json'),
      stacks: { 'us-east-2/prod-us-east-2-Platform': F('describe-stacks-platform-us-east-2.json') },
      http: servingWriter(alb),
    }, 'us-east-2', 'planned', target);
    expect(result.ok).toBe(true);
    expect(calls).toContain('DescribeStacks us-east-2 prod-us-east-2-Platform');
    expect(lines).toContain(`OK   no domain: clients must now call ${alb} (the EdgeLoadBalancerUrl… output of prod-us-east-2-Platform)`);
  });

  test('fail back: from us-east-2 (now the writer) to us-east-1 with a switchover sent to us-east-2', async () => {
    const back = (name: string) => {
      // The recorded answers seen from us-east-1, with the roles swapped.
      const raw = JSON.stringify(F(name)).split(E1).join('<E1>').split(E2).join(E1).split('<E1>').join(E2);
      return JSON.parse(raw);
    };
    const URL1 = 'https://api-us-east-1.prod.example.com';
    const key = 'failover-prod-us-east-1-20261202T020000Z';
    const http = {
      [`GET ${URL1}/health/deep?require=writer`]: [{ status: 200, body: { status: 'ok', region: 'us-east-1', role: 'writer', writerRegion: 'us-east-1' } }],
      [`POST ${TOKEN_URL}`]: [F('http-token-200.json')],
      [`POST ${URL1}/transactions`]: [F('http-post-transaction-201.json')],
      [`GET ${URL1}/transactions/by-idempotency-key/${key}`]: [F('http-get-transaction-by-key-200.json')],
    };
    const { result, calls } = await run({
      describe: { 'us-east-1': [back('describe-global-clusters-writer-us-east-1.json'), back('describe-global-clusters-writer-us-east-2.json')] },
      switchover: back('switchover-global-cluster.json'),
      http,
    }, 'us-east-1');
    expect(result).toEqual({ ok: true, from: 'us-east-2', probeKey: key, secretPending: [] });
    expect(calls).toContain(`SwitchoverGlobalCluster us-east-2 transactions-prod-global -> ${E1}`);
    // The original arrangement again: us-east-1 primary, rotating with its hosted function; us-east-2 a replica in its own key.
    expect(calls.filter((c) => /^(CancelRotateSecret|StopReplicationToReplica|ReplicateSecretToRegions|RotateSecret)/.test(c))).toEqual([
      'CancelRotateSecret us-east-2',
      'StopReplicationToReplica us-east-1',
      'ReplicateSecretToRegions us-east-1 -> us-east-2 alias/transactions-prod-us-east-2/db-secret force=true',
      'RotateSecret us-east-1 arn:aws:lambda:us-east-1:444444444444:function:transactions-prod-us-east-1-rotation rate(30 days) immediately=false',
    ]);
  });
});
