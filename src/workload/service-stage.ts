import { Stage, StageProps, Tags } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DeliveryConfig, EnvironmentConfig } from '../config/schema';
import { NetworkStack } from './network-stack';

/** Where the stage pulls the service image from: the gated repository, by immutable tag. */
export interface ServiceImage {
  /** ARN of the ECR repository (in the pipeline account) holding gated images. */
  readonly repositoryArn: string;
  /** Name of that repository. */
  readonly repositoryName: string;
  /**
   * Immutable tag of the image to run. Only images that passed both supply-chain gates
   * carry this tag (the gate step adds it after the scans pass).
   */
  readonly tag: string;
}

/** Props of one ServiceStage: one environment in one region. */
export interface ServiceStageProps extends StageProps {
  /** The environment (name, account, sizing, data rules). */
  readonly environment: EnvironmentConfig;
  /** The region this stage runs in (one of `environment.regions`). */
  readonly region: string;
  /** Tag values from the config (Team, CostCenter, Application). */
  readonly tags: DeliveryConfig['tags'];
  /** The image this stage runs. */
  readonly image: ServiceImage;
  /** The commit being delivered; the assertions check that `/version` reports it. */
  readonly commit: string;
  /** E-mail addresses subscribed to the stage's alarm topic. @default - none */
  readonly alarmEmails?: readonly string[];
}

/**
 * One environment in one region, id `<env>-<region>` (e.g. `prod-us-east-2`), so every
 * deployed stack name says where it runs.
 */
export class ServiceStage extends Stage {
  /** `<env>-<region>` */
  public static idFor(environment: EnvironmentConfig, region: string): string {
    return `${environment.name}-${region}`;
  }

  /** The VPC and its endpoints. */
  public readonly network: NetworkStack;

  constructor(scope: Construct, id: string, props: ServiceStageProps) {
    super(scope, id, { ...props, env: { account: props.environment.account, region: props.region } });

    this.network = new NetworkStack(this, 'Network', {
      sizing: props.environment.sizing,
      production: props.environment.production,
    });

    Tags.of(this).add('Environment', props.environment.name);
    Tags.of(this).add('Region', props.region);
    Tags.of(this).add('ManagedBy', 'cdk-delivery-pipeline');
    for (const [key, value] of Object.entries(props.tags)) Tags.of(this).add(key, value);
  }
}
