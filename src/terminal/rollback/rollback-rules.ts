import { referencesIn } from './template-graph';
import { CfnResource } from '../../codebuild/change-report/template';

/**
 * What AWS does when CloudFormation rolls a stack operation back, as the rollback analysis
 * (rollback-analysis.ts) applies it. Every fact names where AWS says so.
 */

/** The kinds of findings. */
export type RuleId =
  | 'deletion-protection'
  | 'non-empty-bucket'
  | 'retained-fixed-name'
  | 'custom-resource-reruns'
  | 'rotation-before-instance'
  | 'service-before-role-policies';

/** One rule: what goes wrong, and the AWS source. */
export interface RollbackRule {
  readonly id: RuleId;
  /** What AWS does, in a sentence. */
  readonly consequence: string;
  /** Where AWS says so (documentation or public handler source). */
  readonly source: string;
}

export const RULES: Readonly<Record<RuleId, RollbackRule>> = {
  'deletion-protection': {
    id: 'deletion-protection',
    consequence: 'the rollback must delete it, and AWS refuses to delete a deletion-protected resource: the stack ends in ROLLBACK_FAILED (a create) or keeps the resource behind (an update)',
    source: 'AWS::RDS::DBCluster DeleteHandler.ensureDeletionProtectionDisabled fails "Cannot delete protected Cluster" '
      + '(github.com/aws-cloudformation/aws-cloudformation-resource-providers-rds, aws-rds-dbcluster/.../DeleteHandler.java); '
      + 'RDS CreateDBInstance/CreateGlobalCluster DeletionProtection: "The database can\'t be deleted when deletion protection is enabled"; '
      + 'ELB DeleteLoadBalancer: "You can\'t delete a load balancer if deletion protection is enabled" '
      + '(docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DeleteLoadBalancer.html); '
      + 'DynamoDB "Using deletion protection" (docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithTables.Basics.html); '
      + 'a failed create deletes what it created (CloudFormation User Guide, stack status ROLLBACK_COMPLETE / ROLLBACK_FAILED).',
  },
  'non-empty-bucket': {
    id: 'non-empty-bucket',
    consequence: 'the rollback must delete the bucket, something writes into it during the operation, and S3 refuses to delete a bucket that holds objects (BucketNotEmpty)',
    source: 'S3 DeleteBucket: "All objects (including all object versions and delete markers) in the bucket must be deleted before the bucket itself can be deleted" '
      + '(docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html); ELB access logs: enabling them makes Elastic Load Balancing write a test file into the bucket '
      + '(docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html); a new pipeline starts a run at once '
      + '(docs.aws.amazon.com/codepipeline/latest/userguide/pipelines-create.html).',
  },
  'retained-fixed-name': {
    id: 'retained-fixed-name',
    consequence: 'the rollback keeps it (DeletionPolicy Retain), and it has a fixed name: the retry creates it again and fails with "already exists"',
    source: 'DeletionPolicy: Retain keeps the resource on every operation, RetainExceptOnCreate deletes it when the operation that created it rolls back '
      + '(docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html); a custom name must be unique in the account and region '
      + '(docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-name.html).',
  },
  'custom-resource-reruns': {
    id: 'custom-resource-reruns',
    consequence: 'the rollback sends its provider a Delete (it was created by the operation) or an Update with the previous properties (it was changed), and the provider runs its work again: the rollback can fail on it',
    source: 'Update request for custom resources: its fields are RequestType, ResourceProperties, OldResourceProperties and the ids, no rollback flag '
      + '(docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requesttypes-update.html); a failed update returns the stack "to a previous working state" '
      + '(UPDATE_ROLLBACK_COMPLETE, docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/view-stack-events.html#cfn-console-view-stack-data-resources-status-codes), '
      + 'which for a changed custom resource is an Update with the previous properties, and for a created one a Delete '
      + '(docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requesttypes-delete.html).',
  },
  'rotation-before-instance': {
    id: 'rotation-before-instance',
    consequence: 'the rotation schedule does not wait for an instance of the database it rotates: Secrets Manager starts the rotation function (RotateImmediatelyOnUpdate defaults to true; false still runs testSecret), it cannot log in to a cluster without an instance, and the failed rotation leaves an AWSPENDING version that makes every later RotateSecret fail ("A previous rotation isn\'t complete")',
    source: 'AWS::SecretsManager::RotationSchedule RotateImmediatelyOnUpdate ("The default ... is true"; false "tests the rotation configuration by running the testSecret step") '
      + '(docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-rotationschedule.html); RotateSecret: "If the AWSPENDING staging label is present '
      + 'but not attached to the same version as AWSCURRENT, then any later invocation of RotateSecret assumes that a previous rotation request is still in progress and returns an error" '
      + '(docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html); aws-cdk issues 28539 and 17288.',
  },
  'service-before-role-policies': {
    id: 'service-before-role-policies',
    consequence: 'the ECS service does not wait for the policies of a role it hands to ECS (load-balancer, lifecycle-hook, task or execution role): ECS validates and uses the role while the policy may not be attached yet',
    source: 'ECS blue/green deployments: the infrastructure role needs the load-balancer permissions and the hook role lambda:InvokeFunction '
      + '(docs.aws.amazon.com/AmazonECS/latest/developerguide/blue-green-permissions.html); an AWS::IAM::Policy is a resource of its own that CloudFormation creates '
      + 'in parallel with anything that does not depend on it (docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-policy.html).',
  },
};

/** A value that is literally `false`. */
function isLiteralFalse(value: unknown): boolean {
  return value === false || value === 'false';
}

/**
 * The deletion protection a template sets on a resource, as a short description; undefined
 * when it sets none (omitted or literally false). Anything but a literal false counts as on:
 * a parameter or dynamic reference cannot be shown to be off.
 */
export function deletionProtectionOf(resource: CfnResource): string | undefined {
  const props = resource.Properties ?? {};
  switch (resource.Type) {
    case 'AWS::RDS::DBCluster':
    case 'AWS::RDS::DBInstance':
    case 'AWS::RDS::GlobalCluster':
      return 'DeletionProtection' in props && !isLiteralFalse(props.DeletionProtection) ? `DeletionProtection: ${JSON.stringify(props.DeletionProtection)}` : undefined;
    case 'AWS::DynamoDB::Table':
    case 'AWS::DynamoDB::GlobalTable':
      return 'DeletionProtectionEnabled' in props && !isLiteralFalse(props.DeletionProtectionEnabled) ? `DeletionProtectionEnabled: ${JSON.stringify(props.DeletionProtectionEnabled)}` : undefined;
    // A protected user pool: "you can't delete it" until protection is off (Cognito CreateUserPool,
    // DeletionProtection, https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPool.html).
    case 'AWS::Cognito::UserPool':
      return props.DeletionProtection === 'ACTIVE' ? 'DeletionProtection: "ACTIVE"' : undefined;
    case 'AWS::ElasticLoadBalancingV2::LoadBalancer': {
      const attribute = loadBalancerAttribute(resource, 'deletion_protection.enabled');
      return attribute !== undefined && !isLiteralFalse(attribute) ? `deletion_protection.enabled: ${JSON.stringify(attribute)}` : undefined;
    }
    default:
      return undefined;
  }
}

function loadBalancerAttribute(resource: CfnResource, key: string): unknown {
  const attributes = resource.Properties?.LoadBalancerAttributes;
  if (!Array.isArray(attributes)) return undefined;
  return attributes.find((a: any) => a?.Key === key)?.Value;
}

/**
 * Whether the rollback keeps a resource the failed operation created (DeletionPolicy): Retain
 * keeps it; RetainExceptOnCreate, Snapshot and Delete (the default) delete it.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html
 */
export function rollbackKeepsCreated(resource: CfnResource): boolean {
  return resource.DeletionPolicy === 'Retain';
}

/** The property that names a resource, per type (only types whose names must be unique). */
export const NAME_PROPERTIES: Readonly<Record<string, string>> = {
  'AWS::S3::Bucket': 'BucketName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::ECR::Repository': 'RepositoryName',
  'AWS::ECR::RepositoryCreationTemplate': 'Prefix',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::RDS::DBCluster': 'DBClusterIdentifier',
  'AWS::RDS::DBInstance': 'DBInstanceIdentifier',
  'AWS::RDS::GlobalCluster': 'GlobalClusterIdentifier',
  'AWS::RDS::DBSubnetGroup': 'DBSubnetGroupName',
  'AWS::RDS::DBClusterParameterGroup': 'DBClusterParameterGroupName',
  'AWS::KMS::Alias': 'AliasName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::CodePipeline::Pipeline': 'Name',
  'AWS::CodeBuild::Project': 'Name',
  'AWS::ECS::Cluster': 'ClusterName',
  'AWS::ElasticLoadBalancingV2::LoadBalancer': 'Name',
  'AWS::ElasticLoadBalancingV2::TargetGroup': 'Name',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::SSM::Parameter': 'Name',
  // A Cognito prefix domain is unique in its region among every AWS customer.
  'AWS::Cognito::UserPoolDomain': 'Domain',
  'AWS::Route53::RecordSet': 'Name',
  'AWS::CodeStarNotifications::NotificationRule': 'Name',
};

/**
 * The name a resource is given when it does not depend on what CloudFormation generates: a
 * literal, or one built from literals, parameters and pseudo parameters (the retry of the same
 * stack computes it again). Undefined when the type has no unique name, the template leaves it
 * to CloudFormation, or the name contains another resource's generated value.
 */
export function fixedNameOf(resource: CfnResource, resourceIds: ReadonlySet<string>): string | undefined {
  const property = NAME_PROPERTIES[resource.Type];
  const value = property ? resource.Properties?.[property] : undefined;
  if (value === undefined) return undefined;
  if (referencesIn(value).some((r) => resourceIds.has(r))) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Buckets something of the same template writes into while the operation runs, with who:
 * a load balancer's access logs (ELB writes a test file when logging is turned on), a
 * bucket's server access logs, a pipeline's artifact store (a new pipeline runs at once), a
 * flow log or a trail delivering to S3.
 */
export function bucketWriters(resources: Readonly<Record<string, CfnResource>>): Map<string, string[]> {
  const writers = new Map<string, string[]>();
  const add = (bucketValue: unknown, writer: string) => {
    for (const ref of referencesIn(bucketValue)) {
      if (resources[ref]?.Type !== 'AWS::S3::Bucket') continue;
      writers.set(ref, [...(writers.get(ref) ?? []), writer]);
    }
  };
  for (const [id, r] of Object.entries(resources)) {
    const p: any = r.Properties ?? {};
    switch (r.Type) {
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
        if (loadBalancerAttribute(r, 'access_logs.s3.enabled') === 'true' || loadBalancerAttribute(r, 'access_logs.s3.enabled') === true) {
          add(loadBalancerAttribute(r, 'access_logs.s3.bucket'), `${id} (access logs)`);
        }
        break;
      case 'AWS::S3::Bucket':
        add(p.LoggingConfiguration?.DestinationBucketName, `${id} (server access logs)`);
        break;
      case 'AWS::CodePipeline::Pipeline':
        add(p.ArtifactStore?.Location, `${id} (artifact store)`);
        for (const store of p.ArtifactStores ?? []) add(store?.ArtifactStore?.Location, `${id} (artifact store)`);
        break;
      case 'AWS::EC2::FlowLog':
        if (p.LogDestinationType === 's3') add(p.LogDestination, `${id} (flow logs)`);
        break;
      case 'AWS::CloudTrail::Trail':
        add(p.S3BucketName, `${id} (trail)`);
        break;
      default:
        break;
    }
  }
  return writers;
}

/**
 * Buckets a custom resource empties before they are deleted: aws-cdk-lib's
 * `autoDeleteObjects` (Custom::S3AutoDeleteObjects, which depends on the bucket and so is
 * deleted, emptying it, before the bucket).
 */
export function emptiedBuckets(resources: Readonly<Record<string, CfnResource>>): Set<string> {
  const emptied = new Set<string>();
  for (const r of Object.values(resources)) {
    if (r.Type === 'Custom::S3AutoDeleteObjects') for (const ref of referencesIn(r.Properties?.BucketName)) emptied.add(ref);
  }
  return emptied;
}

/** What a reviewed custom resource does when a rollback deletes or updates it back. */
export interface CustomResourceReview {
  /** Matches the resource type. */
  readonly type: RegExp;
  /** Why its Delete is safe to run in a rollback, in a sentence. */
  readonly onDelete: string;
  /** Why its Update is safe to run again with the previous properties; absent: it re-runs its work. */
  readonly onUpdate?: string;
}

/** The custom resources of our templates, reviewed from their providers' code. */
export const CUSTOM_RESOURCE_REVIEWS: readonly CustomResourceReview[] = [
  {
    type: /^Custom::S3AutoDeleteObjects$/,
    onDelete: 'It empties the bucket it belongs to, which the same rollback deletes next (aws-cdk-lib aws-s3 auto-delete-objects handler).',
    onUpdate: 'It acts on an update only when the bucket name changed, and then empties the bucket that is being replaced (aws-cdk-lib aws-s3 auto-delete-objects handler).',
  },
  {
    type: /^Custom::VpcRestrictDefaultSG$/,
    onDelete: 'It puts the default security group\'s default rules back, which is idempotent (aws-cdk-lib aws-ec2 restrict-default-security-group handler).',
    onUpdate: 'It revokes the default rules of the group again, which is idempotent (aws-cdk-lib aws-ec2 restrict-default-security-group handler).',
  },
  {
    type: /^Custom::SecretReplica$/,
    onDelete: 'It removes this region\'s replica and ignores a replica that was never made (src/synth/workload/secret-replica.ts).',
    onUpdate: 'Its update only describes the primary secret (src/synth/workload/secret-replica.ts).',
  },
  {
    type: /^Custom::DescribeCognitoUserPoolClient$/,
    onDelete: 'CDK gives it no Delete call, so the AwsCustomResource provider answers SUCCESS without calling anything (aws-cdk-lib aws-cognito UserPoolClient.userPoolClientSecret).',
    onUpdate: 'Its Update only describes the app client again, a read (aws-cdk-lib aws-cognito UserPoolClient.userPoolClientSecret).',
  },
  {
    type: /^Custom::IssuerLookup$/,
    onDelete: 'It has no Delete call, so the AwsCustomResource provider answers SUCCESS without calling anything (src/synth/issuer/issuer-reference.ts).',
    onUpdate: 'Its Update only describes the issuer\'s user pool domain again, a read (src/synth/issuer/issuer-reference.ts).',
  },
  {
    type: /^Custom::DeployAssert@/,
    onDelete: 'The integ-tests-alpha assertion handler answers SUCCESS to a Delete without running anything (@aws-cdk/integ-tests-alpha lambda-handler/index.js).',
  },
];

/** The review of a custom resource type, if any. */
export function customResourceReviewOf(type: string): CustomResourceReview | undefined {
  return CUSTOM_RESOURCE_REVIEWS.find((r) => r.type.test(type));
}

/** True for custom resources (`Custom::X` and `AWS::CloudFormation::CustomResource`). */
export function isCustomResource(type: string): boolean {
  return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
}
