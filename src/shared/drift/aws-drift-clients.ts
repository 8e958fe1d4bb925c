import {
  CloudFormationClient, DescribeStackDriftDetectionStatusCommand, DescribeStackResourceDriftsCommand, DetectStackDriftCommand,
  StackResourceDriftStatus,
} from '@aws-sdk/client-cloudformation';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { CloudFormationDriftApi } from './drift-check';
import { lookupRoleArn } from '../aws-names';

/**
 * The real CloudFormation calls (SDK v3) of a drift check, in an account and region through
 * that account's CDK lookup role (read-only; `cdk bootstrap --trust-for-lookup <pipeline
 * account>` lets the pipeline account assume it). Loaded only by the entry points.
 */
function sdkDriftApi(where: { account: string; region: string }, sessionName: string): CloudFormationDriftApi {
  const client = new CloudFormationClient({
    region: where.region,
    credentials: fromTemporaryCredentials({
      params: { RoleArn: lookupRoleArn(where.account, where.region), RoleSessionName: sessionName, DurationSeconds: 900 },
      clientConfig: { region: where.region },
    }),
  });
  return {
    detectStackDrift: (input) => client.send(new DetectStackDriftCommand(input)),
    describeStackDriftDetectionStatus: (input) => client.send(new DescribeStackDriftDetectionStatusCommand(input)),
    describeStackResourceDrifts: (input) => client.send(new DescribeStackResourceDriftsCommand({
      ...input, StackResourceDriftStatusFilters: input.StackResourceDriftStatusFilters as StackResourceDriftStatus[] | undefined,
    })),
  };
}

/** One client per account and region (one role session each), built on first use. */
export function awsDriftClients(sessionName: string): (where: { account: string; region: string }) => CloudFormationDriftApi {
  const clients = new Map<string, CloudFormationDriftApi>();
  return (where) => {
    const key = `${where.account}/${where.region}`;
    if (!clients.has(key)) clients.set(key, sdkDriftApi(where, sessionName));
    return clients.get(key)!;
  };
}
