import { CloudFormationApi } from './doctor-clients';

/**
 * The calls `failover --run` makes, as the smallest interfaces that fit them. Shapes follow
 * the AWS SDK v3 outputs (RDS DescribeGlobalClusters, SwitchoverGlobalCluster,
 * FailoverGlobalCluster), so ./aws-failover-clients.ts stays one-liners and tests feed recorded
 * responses (test/fixtures/ops/failover/).
 */

/** One member cluster of a global cluster. */
export interface GlobalClusterMember {
  readonly DBClusterArn?: string;
  readonly Readers?: readonly string[];
  readonly IsWriter?: boolean;
  readonly SynchronizationStatus?: string;
}

/** A global cluster as DescribeGlobalClusters reports it. */
export interface GlobalClusterDescription {
  readonly GlobalClusterIdentifier?: string;
  readonly Status?: string;
  readonly Engine?: string;
  readonly EngineVersion?: string;
  readonly GlobalClusterMembers?: readonly GlobalClusterMember[];
  /** Present while a switchover or failover runs (pending, switching-over, failing-over, cancelling). */
  readonly FailoverState?: {
    readonly Status?: string;
    readonly FromDbClusterArn?: string;
    readonly ToDbClusterArn?: string;
    readonly IsDataLossAllowed?: boolean;
  };
}

/** Which global cluster, and which member becomes its writer (its ARN). */
export interface MoveWriterInput {
  readonly GlobalClusterIdentifier: string;
  readonly TargetDbClusterIdentifier: string;
}

/** A regional cluster as DescribeDBClusters reports it (the fields the preflight reads). */
export interface DbClusterDescription {
  readonly DBClusterIdentifier?: string;
  readonly DBClusterArn?: string;
  /** `available`, `modifying`, `upgrading`, `backing-up`, ... */
  readonly Status?: string;
  readonly Engine?: string;
  /** The member's own engine version (GlobalClusterMembers has none). */
  readonly EngineVersion?: string;
  /** Its DB instances: a cluster without one (headless) cannot be promoted. */
  readonly DBClusterMembers?: ReadonlyArray<{ readonly DBInstanceIdentifier?: string; readonly IsClusterWriter?: boolean }>;
  /** Changes waiting for the maintenance window, e.g. an `EngineVersion`. */
  readonly PendingModifiedValues?: { readonly EngineVersion?: string };
}

/** Maintenance AWS has scheduled for a resource (DescribePendingMaintenanceActions). */
export interface PendingMaintenance {
  readonly ResourceIdentifier?: string;
  readonly PendingMaintenanceActionDetails?: ReadonlyArray<{
    /** `system-update`, `db-upgrade`, `os-upgrade`, ... */
    readonly Action?: string;
    readonly Description?: string;
    readonly AutoAppliedAfterDate?: string | Date;
    readonly ForcedApplyDate?: string | Date;
  }>;
}

/** The RDS calls, in one region. */
export interface GlobalClusterApi {
  describeGlobalClusters(input: { GlobalClusterIdentifier: string }): Promise<{ GlobalClusters?: readonly GlobalClusterDescription[] }>;
  /** One cluster, by identifier or ARN; throws DBClusterNotFoundFault when there is none. */
  describeDBClusters(input: { DBClusterIdentifier: string }): Promise<{ DBClusters?: readonly DbClusterDescription[] }>;
  /** The maintenance pending on one resource (its ARN). */
  describePendingMaintenanceActions(input: { ResourceIdentifier: string }): Promise<{ PendingMaintenanceActions?: readonly PendingMaintenance[] }>;
  switchoverGlobalCluster(input: MoveWriterInput): Promise<{ GlobalCluster?: GlobalClusterDescription }>;
  failoverGlobalCluster(input: MoveWriterInput & { AllowDataLoss: boolean }): Promise<{ GlobalCluster?: GlobalClusterDescription }>;
}

/** The database secret as DescribeSecret reports it (the fields the failover reads). */
export interface SecretDescription {
  readonly ARN?: string;
  readonly Name?: string;
  /** The region of the primary copy: this region for a primary or standalone secret, another for a replica. */
  readonly PrimaryRegion?: string;
  readonly RotationEnabled?: boolean;
  readonly RotationLambdaARN?: string;
  readonly RotationRules?: { readonly AutomaticallyAfterDays?: number; readonly ScheduleExpression?: string };
  readonly LastRotatedDate?: string | Date;
  /** The replicas of a primary secret and their state (`InSync`, `InProgress`, `Failed`). */
  readonly ReplicationStatus?: ReadonlyArray<{
    readonly Region?: string;
    readonly KmsKeyId?: string;
    readonly Status?: string;
    readonly StatusMessage?: string;
  }>;
  /** Version id -> staging labels (`AWSCURRENT`, `AWSPENDING`, `AWSPREVIOUS`). */
  readonly VersionIdsToStages?: Readonly<Record<string, readonly string[]>>;
}

/** The Secrets Manager calls that move the database secret with the writer, and read the checks' credentials, in one region. */
export interface SecretsApi {
  describeSecret(input: { SecretId: string }): Promise<SecretDescription>;
  /** Promotes this region's replica to a standalone secret (called in the replica's region). */
  stopReplicationToReplica(input: { SecretId: string }): Promise<{ ARN?: string }>;
  /** Replicates this region's (primary) secret to other regions; `ForceOverwriteReplicaSecret` replaces a same-named secret there. */
  replicateSecretToRegions(input: {
    SecretId: string;
    AddReplicaRegions: ReadonlyArray<{ Region: string; KmsKeyId: string }>;
    ForceOverwriteReplicaSecret: boolean;
  }): Promise<{ ARN?: string; ReplicationStatus?: SecretDescription['ReplicationStatus'] }>;
  /** Turns rotation on with a function and a schedule (RotateImmediately false: at the next scheduled time). */
  rotateSecret(input: {
    SecretId: string;
    RotationLambdaARN: string;
    RotationRules: { ScheduleExpression: string };
    RotateImmediately: boolean;
  }): Promise<{ ARN?: string }>;
  /** Turns rotation off (and cancels one in progress). */
  cancelRotateSecret(input: { SecretId: string }): Promise<{ ARN?: string }>;
  /** The checks' credentials (issue 32: in the environment's token issuer region), for the proof's token. */
  getSecretValue(input: { SecretId: string }): Promise<{ SecretString?: string }>;
}

/** An HTTP request of the proof checks. */
export interface HttpRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string;
  /** @default - none */
  readonly headers?: Readonly<Record<string, string>>;
  /** @default - none */
  readonly body?: string;
}

/** Its response: the status and the body (parsed as JSON when it is JSON, else the text). */
export interface HttpResponse {
  readonly status: number;
  readonly body: unknown;
}

/** Everything `failover --run` touches outside the process. */
export interface FailoverClients {
  /** STS GetCallerIdentity: the account of the credentials. */
  callerAccount(): Promise<string>;
  /** RDS in one region (the environment's account: the caller's own credentials). */
  rds(region: string): GlobalClusterApi;
  /** Secrets Manager in one region (the database secret, moved with the writer; the checks' credentials). */
  secretsManager(region: string): SecretsApi;
  /** CloudFormation in one region (the `EdgeLoadBalancerUrl…` output, without a domain). */
  cloudFormation(region: string): CloudFormationApi;
  /** One HTTP request (bounded by a timeout; a network error throws). */
  http(request: HttpRequest): Promise<HttpResponse>;
  /** Wait (real time in the CLI, nothing in tests). */
  sleep(ms: number): Promise<void>;
  /** The clock. */
  now(): Date;
}
