import * as fs from 'fs';
import * as path from 'path';

/**
 * What CloudFormation's own resource handlers need, per resource type: the IAM actions each
 * registry schema lists under `handlers.create/update/delete.permissions`, plus our reviewed
 * corrections. This is the ground truth the execution policies are generated from and checked
 * against (src/terminal/execution-policy/sufficiency.ts).
 *
 * Two committed files:
 * - `bootstrap/handler-permissions.json`: the snapshot of the registry schemas' handler lists for
 *   every resource type our templates use (written by `npx projen policy:handlers`, which records
 *   its source and the date it was read);
 * - `bootstrap/handler-permissions-review.json`: what a person decided on top of it, each entry
 *   with its evidence or reason: actions the schemas omit but AWS requires, permissions of
 *   types whose schema has no handlers (pre-registry types), names in the schemas' lists that
 *   are no IAM action (API names such as `s3:PutBucketReplication`: IAM ignores an unknown
 *   action silently, so each maps to the IAM action AWS documents for the call, or is dropped
 *   with a reason), and actions that serve variants we do not deploy (mutating actions only:
 *   a read-only action of the resource's own service stays, since whether a handler reads
 *   unconditionally cannot be seen offline; test/terminal/execution-policy/real-actions.test.ts).
 */

/** The handler operations whose permissions a deployment needs. */
export const HANDLER_OPERATIONS = ['create', 'update', 'delete'] as const;
/** One handler operation. */
export type HandlerOperation = typeof HANDLER_OPERATIONS[number];

/** Actions per handler operation of one resource type. */
export type HandlerActions = Partial<Record<HandlerOperation, readonly string[]>>;

/** `bootstrap/handler-permissions.json`. */
export interface HandlerPermissionsSnapshot {
  /** Where the schemas were read from. */
  readonly source: string;
  /** When (YYYY-MM-DD). */
  readonly readAt: string;
  /** How to refresh. */
  readonly refresh: string;
  /** Per resource type; `null` when the type's schema has no handlers (a pre-registry type). */
  readonly types: Readonly<Record<string, HandlerActions | null>>;
}

/** Actions AWS requires that the schema does not list, with the evidence. */
export interface AddedActions {
  readonly actions: readonly string[];
  /** Which operations need them. @default all three */
  readonly operations?: readonly HandlerOperation[];
  /** Where AWS says so (a documentation page or an observed error), in a sentence. */
  readonly evidence: string;
}

/** Actions of a schema's list that serve a variant we do not deploy. */
export interface UnusedActions {
  readonly actions: readonly string[];
  /** Why we never need them, in a sentence. */
  readonly reason: string;
}

/** A name a schema's handler list uses that is no IAM action. */
export interface NotAnIamAction {
  /** The IAM actions AWS authorizes that call as (empty: dropped). */
  readonly iamActions: readonly string[];
  /** Where AWS says so, or why it is dropped, in a sentence. */
  readonly evidence: string;
}

/** `bootstrap/handler-permissions-review.json`. */
export interface HandlerPermissionsReview {
  /** Per resource type: actions to add. */
  readonly added: Readonly<Record<string, readonly AddedActions[]>>;
  /** Per resource type: actions to drop. */
  readonly unused: Readonly<Record<string, readonly UnusedActions[]>>;
  /** Per name in a schema's list that is no IAM action (any type): what IAM checks instead. */
  readonly notIamActions: Readonly<Record<string, NotAnIamAction>>;
}

/** Where the two files live, relative to the repository root. */
export const SNAPSHOT_FILE = 'bootstrap/handler-permissions.json';
export const REVIEW_FILE = 'bootstrap/handler-permissions-review.json';

/** Custom resources: CloudFormation invokes the provider function with the execution role. */
export const CUSTOM_RESOURCE_ACTIONS: readonly string[] = ['lambda:InvokeFunction'];

/** True for `Custom::X` and `AWS::CloudFormation::CustomResource`. */
export function isCustomResourceType(type: string): boolean {
  return type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource';
}

/** The required actions of every resource type we know, per operation. */
export class HandlerPermissions {
  /** Read both committed files from a repository root. */
  public static load(rootDir: string): HandlerPermissions {
    const read = (file: string) => JSON.parse(fs.readFileSync(path.join(rootDir, file), 'utf8'));
    return new HandlerPermissions(read(SNAPSHOT_FILE), read(REVIEW_FILE));
  }

  constructor(public readonly snapshot: HandlerPermissionsSnapshot, public readonly review: HandlerPermissionsReview) {}

  /** Whether we have data (schema handlers or reviewed actions) for a type. */
  public knows(type: string): boolean {
    if (isCustomResourceType(type)) return true;
    return Boolean(this.snapshot.types[type]) || Boolean(this.review.added[type]?.length);
  }

  /**
   * The actions CloudFormation needs for one operation on a type: the schema's list with every
   * name that is no IAM action replaced by the IAM actions AWS checks for it, plus the reviewed
   * additions, minus the reviewed unused variants. Sorted, each once.
   */
  public actionsFor(type: string, operation: HandlerOperation): string[] {
    if (isCustomResourceType(type)) return [...CUSTOM_RESOURCE_ACTIONS];
    const listed = this.snapshot.types[type]?.[operation] ?? [];
    const actions = new Set(listed.flatMap((a) => this.review.notIamActions[a]?.iamActions ?? [a]));
    for (const added of this.review.added[type] ?? []) {
      if (!added.operations || added.operations.includes(operation)) added.actions.forEach((a) => actions.add(a));
    }
    for (const unused of this.review.unused[type] ?? []) unused.actions.forEach((a) => actions.delete(a));
    return [...actions].sort();
  }

  /** Every action any create, update or delete of the type needs. */
  public allActionsFor(type: string): string[] {
    return [...new Set(HANDLER_OPERATIONS.flatMap((op) => this.actionsFor(type, op)))].sort();
  }
}

/**
 * Extract the handler lists of the given types from a directory of CloudFormation registry
 * schemas (the unpacked `CloudformationSchema.zip` AWS publishes per region, or any directory
 * of `*.json` resource schemas). Types not found get `null` and must be covered by the review.
 */
export function readHandlerLists(schemaDir: string, types: Iterable<string>): Record<string, HandlerActions | null> {
  const byType = new Map<string, any>();
  for (const file of fs.readdirSync(schemaDir)) {
    if (!file.endsWith('.json')) continue;
    const schema = JSON.parse(fs.readFileSync(path.join(schemaDir, file), 'utf8'));
    if (typeof schema.typeName === 'string') byType.set(schema.typeName, schema);
  }
  const result: Record<string, HandlerActions | null> = {};
  for (const type of [...new Set(types)].sort()) {
    if (isCustomResourceType(type)) continue;
    const handlers = byType.get(type)?.handlers;
    if (!handlers) {
      result[type] = null;
      continue;
    }
    const entry: Record<string, string[]> = {};
    for (const op of HANDLER_OPERATIONS) {
      const permissions = handlers[op]?.permissions;
      if (Array.isArray(permissions)) entry[op] = [...new Set<string>(permissions)].sort();
    }
    result[type] = entry;
  }
  return result;
}

/** IAM service prefixes of CloudFormation namespaces whose lower-cased name is not the prefix. */
const SERVICE_PREFIXES: Readonly<Record<string, string>> = {
  ApplicationAutoScaling: 'application-autoscaling',
  CertificateManager: 'acm',
  CodeStarNotifications: 'codestar-notifications',
  Cognito: 'cognito-idp',
  ElasticLoadBalancingV2: 'elasticloadbalancing',
  StepFunctions: 'states',
};

/**
 * The IAM service of a resource type's own API (`AWS::Logs::LogGroup` -> `logs`): its read-only
 * actions in a handler list are kept, whatever branch they serve.
 */
export function ownServiceOf(type: string): string {
  const namespace = type.split('::')[1] ?? type;
  return SERVICE_PREFIXES[namespace] ?? namespace.toLowerCase();
}
