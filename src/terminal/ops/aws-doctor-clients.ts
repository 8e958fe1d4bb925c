import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CodeStarConnectionsClient, GetConnectionCommand } from '@aws-sdk/client-codestar-connections';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { ListSubscriptionsByTopicCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { DoctorClients, Where } from './doctor-clients';
import { lookupRoleArn } from '../../shared/aws-names';

/**
 * The real clients of `doctor --aws` (and of the integ:deploy preflight): the AWS SDK v3.
 * Loaded only by the CLIs, so unit tests never touch the SDK or the network.
 */

/** SDK-backed clients; other accounts are reached through their CDK lookup role. */
export function awsDoctorClients(homeRegion: string): DoctorClients {
  let caller: Promise<string> | undefined;
  const callerAccount = () => {
    caller ??= new STSClient({ region: homeRegion }).send(new GetCallerIdentityCommand({})).then((r) => r.Account ?? '');
    return caller;
  };
  // The caller's account is known before any client is built (callerAccount() runs first).
  let knownCaller = '';
  const config = (where: Where) => ({
    region: where.region,
    credentials: where.account === knownCaller ? undefined : fromTemporaryCredentials({
      params: { RoleArn: lookupRoleArn(where.account, where.region), RoleSessionName: 'cdk-delivery-doctor', DurationSeconds: 900 },
      clientConfig: { region: where.region },
    }),
  });
  return {
    callerAccount: async () => {
      knownCaller = await callerAccount();
      return knownCaller;
    },
    cloudFormation: (where) => {
      const client = new CloudFormationClient(config(where));
      return { describeStacks: (input) => client.send(new DescribeStacksCommand(input)) };
    },
    connections: (where) => {
      const client = new CodeStarConnectionsClient(config(where));
      return { getConnection: (input) => client.send(new GetConnectionCommand(input)) };
    },
    rds: (where) => {
      const client = new RDSClient(config(where));
      return { describeDBClusters: (input) => client.send(new DescribeDBClustersCommand(input)) };
    },
    sns: (where) => {
      const client = new SNSClient(config(where));
      return {
        listSubscriptionsByTopic: (input) => client.send(new ListSubscriptionsByTopicCommand(input)),
        listTopics: (input) => client.send(new ListTopicsCommand(input)),
      };
    },
  };
}
