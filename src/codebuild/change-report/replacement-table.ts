/**
 * Which property changes make CloudFormation REPLACE a resource, for the resource types
 * whose replacement loses data. This is the one place the change report keeps that knowledge.
 *
 * Source: the CloudFormation resource reference ("Update requires: Replacement" on each
 * property; "Update requires: Some interruptions / Replacement" depending on the value is
 * listed as `conditional`). The lists below were taken from the machine-readable form of that
 * reference, `@aws-cdk/aws-service-spec` 0.1.167 (`causesReplacement: 'yes' | 'maybe'` per
 * property), which the CDK's own `cdk diff` uses. test/codebuild/change-report/replacement-table.test.ts
 * re-checks them against that database whenever it is installed (it is a transitive
 * dev dependency of the CDK CLI), so a drift shows up as a failing test.
 *
 * AWS::KMS::Key has no replacement-causing property: a key is only lost when its logical id
 * disappears from the template (removed, or renamed = removed + added). The diff treats a
 * removed stateful resource as a deletion for every type listed here.
 */
export interface ReplacementRule {
  /** Changing any of these always replaces the resource. */
  readonly always: readonly string[];
  /** Changing these replaces the resource for some values/transitions only. */
  readonly conditional: readonly string[];
}

export const STATEFUL_REPLACEMENT_TABLE: Readonly<Record<string, ReplacementRule>> = {
  'AWS::RDS::DBCluster': {
    always: [
      'AvailabilityZones', 'ClusterScalabilityType', 'DBClusterIdentifier', 'DBSubnetGroupName', 'DBSystemId',
      'DatabaseName', 'EngineMode', 'KmsKeyId', 'PubliclyAccessible', 'RestoreToTime', 'RestoreType',
      'SnapshotIdentifier', 'SourceDBClusterIdentifier', 'SourceDbClusterResourceId', 'SourceRegion',
      'StorageEncrypted', 'UseLatestRestorableTime',
    ],
    conditional: ['Engine', 'GlobalClusterIdentifier', 'MasterUsername'],
  },
  'AWS::RDS::DBInstance': {
    always: [
      'BackupTarget', 'CharacterSetName', 'CustomIAMInstanceProfile', 'DBClusterIdentifier', 'DBInstanceIdentifier',
      'DBName', 'DBSubnetGroupName', 'DBSystemId', 'KmsKeyId', 'MasterUsername', 'NcharCharacterSetName', 'Port',
      'SourceRegion', 'StorageEncrypted', 'Timezone',
    ],
    conditional: [
      'AutoMinorVersionUpgrade', 'AvailabilityZone', 'BackupRetentionPeriod', 'DBClusterSnapshotIdentifier',
      'DBParameterGroupName', 'DBSnapshotIdentifier', 'Engine', 'MultiAZ', 'PerformanceInsightsKMSKeyId',
      'PreferredMaintenanceWindow', 'RestoreTime', 'SourceDBClusterIdentifier', 'SourceDBInstanceAutomatedBackupsArn',
      'SourceDBInstanceIdentifier', 'SourceDbiResourceId', 'StorageType', 'UseLatestRestorableTime',
    ],
  },
  // Replacing the global cluster detaches every regional cluster from it: replication stops
  // (the secondaries cannot re-attach with their data) until they are rebuilt.
  'AWS::RDS::GlobalCluster': { always: ['Engine', 'GlobalClusterIdentifier', 'SourceDBClusterIdentifier', 'StorageEncrypted'], conditional: [] },
  'AWS::S3::Bucket': { always: ['BucketName', 'BucketNamePrefix', 'BucketNamespace', 'ObjectLockEnabled'], conditional: [] },
  'AWS::KMS::Key': { always: [], conditional: [] },
  'AWS::Logs::LogGroup': { always: ['LogGroupName'], conditional: [] },
  'AWS::SecretsManager::Secret': { always: ['Name'], conditional: [] },
  'AWS::DynamoDB::Table': { always: ['ImportSourceSpecification', 'KeySchema', 'TableName'], conditional: [] },
  'AWS::DynamoDB::GlobalTable': { always: ['KeySchema', 'LocalSecondaryIndexes', 'TableName'], conditional: [] },
  'AWS::EFS::FileSystem': { always: ['AvailabilityZoneName', 'Encrypted', 'KmsKeyId', 'PerformanceMode'], conditional: [] },
  'AWS::ECR::Repository': { always: ['EncryptionConfiguration', 'RepositoryName'], conditional: [] },
  // The token issuer (issue 32): a new user pool or app client means new client ids, so every
  // API client needs new credentials, and the transactions stored under the old ids (the
  // service keys data ownership on client_id) are no longer reachable by anyone.
  'AWS::Cognito::UserPool': { always: [], conditional: [] },
  'AWS::Cognito::UserPoolClient': { always: ['GenerateSecret', 'UserPoolId'], conditional: [] },
};

/** Resource types whose replacement or deletion loses data (or, for keys, makes data unreadable). */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set(Object.keys(STATEFUL_REPLACEMENT_TABLE));

export type Replacement = 'yes' | 'conditional' | 'no' | 'not-assessed';

/** Whether changing `property` on a resource of `type` replaces it, as far as the table knows. */
export function propertyReplacement(type: string, property: string): Replacement {
  const rule = STATEFUL_REPLACEMENT_TABLE[type];
  if (!rule) return 'not-assessed';
  if (rule.always.includes(property)) return 'yes';
  if (rule.conditional.includes(property)) return 'conditional';
  return 'no';
}
