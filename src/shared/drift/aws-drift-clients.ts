import {
  CloudFormationClient, DescribeStackDriftDetectionStatusCommand, DescribeStackResourceDriftsCommand, DetectStackDriftCommand,
  StackResourceDriftStatus,
} from '@aws-sdk/client-cloudformation';
import { fromIni, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { CloudFormationDriftApi } from './drift-check';
import { lookupRoleArn } from '../aws-names';

/**
 * The real CloudFormation calls (SDK v3) of a drift check, in an account and region through
 * that account's CDK lookup role (read-only; the project's bootstrap template lets only the
 * pipeline's own roles assume it, such as the scheduled check's function), or with a named
 * profile of that account (a person running `npx projen drift`). Loaded only by the entry points.
 */
function sdkDriftApi(where: { account: string; region: string }, sessionName: string, profile: string | undefined): CloudFormationDriftApi {
  const client = new CloudFormationClient({
    region: where.region,
    credentials: profile ? fromIni({ profile }) : fromTemporaryCredentials({
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

/** One client per account and region (one role session each), built on first use; `profiles` by account. */
export function awsDriftClients(
  sessionName: string, profiles: Readonly<Record<string, string>> = {},
): (where: { account: string; region: string }) => CloudFormationDriftApi {
  const clients = new Map<string, CloudFormationDriftApi>();
  return (where) => {
    const key = `${where.account}/${where.region}`;
    if (!clients.has(key)) clients.set(key, sdkDriftApi(where, sessionName, profiles[where.account]));
    return clients.get(key)!;
  };
}
