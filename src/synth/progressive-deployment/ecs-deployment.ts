import { Duration } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { DeploymentStrategyName, ResolvedDeployment } from '../../config/deployment';

/** The strategy names of the config, as ECS's. */
const ECS_STRATEGY: Readonly<Record<DeploymentStrategyName, ecs.DeploymentStrategy>> = {
  rolling: ecs.DeploymentStrategy.ROLLING,
  blueGreen: ecs.DeploymentStrategy.BLUE_GREEN,
  canary: ecs.DeploymentStrategy.CANARY,
  linear: ecs.DeploymentStrategy.LINEAR,
};

/** The props of an ECS service that say how ECS replaces its tasks. */
export type EcsDeploymentProps = Pick<ecs.FargateServiceProps, 'deploymentStrategy' | 'canaryConfiguration' | 'linearConfiguration' | 'bakeTime'>;

/**
 * A resolved deployment (`deployment` in the config) as ECS service props: the strategy, the
 * canary's first step or the linear steps with their bakes, and for every progressive strategy
 * the minutes the old tasks are kept after the full shift.
 */
export function ecsDeploymentOf(deployment: ResolvedDeployment): EcsDeploymentProps {
  return {
    deploymentStrategy: ECS_STRATEGY[deployment.strategy],
    ...(deployment.canary ? {
      canaryConfiguration: { stepPercent: deployment.canary.percent, stepBakeTime: Duration.minutes(deployment.canary.bakeMinutes) },
    } : {}),
    ...(deployment.linear ? {
      linearConfiguration: { stepPercent: deployment.linear.stepPercent, stepBakeTime: Duration.minutes(deployment.linear.stepBakeMinutes) },
    } : {}),
    ...(deployment.progressive ? { bakeTime: Duration.minutes(deployment.bakeMinutes) } : {}),
  };
}
