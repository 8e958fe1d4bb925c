import { Size } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { FeatureFlags } from './feature-flags';

/**
 * The AWS AppConfig Agent image, pinned by digest. AWS documents the image as
 * `public.ecr.aws/aws-appconfig/aws-appconfig-agent:2.x` ("Use AWS AppConfig Agent with Amazon
 * ECS and Amazon EKS", https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-integration-containers-agent-starting-ecs.html);
 * `2.x` moves, so the task names the digest `2.x` resolved to when it was read (its independent
 * reference, with how it was obtained: test/pinned-downloads/base-image-digests.txt; its review
 * date: versions/calendar.json). With a digest, ECS pulls exactly those bytes whatever the tag
 * points to later. CDK's `Application.addAgentToEcs` would use `:latest`, unpinned.
 */
export const APPCONFIG_AGENT_IMAGE = 'public.ecr.aws/aws-appconfig/aws-appconfig-agent:2.x@sha256:5e23ec8b3eb883680cdf1e4224c8d0f99405e14eb67131a2def7316eaa418f1a';

/** The agent's HTTP port (its default), on the task's localhost. */
export const APPCONFIG_AGENT_PORT = 2772;

/**
 * Seconds between the agent's polls of AppConfig: 15, the smallest the AppConfig Data API accepts
 * (`RequiredMinimumPollIntervalInSeconds`, min 15, botocore `appconfigdata` model). The agent's
 * default is 45. Each poll is a priced GetLatestConfiguration call: 15 s is ~173,000 calls per
 * task a month (README "Cost notes").
 */
export const APPCONFIG_AGENT_POLL_SECONDS = 15;

/** Memory the agent is guaranteed (the app's hard limit is the task's memory minus this) and its own ceiling. */
export const APPCONFIG_AGENT_MEMORY_RESERVATION_MIB = 32;
export const APPCONFIG_AGENT_MEMORY_LIMIT_MIB = 128;

/** Where the agent keeps its backup of the last configuration it received (a task-local scratch volume). */
const BACKUP_DIRECTORY = '/tmp/appconfig-backups';

/**
 * The AppConfig Agent as a sidecar of the service's task, the way AWS recommends for containers
 * (https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-agent.html): it polls this
 * stage's feature flags every APPCONFIG_AGENT_POLL_SECONDS with the task role, keeps them in
 * memory, and serves them on localhost:2772; the service asks it, never AWS. Settings
 * ("Configuring AWS AppConfig Agent", https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-integration-containers-agent-configuring.html):
 * - `PREFETCH_LIST`: the flags are fetched when the agent starts, not on the first request;
 * - `BACKUP_DIRECTORY`: every configuration received is also written to disk, so a restarted
 *   agent serves the last one even when AppConfig is unreachable (the flags are not secret: the
 *   page notes the backup is not encrypted);
 * - `SERVICE_REGION`: this stage's region.
 * When AppConfig is unreachable the agent keeps serving what it has and retries; the service
 * keeps its own last known values too (app/src/flags/), so neither a dead agent nor an AppConfig
 * outage changes the flags a running task applies.
 *
 * Essential: a task whose agent died is replaced (a new agent, fresh flags) rather than left
 * serving stale flags forever. Read-only root filesystem, non-root user, the backup on a
 * task-local scratch volume; logs to the service's log group (prefix `appconfig-agent`).
 */
export function addAppConfigAgent(taskDefinition: ecs.FargateTaskDefinition, props: {
  readonly flags: FeatureFlags;
  readonly logGroup: logs.ILogGroup;
  readonly region: string;
}): ecs.ContainerDefinition {
  const agent = taskDefinition.addContainer('AppConfigAgent', {
    image: ecs.ContainerImage.fromRegistry(APPCONFIG_AGENT_IMAGE),
    essential: true,
    environment: {
      SERVICE_REGION: props.region,
      PREFETCH_LIST: props.flags.prefetch,
      POLL_INTERVAL: String(APPCONFIG_AGENT_POLL_SECONDS),
      BACKUP_DIRECTORY,
      HTTP_PORT: String(APPCONFIG_AGENT_PORT),
      LOG_LEVEL: 'info',
    },
    readonlyRootFilesystem: true,
    user: '1000',
    memoryReservationMiB: APPCONFIG_AGENT_MEMORY_RESERVATION_MIB,
    memoryLimitMiB: APPCONFIG_AGENT_MEMORY_LIMIT_MIB,
    logging: ecs.LogDrivers.awsLogs({
      logGroup: props.logGroup,
      streamPrefix: 'appconfig-agent',
      mode: ecs.AwsLogDriverMode.NON_BLOCKING,
      maxBufferSize: Size.mebibytes(4),
    }),
  });
  taskDefinition.addVolume({ name: 'appconfig-agent-tmp' });
  agent.addMountPoints({ sourceVolume: 'appconfig-agent-tmp', containerPath: '/tmp', readOnly: false });
  return agent;
}
