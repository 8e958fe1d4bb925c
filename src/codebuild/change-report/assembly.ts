import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';
import { CfnTemplate } from './template';
import { lookupRoleArn, partitionOf, roleArnOf, stageStepRoleName } from '../../shared/aws-names';
import { InputError } from '../../shared/cli/errors';

/**
 * Reads the stacks to report on from a synthesized cloud assembly (cdk.out).
 *
 * Format (cloud-assembly-schema v53, what aws-cdk-lib 2.257 writes): `manifest.json` has
 * `artifacts`; a Stage becomes an artifact of type `cdk:cloud-assembly` with
 * `properties.directoryName` (`assembly-<PipelineStackId>-<stageId>`) and `displayName`
 * (`<PipelineStackId>/<stageId>`); inside that directory another `manifest.json` lists
 * `aws:cloudformation:stack` artifacts with `environment: aws://<account>/<region>` and
 * `properties.templateFile`, `properties.stackName`, `properties.lookupRole.arn` (the ARN uses
 * `${AWS::Partition}`). Only the fields used here are validated; others pass through.
 */

const artifactSchema = z.object({
  type: z.string(),
  environment: z.string().optional(),
  displayName: z.string().optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
});

const manifestSchema = z.object({
  version: z.string(),
  artifacts: z.record(z.string(), artifactSchema).optional(),
});

const stackPropertiesSchema = z.object({
  templateFile: z.string().min(1),
  stackName: z.string().optional(),
  lookupRole: z.object({ arn: z.string().min(1) }).optional(),
});

const nestedAssemblyPropertiesSchema = z.object({
  directoryName: z.string().min(1),
  displayName: z.string().optional(),
});

export interface StackTarget {
  /** Stage id, e.g. `prod-us-east-1`. */
  readonly stageId: string;
  readonly artifactId: string;
  /** The deployed CloudFormation stack name. */
  readonly stackName: string;
  /** Construct path, e.g. `DeliveryPipeline/prod-us-east-1/Data`. */
  readonly displayName: string;
  readonly account: string;
  readonly region: string;
  /**
   * The role the deployed template is read through, partition resolved: the stage's report role
   * (`<stage id>-pipeline-report`) when the report runs in the pipeline, else the CDK bootstrap
   * lookup role of the stack's account and region.
   */
  readonly readRoleArn: string;
  /** Absolute path of the synthesized template. */
  readonly templatePath: string;
}

export interface StageAssembly {
  readonly stageId: string;
  readonly directory: string;
}

export interface StageSelection {
  /** Exact stage ids. */
  readonly stages?: readonly string[];
  /** Stage id prefix, e.g. `prod-`. */
  readonly prefix?: string;
  /**
   * Which role reads the deployed templates: `lookup` (the CDK bootstrap lookup role, for a
   * person running the report) or `stage-report` (each stage's own report role, which only the
   * pipeline's change report step may assume: src/synth/workload/pipeline-access.ts).
   * @default 'lookup'
   */
  readonly readRole?: 'lookup' | 'stage-report';
}

function readManifest(dir: string): z.infer<typeof manifestSchema> {
  const file = path.join(dir, 'manifest.json');
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`cannot read cloud assembly manifest ${file}: ${(e as Error).message}. Pass the synthesized cdk.out directory with --assembly.`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new InputError(`${file} is not a cloud assembly manifest: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

function resolvePlaceholders(arn: string, account: string, region: string): string {
  return arn
    .replace(/\$\{AWS::Partition\}/g, partitionOf(region))
    .replace(/\$\{AWS::AccountId\}/g, account)
    .replace(/\$\{AWS::Region\}/g, region);
}

/** Every nested stage assembly, depth-first (a stage inside a stage is found too). */
export function listStages(assemblyDir: string): StageAssembly[] {
  const out: StageAssembly[] = [];
  const walk = (dir: string): void => {
    const manifest = readManifest(dir);
    for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
      if (artifact.type !== 'cdk:cloud-assembly') continue;
      const p = nestedAssemblyPropertiesSchema.safeParse(artifact.properties ?? {});
      if (!p.success) throw new InputError(`artifact ${id} in ${dir}/manifest.json has no properties.directoryName`);
      const displayName = p.data.displayName ?? artifact.displayName ?? id;
      const stageDir = path.join(dir, p.data.directoryName);
      out.push({ stageId: displayName.split('/').pop()!, directory: stageDir });
      walk(stageDir);
    }
  };
  walk(assemblyDir);
  return out;
}

export function selectStages(all: readonly StageAssembly[], selection: StageSelection): StageAssembly[] {
  const wanted = selection.stages?.filter((s) => s.length > 0) ?? [];
  if (!wanted.length && !selection.prefix) throw new InputError('no stages selected: pass --stages <id,id> or --stage-prefix <prefix>');
  const known = all.map((s) => s.stageId);
  const missing = wanted.filter((w) => !known.includes(w));
  if (missing.length) {
    throw new InputError(`stage(s) ${missing.join(', ')} not found in the assembly; it has: ${known.join(', ') || '(none)'}`);
  }
  const picked = all.filter((s) => wanted.includes(s.stageId) || (selection.prefix !== undefined && s.stageId.startsWith(selection.prefix)));
  if (!picked.length) {
    throw new InputError(`no stage id starts with "${selection.prefix}"; the assembly has: ${known.join(', ') || '(none)'}`);
  }
  return picked;
}

const ENV_RE = /^aws:\/\/(\d{12})\/([a-z]{2}(?:-[a-z]+)+-\d+)$/;

/** The CloudFormation stacks of one stage assembly. */
export function stackTargets(stage: StageAssembly, readRole: StageSelection['readRole'] = 'lookup'): StackTarget[] {
  const manifest = readManifest(stage.directory);
  const out: StackTarget[] = [];
  for (const [artifactId, artifact] of Object.entries(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const where = `stack ${artifactId} in ${stage.directory}/manifest.json`;
    const env = ENV_RE.exec(artifact.environment ?? '');
    if (!env) {
      throw new InputError(`${where} has environment "${artifact.environment}"; a prod stack needs an explicit account and region to be compared`);
    }
    const [, account, region] = env;
    const p = stackPropertiesSchema.safeParse(artifact.properties ?? {});
    if (!p.success) throw new InputError(`${where}: ${p.error.issues.map((i) => `properties.${i.path.join('.')}: ${i.message}`).join('; ')}`);
    out.push({
      stageId: stage.stageId,
      artifactId,
      stackName: p.data.stackName ?? artifactId,
      displayName: artifact.displayName ?? artifactId,
      account,
      region,
      readRoleArn: readRole === 'stage-report'
        ? roleArnOf(account, region, stageStepRoleName(stage.stageId, 'report'))
        : p.data.lookupRole ? resolvePlaceholders(p.data.lookupRole.arn, account, region) : lookupRoleArn(account, region),
      templatePath: path.join(stage.directory, p.data.templateFile),
    });
  }
  return out;
}

/** The selected stages' stacks, in assembly order. */
export function findStacks(assemblyDir: string, selection: StageSelection): StackTarget[] {
  return selectStages(listStages(assemblyDir), selection).flatMap((stage) => stackTargets(stage, selection.readRole));
}

export function readSynthesizedTemplate(target: StackTarget): CfnTemplate {
  try {
    return JSON.parse(fs.readFileSync(target.templatePath, 'utf8')) as CfnTemplate;
  } catch (e) {
    throw new InputError(`cannot read the synthesized template of ${target.stackName} (${target.templatePath}): ${(e as Error).message}`);
  }
}
