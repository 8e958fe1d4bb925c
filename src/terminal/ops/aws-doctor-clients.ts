import { CloudFormationClient, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient, DescribeTrailsCommand, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { CodeStarConnectionsClient, GetConnectionCommand } from '@aws-sdk/client-codestar-connections';
import { IAMClient, ListRolesCommand, ListUsersCommand, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { ListSubscriptionsByTopicCommand, ListTopicsCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromIni, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { DoctorClients, Where } from './doctor-clients';
import { lookupRoleArn } from '../../shared/aws-names';

/**
 * The real clients of `doctor --aws` (and of the integ:deploy preflight): the AWS SDK v3.
 * Loaded only by the CLIs, so unit tests never touch the SDK or the network.
 */

/**
 * SDK-backed clients. The caller's account uses the caller's credentials; an account with a
 * profile (`--profile-<account>=<name>`) uses that profile; any other account is reached
 * through its CDK lookup role (which the project's bootstrap template lets only the pipeline's
 * own roles assume).
 */
export function awsDoctorClients(homeRegion: string, profiles: Readonly<Record<string, string>> = {}): DoctorClients {
  let caller: Promise<string> | undefined;
  const callerAccount = () => {
    caller ??= new STSClient({ region: homeRegion }).send(new GetCallerIdentityCommand({})).then((r) => r.Account ?? '');
    return caller;
  };
  // The caller's account is known before any client is built (callerAccount() runs first).
  let knownCaller = '';
  const profile = (account: string) => (profiles[account] ? fromIni({ profile: profiles[account] }) : undefined);
  const config = (where: Where) => ({
    region: where.region,
    credentials: where.account === knownCaller ? undefined : profile(where.account) ?? fromTemporaryCredentials({
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
      return {
        describeStacks: (input) => client.send(new DescribeStacksCommand(input)),
        listStackResources: (input) => client.send(new ListStackResourcesCommand(input)),
      };
    },
    iam: (where) => {
      const client = new IAMClient(config(where));
      return {
        listRoles: (input) => client.send(new ListRolesCommand(input)),
        listUsers: (input) => client.send(new ListUsersCommand(input)),
        // The SDK's ContextEntry is a mutable copy of SimulationContextEntry.
        simulatePrincipalPolicy: (input) => client.send(new SimulatePrincipalPolicyCommand({
          ...input, ContextEntries: input.ContextEntries?.map((e) => ({ ...e, ContextKeyValues: [...e.ContextKeyValues] })),
        })),
      };
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
    cloudTrail: (where) => {
      const client = new CloudTrailClient(config(where));
      return {
        describeTrails: (input) => client.send(new DescribeTrailsCommand(input)),
        getTrailStatus: (input) => client.send(new GetTrailStatusCommand(input)),
      };
    },
  };
}
