/**
 * THE ONE LIST of differences the project makes outside CloudFormation on purpose: the drift
 * check (./drift-check.ts, the scheduled function and `npx projen drift`) reports them as
 * expected, never as drift. Each entry names the resource type, the property path as
 * CloudFormation's DescribeStackResourceDrifts reports it (`PropertyDifferences[].PropertyPath`,
 * a JSON pointer into the resource's properties), and why the project changes it.
 *
 * Anything else that differs is drift: a person or a tool changed a deployed resource by hand.
 * A new deliberate difference (an operator-flipped flag, a parameter a runbook changes) is added
 * here, with its reason, and nowhere else.
 */
export interface ExpectedDifference {
  readonly resourceType: string;
  /** Matches the whole `PropertyPath`. */
  readonly propertyPath: RegExp;
  /** Why the deployed value differs from the template, in a full sentence. */
  readonly reason: string;
}

export const EXPECTED_DIFFERENCES: readonly ExpectedDifference[] = [
  {
    resourceType: 'AWS::ElasticLoadBalancingV2::ListenerRule',
    propertyPath: /^\/Actions\/\d+\/ForwardConfig\/TargetGroups\/\d+\/Weight$/,
    reason: 'ECS native blue/green, canary and linear deployments shift traffic by rewriting the weights of the production and test listener rules '
      + '(ModifyRule, src/synth/progressive-deployment/traffic-switch.ts), while the template keeps the weights of the first deployment (100/0).',
  },
  {
    resourceType: 'AWS::ECS::Service',
    propertyPath: /^\/DesiredCount$/,
    reason: 'Application Auto Scaling moves the running task count between the sizing\'s minCapacity and maxCapacity '
      + '(src/synth/workload/service-stack.ts, CPU and request scaling), while the template keeps the desiredCount the stage was deployed with.',
  },
];

/** The expected difference a property difference is, if any. */
export function expectedDifferenceFor(resourceType: string, propertyPath: string): ExpectedDifference | undefined {
  return EXPECTED_DIFFERENCES.find((d) => d.resourceType === resourceType && d.propertyPath.test(propertyPath));
}
