import { readSynthesizedTemplate, StackTarget } from './assembly';
import { TemplateClientFactory } from './change-report-clients';
import { findDangers } from './danger';
import { diffTemplates } from './diff';
import { ChangeReport, StackReport } from './render';
import { CfnTemplate, parseTemplateBody } from './template';
import { errorText, isStackMissingError } from '../../shared/aws-errors';

export type DeployedTemplate = { readonly exists: false } | { readonly exists: true; readonly template: CfnTemplate };

/** The deployed (Original stage) template, or `exists: false` for a stack that is not there yet. */
export async function fetchDeployedTemplate(target: StackTarget, clientFor: TemplateClientFactory): Promise<DeployedTemplate> {
  const client = clientFor({ roleArn: target.lookupRoleArn, region: target.region });
  try {
    const res = await client.getTemplate({ StackName: target.stackName, TemplateStage: 'Original' });
    if (!res.TemplateBody) throw new Error('GetTemplate returned no TemplateBody');
    return { exists: true, template: parseTemplateBody(res.TemplateBody) };
  } catch (err) {
    if (isStackMissingError(err)) return { exists: false };
    throw err;
  }
}

/** Compare one stack. AWS failures become an ERROR entry (named in the report), not a crash. */
export async function compareStack(target: StackTarget, clientFor: TemplateClientFactory): Promise<StackReport> {
  const synthesized = readSynthesizedTemplate(target);
  let deployed: DeployedTemplate;
  try {
    deployed = await fetchDeployedTemplate(target, clientFor);
  } catch (err) {
    return {
      target,
      status: 'ERROR',
      dangers: [],
      error: `reading the deployed template as ${target.lookupRoleArn} failed: ${errorText(err)}`,
    };
  }
  const diff = diffTemplates(deployed.exists ? deployed.template : undefined, synthesized);
  return {
    target,
    status: !deployed.exists ? 'NEW' : diff.hasChanges ? 'CHANGED' : 'UNCHANGED',
    diff,
    dangers: findDangers(diff),
  };
}

export interface BuildReportOptions {
  readonly targets: readonly StackTarget[];
  readonly clientFor: TemplateClientFactory;
  readonly commit: string;
  readonly label?: string;
  readonly now?: Date;
}

export async function buildReport(opts: BuildReportOptions): Promise<ChangeReport> {
  const stacks = await Promise.all(opts.targets.map((t) => compareStack(t, opts.clientFor)));
  return {
    commit: opts.commit,
    label: opts.label ?? 'prod',
    generatedAt: (opts.now ?? new Date()).toISOString(),
    stacks,
  };
}
