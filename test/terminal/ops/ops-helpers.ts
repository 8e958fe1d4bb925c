import * as fs from 'fs';
import * as path from 'path';
import { parseConfig } from '../../../src/config/load-config';
import { DeliveryConfig, DeliveryConfigInput } from '../../../src/config/schema';
import { bootstrapPlan } from '../../../src/terminal/execution-policy/bootstrap-plan';
import { DELIVERY_BOOTSTRAP_VARIANT } from '../../../src/terminal/execution-policy/bootstrap-template';
import { DoctorClients, IamApi, StackResourcesApi, Where } from '../../../src/terminal/ops/doctor-clients';
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
  /** ListStackResources of the pipeline stack. */
  pipelineResources?: Answer;
  roles?: Answer;
  users?: Answer;
  /** SimulatePrincipalPolicy answers by principal ARN; others: an implicit deny. */
  simulations?: Record<string, Answer>;
  /** DescribeDBClusters by `account/region/cluster identifier`; unknown keys are missing clusters. @default none */
  clusters?: Record<string, Answer>;
  /** DescribeTrails per `account/region` (default: no trail), and GetTrailStatus by trail ARN. */
  trails?: Record<string, Answer>;
  trailStatus?: Record<string, Answer>;
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

/**
 * A recorded CDKToolkit description (deployed from the CLI's own template) as the project's
 * template leaves it: its BootstrapVariant, the PipelineRoleNamePrefix parameter and the
 * DeliveryPermissionsBoundaryArn output (bootstrap/bootstrap-template.yaml).
 */
export function withDeliveryTemplate(recorded: any, account: string, region: string): any {
  const copy = JSON.parse(JSON.stringify(recorded));
  for (const stack of copy.Stacks ?? []) {
    stack.Parameters = [...(stack.Parameters ?? []).filter((p: any) => p.ParameterKey !== 'BootstrapVariant'),
      { ParameterKey: 'BootstrapVariant', ParameterValue: DELIVERY_BOOTSTRAP_VARIANT },
      { ParameterKey: 'PipelineRoleNamePrefix', ParameterValue: 'DeliveryPipeline-' }];
    stack.Outputs = [...(stack.Outputs ?? []), {
      OutputKey: 'DeliveryPermissionsBoundaryArn',
      OutputValue: `arn:aws:iam::${account}:policy/cdk-hnb659fds-delivery-boundary-${account}-${region}`,
    }];
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
  for (const key of Object.keys(stacks).filter((k) => k.endsWith('/CDKToolkit'))) {
    const [account, region] = key.split('/');
    stacks[key] = withDeliveryTemplate(stacks[key], account, region);
  }
  return {
    caller: '111111111111',
    stacks,
    connection: fixture('get-connection-available.json'),
    topics: fixture('list-topics.json'),
    subscriptions: fixture('list-subscriptions-confirmed.json'),
    pipelineResources: fixture('list-stack-resources-delivery-pipeline.json'),
    roles: fixture('list-roles.json'),
    users: fixture('list-users.json'),
    // The SCP stops the people and the other pipeline roles that hold codebuild:StartBuild.
    simulations: {
      'arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PlatformAdmin_0123456789abcdef': fixture('simulate-start-build-denied-by-scp.json'),
      'arn:aws:iam::111111111111:role/DeliveryPipeline-PipelineAssetsFileRole59943A77-Tn5Rw1Xc8Zb3': fixture('simulate-start-build-denied-by-scp.json'),
    },
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
  const missing = (name: string) => Object.assign(new Error(`Stack with id ${name} does not exist`), { name: 'ValidationError' });
  const cfn = (w: Where): StackResourcesApi => ({
    describeStacks: async ({ StackName }) => {
      calls.push(`DescribeStacks ${key(w)} ${StackName}`);
      const a = world.stacks[`${key(w)}/${StackName}`];
      if (a === undefined) throw missing(StackName);
      return answer(a);
    },
    listStackResources: async ({ StackName }) => {
      calls.push(`ListStackResources ${key(w)} ${StackName}`);
      if (world.pipelineResources === undefined || world.stacks[`${key(w)}/${StackName}`] === undefined) throw missing(StackName);
      return answer(world.pipelineResources);
    },
  });
  const iam = (w: Where): IamApi => ({
    listRoles: async () => {
      calls.push(`ListRoles ${w.account}`);
      return answer(world.roles ?? { Roles: [] });
    },
    listUsers: async () => {
      calls.push(`ListUsers ${w.account}`);
      return answer(world.users ?? { Users: [] });
    },
    simulatePrincipalPolicy: async (input) => {
      calls.push(`SimulatePrincipalPolicy ${input.PolicySourceArn} ${input.ActionNames.join(',')} ${(input.ContextEntries ?? []).map((c) => c.ContextKeyName).join(',')}`);
      return answer(world.simulations?.[input.PolicySourceArn] ?? fixture('simulate-start-build-implicit-deny.json'));
    },
  });
  const clients: DoctorClients = {
    callerAccount: async () => world.caller ?? '111111111111',
    cloudFormation: cfn,
    iam,
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
    cloudTrail: (w) => ({
      describeTrails: async ({ includeShadowTrails }) => {
        calls.push(`DescribeTrails ${key(w)} includeShadowTrails=${includeShadowTrails}`);
        return answer(world.trails?.[key(w)] ?? { trailList: [] });
      },
      getTrailStatus: async ({ Name }) => {
        calls.push(`GetTrailStatus ${key(w)} ${Name}`);
        return answer(world.trailStatus?.[Name] ?? { IsLogging: false });
      },
    }),
  };
  return { clients, calls };
}
