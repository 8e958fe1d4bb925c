import { propertyReplacement, Replacement, STATEFUL_TYPES } from './replacement-table';
import { CfnResource, CfnTemplate, stableJson } from './template';

export type ResourceStatus = 'added' | 'removed' | 'changed' | 'unchanged';

export interface PropertyChange {
  /** Top-level property name (e.g. `StorageEncrypted`), or `Type` when the resource type itself changed. */
  readonly name: string;
  readonly before: unknown;
  readonly after: unknown;
  readonly replacement: Replacement;
}

export interface ResourceChange {
  readonly logicalId: string;
  /** The synthesized type (the deployed one for a removed resource). */
  readonly type: string;
  readonly status: ResourceStatus;
  readonly before?: CfnResource;
  readonly after?: CfnResource;
  /** Changed `Properties` entries (and `Type`, which always replaces). */
  readonly propertyChanges: readonly PropertyChange[];
  /** Changed resource attributes: DeletionPolicy, UpdateReplacePolicy, DependsOn, Condition, ... */
  readonly attributeChanges: readonly string[];
  /** Worst replacement verdict over the property changes. */
  readonly replacement: Replacement;
  readonly stateful: boolean;
}

export interface TemplateDiff {
  readonly resources: readonly ResourceChange[];
  /** Changes outside Resources, e.g. `Outputs.ServiceUrl changed`. */
  readonly otherChanges: readonly string[];
  readonly hasChanges: boolean;
}

/** Resource attributes that are noise for a change review. */
const IGNORED_RESOURCE_ATTRIBUTES = new Set(['Type', 'Properties', 'Metadata']);
/** Resource types that are noise for a change review. */
const IGNORED_RESOURCE_TYPES = new Set(['AWS::CDK::Metadata']);
/** Entries the CDK adds to every template to check the bootstrap version. */
const IGNORED_SECTION_ENTRIES: Record<string, ReadonlySet<string>> = {
  Parameters: new Set(['BootstrapVersion']),
  Rules: new Set(['CheckBootstrapVersion']),
};
/** Sections that carry no deployable meaning for the review. */
const IGNORED_SECTIONS = new Set(['Resources', 'Metadata', 'AWSTemplateFormatVersion', 'Description']);

const REPLACEMENT_RANK: Record<Replacement, number> = { 'no': 0, 'not-assessed': 1, 'conditional': 2, 'yes': 3 };

function worst(values: Replacement[], fallback: Replacement): Replacement {
  return values.reduce((acc, v) => (REPLACEMENT_RANK[v] > REPLACEMENT_RANK[acc] ? v : acc), fallback);
}

function reviewedResources(template: CfnTemplate | undefined): Map<string, CfnResource> {
  const out = new Map<string, CfnResource>();
  for (const [id, res] of Object.entries(template?.Resources ?? {})) {
    if (!res || typeof res !== 'object' || IGNORED_RESOURCE_TYPES.has(res.Type) || id === 'CDKMetadata') continue;
    out.set(id, res);
  }
  return out;
}

function changeOf(logicalId: string, before: CfnResource | undefined, after: CfnResource | undefined): ResourceChange {
  const type = after?.Type ?? before?.Type ?? 'UNKNOWN';
  const stateful = STATEFUL_TYPES.has(type) || (before !== undefined && STATEFUL_TYPES.has(before.Type));
  const common = { logicalId, type, before, after, stateful };
  if (!before || !after) {
    return { ...common, status: before ? 'removed' : 'added', propertyChanges: [], attributeChanges: [], replacement: 'no' };
  }

  const propertyChanges: PropertyChange[] = [];
  if (before.Type !== after.Type) {
    propertyChanges.push({ name: 'Type', before: before.Type, after: after.Type, replacement: 'yes' });
  }
  const bp = before.Properties ?? {};
  const ap = after.Properties ?? {};
  for (const name of keysOfEither(bp, ap)) {
    if (stableJson(bp[name]) === stableJson(ap[name])) continue;
    propertyChanges.push({ name, before: bp[name], after: ap[name], replacement: propertyReplacement(type, name) });
  }

  const attributeChanges: string[] = [];
  for (const attr of keysOfEither(before, after)) {
    if (IGNORED_RESOURCE_ATTRIBUTES.has(attr)) continue;
    if (stableJson(before[attr]) !== stableJson(after[attr])) attributeChanges.push(attr);
  }

  const changed = propertyChanges.length > 0 || attributeChanges.length > 0;
  return {
    ...common,
    status: changed ? 'changed' : 'unchanged',
    propertyChanges,
    attributeChanges,
    replacement: worst(propertyChanges.map((c) => c.replacement), 'no'),
  };
}

function otherSectionChanges(deployed: CfnTemplate | undefined, synthesized: CfnTemplate): string[] {
  const out: string[] = [];
  for (const section of keysOfEither(deployed ?? {}, synthesized)) {
    if (IGNORED_SECTIONS.has(section)) continue;
    const before = (deployed?.[section] ?? {}) as Record<string, unknown>;
    const after = (synthesized[section] ?? {}) as Record<string, unknown>;
    if (typeof before !== 'object' || typeof after !== 'object' || Array.isArray(before) || Array.isArray(after)) {
      if (stableJson(before) !== stableJson(after)) out.push(`${section} changed`);
      continue;
    }
    const ignored = IGNORED_SECTION_ENTRIES[section] ?? new Set<string>();
    for (const key of keysOfEither(before, after)) {
      if (ignored.has(key)) continue;
      if (!(key in before)) out.push(`${section}.${key} added`);
      else if (!(key in after)) out.push(`${section}.${key} removed`);
      else if (stableJson(before[key]) !== stableJson(after[key])) out.push(`${section}.${key} changed`);
    }
  }
  return out;
}

/**
 * Compare the deployed template (undefined for a stack that does not exist yet) with the
 * synthesized one. Ignores CDK noise: resource Metadata (aws:cdk:path, aws:asset:*), the
 * CDKMetadata resource, and the BootstrapVersion parameter/rule.
 */
export function diffTemplates(deployed: CfnTemplate | undefined, synthesized: CfnTemplate): TemplateDiff {
  const before = reviewedResources(deployed);
  const after = reviewedResources(synthesized);
  const ids = [...new Set([...before.keys(), ...after.keys()])].sort();
  const resources = ids.map((id) => changeOf(id, before.get(id), after.get(id)));
  const otherChanges = otherSectionChanges(deployed, synthesized);
  return {
    resources,
    otherChanges,
    hasChanges: otherChanges.length > 0 || resources.some((r) => r.status !== 'unchanged'),
  };
}

/** The keys of either object, sorted. */
function keysOfEither(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}
