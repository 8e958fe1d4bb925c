import { referencesIn, TemplateGraph } from './template-graph';

/**
 * Resources that can start work before what that work needs exists: CloudFormation starts a
 * resource as soon as the resources it depends on are complete (template-graph.ts), so "needs"
 * must be a dependency, not a hope. Each check returns the resources that miss one, with what
 * they miss (rollback-rules.ts has the AWS sources).
 */

/** A resource that does not wait for something it needs. */
export interface OrderingGap {
  readonly logicalId: string;
  /** What it does not wait for, in words. */
  readonly missing: string;
}

const refsIn = (value: unknown, graph: TemplateGraph) => referencesIn(value).filter((r) => r in graph.resources);

/**
 * Rotation schedules of a secret attached to an Aurora cluster (SecretTargetAttachment with
 * TargetType AWS::RDS::DBCluster) must wait for at least one DB instance of that cluster: the
 * cluster alone has no endpoint anyone can log in to, and the rotation function logs in.
 */
export function rotationBeforeInstance(graph: TemplateGraph): OrderingGap[] {
  const gaps: OrderingGap[] = [];
  const { resources } = graph;
  const attachments = graph.ids.filter((id) => resources[id].Type === 'AWS::SecretsManager::SecretTargetAttachment');
  for (const id of graph.ids.filter((x) => resources[x].Type === 'AWS::SecretsManager::RotationSchedule')) {
    const secretRefs = refsIn(resources[id].Properties?.SecretId, graph);
    // SecretId names the attachment (CDK's attached secret) or the secret an attachment names.
    const attachment = secretRefs.map((r) => resources[r].Type === 'AWS::SecretsManager::SecretTargetAttachment' ? r
      : attachments.find((a) => refsIn(resources[a].Properties?.SecretId, graph).includes(r))).find(Boolean);
    if (!attachment) continue;
    const target = resources[attachment].Properties ?? {};
    if (target.TargetType !== 'AWS::RDS::DBCluster') continue;
    const [cluster] = refsIn(target.TargetId, graph);
    if (!cluster) continue;
    const instances = graph.ids.filter((x) => resources[x].Type === 'AWS::RDS::DBInstance'
      && refsIn(resources[x].Properties?.DBClusterIdentifier, graph).includes(cluster));
    if (!instances.some((i) => graph.waitsFor(id, i))) {
      gaps.push({ logicalId: id, missing: `no DB instance of ${cluster} (${instances.join(', ') || 'none in this template'})` });
    }
  }
  return gaps;
}

/** The role ids an ECS service hands to ECS: its own, its load balancers', its hooks', its task definition's. */
function rolesOfService(graph: TemplateGraph, serviceId: string): string[] {
  const p: any = graph.resources[serviceId].Properties ?? {};
  const roleValues: unknown[] = [
    p.Role,
    ...(p.LoadBalancers ?? []).map((lb: any) => lb?.AdvancedConfiguration?.RoleArn),
    ...(p.DeploymentConfiguration?.LifecycleHooks ?? []).map((h: any) => h?.RoleArn),
  ];
  for (const taskDefinition of refsIn(p.TaskDefinition, graph)) {
    const t: any = graph.resources[taskDefinition].Properties ?? {};
    roleValues.push(t.TaskRoleArn, t.ExecutionRoleArn);
  }
  return [...new Set(roleValues.flatMap((v) => refsIn(v, graph)))].filter((r) => graph.resources[r].Type === 'AWS::IAM::Role');
}

/** The separate policy resources attached to a role (a role's own Policies and ManagedPolicyArns are on it at creation). */
function policiesOfRole(graph: TemplateGraph, roleId: string): string[] {
  return graph.ids.filter((id) => {
    const r = graph.resources[id];
    if (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') return refsIn(r.Properties?.Roles, graph).includes(roleId);
    if (r.Type === 'AWS::IAM::RolePolicy') return refsIn(r.Properties?.RoleName, graph).includes(roleId);
    return false;
  });
}

/**
 * ECS services must wait for every policy attached to the roles they hand to ECS: the
 * load-balancer (infrastructure) role and lifecycle-hook roles ECS validates and assumes when it
 * creates or updates the service, and the task and execution roles its first tasks start with.
 */
export function serviceBeforeRolePolicies(graph: TemplateGraph): OrderingGap[] {
  const gaps: OrderingGap[] = [];
  for (const id of graph.ids.filter((x) => graph.resources[x].Type === 'AWS::ECS::Service')) {
    const missing = rolesOfService(graph, id).flatMap((role) => policiesOfRole(graph, role)
      .filter((policy) => !graph.waitsFor(id, policy)).map((policy) => `${policy} (policy of ${role})`));
    if (missing.length) gaps.push({ logicalId: id, missing: missing.join(', ') });
  }
  return gaps;
}
