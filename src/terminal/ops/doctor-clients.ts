import type { CloudTrailApi } from './audit-trail-check';

/**
 * The AWS calls `doctor --aws` makes, as the smallest interfaces that fit them. Shapes follow
 * the SDK v3 command outputs, so ./aws-doctor-clients.ts stays one-liners and tests feed recorded
 * responses (test/fixtures/ops/).
 */

/** An account and region. */
export interface Where {
  readonly account: string;
  readonly region: string;
}

export interface StackParameter { readonly ParameterKey?: string; readonly ParameterValue?: string }
export interface StackOutput { readonly OutputKey?: string; readonly OutputValue?: string }
export interface StackDescription {
  readonly StackName?: string;
  readonly StackStatus?: string;
  readonly Parameters?: readonly StackParameter[];
  readonly Outputs?: readonly StackOutput[];
}

export interface StackResourceSummary { readonly LogicalResourceId?: string; readonly PhysicalResourceId?: string; readonly ResourceType?: string }

export interface CloudFormationApi {
  /** DescribeStacks. Throws a `ValidationError` "Stack with id X does not exist" for a missing stack. */
  describeStacks(input: { StackName: string }): Promise<{ Stacks?: readonly StackDescription[] }>;
}

/** CloudFormation as doctor reads it: the stacks, and a stack's resources. */
export interface StackResourcesApi extends CloudFormationApi {
  /** ListStackResources (paginated); the same `ValidationError` for a missing stack. */
  listStackResources(input: { StackName: string; NextToken?: string }): Promise<{
    StackResourceSummaries?: readonly StackResourceSummary[]; NextToken?: string;
  }>;
}

/** A role or user of an account, as ListRoles / ListUsers return it. */
export interface IamPrincipal { readonly Arn?: string; readonly Path?: string; readonly RoleName?: string; readonly UserName?: string }

/** One context key of a simulation (IAM SimulatePrincipalPolicy `ContextEntries`). */
export interface SimulationContextEntry {
  readonly ContextKeyName: string;
  readonly ContextKeyValues: string[];
  readonly ContextKeyType: 'string' | 'boolean' | 'numeric' | 'date' | 'ip' | 'binary';
}

export interface SimulationResult {
  readonly EvalActionName?: string;
  readonly EvalDecision?: string;
  readonly OrganizationsDecisionDetail?: { readonly AllowedByOrganizations?: boolean };
}

export interface IamApi {
  listRoles(input: { Marker?: string }): Promise<{ Roles?: readonly IamPrincipal[]; IsTruncated?: boolean; Marker?: string }>;
  listUsers(input: { Marker?: string }): Promise<{ Users?: readonly IamPrincipal[]; IsTruncated?: boolean; Marker?: string }>;
  /** SimulatePrincipalPolicy: the principal's identity policies, boundary and the organization's SCPs. */
  simulatePrincipalPolicy(input: {
    PolicySourceArn: string; ActionNames: string[]; ResourceArns?: string[]; ContextEntries?: SimulationContextEntry[];
  }): Promise<{ EvaluationResults?: readonly SimulationResult[] }>;
}

export interface ConnectionsApi {
  /** GetConnection (CodeConnections / CodeStar Connections). */
  getConnection(input: { ConnectionArn: string }): Promise<{
    Connection?: { ConnectionName?: string; ConnectionArn?: string; ProviderType?: string; OwnerAccountId?: string; ConnectionStatus?: string };
  }>;
}

export interface Subscription {
  readonly SubscriptionArn?: string;
  readonly Owner?: string;
  readonly Protocol?: string;
  readonly Endpoint?: string;
  readonly TopicArn?: string;
}

export interface SnsApi {
  listSubscriptionsByTopic(input: { TopicArn: string; NextToken?: string }): Promise<{ Subscriptions?: readonly Subscription[]; NextToken?: string }>;
  listTopics(input: { NextToken?: string }): Promise<{ Topics?: ReadonlyArray<{ TopicArn?: string }>; NextToken?: string }>;
}

/** A regional cluster as DescribeDBClusters reports it (the fields doctor reads). */
export interface DbClusterVersion {
  readonly DBClusterIdentifier?: string;
  readonly Status?: string;
  readonly Engine?: string;
  readonly EngineVersion?: string;
}

export interface RdsApi {
  /** DescribeDBClusters of one cluster. Throws `DBClusterNotFoundFault` when there is none. */
  describeDBClusters(input: { DBClusterIdentifier: string }): Promise<{ DBClusters?: readonly DbClusterVersion[] }>;
}

/**
 * Clients per account/region. In the caller's own account they use the caller's credentials;
 * in any other account they assume that account's CDK lookup role (read-only), so a failed
 * assume-role surfaces as an error of the first call.
 */
export interface DoctorClients {
  /** STS GetCallerIdentity: the account of the credentials doctor runs with. */
  callerAccount(): Promise<string>;
  cloudFormation(where: Where): StackResourcesApi;
  connections(where: Where): ConnectionsApi;
  sns(where: Where): SnsApi;
  /** DescribeTrails and GetTrailStatus (the organization-trail check, src/terminal/ops/audit-trail-check.ts). */
  cloudTrail(where: Where): CloudTrailApi;
  /** IAM of an account (a global service; `where.region` only picks the endpoint). */
  iam(where: Where): IamApi;
  rds(where: Where): RdsApi;
}
