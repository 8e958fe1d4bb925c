import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeDBClustersCommand, DescribeGlobalClustersCommand, DescribePendingMaintenanceActionsCommand, FailoverGlobalClusterCommand, RDSClient,
  SwitchoverGlobalClusterCommand,
} from '@aws-sdk/client-rds';
import {
  CancelRotateSecretCommand, DescribeSecretCommand, GetSecretValueCommand, ReplicateSecretToRegionsCommand, RotateSecretCommand, SecretsManagerClient,
  StopReplicationToReplicaCommand,
} from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { FailoverClients, HttpResponse } from './failover-clients';
import { readResponseBody } from '../../shared/response-body';

/**
 * The real clients of `failover --run`: the AWS SDK v3 with the caller's own credentials (the
 * environment's account), one client per region, and `fetch` for the proof checks. Loaded only
 * by the CLI with --run, so tests never touch the SDK or the network.
 */

/** Each HTTP check gives up after this long (a hung region must not hang the run). */
const HTTP_TIMEOUT_MS = 10_000;
/** Each AWS call: bounded too, so an unreachable region fails the step instead of hanging it. */
const AWS_TIMEOUT_MS = 20_000;

const requestHandler = { requestTimeout: AWS_TIMEOUT_MS, connectionTimeout: 5_000 };

export function awsFailoverClients(homeRegion: string): FailoverClients {
  const rds = new Map<string, RDSClient>();
  const rdsIn = (region: string) => {
    if (!rds.has(region)) rds.set(region, new RDSClient({ region, maxAttempts: 2, requestHandler }));
    return rds.get(region)!;
  };
  return {
    callerAccount: async () => (await new STSClient({ region: homeRegion }).send(new GetCallerIdentityCommand({}))).Account ?? '',
    rds: (region) => ({
      describeGlobalClusters: (input) => rdsIn(region).send(new DescribeGlobalClustersCommand(input)),
      describeDBClusters: (input) => rdsIn(region).send(new DescribeDBClustersCommand(input)),
      describePendingMaintenanceActions: (input) => rdsIn(region).send(new DescribePendingMaintenanceActionsCommand(input)),
      switchoverGlobalCluster: (input) => rdsIn(region).send(new SwitchoverGlobalClusterCommand(input)),
      failoverGlobalCluster: (input) => rdsIn(region).send(new FailoverGlobalClusterCommand(input)),
    }),
    secretsManager: (region) => {
      const client = new SecretsManagerClient({ region, maxAttempts: 2, requestHandler });
      return {
        describeSecret: (input) => client.send(new DescribeSecretCommand(input)),
        stopReplicationToReplica: (input) => client.send(new StopReplicationToReplicaCommand(input)),
        replicateSecretToRegions: (input) => client.send(new ReplicateSecretToRegionsCommand({
          ...input, AddReplicaRegions: [...input.AddReplicaRegions],
        })),
        rotateSecret: (input) => client.send(new RotateSecretCommand(input)),
        cancelRotateSecret: (input) => client.send(new CancelRotateSecretCommand(input)),
        getSecretValue: (input) => client.send(new GetSecretValueCommand(input)),
      };
    },
    cloudFormation: (region) => {
      const client = new CloudFormationClient({ region, maxAttempts: 2, requestHandler });
      return { describeStacks: (input) => client.send(new DescribeStacksCommand(input)) };
    },
    http: async (request): Promise<HttpResponse> => {
      const response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
      return { status: response.status, body: await readResponseBody(response) };
    },
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => new Date(),
  };
}
