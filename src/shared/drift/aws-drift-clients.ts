import {
  CloudFormationClient, DescribeStackDriftDetectionStatusCommand, DescribeStackResourceDriftsCommand, DetectStackDriftCommand,
  StackResourceDriftStatus,
} from '@aws-sdk/client-cloudformation';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { CloudFormationDriftApi, DriftClientTarget } from './drift-check';
import { lookupRoleArn } from '../aws-names';

/**
 * The real CloudFormation calls (SDK v3) of a drift check, in an account and region through the
 * target's role: the stage's own drift role for the scheduled check, otherwise that account's
 * CDK lookup role (read-only; `cdk bootstrap --trust-for-lookup <pipeline account>` lets the
 * pipeline account assume it). Loaded only by the entry points.
 */
function sdkDriftApi(where: DriftClientTarget, sessionName: string): CloudFormationDriftApi {
  const client = new CloudFormationClient({
    region: where.region,
    credentials: fromTemporaryCredentials({
      params: { RoleArn: roleOf(where), RoleSessionName: sessionName, DurationSeconds: 900 },
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

const roleOf = (where: DriftClientTarget): string => where.roleArn ?? lookupRoleArn(where.account, where.region);

/** One client per role and region (one role session each), built on first use. */
export function awsDriftClients(sessionName: string): (where: DriftClientTarget) => CloudFormationDriftApi {
  const clients = new Map<string, CloudFormationDriftApi>();
  return (where) => {
    const key = `${roleOf(where)}/${where.region}`;
    if (!clients.has(key)) clients.set(key, sdkDriftApi(where, sessionName));
    return clients.get(key)!;
  };
}
