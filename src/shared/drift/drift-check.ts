import { expectedDifferenceFor } from './expected-differences';
import { isAssumeRoleDenied } from '../aws-errors';
import { PollOptions } from '../polling';

/**
 * CloudFormation drift detection over the deployed stage stacks: DetectStackDrift on each,
 * DescribeStackDriftDetectionStatus until it ends, DescribeStackResourceDrifts for what differs,
 * and the expected differences (./expected-differences.ts) set aside. The scheduled function
 * (src/lambda/drift-detection/) and `npx projen drift` run this same code.
 *
 * Permissions (CloudFormation User Guide, "Detect unmanaged configuration changes to stacks and
 * resources with drift detection", Considerations): the caller needs `cloudformation:DetectStackDrift`,
 * `cloudformation:DetectStackResourceDrift` and read permission for every resource in the stack
 * (drift detection reads each live resource with the caller's credentials, not the stack's
 * role). The scheduled check runs through each stage's own drift role (`<stage id>-pipeline-drift`,
 * src/synth/workload/pipeline-access.ts: trusted by the check's role only, issue 33), `npx projen
 * drift` through each account's CDK bootstrap LOOKUP role; both carry the managed policy
 * ReadOnlyAccess, which grants `cloudformation:Detect*`, `cloudformation:Describe*` and read access to
 * the services the stacks use (research notes of issues 28/29, B4: the policy document as the
 * zoph-io/MAMIP project tracks it; aws-cdk 2.1148 bootstrap-template.yaml, LookupRole). The
 * lookup role denies `kms:Decrypt` (the drift role also data reads), so a property that needs
 * decryption to read may come back as a detection failure: reported as "could not check", never
 * as in sync.
 *
 * A stage's drift role is created by its Platform stack: before the stage's first deploy it
 * does not exist and STS refuses the check, exactly as for a deployed stage whose role broke.
 * As the change report does (src/shared/pipeline-history/first-deploy.ts), the scheduled check
 * then asks the pipeline's own history (`neverDeployed`): a stage the pipeline never deployed is
 * `not-deployed`, any other refusal `unchecked`.
 */

/** One stage stack to check. */
export interface DriftTarget {
  /** The environment's name. */
  readonly environment: string;
  /** `<env>-<region>`. */
  readonly stageId: string;
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  /** The role to read through. @default - the account's CDK lookup role in the region */
  readonly roleArn?: string;
}

/** The CloudFormation calls of a drift check (SDK v3 shapes). */
export interface CloudFormationDriftApi {
  detectStackDrift(input: { StackName: string }): Promise<{ StackDriftDetectionId?: string }>;
  describeStackDriftDetectionStatus(input: { StackDriftDetectionId: string }): Promise<{
    StackDriftStatus?: string; DetectionStatus?: string; DetectionStatusReason?: string; DriftedStackResourceCount?: number;
  }>;
  describeStackResourceDrifts(input: { StackName: string; StackResourceDriftStatusFilters?: string[]; NextToken?: string }): Promise<{
    StackResourceDrifts?: readonly ResourceDriftShape[]; NextToken?: string;
  }>;
}

/** A StackResourceDrift as DescribeStackResourceDrifts returns it (the fields read). */
export interface ResourceDriftShape {
  readonly LogicalResourceId?: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceType?: string;
  readonly StackResourceDriftStatus?: string;
  readonly PropertyDifferences?: ReadonlyArray<{ PropertyPath?: string; ExpectedValue?: string; ActualValue?: string; DifferenceType?: string }>;
}

/** One property that differs. */
export interface PropertyDifference {
  readonly path: string;
  readonly expected?: string;
  readonly actual?: string;
  /** ADD, REMOVE or NOT_EQUAL. */
  readonly type?: string;
  /** Set when the project makes this difference on purpose (the reason). */
  readonly expectedBecause?: string;
}

/** One resource that differs. */
export interface ResourceDrift {
  readonly logicalId: string;
  readonly physicalId?: string;
  readonly type: string;
  /** MODIFIED or DELETED. */
  readonly status: string;
  readonly differences: readonly PropertyDifference[];
}

/** The verdict on one stack. */
export interface StackDriftResult {
  readonly target: DriftTarget;
  /**
   * `in-sync`: nothing differs but expected differences; `drifted`: something else differs;
   * `unchecked`: the detection failed or timed out (fail closed); `not-deployed`: no such stack.
   */
  readonly status: 'in-sync' | 'drifted' | 'unchecked' | 'not-deployed';
  /** Resources with at least one unexpected difference (or deleted). */
  readonly drifted: readonly ResourceDrift[];
  /** Resources whose every difference is expected. */
  readonly expected: readonly ResourceDrift[];
  /** Why a stack is unchecked. */
  readonly reason?: string;
}

/** Options of {@link checkDrift}. */
export interface DriftCheckOptions extends PollOptions {
  /** CloudFormation of a target's account and region (through its `roleArn`, or the lookup role). */
  readonly cloudFormation: (where: DriftClientTarget) => CloudFormationDriftApi;
  /** Give up on a detection after this long: the stack is unchecked. */
  readonly timeoutMs: number;
  /**
   * Whether the pipeline never deployed the target's stage: asked only when STS refuses its role.
   * @default - never asked: a refusal leaves the stack unchecked
   */
  readonly neverDeployed?: (target: DriftTarget) => Promise<boolean>;
}

/** Where a drift client reads: account, region and, when not the lookup role, the role. */
export type DriftClientTarget = Pick<DriftTarget, 'account' | 'region' | 'roleArn'>;

function errorFields(err: unknown): { name: string; message: string } {
  const e = (err ?? {}) as { name?: unknown; message?: unknown };
  return { name: String(e.name ?? ''), message: String(e.message ?? err) };
}

function classify(drift: ResourceDriftShape): ResourceDrift {
  const type = drift.ResourceType ?? '';
  return {
    logicalId: drift.LogicalResourceId ?? '?',
    physicalId: drift.PhysicalResourceId,
    type,
    status: drift.StackResourceDriftStatus ?? '?',
    differences: (drift.PropertyDifferences ?? []).map((d) => ({
      path: d.PropertyPath ?? '?',
      expected: d.ExpectedValue,
      actual: d.ActualValue,
      type: d.DifferenceType,
      expectedBecause: expectedDifferenceFor(type, d.PropertyPath ?? '')?.reason,
    })),
  };
}

/** Every MODIFIED or DELETED resource of a stack, paged. */
async function resourceDrifts(api: CloudFormationDriftApi, stackName: string): Promise<ResourceDrift[]> {
  const out: ResourceDrift[] = [];
  let NextToken: string | undefined;
  do {
    const page = await api.describeStackResourceDrifts({ StackName: stackName, StackResourceDriftStatusFilters: ['MODIFIED', 'DELETED'], NextToken });
    out.push(...(page.StackResourceDrifts ?? []).map(classify));
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

/** Detection of one stack, start to verdict. */
async function checkStack(target: DriftTarget, options: DriftCheckOptions): Promise<StackDriftResult> {
  const api = options.cloudFormation(target);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const result = (status: StackDriftResult['status'], reason?: string, drifts: ResourceDrift[] = []): StackDriftResult => ({
    target,
    status,
    reason,
    drifted: drifts.filter((d) => d.status === 'DELETED' || d.differences.length === 0 || d.differences.some((x) => !x.expectedBecause)),
    expected: drifts.filter((d) => d.status !== 'DELETED' && d.differences.length > 0 && d.differences.every((x) => x.expectedBecause)),
  });
  let id: string | undefined;
  try {
    id = (await api.detectStackDrift({ StackName: target.stackName })).StackDriftDetectionId;
  } catch (e) {
    const { name, message } = errorFields(e);
    if (name === 'ValidationError' && /does not exist/i.test(message)) return result('not-deployed');
    if (isAssumeRoleDenied(e) && options.neverDeployed && await options.neverDeployed(target).catch(() => false)) {
      return result('not-deployed', `${target.roleArn ?? 'its role'} cannot be assumed and the pipeline never deployed stage ${target.stageId}`);
    }
    return result('unchecked', `DetectStackDrift failed: ${name}: ${message}`);
  }
  if (!id) return result('unchecked', 'DetectStackDrift returned no detection id');
  const deadline = now() + options.timeoutMs;
  for (;;) {
    const status = await api.describeStackDriftDetectionStatus({ StackDriftDetectionId: id });
    if (status.DetectionStatus !== 'DETECTION_IN_PROGRESS') {
      const drifts = await resourceDrifts(api, target.stackName);
      const verdict = result('in-sync', undefined, drifts);
      if (status.DetectionStatus === 'DETECTION_FAILED') {
        const reason = `the detection failed: ${status.DetectionStatusReason ?? 'no reason given'}`;
        return verdict.drifted.length ? { ...verdict, status: 'drifted', reason } : { ...verdict, status: 'unchecked', reason };
      }
      return verdict.drifted.length ? { ...verdict, status: 'drifted' } : verdict;
    }
    if (now() >= deadline) return result('unchecked', `the detection was still running after ${Math.round(options.timeoutMs / 1000)} s`);
    options.log?.(`${target.stackName}: detection in progress`);
    await sleep(options.pollMs);
  }
}

/** Every target, checked side by side; results in the targets' order. */
export async function checkDrift(targets: readonly DriftTarget[], options: DriftCheckOptions): Promise<StackDriftResult[]> {
  return Promise.all(targets.map((t) => checkStack(t, options)));
}
