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

/** The RDS calls, in one region. */
export interface GlobalClusterApi {
  describeGlobalClusters(input: { GlobalClusterIdentifier: string }): Promise<{ GlobalClusters?: readonly GlobalClusterDescription[] }>;
  switchoverGlobalCluster(input: MoveWriterInput): Promise<{ GlobalCluster?: GlobalClusterDescription }>;
  failoverGlobalCluster(input: MoveWriterInput & { AllowDataLoss: boolean }): Promise<{ GlobalCluster?: GlobalClusterDescription }>;
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
  /** CloudFormation in one region (the `LoadBalancerUrl` output, without a domain). */
  cloudFormation(region: string): CloudFormationApi;
  /** One HTTP request (bounded by a timeout; a network error throws). */
  http(request: HttpRequest): Promise<HttpResponse>;
  /** Wait (real time in the CLI, nothing in tests). */
  sleep(ms: number): Promise<void>;
  /** The clock. */
  now(): Date;
}
