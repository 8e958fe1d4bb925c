import { Duration, Size, Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { SERVICE_PORT } from './network-tier';
import { ServiceImage } from './service-image';
import { StageSettings } from './stage-settings';
import { EncryptedLogGroup, WorkloadKey } from '../constructs/encryption';
import { addAppConfigAgent, APPCONFIG_AGENT_MEMORY_RESERVATION_MIB, APPCONFIG_AGENT_PORT } from '../feature-flags/appconfig-agent';
import { FeatureFlags } from '../feature-flags/feature-flags';

/**
 * Liveness probe run inside the container with `node -e`: Node is the one tool the image is
 * sure to have (no curl, maybe no shell), so the check is exec form, not CMD-SHELL.
 */
export const CONTAINER_HEALTH_SCRIPT =
  `fetch('http://localhost:${SERVICE_PORT}/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))`;

/** What the task of the service needs. */
export interface ServiceTaskProps {
  /** The settings of the stage (sizing, name prefix, the service and writer regions). */
  readonly settings: StageSettings;
  /** The image to run: the gated repository in the pipeline account, by immutable tag. */
  readonly image: ServiceImage;
  /** The database credentials secret (fields host, port, dbname, username, password). */
  readonly databaseSecret: secretsmanager.ISecret;
  /** The customer-managed key the secret is encrypted with. */
  readonly databaseSecretKey: kms.IKey;
  /**
   * Database host as a plain environment variable instead of the secret's `host` field.
   * @default - DB_HOST from the secret
   */
  readonly databaseHost?: string;
  /**
   * The token issuer the service trusts (AUTH_ISSUER): exactly the `iss` of its tokens, the
   * Cognito user pool's provider URL (app/README.md "Authentication").
   */
  readonly issuerUrl: string;
  /** The stage's feature flags: the AppConfig agent sidecar serves them, the task role may read them. */
  readonly featureFlags: FeatureFlags;
}

/** The task of the service, as addServiceTask created it. */
export interface ServiceTask {
  /** Role ECS uses to pull the image, write logs and read the database secret. */
  readonly executionRole: iam.Role;
  /** Role of the application itself. */
  readonly taskRole: iam.Role;
  /** The task definition. */
  readonly taskDefinition: ecs.FargateTaskDefinition;
  /** Key of the container log group. */
  readonly logsKey: WorkloadKey;
  /** The container log group. */
  readonly logGroup: EncryptedLogGroup;
  /** The application container (the load balancer targets it). */
  readonly container: ecs.ContainerDefinition;
  /** The AppConfig agent sidecar (serves the feature flags on localhost). */
  readonly agent: ecs.ContainerDefinition;
}

/**
 * The Fargate task of the service, in `stack` itself (the ids ExecutionRole, TaskRole,
 * TaskDefinition, LogsKey, LogGroup, GatedRepository, DatabaseSecret are the stack's
 * children): the two roles, the log group and its key, and one read-only, non-root container
 * that gets the database credentials as ECS secrets and may re-read them after a rotation.
 */
export function addServiceTask(stack: Stack, props: ServiceTaskProps): ServiceTask {
  const { environment, namePrefix } = props.settings;
  const { sizing } = environment;
  const { executionRole, taskRole } = addTaskRoles(stack);
  const taskDefinition = new ecs.FargateTaskDefinition(stack, 'TaskDefinition', {
    cpu: sizing.cpu,
    memoryLimitMiB: sizing.memoryMiB,
    executionRole,
    taskRole,
    runtimePlatform: { cpuArchitecture: ecs.CpuArchitecture.X86_64, operatingSystemFamily: ecs.OperatingSystemFamily.LINUX },
  });

  const logsKey = new WorkloadKey(stack, 'LogsKey', {
    environment, namePrefix, purpose: 'service-logs', allowCloudWatchLogs: true,
  });
  const logGroup = new EncryptedLogGroup(stack, 'LogGroup', { environment, encryptionKey: logsKey });

  const repository = ecr.Repository.fromRepositoryAttributes(stack, 'GatedRepository', {
    repositoryArn: props.image.repositoryArn,
    repositoryName: props.image.repositoryName,
  });
  // Re-imported by ARN: the grants then land on the execution role's own policy instead of
  // the Platform stack's secret and key policies (which would make Platform depend on Service).
  const databaseSecret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'DatabaseSecret', props.databaseSecret.secretArn);
  allowDatabaseSecret(stack, { executionRole, taskRole }, props);
  const container = addAppContainer(taskDefinition, { props, repository, databaseSecret, logGroup });
  // The flags of this stage only, read by the agent with the task role.
  props.featureFlags.grantRead(taskRole);
  const agent = addAppConfigAgent(taskDefinition, { flags: props.featureFlags, logGroup, region: props.settings.region });
  container.addContainerDependencies({ container: agent, condition: ecs.ContainerDependencyCondition.START });
  return { executionRole, taskRole, taskDefinition, logsKey, logGroup, container, agent };
}

/**
 * The execution and task roles. Both trust ECS tasks of this account and region only
 * (confused-deputy guard). The execution role's grants come from CDK, each scoped to one
 * resource: pull from the gated repository (plus ecr:GetAuthorizationToken, which has no
 * resource-level form), write to the log group, read the database secret (and decrypt it via
 * Secrets Manager only).
 */
function addTaskRoles(stack: Stack): { executionRole: iam.Role; taskRole: iam.Role } {
  const ecsTasks = () => new iam.ServicePrincipal('ecs-tasks.amazonaws.com', {
    conditions: {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': `arn:${stack.partition}:ecs:${stack.region}:${stack.account}:*` },
    },
  });
  const executionRole = new iam.Role(stack, 'ExecutionRole', {
    assumedBy: ecsTasks(),
    description: 'ECS agent: pull the gated image, write container logs, read the database secret',
  });
  const taskRole = new iam.Role(stack, 'TaskRole', {
    assumedBy: ecsTasks(),
    description: 'The application: re-reads the database secret after a rotation; its AppConfig agent reads this stage\'s feature flags; nothing else',
  });
  return { executionRole, taskRole };
}

/**
 * The explicit database-secret statements: the execution role may decrypt the secret through
 * Secrets Manager (CDK grants the read at addContainer). Rotation without outage: the password
 * arrives as an ECS secret at task start; after Secrets Manager rotates it, a new connection
 * fails authentication and the service re-reads the secret (DB_SECRET_ARN) once and retries
 * (app/src/db/credentials.ts). So the task role may read exactly that secret, decrypting
 * through Secrets Manager only.
 */
function allowDatabaseSecret(stack: Stack, roles: { executionRole: iam.Role; taskRole: iam.Role }, props: ServiceTaskProps): void {
  const decryptViaSecretsManager = () => new iam.PolicyStatement({
    sid: 'DecryptDatabaseSecretViaSecretsManager',
    actions: ['kms:Decrypt'],
    resources: [props.databaseSecretKey.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.amazonaws.com` } },
  });
  roles.executionRole.addToPrincipalPolicy(decryptViaSecretsManager());
  roles.taskRole.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'ReadDatabaseSecretAfterRotation',
    actions: ['secretsmanager:GetSecretValue'],
    resources: [props.databaseSecret.secretArn],
  }));
  roles.taskRole.addToPrincipalPolicy(decryptViaSecretsManager());
}

/** The application container: read-only root, non-root user, liveness check, credentials as ECS secrets. */
function addAppContainer(taskDefinition: ecs.FargateTaskDefinition, from: {
  props: ServiceTaskProps; repository: ecr.IRepository; databaseSecret: secretsmanager.ISecret; logGroup: EncryptedLogGroup;
}): ecs.ContainerDefinition {
  const { props } = from;
  const { settings } = props;
  const secret = (field: string) => ecs.Secret.fromSecretsManager(from.databaseSecret, field);
  const container = taskDefinition.addContainer('App', {
    image: ecs.ContainerImage.fromEcrRepository(from.repository, props.image.tag),
    essential: true,
    portMappings: [{ containerPort: SERVICE_PORT, name: 'http', protocol: ecs.Protocol.TCP }],
    environment: {
      PORT: String(SERVICE_PORT),
      DB_SSL: 'true',
      DB_SECRET_ARN: props.databaseSecret.secretArn,
      SERVICE_REGION: settings.region,
      DB_WRITER_REGION: settings.writerRegion,
      // The AppConfig agent sidecar serves this stage's flags here (app/src/flags/).
      FEATURE_FLAGS_URL: `http://localhost:${APPCONFIG_AGENT_PORT}${props.featureFlags.agentPath}`,
      ...(props.databaseHost ? { DB_HOST: props.databaseHost } : {}),
      // Who may call the API: tokens of this issuer (its published keys, fetched by key id, so a
      // key rotation at the issuer needs no redeploy) with a scope of the resource server
      // `transactions`, the service's default AUTH_RESOURCE_SERVER (API_RESOURCE_SERVER).
      AUTH_ISSUER: props.issuerUrl,
    },
    secrets: {
      // In a secondary region the replicated secret's host is the primary's writer: the
      // service reads through the local reader endpoint instead (databaseHost).
      ...(props.databaseHost ? {} : { DB_HOST: secret('host') }),
      DB_PORT: secret('port'),
      DB_NAME: secret('dbname'),
      DB_USER: secret('username'),
      DB_PASSWORD: secret('password'),
    },
    readonlyRootFilesystem: true,
    // The image's own non-root user (app/Dockerfile: USER node), stated in the task so the
    // container never runs as root even if a future image forgets its USER line.
    user: 'node',
    // A hard limit of the task's memory less what the agent sidecar is guaranteed: a leak kills
    // the container, not its neighbour (Fargate requires the containers' reservations to fit).
    memoryLimitMiB: settings.environment.sizing.memoryMiB - APPCONFIG_AGENT_MEMORY_RESERVATION_MIB,
    healthCheck: {
      command: ['CMD', 'node', '-e', CONTAINER_HEALTH_SCRIPT],
      interval: Duration.seconds(15),
      timeout: Duration.seconds(5),
      retries: 3,
      startPeriod: Duration.seconds(30),
    },
    stopTimeout: Duration.seconds(30),
    logging: ecs.LogDrivers.awsLogs({
      logGroup: from.logGroup,
      streamPrefix: 'app',
      // A full log buffer must not block the event loop (and with it /health).
      mode: ecs.AwsLogDriverMode.NON_BLOCKING,
      maxBufferSize: Size.mebibytes(25),
    }),
  });
  // The root filesystem is read-only; /tmp is a task-local scratch volume for Node and libraries.
  taskDefinition.addVolume({ name: 'tmp' });
  container.addMountPoints({ sourceVolume: 'tmp', containerPath: '/tmp', readOnly: false });
  return container;
}
