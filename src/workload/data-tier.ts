import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { statefulRemovalPolicy, WorkloadProps } from './common';
import { DATABASE_AUTO_MINOR_VERSION_UPGRADE, databaseEngine } from './database-engine';
import { EncryptedLogGroup, WorkloadKey } from './encryption';
import { DATABASE_PORT, WorkloadSecurityGroups } from './network-tier';

/** Props of the DataTier. */
export interface DataTierProps extends WorkloadProps {
  /** The stage VPC (the cluster goes into its isolated subnets). */
  readonly vpc: ec2.IVpc;
  /** The stage security groups (database and rotation groups are used). */
  readonly securityGroups: WorkloadSecurityGroups;
  /**
   * Name of the database created in the cluster (the secret's `dbname` field).
   * @default 'app'
   */
  readonly databaseName?: string;
  /**
   * Master user name (the secret's `username` field); the password is always generated.
   * @default 'postgres'
   */
  readonly username?: string;
  /**
   * Days between automatic rotations of the database password.
   * @default 30
   */
  readonly rotationDays?: number;
}

/**
 * The stateful data tier of one stage: Aurora PostgreSQL Serverless v2 (a writer plus
 * `sizing.dbReaders` readers) in isolated subnets, storage, secret and logs each encrypted with
 * a customer-managed key, the master credentials generated in Secrets Manager and rotated by a
 * hosted single-user rotation function. Production keeps everything: deletion protection,
 * SNAPSHOT on the cluster, RETAIN on keys, secret and logs (and termination protection on the
 * PlatformStack that holds this tier).
 */
export class DataTier extends Construct {
  /** The Aurora cluster. */
  public readonly cluster: rds.DatabaseCluster;
  /**
   * The credentials secret as attached to the cluster: JSON fields host, port, dbname,
   * username, password (and engine, dbClusterIdentifier).
   */
  public readonly secret: secretsmanager.ISecret;
  /** Key encrypting the cluster storage and Performance Insights. */
  public readonly storageKey: WorkloadKey;
  /** Key encrypting the credentials secret. */
  public readonly secretKey: WorkloadKey;
  /** Key encrypting the PostgreSQL log group. */
  public readonly logsKey: WorkloadKey;
  /** The exported PostgreSQL log group (created before the instances so RDS never creates it unencrypted). */
  public readonly postgresLogGroup: EncryptedLogGroup;
  /** The database name inside the cluster. */
  public readonly databaseName: string;
  /** Whether this is a production stage (deletion protection, retention). */
  public readonly production: boolean;
  /** Output: the generated DB cluster identifier (for assertions and runbooks). */
  public readonly clusterIdentifierOutput: CfnOutput;

  constructor(scope: Construct, id: string, props: DataTierProps) {
    super(scope, id);
    const { environment } = props;
    const { sizing, production } = environment;
    this.production = production === true;
    this.databaseName = props.databaseName ?? 'app';

    const key = (keyId: string, purpose: string, allowCloudWatchLogs = false) =>
      new WorkloadKey(this, keyId, { environment, namePrefix: props.namePrefix, purpose, allowCloudWatchLogs });
    this.storageKey = key('StorageKey', 'db-storage');
    this.secretKey = key('SecretKey', 'db-secret');
    this.logsKey = key('LogsKey', 'db-logs', true);

    // Created here rather than by the cluster so the secret carries `dbname` (the cluster's own
    // generated secret has no database name, and the attachment only adds host and port).
    const generated = new rds.DatabaseSecret(this, 'DatabaseSecret', {
      username: props.username ?? 'postgres',
      dbname: this.databaseName,
      encryptionKey: this.secretKey,
    });
    generated.applyRemovalPolicy(statefulRemovalPolicy(environment));

    const parameterGroup = new rds.ParameterGroup(this, 'ClusterParameters', {
      engine: databaseEngine(),
      description: 'TLS-only connections, slow statements logged',
      parameters: {
        'rds.force_ssl': '1',
        'log_min_duration_statement': '1000',
      },
    });

    const instanceProps = {
      // Dev and prod differ only in sizing: readers come from sizing.dbReaders.
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
      publiclyAccessible: false,
      autoMinorVersionUpgrade: DATABASE_AUTO_MINOR_VERSION_UPGRADE,
    };
    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine: databaseEngine(),
      // The LTS minor stays put: no automatic minor upgrades (src/workload/database-engine.ts).
      autoMinorVersionUpgrade: DATABASE_AUTO_MINOR_VERSION_UPGRADE,
      parameterGroup,
      credentials: rds.Credentials.fromSecret(generated),
      defaultDatabaseName: this.databaseName,
      writer: rds.ClusterInstance.serverlessV2('Writer', instanceProps),
      readers: Array.from({ length: sizing.dbReaders }, (_, i) =>
        // The first reader scales with the writer so a failover lands on an equally sized instance.
        rds.ClusterInstance.serverlessV2(`Reader${i + 1}`, { ...instanceProps, scaleWithWriter: i === 0 })),
      serverlessV2MinCapacity: sizing.dbMinCapacity,
      serverlessV2MaxCapacity: sizing.dbMaxCapacity,
      vpc: props.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [props.securityGroups.database],
      port: DATABASE_PORT,
      storageEncrypted: true,
      storageEncryptionKey: this.storageKey,
      // IAM database authentication is enabled so operators and future clients can use
      // short-lived tokens instead of the password; the service still uses the rotated password
      // (no IAM role holds rds-db:connect, so enabling it grants nothing by itself).
      iamAuthentication: true,
      backup: { retention: Duration.days(sizing.backupRetentionDays), preferredWindow: '03:00-04:00' },
      preferredMaintenanceWindow: 'Sun:04:30-Sun:05:30',
      copyTagsToSnapshot: true,
      cloudwatchLogsExports: ['postgresql'],
      // Performance Insights with 7 days retention is free and encrypted with the storage key.
      // Enhanced monitoring at 60 s granularity (OS metrics into RDSOSMetrics, billed as a few
      // MB of CloudWatch Logs a day per instance) is cheap and shows what ACU metrics hide.
      monitoringInterval: Duration.seconds(60),
      enablePerformanceInsights: true,
      performanceInsightRetention: rds.PerformanceInsightRetention.DEFAULT,
      performanceInsightEncryptionKey: this.storageKey,
      deletionProtection: production,
      removalPolicy: production ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
    });
    this.secret = this.cluster.secret!;

    // Our own KMS-encrypted log group with retention instead of `cloudwatchLogsRetention`
    // (which adds a log-retention custom resource and leaves the group unencrypted). Its name
    // is fixed by RDS and contains the generated cluster id, so it never collides. The
    // instances wait for it: RDS would otherwise create it on first export, unencrypted.
    this.postgresLogGroup = new EncryptedLogGroup(this, 'PostgresLogGroup', {
      environment,
      encryptionKey: this.logsKey,
      logGroupName: `/aws/rds/cluster/${this.cluster.clusterIdentifier}/postgresql`,
    });
    for (const child of this.cluster.node.findAll()) {
      if (child instanceof rds.CfnDBInstance) child.node.addDependency(this.postgresLogGroup);
    }

    // Hosted single-user rotation: Secrets Manager deploys the rotation function (no asset,
    // no bundling at synth) into the isolated subnets, where it reaches the database directly
    // and Secrets Manager through the interface endpoint.
    this.secret.addRotationSchedule('Rotation', {
      automaticallyAfter: Duration.days(props.rotationDays ?? 30),
      hostedRotation: secretsmanager.HostedRotation.postgreSqlSingleUser({
        vpc: props.vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        securityGroups: [props.securityGroups.rotation],
      }),
    });

    this.clusterIdentifierOutput = new CfnOutput(this, 'DatabaseClusterIdentifier', {
      value: this.cluster.clusterIdentifier,
      description: 'Aurora cluster identifier',
    });
  }
}
