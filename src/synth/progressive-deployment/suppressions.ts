import { Stack } from 'aws-cdk-lib';
import { PreTrafficHook } from './pre-traffic-hook';
import { TrafficSwitch } from './traffic-switch';
import { ECS_LOAD_BALANCER_POLICY, TrafficSwitchRole } from './traffic-switch-role';
import { AWS, CDK_GRANT_INLINE, child, FRAMEWORKS, guard, HIPAA, isFullSentence, logicalId, NIST, rule, suppress, Suppressor } from '../compliance/suppressions';
import { crossRegionKeyFinding } from '../issuer/suppressions';

/**
 * The test listener admits the NAT gateways' Elastic IPs, which exist only at deploy time, so
 * the packs cannot read those CIDRs. Only that evaluation failure is suppressed (the rules still
 * run on every literal rule); test/synth/workload/progressive.test.ts proves the test port
 * admits /32 NAT addresses and no 0.0.0.0/0.
 */
function testListenerIngress(traffic: TrafficSwitch): void {
  const rules = ['EC2RestrictedSSH', 'EC2RestrictedCommonPorts'].flatMap((r) => FRAMEWORKS.map((pack) => `${pack}-${r}`));
  const reason = 'The test listener admits only the NAT gateways\' Elastic IPs, which are resolved at deploy time, so the packs cannot read those CIDRs at synth.';
  if (!isFullSentence(reason)) throw new Error(`reason must be a full sentence: ${reason}`);
  suppress(traffic.loadBalancerSecurityGroup, [{ id: 'CdkNagValidationFailure', reason, appliesTo: rules }]);
}

/** The pre-traffic hook function, its role, and ECS's role to invoke it. */
function preTrafficHook(hook: PreTrafficHook): void {
  const { region, account } = Stack.of(hook);
  suppress(child(hook.role, 'DefaultPolicy'),
    rule('IAMNoInlinePolicy', FRAMEWORKS,
      `The hook role may write its own log group, manage its VPC network interfaces and list its own cluster's services and deployments. ${CDK_GRANT_INLINE}`),
    rule('IAM5', [AWS], 'Lambda manages the network interfaces of a VPC function with EC2 actions that take no resource-level permissions, '
      + 'and ecs:ListServices has none either: the ecs:cluster condition limits it to this stage\'s cluster.',
    ['Resource::*']),
    rule('IAM5', [AWS], 'The service\'s name is generated and naming it here would make a dependency cycle, so the deployments of every service of this cluster are listed: it holds only this one service.',
      [`Resource::arn:<AWS::Partition>:ecs:${region}:${account}:service/<${logicalId(hook.cluster)}>/*`]),
    ...(hook.credentials.crossRegion ? [rule('IAM5', [AWS], 'Reading the checks\' credentials in another region needs kms:Decrypt on the issuer region\'s secret key, '
      + 'whose ARN is not derivable there; the statement allows only keys that carry that one alias, used through Secrets Manager of the issuer region.',
    crossRegionKeyFinding(hook.credentials, hook))] : []));
  suppress(child(hook.invokeRole, 'DefaultPolicy'),
    rule('IAMNoInlinePolicy', FRAMEWORKS, `ECS may invoke exactly this one hook function through this role. ${CDK_GRANT_INLINE}`));
  suppress(hook.function,
    rule('LambdaDLQ', [NIST, HIPAA], 'ECS invokes the hook synchronously and reads its answer, so there is no asynchronous event a dead-letter queue could keep.'),
    rule('LambdaConcurrency', [NIST, HIPAA],
      'ECS calls the hook once per deployment step, and reserving concurrency fails on accounts whose unreserved concurrency is at the minimum of ten.'));
  guard(hook.function, ['lambda_inside_vpc_check'],
    'The hook runs in the stage VPC\'s private subnets, whose ids arrive from the Platform stack as imports that this rule cannot follow.');
}

/** ECS's load balancer role: the AWS managed policy ECS prescribes (traffic-switch-role.ts says why). */
function trafficSwitchRole(role: TrafficSwitchRole): void {
  suppress(role, rule('IAM4', [AWS],
    'ECS documents this AWS managed policy for its load-balancer infrastructure role, and AWS keeps it current as ECS adds calls, which a scoped copy cannot show offline.',
    [`Policy::arn:<AWS::Partition>:iam::aws:policy/${ECS_LOAD_BALANCER_POLICY}`]));
}

/** The exceptions of the progressive-deployment pieces (deployment.strategy other than rolling). */
export const progressiveDeploymentSuppressions: Suppressor = (c) => {
  if (c instanceof TrafficSwitch) testListenerIngress(c);
  else if (c instanceof PreTrafficHook) preTrafficHook(c);
  else if (c instanceof TrafficSwitchRole) trafficSwitchRole(c);
};
