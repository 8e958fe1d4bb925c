import { CfnResource, CfnTemplate } from '../../codebuild/change-report/template';

/**
 * The resources of one template and the order CloudFormation creates them in.
 *
 * CloudFormation creates a resource only after every resource it depends on is complete, and
 * runs the rest in parallel; it deletes in the reverse order. A resource depends on another
 * when it names it in `DependsOn` or refers to it with `Ref`, `Fn::GetAtt` or `Fn::Sub`
 * (CloudFormation User Guide, "DependsOn attribute": "resources that reference other resources
 * with Ref or Fn::GetAtt are created after the referenced resource"; "Fn::Sub": a `${Id}` or
 * `${Id.Attribute}` variable is a Ref or a GetAtt).
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-dependson.html
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-sub.html
 *
 * `Fn::ImportValue` names another stack's export: that stack exists already (CloudFormation
 * refuses an import of a missing export), so it orders nothing inside this template.
 */
export class TemplateGraph {
  /** The resources by logical id. */
  public readonly resources: Readonly<Record<string, CfnResource>>;
  /** Logical ids in template order. */
  public readonly ids: readonly string[];
  private readonly direct = new Map<string, Set<string>>();
  private readonly closure = new Map<string, Set<string>>();
  private readonly reverse = new Map<string, Set<string>>();

  constructor(template: CfnTemplate) {
    this.resources = template.Resources ?? {};
    this.ids = Object.keys(this.resources);
    const known = new Set(this.ids);
    for (const id of this.ids) {
      const resource = this.resources[id];
      const deps = new Set<string>();
      for (const d of [resource.DependsOn ?? []].flat()) if (typeof d === 'string' && known.has(d)) deps.add(d);
      for (const d of referencesIn(resource.Properties)) if (known.has(d)) deps.add(d);
      deps.delete(id);
      this.direct.set(id, deps);
    }
  }

  /** What a resource names directly (DependsOn, Ref, GetAtt, Sub). */
  public directDependenciesOf(id: string): ReadonlySet<string> {
    return this.direct.get(id) ?? new Set();
  }

  /** Every resource that must be complete before this one starts (transitively). */
  public dependenciesOf(id: string): ReadonlySet<string> {
    const cached = this.closure.get(id);
    if (cached) return cached;
    const all = new Set<string>();
    const stack = [...this.directDependenciesOf(id)];
    while (stack.length) {
      const next = stack.pop()!;
      if (all.has(next)) continue;
      all.add(next);
      stack.push(...this.directDependenciesOf(next));
    }
    this.closure.set(id, all);
    return all;
  }

  /** Every resource that waits for this one (transitively): none of them starts if it fails. */
  public dependentsOf(id: string): ReadonlySet<string> {
    if (this.reverse.size === 0) {
      for (const other of this.ids) this.reverse.set(other, new Set());
      for (const other of this.ids) for (const dep of this.dependenciesOf(other)) this.reverse.get(dep)!.add(other);
    }
    return this.reverse.get(id) ?? new Set();
  }

  /** Whether `id` waits (directly or not) for `other`. */
  public waitsFor(id: string, other: string): boolean {
    return this.dependenciesOf(id).has(other);
  }

  /** The resources in creation waves: each wave needs only resources of earlier waves. */
  public creationWaves(): string[][] {
    const level = new Map<string, number>();
    const levelOf = (id: string): number => {
      const known = level.get(id);
      if (known !== undefined) return known;
      level.set(id, 0);
      const value = Math.max(-1, ...[...this.directDependenciesOf(id)].map(levelOf)) + 1;
      level.set(id, value);
      return value;
    };
    const waves: string[][] = [];
    for (const id of this.ids) (waves[levelOf(id)] ??= []).push(id);
    return waves;
  }
}

/**
 * The logical ids (and parameter or pseudo-parameter names) a value refers to through `Ref`,
 * `Fn::GetAtt` or `Fn::Sub`, at any depth.
 */
export function referencesIn(value: unknown): string[] {
  const found: string[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(visit);
      return;
    }
    if (!v || typeof v !== 'object') return;
    const obj = v as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1 && keys[0] === 'Ref' && typeof obj.Ref === 'string') {
      found.push(obj.Ref);
      return;
    }
    if (keys.length === 1 && keys[0] === 'Fn::GetAtt') {
      const att = obj['Fn::GetAtt'];
      if (Array.isArray(att) && typeof att[0] === 'string') found.push(att[0]);
      else if (typeof att === 'string') found.push(att.split('.')[0]);
      if (Array.isArray(att)) att.slice(1).forEach(visit);
      return;
    }
    if (keys.length === 1 && keys[0] === 'Fn::Sub') {
      const sub = obj['Fn::Sub'];
      const [text, variables] = Array.isArray(sub) ? [sub[0], sub[1] as Record<string, unknown> | undefined] : [sub, undefined];
      if (typeof text === 'string') {
        for (const match of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
          const name = match[1].trim().split('.')[0];
          if (!variables || !(name in variables)) found.push(name);
        }
      }
      if (variables) Object.values(variables).forEach(visit);
      return;
    }
    Object.values(obj).forEach(visit);
  };
  visit(value);
  return found;
}
