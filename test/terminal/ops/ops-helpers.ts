import * as fs from 'fs';
import * as path from 'path';
import { parseConfig } from '../../../src/config/load-config';
import { DeliveryConfig, DeliveryConfigInput } from '../../../src/config/schema';
import { bootstrapPlan } from '../../../src/terminal/execution-policy/bootstrap-plan';
import { CloudFormationApi, DoctorClients, Where } from '../../../src/terminal/ops/doctor-clients';
import { REPO_ROOT } from '../../support/repo-root';

export const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'ops');
export const ROOT = REPO_ROOT;

/** A recorded response. */
export function fixture<T = any>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), 'utf8'));
}

/** A recorded SDK error, rebuilt as the SDK throws it (an Error with name, Code, $metadata). */
export function recordedError(name: string): Error {
  const raw = fixture(name);
  return Object.assign(new Error(raw.message), raw);
}

/** The sample config as raw JSON, for variations. */
export function sampleInput(): DeliveryConfigInput {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'config', 'delivery.sample.json'), 'utf8'));
}

export function configFrom(input: unknown): DeliveryConfig {
  return parseConfig(input, '(test)');
}

/** Collects what a CLI writes. */
export function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: () => out.join(''), stderr: () => err.join(''), write: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}

type Answer = unknown | Error;
const answer = async (a: Answer) => {
  if (a instanceof Error) throw a;
  return a as any;
};

/** What the fake AWS answers, keyed by `account/region/StackName`; unknown keys are missing stacks. */
export interface FakeWorld {
  caller?: string;
  stacks: Record<string, Answer>;
  connection: Answer;
  topics?: Answer;
  subscriptions?: Answer;
  /** DescribeDBClusters by `account/region/cluster identifier`; unknown keys are missing clusters. @default none */
  clusters?: Record<string, Answer>;
}

/** A fully green world for the sample config. */
/**
 * A recorded CDKToolkit description with the execution policies a correct `npx projen bootstrap`
 * of that account attaches (the recording was made when the policy was one document).
 */
export function withExecutionPolicies(recorded: any, account: string): any {
  const plan = bootstrapPlan(configFrom(sampleInput()), { rootDir: ROOT });
  const value = plan.policies.filter((p) => p.account === account).map((p) => p.policyArn).join(',');
  const copy = JSON.parse(JSON.stringify(recorded));
  for (const stack of copy.Stacks ?? []) {
    for (const p of stack.Parameters ?? []) if (p.ParameterKey === 'CloudFormationExecutionPolicies') p.ParameterValue = value;
  }
  return copy;
}

export function greenWorld(): FakeWorld {
  const stacks: Record<string, Answer> = {
    '111111111111/us-east-1/CDKToolkit': fixture('describe-stacks-cdktoolkit-pipeline-v33.json'),
    '111111111111/us-east-2/CDKToolkit': fixture('describe-stacks-cdktoolkit-pipeline-v33.json'),
    '111111111111/us-east-1/DeliveryPipeline': fixture('describe-stacks-delivery-pipeline.json'),
  };
  for (const key of ['222222222222/us-east-1', '333333333333/us-east-1', '333333333333/us-east-2', '444444444444/us-east-1', '444444444444/us-east-2']) {
    stacks[`${key}/CDKToolkit`] = withExecutionPolicies(fixture('describe-stacks-cdktoolkit-stage-v33.json'), key.split('/')[0]);
  }
  stacks['111111111111/us-east-1/CDKToolkit'] = withExecutionPolicies(stacks['111111111111/us-east-1/CDKToolkit'], '111111111111');
  stacks['111111111111/us-east-2/CDKToolkit'] = withExecutionPolicies(stacks['111111111111/us-east-2/CDKToolkit'], '111111111111');
  return {
    caller: '111111111111',
    stacks,
    connection: fixture('get-connection-available.json'),
    topics: fixture('list-topics.json'),
    subscriptions: fixture('list-subscriptions-confirmed.json'),
    clusters: {
      '444444444444/us-east-1/transactions-prod-us-east-1': fixture('failover/describe-db-clusters-us-east-1.json'),
      '444444444444/us-east-2/transactions-prod-us-east-2': fixture('failover/describe-db-clusters-us-east-2.json'),
    },
  };
}

/** DoctorClients answering from a FakeWorld; records every call. */
export function fakeClients(world: FakeWorld) {
  const calls: string[] = [];
  const key = (w: Where) => `${w.account}/${w.region}`;
  const cfn = (w: Where): CloudFormationApi => ({
    describeStacks: async ({ StackName }) => {
      calls.push(`DescribeStacks ${key(w)} ${StackName}`);
      const a = world.stacks[`${key(w)}/${StackName}`];
      if (a === undefined) throw Object.assign(new Error(`Stack with id ${StackName} does not exist`), { name: 'ValidationError' });
      return answer(a);
    },
  });
  const clients: DoctorClients = {
    callerAccount: async () => world.caller ?? '111111111111',
    cloudFormation: cfn,
    connections: (w) => ({
      getConnection: async () => {
        calls.push(`GetConnection ${key(w)}`);
        return answer(world.connection);
      },
    }),
    rds: (w) => ({
      describeDBClusters: async ({ DBClusterIdentifier }) => {
        calls.push(`DescribeDBClusters ${key(w)} ${DBClusterIdentifier}`);
        const a = world.clusters?.[`${key(w)}/${DBClusterIdentifier}`];
        if (a === undefined) throw recordedError('failover/error-db-cluster-not-found.json');
        return answer(a);
      },
    }),
    sns: (w) => ({
      listTopics: async () => {
        calls.push(`ListTopics ${key(w)}`);
        return answer(world.topics ?? { Topics: [] });
      },
      listSubscriptionsByTopic: async ({ TopicArn }) => {
        calls.push(`ListSubscriptionsByTopic ${TopicArn}`);
        return answer(world.subscriptions ?? { Subscriptions: [] });
      },
    }),
  };
  return { clients, calls };
}
