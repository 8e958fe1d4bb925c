import { rotationBeforeInstance, serviceBeforeRolePolicies } from './ordering-checks';
import {
  bucketWriters, customResourceReviewOf, deletionProtectionOf, emptiedBuckets, fixedNameOf, isCustomResource, rollbackKeepsCreated, RuleId, RULES,
} from './rollback-rules';
import { TemplateGraph } from './template-graph';
import { CfnResource, CfnTemplate, stableJson } from '../../codebuild/change-report/template';

/**
 * The rollback analysis: for every stack operation CloudFormation may run on a template, a
 * failure at each resource in turn, and what the rollback then has to do.
 *
 * - **create** (a stack's first deploy): when resource F fails, every resource that does not
 *   wait for F may already exist (CloudFormation runs independent resources in parallel), and F
 *   itself may be half made. The rollback deletes all of them, newest first, keeping only those
 *   with DeletionPolicy Retain (RetainExceptOnCreate is deleted here).
 * - **update** (the next deploy, here: the same app at the next commit): only resources the
 *   update adds or changes can fail. When F fails, every added or changed resource that does not
 *   wait for F may already be done; the rollback deletes what was added (as above) and updates
 *   what was changed back to its previous properties.
 * - **order**: resources that can start before something they need exists, whatever the
 *   operation (ordering-checks.ts).
 *
 * A step AWS refuses, or that leaves something behind that blocks the retry, is a finding
 * (rollback-rules.ts names each rule's AWS source).
 */

/** One stack's template, by the name it is deployed under. */
export interface StackTemplate {
  readonly stackName: string;
  readonly template: CfnTemplate;
  /** Which synthesis it comes from (the sample, a variant, a directory). @default 'the sample' */
  readonly source?: string;
}

/** Which operation a finding comes from. */
export type Operation = 'create' | 'update' | 'order';

/** A rollback step AWS refuses or that blocks the retry. */
export interface RollbackFinding {
  readonly stackName: string;
  /** The syntheses whose template of this stack has it. */
  readonly sources: readonly string[];
  readonly logicalId: string;
  readonly type: string;
  readonly rule: RuleId;
  readonly operation: Operation;
  /** What the template does, in words. */
  readonly detail: string;
  /** The failing resources that lead to this step (empty for `order`). */
  readonly failurePoints: readonly string[];
}

/** The outcome over some stacks. */
export interface AnalysisResult {
  readonly findings: readonly RollbackFinding[];
  /** Failures simulated (one per resource that can fail, per operation). */
  readonly failurePoints: number;
  /** Of which in updates. */
  readonly updateFailurePoints: number;
  /** Rollback steps evaluated (resources undone, summed over the failures). */
  readonly stepsEvaluated: number;
}

function sourceOf(stack: StackTemplate): string {
  return stack.source ?? 'the sample';
}

/** Collects findings, one per (stack, resource, rule, operation), with every failure point that leads there. */
class Findings {
  private readonly byKey = new Map<string, { finding: Omit<RollbackFinding, 'failurePoints'>; points: Set<string> }>();

  public add(finding: Omit<RollbackFinding, 'failurePoints'>, failurePoint?: string): void {
    const key = [finding.stackName, finding.logicalId, finding.rule, finding.operation].join('|');
    const entry = this.byKey.get(key) ?? { finding, points: new Set<string>() };
    if (failurePoint) entry.points.add(failurePoint);
    this.byKey.set(key, entry);
  }

  public list(): RollbackFinding[] {
    return [...this.byKey.values()].map(({ finding, points }) => ({ ...finding, failurePoints: [...points] }));
  }
}

/** A rollback step's problem: the rule and what the template does. */
interface Problem {
  readonly rule: RuleId;
  readonly detail: string;
}

/** What the rollback steps of one template need to know beside the resource itself. */
interface RollbackContext {
  readonly resourceIds: ReadonlySet<string>;
  /** Buckets something writes into, with the writers. */
  readonly writers: ReadonlyMap<string, string[]>;
  /** Buckets a custom resource empties first. */
  readonly emptied: ReadonlySet<string>;
}

function contextOf(graph: TemplateGraph): RollbackContext {
  return { resourceIds: new Set(graph.ids), writers: bucketWriters(graph.resources), emptied: emptiedBuckets(graph.resources) };
}

/** Memoizes a resource's problems: they depend on the resource, not on which failure led there. */
function memo(fn: (id: string) => Problem[]): (id: string) => Problem[] {
  const cache = new Map<string, Problem[]>();
  return (id) => {
    if (!cache.has(id)) cache.set(id, fn(id));
    return cache.get(id)!;
  };
}

/** What deleting a resource the failed operation created runs into, if anything. */
function deleteProblems(graph: TemplateGraph, id: string, context: RollbackContext): Problem[] {
  const resource: CfnResource = graph.resources[id];
  if (rollbackKeepsCreated(resource)) {
    const name = fixedNameOf(resource, context.resourceIds);
    return name ? [{ rule: 'retained-fixed-name', detail: `DeletionPolicy Retain and the fixed name ${name}` }] : [];
  }
  const problems: Problem[] = [];
  const protection = deletionProtectionOf(resource);
  if (protection) problems.push({ rule: 'deletion-protection', detail: `${protection} in the template, so it is on from the first create` });
  if (resource.Type === 'AWS::S3::Bucket' && context.writers.has(id) && !context.emptied.has(id)) {
    problems.push({ rule: 'non-empty-bucket', detail: `written by ${context.writers.get(id)!.join(', ')}, emptied by nothing (no auto-delete)` });
  }
  if (isCustomResource(resource.Type) && !customResourceReviewOf(resource.Type)) {
    problems.push({ rule: 'custom-resource-reruns', detail: 'a custom resource no review says is safe to delete in a rollback (CUSTOM_RESOURCE_REVIEWS)' });
  }
  return problems;
}

/** What updating a changed resource back to its previous properties runs into, if anything. */
function revertProblems(resource: CfnResource): Problem[] {
  if (!isCustomResource(resource.Type)) return [];
  const review = customResourceReviewOf(resource.Type);
  if (review?.onUpdate) return [];
  return [{ rule: 'custom-resource-reruns', detail: 'its properties change with every commit under the same logical id, and no review says its Update is safe to run again' }];
}

/** The create of a stack, failing at each resource in turn. */
export function analyzeCreate(stack: StackTemplate): AnalysisResult {
  const graph = new TemplateGraph(stack.template);
  const context = contextOf(graph);
  const problemsOf = memo((id) => deleteProblems(graph, id, context));
  const findings = new Findings();
  let steps = 0;
  for (const failing of graph.ids) {
    const waiting = graph.dependentsOf(failing);
    for (const id of graph.ids.filter((x) => !waiting.has(x))) {
      steps++;
      for (const problem of problemsOf(id)) {
        findings.add({ stackName: stack.stackName, sources: [sourceOf(stack)], logicalId: id, type: graph.resources[id].Type, operation: 'create', ...problem }, failing);
      }
    }
  }
  return { findings: findings.list(), failurePoints: graph.ids.length, updateFailurePoints: 0, stepsEvaluated: steps };
}

/** Whether CloudFormation updates a resource between two templates (its type or properties differ). */
function changed(before: CfnResource, after: CfnResource): boolean {
  return before.Type !== after.Type || stableJson(before.Properties ?? {}) !== stableJson(after.Properties ?? {});
}

/** The update from one template of a stack to the next, failing at each added or changed resource in turn. */
export function analyzeUpdate(before: StackTemplate, after: StackTemplate): AnalysisResult {
  const graph = new TemplateGraph(after.template);
  const previous = before.template.Resources ?? {};
  const added = new Set(graph.ids.filter((id) => !previous[id]));
  const updated = new Set(graph.ids.filter((id) => previous[id] && changed(previous[id], graph.resources[id])));
  const touched = graph.ids.filter((id) => added.has(id) || updated.has(id));
  const context = contextOf(graph);
  const problemsOf = memo((id) => added.has(id) ? deleteProblems(graph, id, context) : revertProblems(graph.resources[id]));
  const findings = new Findings();
  let steps = 0;
  for (const failing of touched) {
    const waiting = graph.dependentsOf(failing);
    for (const id of touched.filter((x) => !waiting.has(x))) {
      steps++;
      for (const problem of problemsOf(id)) {
        findings.add({ stackName: after.stackName, sources: [sourceOf(after)], logicalId: id, type: graph.resources[id].Type, operation: 'update', ...problem }, failing);
      }
    }
  }
  return { findings: findings.list(), failurePoints: touched.length, updateFailurePoints: touched.length, stepsEvaluated: steps };
}

/** Resources of a template that can start before what they need exists. */
export function analyzeOrdering(stack: StackTemplate): RollbackFinding[] {
  const graph = new TemplateGraph(stack.template);
  const gaps: [RuleId, ReturnType<typeof rotationBeforeInstance>][] = [
    ['rotation-before-instance', rotationBeforeInstance(graph)],
    ['service-before-role-policies', serviceBeforeRolePolicies(graph)],
  ];
  return gaps.flatMap(([rule, list]) => list.map((gap) => ({
    stackName: stack.stackName,
    sources: [sourceOf(stack)],
    logicalId: gap.logicalId,
    type: graph.resources[gap.logicalId].Type,
    rule,
    operation: 'order' as const,
    detail: `waits for ${gap.missing.startsWith('no ') ? gap.missing : `none of ${gap.missing}`}`,
    failurePoints: [],
  })));
}

/** Every analysis over stacks (create and order) and pairs of consecutive templates (update). */
export function analyze(stacks: readonly StackTemplate[], updates: readonly (readonly [StackTemplate, StackTemplate])[] = []): AnalysisResult {
  const results = [
    ...stacks.map(analyzeCreate),
    ...updates.map(([before, after]) => analyzeUpdate(before, after)),
  ];
  return {
    findings: mergeSources([...results.flatMap((r) => r.findings), ...stacks.flatMap(analyzeOrdering)]),
    failurePoints: results.reduce((n, r) => n + r.failurePoints, 0),
    updateFailurePoints: results.reduce((n, r) => n + r.updateFailurePoints, 0),
    stepsEvaluated: results.reduce((n, r) => n + r.stepsEvaluated, 0),
  };
}

/** One finding per (stack, resource, rule, operation, detail), naming every synthesis that has it. */
export function mergeSources(findings: readonly RollbackFinding[]): RollbackFinding[] {
  const merged = new Map<string, RollbackFinding>();
  for (const f of findings) {
    const key = [f.stackName, f.logicalId, f.rule, f.operation, f.detail].join('|');
    const seen = merged.get(key);
    merged.set(key, seen ? {
      ...seen,
      sources: [...new Set([...seen.sources, ...f.sources])],
      failurePoints: [...new Set([...seen.failurePoints, ...f.failurePoints])],
    } : f);
  }
  return [...merged.values()];
}

/** One readable paragraph per finding, grouped by stack. */
export function describeFindings(findings: readonly RollbackFinding[]): string[] {
  const lines: string[] = [];
  const stacks = [...new Set(findings.map((f) => f.stackName))].sort();
  for (const stackName of stacks) {
    lines.push(`${stackName}:`);
    for (const f of findings.filter((x) => x.stackName === stackName)) {
      const rule = RULES[f.rule];
      const when = f.operation === 'order' ? 'on every create and update'
        : `a failure at any of ${f.failurePoints.length} resource(s) of the ${f.operation} (e.g. ${f.failurePoints.slice(0, 3).join(', ')}) rolls it back`;
      lines.push(`  - ${f.logicalId} (${f.type}) [${f.rule}, ${f.sources.join(' and ')}]: ${f.detail}; ${when}: ${rule.consequence}.`);
    }
  }
  const rules = [...new Set(findings.map((f) => f.rule))];
  if (rules.length) lines.push('Sources:', ...rules.map((r) => `  [${r}] ${RULES[r].source}`));
  return lines;
}
