import { readSynthesizedTemplate, StackTarget } from './assembly';
import { TemplateClientFactory } from './change-report-clients';
import { findDangers } from './danger';
import { diffTemplates } from './diff';
import { ChangeReport, StackReport } from './render';
import { CfnTemplate, parseTemplateBody } from './template';
import { errorText, isAssumeRoleDenied, isStackMissingError } from '../../shared/aws-errors';

export type DeployedTemplate = { readonly exists: false } | { readonly exists: true; readonly template: CfnTemplate };

/** The deployed (Original stage) template, or `exists: false` for a stack that is not there yet. */
export async function fetchDeployedTemplate(target: StackTarget, clientFor: TemplateClientFactory): Promise<DeployedTemplate> {
  const client = clientFor({ roleArn: target.readRoleArn, region: target.region });
  try {
    const res = await client.getTemplate({ StackName: target.stackName, TemplateStage: 'Original' });
    if (!res.TemplateBody) throw new Error('GetTemplate returned no TemplateBody');
    return { exists: true, template: parseTemplateBody(res.TemplateBody) };
  } catch (err) {
    if (isStackMissingError(err)) return { exists: false };
    throw err;
  }
}

/**
 * Whether a stage was never deployed (src/shared/pipeline-history/first-deploy.ts): asked only when its read role cannot be
 * assumed. Resolves true to report its stacks as NEW, false to keep the refusal an error.
 */
export type NeverDeployed = (target: StackTarget) => Promise<boolean>;

/** What the report says about a stack of a stage the pipeline never deployed. */
export const FIRST_DEPLOY_NOTE = 'First deploy of this stage: its read role does not exist yet (the stage\'s Platform stack creates it), '
  + 'and the pipeline never deployed any of its stacks, so there is nothing deployed to compare with.';

/** Compare one stack. AWS failures become an ERROR entry (named in the report), not a crash. */
export async function compareStack(target: StackTarget, clientFor: TemplateClientFactory, neverDeployed?: NeverDeployed): Promise<StackReport> {
  const synthesized = readSynthesizedTemplate(target);
  let deployed: DeployedTemplate;
  let note: string | undefined;
  try {
    deployed = await fetchDeployedTemplate(target, clientFor);
  } catch (err) {
    const first = isAssumeRoleDenied(err) && neverDeployed ? await neverDeployed(target).catch(() => false) : false;
    if (!first) {
      return {
        target,
        status: 'ERROR',
        dangers: [],
        error: `reading the deployed template as ${target.readRoleArn} failed: ${errorText(err)}`,
      };
    }
    deployed = { exists: false };
    note = FIRST_DEPLOY_NOTE;
  }
  const diff = diffTemplates(deployed.exists ? deployed.template : undefined, synthesized);
  return {
    target,
    status: !deployed.exists ? 'NEW' : diff.hasChanges ? 'CHANGED' : 'UNCHANGED',
    diff,
    dangers: findDangers(diff),
    ...(note ? { note } : {}),
  };
}

export interface BuildReportOptions {
  readonly targets: readonly StackTarget[];
  readonly clientFor: TemplateClientFactory;
  readonly commit: string;
  readonly label?: string;
  readonly now?: Date;
  /** Asked when a stage's read role cannot be assumed. @default - the refusal is an error */
  readonly neverDeployed?: NeverDeployed;
}

export async function buildReport(opts: BuildReportOptions): Promise<ChangeReport> {
  // One history lookup per stage, however many of its stacks were refused.
  const byStage = new Map<string, Promise<boolean>>();
  const neverDeployed: NeverDeployed | undefined = opts.neverDeployed && ((target) => {
    if (!byStage.has(target.stageId)) byStage.set(target.stageId, opts.neverDeployed!(target));
    return byStage.get(target.stageId)!;
  });
  const stacks = await Promise.all(opts.targets.map((t) => compareStack(t, opts.clientFor, neverDeployed)));
  return {
    commit: opts.commit,
    label: opts.label ?? 'prod',
    generatedAt: (opts.now ?? new Date()).toISOString(),
    stacks,
  };
}
