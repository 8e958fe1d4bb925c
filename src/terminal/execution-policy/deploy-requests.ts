import { HANDLER_OPERATIONS, HandlerPermissions, isCustomResourceType } from './handler-permissions';
import { AccessRequest } from './iam-evaluator';
import { REGISTRY_LEVEL_ACTIONS, TRANSFORM_NEEDS } from './policy-rules';
import { partitionOf } from '../../shared/aws-names';

/**
 * The IAM requests CloudFormation makes, with a stack's execution role, to create, update and
 * delete every resource of one template: one request per (resource, action, target resource).
 *
 * The action lists come from the handler data (handler-permissions.ts). The target resource of
 * each action is derived from the template where it matters for a policy scoped by name:
 * - IAM role actions target the role (CloudFormation names it `<stack>-<logicalId>-<suffix>`);
 *   `iam:PutRolePolicy` & co. of an `AWS::IAM::Policy` target the roles it is attached to;
 *   `iam:PassRole` targets each role the resource's properties reference (no reference: the
 *   call is never made); `iam:CreateServiceLinkedRole` carries `iam:AWSServiceName`;
 *   `iam:AttachRolePolicy` carries each `iam:PolicyARN` the role attaches; every request on a
 *   role of the template carries its `iam:PermissionsBoundary` (or marks it absent).
 * - S3 bucket actions target the bucket (`<stack, lower case>-<logicalId>-<suffix>`, or its
 *   literal `BucketName`); a bucket policy's actions target its bucket.
 * - Lambda code in the bootstrap asset bucket: the handler's S3 reads target that object.
 * - Lambda actions target the function (CloudFormation names it `<stack>-<logicalId>-<suffix>`),
 *   the function a permission names, and the provider function of a custom resource
 *   (its ServiceToken), which CloudFormation invokes with the execution role.
 * - ECR repository actions target the repository (its `RepositoryName`); those of a
 *   repository creation template target the repositories of its namespace (`<Prefix>/*`),
 *   except the checks ECR makes on the caller while it writes the template (CreateRepository,
 *   PutLifecyclePolicy, SetRepositoryPolicy: REGISTRY_LEVEL_ACTIONS), requested on `*`.
 * - SSM-typed template parameters (the bootstrap version check) need `ssm:GetParameters`.
 * - Every other action is requested on `*`: the generated policy grants those services on `*`
 *   with a reason (policy-rules.ts), so a finer target would not change the decision.
 */

/** One request with where it comes from. */
export interface DeployRequest extends AccessRequest {
  /** The resource type whose handler needs it (or `Template` for template-level needs). */
  readonly type: string;
  /** The template resource. */
  readonly logicalId: string;
}

/** Where a template is deployed. */
export interface DeployTarget {
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
}

/** A template the checks read (only the parts used). */
export interface TemplateLike {
  readonly Resources?: Readonly<Record<string, TemplateResource>>;
  readonly Parameters?: Readonly<Record<string, { readonly Type?: string; readonly Default?: unknown }>>;
  readonly Transform?: string | readonly string[];
}

/** The macros a template names in `Transform` (expanded by CloudFormation with the execution role). */
export function transformsOf(template: TemplateLike): string[] {
  const t = template.Transform;
  return t === undefined ? [] : (Array.isArray(t) ? t : [t]).filter((x): x is string => typeof x === 'string');
}

/** The transform that expands hosted rotation schedules into a nested stack. */
export const SECRETS_MANAGER_TRANSFORM = 'AWS::SecretsManager-2024-09-16';

/** A template resource; synthetic ones (from a transform) name the nested stack they live in. */
interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  /** The stack CloudFormation creates it in when it is not the template's own stack. */
  readonly NestedStackOf?: string;
}

/**
 * The template as CloudFormation deploys it after its transforms: the Secrets Manager
 * transform turns each `HostedRotationLambda` rotation schedule into a nested stack that holds
 * the rotation function, its execution role and the permission Secrets Manager invokes it with
 * (AWS::SecretsManager transform reference: "The Lambda function is placed in a nested stack in
 * the processed template"). Nested stacks are deployed with the parent's execution role, so
 * their resources are checked too. Their names follow CloudFormation's generated names:
 * `<stack>-<logicalId>-<suffix>` for the nested stack, and its resources after that name.
 */
export function expandTransforms(template: TemplateLike, stackName: string): TemplateLike {
  if (!transformsOf(template).includes(SECRETS_MANAGER_TRANSFORM)) return template;
  const resources: Record<string, TemplateResource> = { ...template.Resources };
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::SecretsManager::RotationSchedule' || !resource.Properties?.HostedRotationLambda) continue;
    const nested = generatedName(stackName, `${logicalId}RotationStack`, 128);
    // The schedule then names the function the nested stack creates (as RotationLambdaARN).
    resources[logicalId] = { ...resource, Properties: { ...resource.Properties, RotationLambdaARN: { 'Fn::GetAtt': [`${logicalId}RotationFunction`, 'Arn'] } } };
    resources[`${logicalId}RotationStack`] = { Type: 'AWS::CloudFormation::Stack', Properties: {} };
    resources[`${logicalId}RotationRole`] = { Type: 'AWS::IAM::Role', Properties: {}, NestedStackOf: nested };
    resources[`${logicalId}RotationFunction`] = {
      Type: 'AWS::Lambda::Function', Properties: { Role: { 'Fn::GetAtt': [`${logicalId}RotationRole`, 'Arn'] } }, NestedStackOf: nested,
    };
    resources[`${logicalId}RotationPermission`] = {
      Type: 'AWS::Lambda::Permission', Properties: { FunctionName: { Ref: `${logicalId}RotationFunction` } }, NestedStackOf: nested,
    };
  }
  return { ...template, Resources: resources };
}

/** The service principal of the service-linked role a resource type's handler may create. */
export const SERVICE_LINKED_ROLE_SERVICES: Readonly<Record<string, string>> = {
  'AWS::ECS::Cluster': 'ecs.amazonaws.com',
  'AWS::ECS::Service': 'ecs.amazonaws.com',
  'AWS::ECS::TaskDefinition': 'ecs.amazonaws.com',
  'AWS::ElasticLoadBalancingV2::LoadBalancer': 'elasticloadbalancing.amazonaws.com',
  'AWS::ElasticLoadBalancingV2::TargetGroup': 'elasticloadbalancing.amazonaws.com',
  'AWS::ElasticLoadBalancingV2::Listener': 'elasticloadbalancing.amazonaws.com',
  'AWS::RDS::DBCluster': 'rds.amazonaws.com',
  'AWS::RDS::DBInstance': 'rds.amazonaws.com',
  'AWS::RDS::DBClusterParameterGroup': 'rds.amazonaws.com',
  'AWS::RDS::DBSubnetGroup': 'rds.amazonaws.com',
  'AWS::ApplicationAutoScaling::ScalableTarget': 'ecs.application-autoscaling.amazonaws.com',
  'AWS::ApplicationAutoScaling::ScalingPolicy': 'ecs.application-autoscaling.amazonaws.com',
  'AWS::WAFv2::LoggingConfiguration': 'wafv2.amazonaws.com',
  'AWS::CodeStarNotifications::NotificationRule': 'codestar-notifications.amazonaws.com',
  // AWSServiceRoleForECRReplication and AWSServiceRoleForECRTemplate (ECR user guide, service-linked roles).
  'AWS::ECR::ReplicationConfiguration': 'replication.ecr.amazonaws.com',
  'AWS::ECR::RepositoryCreationTemplate': 'ecr.amazonaws.com',
};

const SUFFIX = 'AbCdEf123456';

/** The condition key of a role's permissions boundary. */
const BOUNDARY_KEY = 'iam:PermissionsBoundary';

/** Collect every `Ref` / `Fn::GetAtt` target logical id in a value. */
function referencedLogicalIds(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {value.forEach((v) => referencedLogicalIds(v, out));} else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' && typeof v === 'string') out.add(v);
      else if (k === 'Fn::GetAtt') out.add(Array.isArray(v) ? String(v[0]) : String(v).split('.')[0]);
      else referencedLogicalIds(v, out);
    }
  }
  return out;
}

/** Role ARNs a value names: literal, or built with `Fn::Join`/`Fn::Sub` of pseudo parameters. */
function namedRoleArns(value: unknown, target: DeployTarget, out = new Set<string>()): Set<string> {
  const isRole = (s: string | undefined): s is string => s !== undefined && /^arn:[^:]+:iam::\d{12}:role\//.test(s);
  if (typeof value === 'string') {
    if (isRole(value)) out.add(value);
  } else if (Array.isArray(value)) {
    value.forEach((v) => namedRoleArns(v, target, out));
  } else if (value && typeof value === 'object') {
    const resolved = ('Fn::Join' in value || 'Fn::Sub' in value) ? resolveString(value, target) : undefined;
    if (isRole(resolved)) out.add(resolved);
    else Object.values(value).forEach((v) => namedRoleArns(v, target, out));
  }
  return out;
}

/** Resolve a string that may be a literal or an `Fn::Sub`/`Fn::Join` of pseudo parameters. */
function resolveString(value: unknown, target: DeployTarget): string | undefined {
  const pseudo = (s: string) => s
    .replace(/\$\{AWS::AccountId\}/g, target.account)
    .replace(/\$\{AWS::Region\}/g, target.region)
    .replace(/\$\{AWS::Partition\}/g, partitionOf(target.region))
    .replace(/\$\{AWS::URLSuffix\}/g, 'amazonaws.com');
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'Fn::Sub' in value) {
    const sub = (value as Record<string, unknown>)['Fn::Sub'];
    const text = typeof sub === 'string' ? sub : Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : undefined;
    if (text === undefined) return undefined;
    const resolved = pseudo(text);
    return /\$\{/.test(resolved) ? undefined : resolved;
  }
  if (value && typeof value === 'object' && 'Fn::Join' in value) {
    const [sep, parts] = (value as Record<string, any>)['Fn::Join'];
    const strings = (parts as unknown[]).map((p) => (p && typeof p === 'object' && 'Ref' in (p as object)
      ? pseudo(`\${${String((p as Record<string, unknown>).Ref)}}`) : resolveString(p, target)));
    if (strings.some((s) => s === undefined || /\$\{/.test(s))) return undefined;
    return strings.join(String(sep));
  }
  return undefined;
}

/** The physical name CloudFormation generates: `<stack>-<logicalId>-<suffix>`, capped. */
export function generatedName(stackName: string, logicalId: string, maxLength: number, lowerCase = false): string {
  const room = maxLength - SUFFIX.length - 1;
  const base = `${stackName}-${logicalId}`.slice(0, room);
  const name = `${base}-${SUFFIX}`;
  return lowerCase ? name.toLowerCase() : name;
}

/** The physical names and references of one (expanded) template, as CloudFormation's calls target them. */
class TemplateNames {
  public readonly partition: string;
  /**
   * The permissions boundary each role of the template carries (`iam:PermissionsBoundary`: the
   * boundary in the request for CreateRole, the role's own for the calls on an existing role).
   * A role of another template is not known here: its requests carry no value, so a condition
   * on the key is reported as unevaluable rather than guessed.
   */
  private readonly boundaryOf = new Map<string, Partial<AccessRequest>>();

  constructor(public readonly resources: Readonly<Record<string, TemplateResource>>, public readonly target: DeployTarget) {
    this.partition = partitionOf(target.region);
    for (const [logicalId, resource] of Object.entries(resources)) {
      if (resource.Type !== 'AWS::IAM::Role') continue;
      const boundary = resource.Properties?.PermissionsBoundary;
      const resolved = boundary === undefined ? undefined : resolveString(boundary, target);
      const known = resolved ? { context: { [BOUNDARY_KEY]: resolved } } : {};
      this.boundaryOf.set(this.roleArn(logicalId), boundary === undefined ? { absentKeys: [BOUNDARY_KEY] } : known);
    }
  }

  private props(logicalId: string): Record<string, unknown> {
    return this.resources[logicalId]?.Properties ?? {};
  }

  public stackOf(logicalId: string): string {
    return this.resources[logicalId]?.NestedStackOf ?? this.target.stackName;
  }

  public roleArn(logicalId: string): string {
    const props = this.props(logicalId);
    const name = typeof props.RoleName === 'string' ? props.RoleName : generatedName(this.stackOf(logicalId), logicalId, 64);
    const rolePath = typeof props.Path === 'string' ? props.Path : '/';
    return `arn:${this.partition}:iam::${this.target.account}:role${rolePath}${name}`;
  }

  public bucketArn(logicalId: string): string {
    const name = resolveString(this.props(logicalId).BucketName, this.target) ?? generatedName(this.target.stackName, logicalId, 63, true);
    return `arn:${this.partition}:s3:::${name}`;
  }

  public functionArn(logicalId: string): string {
    const name = resolveString(this.props(logicalId).FunctionName, this.target) ?? generatedName(this.stackOf(logicalId), logicalId, 64);
    return `arn:${this.partition}:lambda:${this.target.region}:${this.target.account}:function:${name}`;
  }

  /**
   * Functions a value names: a function of the template (Ref or Fn::GetAtt), else a literal ARN,
   * else a literal function name (the function of that name in the stack's account and region:
   * Lambda's `FunctionName` accepts a name); else `*` (a scoped policy refuses it: reported).
   */
  public functionsReferencedBy(value: unknown): string[] {
    const own = [...referencedLogicalIds(value)].filter((id) => this.resources[id]?.Type === 'AWS::Lambda::Function').map((id) => this.functionArn(id));
    if (own.length) return own;
    const props = value && typeof value === 'object' ? value as Record<string, unknown> : {};
    const literal = resolveString(props.FunctionName ?? props.TargetFunctionArn ?? value, this.target);
    if (literal && /^arn:[^:]+:lambda:/.test(literal)) return [literal];
    if (literal && /^[a-zA-Z0-9_-]{1,64}$/.test(literal)) {
      return [`arn:${this.partition}:lambda:${this.target.region}:${this.target.account}:function:${literal}`];
    }
    return ['*'];
  }

  /** The function a scalable target scales (none unless its namespace is Lambda). */
  public scalableLambdaTargets(props: Record<string, unknown>): string[] {
    if (props.ServiceNamespace !== 'lambda') return [];
    const id = resolveString(props.ResourceId, this.target);
    const name = id?.startsWith('function:') ? id.split(':')[1] : undefined;
    return [name ? `arn:${this.partition}:lambda:${this.target.region}:${this.target.account}:function:${name}` : '*'];
  }

  /**
   * Roles a value names. Only roles of the stack's own account: a role of another account (a
   * cross-account pipeline action's role) is assumed through its trust policy, not passed or
   * read with this identity.
   */
  public rolesReferencedBy(value: unknown): string[] {
    return [
      ...[...referencedLogicalIds(value)].filter((id) => this.resources[id]?.Type === 'AWS::IAM::Role').map((id) => this.roleArn(id)),
      ...[...namedRoleArns(value, this.target)].filter((arn) => arn.split(':')[4] === this.target.account),
    ];
  }

  /** The condition keys of a request on a role: its boundary (known or absent) beside `extra`. */
  public withBoundary(arn: string, extra: Partial<AccessRequest>): Partial<AccessRequest> {
    const known = this.boundaryOf.get(arn) ?? {};
    return {
      ...extra,
      ...(known.context || extra.context ? { context: { ...extra.context, ...known.context } } : {}),
      ...(known.absentKeys || extra.absentKeys ? { absentKeys: [...(extra.absentKeys ?? []), ...(known.absentKeys ?? [])] } : {}),
    };
  }
}

/** A target of one action, with the condition keys the request carries. */
type Target = readonly [resource: string, extra?: Partial<AccessRequest>];

/** What an IAM action of a resource targets. */
function iamTargets(action: string, type: string, logicalId: string, props: Record<string, unknown>, names: TemplateNames): Target[] {
  const name = action.split(':')[1];
  const noPolicy = { absentKeys: ['iam:PolicyARN'] };
  if (name === 'PassRole') return names.rolesReferencedBy(props).map((arn) => [arn]);
  if (name === 'CreateServiceLinkedRole') {
    const serviceName = SERVICE_LINKED_ROLE_SERVICES[type];
    return [[`arn:${names.partition}:iam::${names.target.account}:role/aws-service-role/${serviceName ?? 'unknown'}/AWSServiceRole`,
      serviceName ? { context: { 'iam:AWSServiceName': serviceName } } : {}]];
  }
  if (type === 'AWS::IAM::Role') {
    const role = names.roleArn(logicalId);
    if (!/^(Attach|Detach)RolePolicy$/.test(name)) return [[role, noPolicy]];
    const policyArns = (Array.isArray(props.ManagedPolicyArns) ? props.ManagedPolicyArns : []).map((p) => resolveString(p, names.target));
    if (policyArns.length === 0) return [[role, noPolicy]];
    return policyArns.map((policyArn): Target => [role, policyArn ? { context: { 'iam:PolicyARN': policyArn } } : {}]);
  }
  if (type === 'AWS::IAM::Policy') return names.rolesReferencedBy(props.Roles).map((arn) => [arn, noPolicy]);
  // Other IAM actions of non-IAM types (rare): on the roles the resource names, else `*`.
  const roles = names.rolesReferencedBy(props);
  return roles.length ? roles.map((arn) => [arn, noPolicy]) : [['*', noPolicy]];
}

/** What a non-IAM action of a resource targets. */
function resourceTargets(action: string, type: string, logicalId: string, props: Record<string, unknown>, names: TemplateNames): Target[] {
  const service = action.split(':')[0];
  const { partition, target, resources } = names;
  if (service === 'lambda' && REGISTRY_LEVEL_ACTIONS['lambda-function-settings'].actions.includes(action)) return [['*']];
  if (service === 'lambda') {
    // Lambda actions act on functions: the function itself, the one a permission or a
    // scalable target names (a scalable target of another namespace makes no Lambda call).
    const functions = type === 'AWS::Lambda::Function' ? [names.functionArn(logicalId)]
      : type === 'AWS::ApplicationAutoScaling::ScalableTarget' ? names.scalableLambdaTargets(props) : names.functionsReferencedBy(props);
    return functions.map((arn) => [arn]);
  }
  if (service === 's3' && type === 'AWS::Lambda::Function') {
    // The handler reads the code object; inline code (ZipFile) reads nothing.
    const code = props.Code as Record<string, unknown> | undefined;
    const codeBucket = resolveString(code?.S3Bucket, target);
    const codeKey = resolveString(code?.S3Key, target);
    return codeBucket && codeKey ? [[`arn:${partition}:s3:::${codeBucket}/${codeKey}`]] : [];
  }
  if (service === 'ecr' && type === 'AWS::ECR::Repository' && action !== 'ecr:GetAuthorizationToken') {
    const repository = resolveString(props.RepositoryName, target);
    return [[repository ? `arn:${partition}:ecr:${target.region}:${target.account}:repository/${repository}` : '*']];
  }
  if (service === 'ecr' && type === 'AWS::ECR::RepositoryCreationTemplate' && !Object.values(REGISTRY_LEVEL_ACTIONS).some((r) => r.actions.includes(action))) {
    // Repository actions of a creation template act on the repositories of its namespace;
    // the checks ECR makes when the template is written act on an undocumented ARN
    // (policy-rules.ts, 'ecr-template-checks'): requested on `*`, the only safe target.
    const prefix = resolveString(props.Prefix, target);
    return [[prefix ? `arn:${partition}:ecr:${target.region}:${target.account}:repository/${prefix}/*` : '*']];
  }
  if (service === 'cloudformation' && type === 'AWS::CloudFormation::Stack') {
    const nested = generatedName(target.stackName, logicalId, 128);
    return [[`arn:${partition}:cloudformation:${target.region}:${target.account}:stack/${nested}/00000000-0000-0000-0000-000000000000`]];
  }
  if (service === 's3' && type === 'AWS::S3::Bucket') return [[names.bucketArn(logicalId)]];
  if (service === 'cloudtrail' && type === 'AWS::CloudTrail::Trail') {
    // Named after its stack unless TrailName is set: the guardrail lets the role stop and delete only its own stages' trails.
    const name = resolveString(props.TrailName, target) ?? generatedName(target.stackName, logicalId, 128);
    return [[`arn:${partition}:cloudtrail:${target.region}:${target.account}:trail/${name}`]];
  }
  if (service === 's3' && type === 'AWS::S3::BucketPolicy') {
    const [bucketId] = [...referencedLogicalIds(props.Bucket)].filter((id) => resources[id]?.Type === 'AWS::S3::Bucket');
    const literal = resolveString(props.Bucket, target);
    return [[bucketId ? names.bucketArn(bucketId) : `arn:${partition}:s3:::${literal ?? '*'}`]];
  }
  return [['*']];
}

/** Template-level needs: expanding the transforms, and the SSM-typed parameters. */
function templateRequests(template: TemplateLike, target: DeployTarget): DeployRequest[] {
  const partition = partitionOf(target.region);
  const requests: DeployRequest[] = [];
  for (const transform of transformsOf(template)) {
    for (const macro of [transform, ...(TRANSFORM_NEEDS[transform]?.alsoExpands ?? [])]) {
      requests.push({
        type: 'Template',
        logicalId: 'Transform',
        action: 'cloudformation:CreateChangeSet',
        resource: `arn:${partition}:cloudformation:${target.region}:aws:transform/${macro.replace(/^AWS::/, '')}`,
      });
    }
    for (const need of TRANSFORM_NEEDS[transform]?.requests ?? []) {
      requests.push({ type: 'Template', logicalId: `Transform ${transform}`, action: need.action, resource: need.resource(partition, target.region) });
    }
  }
  for (const [parameterId, parameter] of Object.entries(template.Parameters ?? {})) {
    if (!parameter.Type?.startsWith('AWS::SSM::Parameter::Value')) continue;
    const parameterName = String(parameter.Default ?? '');
    requests.push({
      type: 'Template',
      logicalId: `Parameters.${parameterId}`,
      action: 'ssm:GetParameters',
      resource: `arn:${partition}:ssm:${target.region}:${target.account}:parameter${parameterName.startsWith('/') ? '' : '/'}${parameterName}`,
    });
  }
  return requests;
}

/** Every request the execution role must allow to deploy one template. */
export function deployRequests(original: TemplateLike, target: DeployTarget, permissions: HandlerPermissions): DeployRequest[] {
  const template = expandTransforms(original, target.stackName);
  const names = new TemplateNames(template.Resources ?? {}, target);
  const requests: DeployRequest[] = [];
  for (const [logicalId, resource] of Object.entries(names.resources)) {
    const { Type: type } = resource;
    const props = resource.Properties ?? {};
    const add = (action: string, [resourceArn, extra = {}]: Target) =>
      requests.push({ type, logicalId, action, resource: resourceArn, ...(action.startsWith('iam:') ? names.withBoundary(resourceArn, extra) : extra) });
    if (isCustomResourceType(type)) {
      // CloudFormation invokes the provider function (ServiceToken) with the execution role.
      for (const arn of names.functionsReferencedBy(props.ServiceToken)) add('lambda:InvokeFunction', [arn]);
      continue;
    }
    for (const action of new Set(HANDLER_OPERATIONS.flatMap((op) => permissions.actionsFor(type, op)))) {
      const targets = action.startsWith('iam:') ? iamTargets(action, type, logicalId, props, names) : resourceTargets(action, type, logicalId, props, names);
      for (const t of targets) add(action, t);
    }
  }
  return [...requests, ...templateRequests(template, target)];
}
