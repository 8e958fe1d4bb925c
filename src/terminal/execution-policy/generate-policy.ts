import { SERVICE_LINKED_ROLE_SERVICES } from './deploy-requests';
import { HandlerPermissions } from './handler-permissions';
import { PolicyDocument, PolicyStatement } from './iam-evaluator';
import {
  boundaryStatement, DEFAULT_WILDCARD_REASON, GUARDRAIL_STATEMENTS, NEVER_ALLOWED, PolicyKind, REGISTRY_LEVEL_ACTIONS, SERVICE_SCOPES, TEMPLATE_READS,
  TRANSFORM_NEEDS, WILDCARD_REASONS,
} from './policy-rules';

/**
 * The execution policy for one kind of account, generated from what CloudFormation's handlers
 * need for exactly the resource types deployed there: one Allow statement per service with the
 * listed actions (never `service:*`), scoped by name where policy-rules.ts says so, `*` with a
 * reviewed reason elsewhere; service-linked roles only for the services that need them; then
 * the template reads and the guardrail Denies.
 */
export function generatePolicy(
  kind: PolicyKind, types: Iterable<string>, permissions: HandlerPermissions, transforms: Iterable<string> = [],
): PolicyDocument {
  const typeList = [...new Set(types)].sort();
  const unknown = typeList.filter((t) => !permissions.knows(t));
  if (unknown.length) {
    throw new Error(`no handler permissions for ${unknown.join(', ')}: run \`npx projen policy:handlers\` with the registry schemas, `
      + 'or add the type to bootstrap/handler-permissions-review.json with its evidence');
  }
  const byService = new Map<string, Set<string>>();
  const registryLevel = new Map<string, Set<string>>();
  const linkedRoleServices = new Set<string>();
  for (const type of typeList) {
    for (const action of permissions.allActionsFor(type)) {
      const [service] = action.split(':');
      if (NEVER_ALLOWED.includes(service)) throw new Error(`${type} asks for ${action}, which no execution policy may allow`);
      if (action === 'iam:CreateServiceLinkedRole') {
        const linked = SERVICE_LINKED_ROLE_SERVICES[type];
        if (!linked) throw new Error(`${type} may create a service-linked role: add its service principal to SERVICE_LINKED_ROLE_SERVICES`);
        linkedRoleServices.add(linked);
        continue;
      }
      const setting = Object.entries(REGISTRY_LEVEL_ACTIONS).find(([, r]) => r.actions.includes(action))?.[0];
      const into = setting ? registryLevel : byService;
      const key = setting ?? service;
      if (!into.has(key)) into.set(key, new Set());
      into.get(key)!.add(action);
    }
  }
  const statements: PolicyStatement[] = [];
  for (const service of [...byService.keys()].sort()) {
    const scope = SERVICE_SCOPES[kind][service];
    statements.push({
      Sid: sidOf(service),
      Effect: 'Allow',
      Action: [...byService.get(service)!].sort(),
      Resource: scope ? (scope.resources.length === 1 ? scope.resources[0] : [...scope.resources]) : '*',
    });
  }
  for (const setting of [...registryLevel.keys()].sort()) {
    statements.push({ Sid: sidOf(setting), Effect: 'Allow', Action: [...registryLevel.get(setting)!].sort(), Resource: '*' });
  }
  if (linkedRoleServices.size) {
    // Resources name their service-linked role (e.g. a scalable target's RoleARN), which the
    // handler passes: only those roles, never another service's.
    statements.push({
      Sid: 'PassServiceLinkedRoles',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: [...linkedRoleServices].sort().map((s) => `arn:*:iam::*:role/aws-service-role/${s}/*`),
    });
    statements.push({
      Sid: 'ServiceLinkedRoles',
      Effect: 'Allow',
      Action: 'iam:CreateServiceLinkedRole',
      Resource: 'arn:*:iam::*:role/aws-service-role/*',
      Condition: { StringEquals: { 'iam:AWSServiceName': [...linkedRoleServices].sort() } },
    });
  }
  const declared = [...new Set(transforms)].sort();
  const macros = [...new Set(declared.flatMap((t) => [t, ...(TRANSFORM_NEEDS[t]?.alsoExpands ?? [])]))].sort();
  if (macros.length) {
    // A Transform is expanded through a change set that the execution role creates.
    statements.push({
      Sid: 'TemplateTransforms',
      Effect: 'Allow',
      Action: 'cloudformation:CreateChangeSet',
      Resource: macros.map((m) => `arn:*:cloudformation:*:aws:transform/${m.replace(/^AWS::/, '')}`),
    });
  }
  for (const t of declared) if (TRANSFORM_NEEDS[t]) statements.push(TRANSFORM_NEEDS[t].statement);
  statements.push(...TEMPLATE_READS, ...GUARDRAIL_STATEMENTS, boundaryStatement(kind));
  return { Version: '2012-10-17', Statement: statements };
}

/** `Ec2`, `Elasticloadbalancing`, `ApplicationAutoscaling`: the Sid of a service's statement. */
export function sidOf(service: string): string {
  return service.split(/[^a-z0-9]/i).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
}

/** The reason a generated statement grants on `*` (every `*` Allow has one). */
export function wildcardReasonOf(kind: PolicyKind, statement: PolicyStatement): string | undefined {
  const service = Object.keys(SERVICE_SCOPES[kind]).concat(Object.keys(WILDCARD_REASONS)).find((s) => sidOf(s) === statement.Sid);
  if (statement.Resource !== '*') return undefined;
  const setting = Object.keys(REGISTRY_LEVEL_ACTIONS).find((s) => sidOf(s) === statement.Sid);
  if (setting) return REGISTRY_LEVEL_ACTIONS[setting].reason;
  if (service && WILDCARD_REASONS[service]) return WILDCARD_REASONS[service];
  return DEFAULT_WILDCARD_REASON;
}
