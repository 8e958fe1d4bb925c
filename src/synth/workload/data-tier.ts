import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { namePrefixFor } from './common';
import { DATABASE_AUTO_MINOR_VERSION_UPGRADE, databaseEngine } from './database-engine';
import { GlobalClusterOfPrimary, makeSecondary } from './global-database';
import { DATABASE_PORT, WorkloadSecurityGroups } from './network-tier';
import { SecretReplica } from './secret-replica';
import { StageSettings } from './stage-settings';
import { StandbyRotation } from './standby-rotation';
import {
  DATABASE_ROTATION_DAYS, databaseSecretNameOf, globalClusterIdentifierOf, RegionRole, regionalClusterIdentifierOf, rotationFunctionNameOf,
} from '../../config/resilience';
import { EnvironmentConfig } from '../../config/schema';
import { EncryptedLogGroup, WorkloadKey } from '../constructs/encryption';
import { fixedNameRemovalPolicy, statefulRemovalPolicy } from '../constructs/removal-policies';

/** Props of the DataTier. */
export interface DataTierProps {
  /**
   * The settings of the stage: its region's role (primary, secondary, independent) decides the
   * shape, and the global and regional cluster names derive from the application.
   */
  readonly settings: StageSettings;
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
   * @default DATABASE_ROTATION_DAYS (30)
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
 *
 * In a `global` environment (src/config/resilience.ts) the role of the region decides:
 * - primary: the same cluster, with fixed identifier `regionalClusterIdentifierOf`, becomes the
 *   source of the Aurora global cluster `globalClusterIdentifierOf` (GlobalClusterOfPrimary);
 *   its secret gets the fixed name `databaseSecretNameOf` so the secondaries can replicate it;
 *   rotation stays here (a global database cannot use RDS-managed master passwords);
 * - secondary: a cluster of the same engine, parameters and sizing (the first instance is a
 *   reader like the others until a failover promotes the cluster) attached to the global
 *   cluster, encrypted with this region's own storage key, without master credentials or
 *   rotation; the credentials come from a replica of the primary's secret, encrypted with this
 *   region's secret key (SecretReplica). The service reads through the reader endpoint.
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
  /** The role of this region: `primary` or `secondary` of a global database, or `independent`. */
  public readonly role: RegionRole;
  /** The region whose cluster takes writes (this one unless the role is `secondary`). */
  public readonly writerRegion: string;
  /**
   * Host the service connects to when it must not come from the secret: the local reader
   * endpoint in a secondary region (the replicated secret names the primary's writer).
   * @default - undefined: the secret's `host`
   */
  public readonly serviceHost?: string;
  /** The global cluster (primary region only). */
  public readonly globalCluster?: GlobalClusterOfPrimary;
  /** The replica of the primary's credentials secret (secondary regions only). */
  public readonly secretReplica?: SecretReplica;
  /**
   * The dormant rotation function `npx projen failover` turns on once this region writes
   * (secondary regions only).
   */
  public readonly standbyRotation?: StandbyRotation;

  constructor(scope: Construct, id: string, props: DataTierProps) {
    super(scope, id);
    const { settings } = props;
    const { environment, application, region } = settings;
    this.production = settings.production;
    this.databaseName = props.databaseName ?? 'app';

    const key = (keyId: string, purpose: string, allowCloudWatchLogs = false) =>
      new WorkloadKey(this, keyId, { environment, namePrefix: settings.namePrefix, purpose, allowCloudWatchLogs });
    this.storageKey = key('StorageKey', 'db-storage');
    this.secretKey = key('SecretKey', 'db-secret');
    this.logsKey = key('LogsKey', 'db-logs', true);

    this.role = settings.role;
    this.writerRegion = settings.writerRegion;
    const global = this.role !== 'independent';
    const globalClusterIdentifier = globalClusterIdentifierOf(application, environment.name);
    const secondary = this.role === 'secondary';
    const fixedIdentifier = global ? regionalClusterIdentifierOf(application, environment.name, region) : undefined;

    // A secondary has no credentials of its own: they are the primary's, replicated below.
    const generated = secondary ? undefined : this.addGeneratedSecret(props);
    this.cluster = this.addCluster(props, { credentials: generated, clusterIdentifier: fixedIdentifier });
    if (secondary) {
      makeSecondary(this.cluster, globalClusterIdentifier);
      const { primaryRegion } = settings;
      this.secretReplica = new SecretReplica(this, 'SecretReplica', {
        secretName: databaseSecretNameOf(application, environment.name),
        primaryRegion,
        primaryKeyAlias: `${namePrefixFor(application, environment.name, primaryRegion)}/db-secret`,
        replicaKey: this.secretKey,
      });
      this.secret = this.secretReplica.secret;
      this.serviceHost = this.cluster.clusterReadEndpoint.hostname;
    } else {
      this.secret = this.cluster.secret!;
    }
    if (this.role === 'primary') {
      this.globalCluster = new GlobalClusterOfPrimary(this, 'GlobalCluster', {
        environment, globalClusterIdentifier, primary: this.cluster,
      });
    }

    this.postgresLogGroup = this.addPostgresLogGroup(environment, fixedIdentifier);

    // Hosted single-user rotation: Secrets Manager deploys the rotation function (no asset,
    // no bundling at synth) into the isolated subnets, where it reaches the database directly
    // and Secrets Manager through the interface endpoint.
    // Secondaries: the replica follows the primary's rotations; a standby function of their
    // own waits for a failover to this region (StandbyRotation).
    if (!secondary) {
      this.addRotation(props);
    } else {
      this.standbyRotation = new StandbyRotation(this, 'StandbyRotation', {
        environment,
        vpc: props.vpc,
        securityGroup: props.securityGroups.rotation,
        functionName: rotationFunctionNameOf(application, environment.name, region),
        databaseHost: this.cluster.clusterEndpoint.hostname,
        secretName: databaseSecretNameOf(application, environment.name),
        secretKey: this.secretKey,
        logsKey: this.logsKey,
      });
    }

    this.clusterIdentifierOutput = new CfnOutput(this, 'DatabaseClusterIdentifier', {
      value: this.cluster.clusterIdentifier,
      description: 'Aurora cluster identifier',
    });
  }

  /**
   * The master credentials (not in a secondary: its credentials are the primary's, replicated).
   * Created here rather than by the cluster so the secret carries `dbname` (the cluster's own
   * generated secret has no database name, and the attachment only adds host and port).
   */
  private addGeneratedSecret(props: DataTierProps): rds.DatabaseSecret {
    const { environment, application, role } = props.settings;
    const global = role !== 'independent';
    const generated = new rds.DatabaseSecret(this, 'DatabaseSecret', {
      username: props.username ?? 'postgres',
      dbname: this.databaseName,
      encryptionKey: this.secretKey,
      // The primary of a global database: a name the secondaries can derive (SecretReplica).
      secretName: global ? databaseSecretNameOf(application, environment.name) : undefined,
    });
    // A fixed name must not survive a failed first create (the retry would find it taken).
    generated.applyRemovalPolicy(global ? fixedNameRemovalPolicy(environment) : statefulRemovalPolicy(environment));
    return generated;
  }

  /**
   * The parameter group and the Aurora Serverless v2 cluster: a writer plus `sizing.dbReaders`
   * readers (none in a secondary), encrypted storage, IAM auth, backups, Performance Insights.
   */
  private addCluster(props: DataTierProps, options: {
    /** The generated master secret. @default - none: a secondary of a global database */
    credentials?: rds.DatabaseSecret;
    /** The fixed cluster identifier of a global environment. @default - generated */
    clusterIdentifier?: string;
  }): rds.DatabaseCluster {
    const { environment } = props.settings;
    const { sizing, production } = environment;
    const secondary = props.settings.role === 'secondary';
    const { credentials } = options;
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
    return new rds.DatabaseCluster(this, 'Cluster', {
      engine: databaseEngine(),
      // The LTS minor stays put: no automatic minor upgrades (src/synth/workload/database-engine.ts).
      autoMinorVersionUpgrade: DATABASE_AUTO_MINOR_VERSION_UPGRADE,
      parameterGroup,
      // Fixed in a global environment: the other regions and `npx projen failover` name it.
      clusterIdentifier: options.clusterIdentifier,
      credentials: credentials ? rds.Credentials.fromSecret(credentials) : undefined,
      defaultDatabaseName: secondary ? undefined : this.databaseName,
      writer: rds.ClusterInstance.serverlessV2('Writer', instanceProps),
      // A secondary of a global database runs ONE instance: its service connects through the
      // reader endpoint (the cluster endpoint of a secondary is inactive), and Aurora points the
      // reader endpoint of a one-instance cluster at that instance whatever its role, so after a
      // switchover or failover the same endpoint takes writes. With readers, it would keep
      // pointing at a reader and the promoted region would refuse writes until a redeploy.
      // RUNBOOKS.md "Regional failure": add readers after a failover if the new writer needs them.
      readers: Array.from({ length: secondary ? 0 : sizing.dbReaders }, (_, i) =>
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
      // Production: unset here, so the stage's first create is unprotected and a failed one rolls
      // back (the RDS handler refuses to delete a protected cluster); the prod stage's post-deploy
      // step turns it on once the stage exists, and an unset property is never reset by an update
      // (DeletionProtectionTargets, src/synth/workload/deletion-protection.ts, says why).
      deletionProtection: production ? undefined : false,
      removalPolicy: production ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
    });
  }

  /**
   * Our own KMS-encrypted log group with retention instead of `cloudwatchLogsRetention`
   * (which adds a log-retention custom resource and leaves the group unencrypted). Its name
   * is fixed by RDS and contains the cluster id (generated, or in a global environment the
   * fixed one, written literally so a failed first create does not keep it), so it never
   * collides. The instances wait for it: RDS would otherwise create it on first export, unencrypted.
   */
  private addPostgresLogGroup(environment: EnvironmentConfig, fixedIdentifier: string | undefined): EncryptedLogGroup {
    const logGroup = new EncryptedLogGroup(this, 'PostgresLogGroup', {
      environment,
      encryptionKey: this.logsKey,
      logGroupName: `/aws/rds/cluster/${fixedIdentifier ?? this.cluster.clusterIdentifier}/postgresql`,
    });
    for (const child of this.cluster.node.findAll()) {
      if (child instanceof rds.CfnDBInstance) child.node.addDependency(logGroup);
    }
    return logGroup;
  }

  /**
   * The rotation schedule, in the order rotation needs (issue 26):
   * - It waits for the writer instance: Secrets Manager starts the rotation function as soon as
   *   the schedule exists, and the function logs in to the database; the schedule's SecretId
   *   (the secret's target attachment) only waits for the cluster, which has no endpoint anyone
   *   can log in to before an instance exists. A rotation that fails there leaves an AWSPENDING
   *   version behind, and every later RotateSecret fails ("A previous rotation isn't complete")
   *   until someone fixes the labels by hand (RotateSecret API reference; aws-cdk issues 28539,
   *   17288).
   * - RotateImmediatelyOnUpdate is false: a create or a change of the schedule then only tests
   *   the configuration (Secrets Manager runs the function's testSecret step) and the first
   *   rotation happens in the schedule's window, never inside a deploy. With the default (true)
   *   every deploy that touches the schedule rotates the password while the release is rolling
   *   out, and its rollback (an update back to the old schedule) rotates it once more: a
   *   deploy would depend on an asynchronous rotation, and a rollback would re-run one
   *   (AWS::SecretsManager::RotationSchedule RotateImmediatelyOnUpdate: "The default is true";
   *   with false "Secrets Manager tests the rotation configuration by running the testSecret
   *   step"). The password is freshly generated at the first create, so nothing is lost by
   *   waiting for the first window.
   */
  private addRotation(props: DataTierProps): void {
    const { settings } = props;
    const schedule = this.secret.addRotationSchedule('Rotation', {
      automaticallyAfter: Duration.days(props.rotationDays ?? DATABASE_ROTATION_DAYS),
      rotateImmediatelyOnUpdate: false,
      hostedRotation: secretsmanager.HostedRotation.postgreSqlSingleUser({
        vpc: props.vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        securityGroups: [props.securityGroups.rotation],
        // The primary of a global database: a name `npx projen failover` can turn rotation back
        // on with when the writer returns here (fail back).
        functionName: settings.role === 'primary' ? rotationFunctionNameOf(settings.application, settings.environment.name, settings.region) : undefined,
      }),
    });
    schedule.node.addDependency(this.cluster.node.findChild('Writer'));
  }
}
