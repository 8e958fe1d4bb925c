import * as fs from 'fs';
import * as path from 'path';
import { deployRequests, DeployRequest, expandTransforms, TemplateLike } from './deploy-requests';
import { HandlerPermissions } from './handler-permissions';
import { evaluate, PolicyDocument } from './iam-evaluator';
import { PolicyKind } from './policy-rules';
import { listStages, stackTargets, StackTarget } from '../../codebuild/change-report/assembly';

/**
 * Does the execution role of each account allow everything CloudFormation's handlers need to
 * deploy every template of an assembly there? Each (resource, action, target) request of every
 * stack (deploy-requests.ts) is evaluated against the rendered policies of the stack's account
 * (iam-evaluator.ts). Missing permissions and conditions that cannot be evaluated are both
 * reported: neither is assumed to be fine.
 */

/** A stack to check, with its template. */
export interface StackToCheck extends Pick<StackTarget, 'stackName' | 'account' | 'region'> {
  readonly template: TemplateLike;
}

/** A request the policies do not allow (or cannot be shown to allow). */
export interface PolicyGap extends DeployRequest {
  readonly stackName: string;
  readonly account: string;
  readonly decision: string;
  /** Why, when a condition could not be evaluated. */
  readonly why?: string;
}

/** The outcome over many stacks. */
export interface SufficiencyResult {
  /** Distinct (action, resource type) pairs evaluated. */
  readonly pairsChecked: number;
  /** Requests evaluated (every resource, action and target). */
  readonly requestsChecked: number;
  /** Resource types evaluated. */
  readonly typesChecked: readonly string[];
  /** Stacks evaluated. */
  readonly stacksChecked: number;
  /** Denied requests. */
  readonly missing: readonly PolicyGap[];
  /** Requests whose decision depends on a condition the evaluator cannot evaluate. */
  readonly unevaluable: readonly PolicyGap[];
  /** Resource types with no handler data. */
  readonly unknownTypes: readonly string[];
}

/** The stacks of a cloud assembly by the policy that deploys them: top-level stacks are the pipeline's, stage stacks the stages'. */
export function stacksOfAssembly(assemblyDir: string): Record<PolicyKind, StackToCheck[]> {
  const read = (t: StackTarget): StackToCheck => ({
    stackName: t.stackName,
    account: t.account,
    region: t.region,
    template: JSON.parse(fs.readFileSync(t.templatePath, 'utf8')) as TemplateLike,
  });
  return {
    pipeline: stackTargets({ stageId: '', directory: assemblyDir }).map(read),
    stage: listStages(assemblyDir).flatMap((s) => stackTargets(s)).map(read),
  };
}

/**
 * The stacks of the committed integ snapshots (`integ/<test>.ts.snapshot`, one beside each
 * `integ/integ.*.ts`): `integ:deploy` deploys them into an environment account with that
 * account's execution policy, so they are checked as stage stacks. Only a test's own snapshot
 * is read: integ-runner writes a working copy (`cdk-integ.out.<test>.snapshot`) while
 * `npx projen integ` runs, which the test command does beside jest.
 */
export function integSnapshotStacks(rootDir: string): StackToCheck[] {
  const integDir = path.join(rootDir, 'integ');
  const snapshots = fs.readdirSync(integDir).filter((f) => /^integ\..+\.ts$/.test(f)).map((f) => `${f}.snapshot`);
  return snapshots.filter((d) => fs.existsSync(path.join(integDir, d))).flatMap((d) =>
    stackTargets({ stageId: '', directory: path.join(integDir, d) }).map((t) => ({
      stackName: t.stackName,
      account: t.account,
      region: t.region,
      template: JSON.parse(fs.readFileSync(t.templatePath, 'utf8')) as TemplateLike,
    })));
}

/** Check stacks against the policies attached to each account's execution role. */
export function checkSufficiency(
  stacks: readonly StackToCheck[],
  policiesOf: (account: string) => readonly PolicyDocument[],
  permissions: HandlerPermissions,
): SufficiencyResult {
  const pairs = new Set<string>();
  const types = new Set<string>();
  const unknownTypes = new Set<string>();
  const missing: PolicyGap[] = [];
  const unevaluable: PolicyGap[] = [];
  let requestsChecked = 0;
  for (const stack of stacks) {
    for (const resource of Object.values(expandTransforms(stack.template, stack.stackName).Resources ?? {})) {
      types.add(resource.Type);
      if (!permissions.knows(resource.Type)) unknownTypes.add(resource.Type);
    }
    const policies = policiesOf(stack.account);
    for (const request of deployRequests(stack.template, stack, permissions)) {
      requestsChecked++;
      pairs.add(`${request.action}|${request.type}`);
      const result = evaluate(policies, request);
      const gap = { ...request, stackName: stack.stackName, account: stack.account, decision: result.decision };
      if (result.unevaluable.length) {
        unevaluable.push({ ...gap, why: result.unevaluable.map((u) => `${u.statement}: ${u.why}`).join('; ') });
      } else if (result.decision !== 'allow') {
        missing.push(gap);
      }
    }
  }
  return {
    pairsChecked: pairs.size,
    requestsChecked,
    typesChecked: [...types].sort(),
    stacksChecked: stacks.length,
    missing,
    unevaluable,
    unknownTypes: [...unknownTypes].sort(),
  };
}

/** One line per distinct gap (stack, type, action, target), for a failure message. */
export function describeGaps(gaps: readonly PolicyGap[]): string[] {
  return [...new Set(gaps.map((g) => `${g.stackName} ${g.logicalId} (${g.type}): ${g.action} on ${g.resource} -> ${g.decision}${g.why ? ` (${g.why})` : ''}`))];
}

/**
 * Allowed actions no request needs: each one is more than CloudFormation uses (least
 * privilege), or a sign that the request model misses a call. Compared case-insensitively.
 */
export function unrequestedGrants(policies: readonly PolicyDocument[], stacks: readonly StackToCheck[], permissions: HandlerPermissions): string[] {
  const requested = new Set(stacks.flatMap((s) => deployRequests(s.template, s, permissions)).map((r) => r.action.toLowerCase()));
  const granted = policies.flatMap((doc) => [doc.Statement].flat()).filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action ?? []].flat());
  return [...new Set(granted.filter((a) => !requested.has(a.toLowerCase())))].sort();
}
