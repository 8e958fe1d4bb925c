import {
  CloudFormationClient, DescribeStackDriftDetectionStatusCommand, DescribeStackResourceDriftsCommand, DetectStackDriftCommand,
  StackResourceDriftStatus,
} from '@aws-sdk/client-cloudformation';
import { fromIni, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { CloudFormationDriftApi, DriftClientTarget } from './drift-check';
import { lookupRoleArn } from '../aws-names';

/**
 * The real CloudFormation calls (SDK v3) of a drift check, in an account and region: through the
 * target's role (the scheduled check: the stage's own drift role, trusted by its function's role
 * only), or that account's CDK lookup role (read-only; the project's bootstrap template lets only
 * the pipeline's own roles assume it), or with a named profile of that account (a person running
 * `npx projen drift`). Loaded only by the entry points.
 */
function sdkDriftApi(where: DriftClientTarget, sessionName: string, profile: string | undefined): CloudFormationDriftApi {
  const client = new CloudFormationClient({
    region: where.region,
    credentials: profile ? fromIni({ profile }) : fromTemporaryCredentials({
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

/** One client per role (or profile) and region (one session each), built on first use; `profiles` by account. */
export function awsDriftClients(
  sessionName: string, profiles: Readonly<Record<string, string>> = {},
): (where: DriftClientTarget) => CloudFormationDriftApi {
  const clients = new Map<string, CloudFormationDriftApi>();
  return (where) => {
    const profile = profiles[where.account];
    const key = `${profile ? `profile:${profile}` : roleOf(where)}/${where.region}`;
    if (!clients.has(key)) clients.set(key, sdkDriftApi(where, sessionName, profile));
    return clients.get(key)!;
  };
}
