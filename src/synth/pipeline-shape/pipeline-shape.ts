import * as fs from 'fs';
import * as path from 'path';

/**
 * The shape of a synthesized CodePipeline, read from its CloudFormation template: stages,
 * actions, their order, and the totals that decide how long a run takes.
 */

/** One action of a pipeline stage. */
export interface PipelineAction {
  /** Action name. */
  readonly name: string;
  /** Action category (Source, Build, Deploy, Approval, Test, Invoke). */
  readonly category: string;
  /** Provider (CodeBuild, CloudFormation, Manual, CodeStarSourceConnection...). */
  readonly provider: string;
  /** Run order inside its stage; equal orders run in parallel. */
  readonly runOrder: number;
  /** Region it runs in (the pipeline's home region when the action names none). */
  readonly region?: string;
  /** Account of the role it assumes, when the role ARN names one literally. */
  readonly account?: string;
  /** CloudFormation stack name, for deploy actions. */
  readonly stackName?: string;
  /** The commands of a Commands action. */
  readonly commands?: readonly string[];
}

/** One stage of the pipeline. */
export interface PipelineStageShape {
  /** Stage name (a wave id for waves). */
  readonly name: string;
  /** Its actions, sorted by run order. */
  readonly actions: readonly PipelineAction[];
  /** CodePipeline rolls the stage back to its last successful execution when an action fails (`OnFailure: ROLLBACK`). */
  readonly rollsBackOnFailure?: boolean;
  /** CodePipeline retries the stage's failed actions once when one fails (`OnFailure: RETRY`). */
  readonly retriesOnFailure?: boolean;
}

/** Totals of a pipeline run. */
export interface PipelineTotals {
  /**
   * Action slots run one after another from source to the last action (approvals excluded):
   * per stage, the number of distinct run orders not made only of approvals.
   */
  readonly sequentialSlots: number;
  /** CodeBuild actions per run (actions of provider CodeBuild: a CodeBuild project each). */
  readonly codeBuildActions: number;
  /**
   * Commands actions per run (CodePipeline's own compute action: no project of ours, but it runs
   * on "CodePipeline managed CodeBuild compute" and pays its provisioning too).
   */
  readonly commandsActions: number;
  /** CloudFormation actions per run. */
  readonly cloudFormationActions: number;
  /** Manual approvals per run. */
  readonly approvals: number;
  /** Every action. */
  readonly actions: number;
}

/** The pipeline: name, stages and totals. */
export interface PipelineShape {
  /** Logical id of the AWS::CodePipeline::Pipeline resource. */
  readonly logicalId: string;
  /** Stages in order. */
  readonly stages: readonly PipelineStageShape[];
  /** Totals of one run. */
  readonly totals: PipelineTotals;
}

/** A resolved-enough string: literal strings, or Fn::Join parts flattened with `*` for tokens. */
function flatten(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'Fn::Join' in value) {
    const [sep, parts] = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    return parts.map((p) => (typeof p === 'string' ? p : '*')).join(sep);
  }
  return undefined;
}

/** The commands of a CodeBuild action's project (its inline buildspec, every phase), if it has any. */
function projectCommands(template: { Resources?: Record<string, { Properties?: any }> }, action: any): { commands?: string[] } {
  const ref = action.Configuration?.ProjectName?.Ref;
  const spec = ref ? template.Resources?.[ref]?.Properties?.Source?.BuildSpec : undefined;
  if (typeof spec !== 'string' || !spec.trim().startsWith('{')) return {};
  const phases = JSON.parse(spec).phases ?? {};
  return { commands: Object.values<any>(phases).flatMap((phase) => phase?.commands ?? []) };
}

/** Read the shape of the single CodePipeline in a template. */
export function pipelineShapeFromTemplate(
  template: { Resources?: Record<string, { Type: string; Properties?: any }> },
  homeRegion?: string,
): PipelineShape {
  const pipelines = Object.entries(template.Resources ?? {}).filter(([, r]) => r.Type === 'AWS::CodePipeline::Pipeline');
  if (pipelines.length !== 1) {
    throw new Error(`expected exactly one AWS::CodePipeline::Pipeline in the template, found ${pipelines.length}`);
  }
  const [logicalId, resource] = pipelines[0];
  const stages: PipelineStageShape[] = (resource.Properties?.Stages ?? []).map((s: any) => ({
    name: s.Name,
    actions: (s.Actions ?? []).map((a: any): PipelineAction => {
      const role = flatten(a.RoleArn);
      const account = role?.match(/:iam::(\d{12}):/)?.[1];
      return {
        name: a.Name,
        category: a.ActionTypeId.Category,
        provider: a.ActionTypeId.Provider,
        runOrder: a.RunOrder ?? 1,
        region: a.Region ?? homeRegion,
        account,
        stackName: a.Configuration?.StackName,
        ...(Array.isArray(a.Commands) ? { commands: a.Commands } : projectCommands(template, a)),
      };
    }).sort((x: PipelineAction, y: PipelineAction) => x.runOrder - y.runOrder),
    ...(s.OnFailure?.Result === 'ROLLBACK' ? { rollsBackOnFailure: true } : {}),
    ...(s.OnFailure?.Result === 'RETRY' ? { retriesOnFailure: true } : {}),
  }));
  return { logicalId, stages, totals: totalsOf(stages) };
}

/** Totals of a run: sequential slots, CodeBuild, CloudFormation and approval actions. */
export function totalsOf(stages: readonly PipelineStageShape[]): PipelineTotals {
  let sequentialSlots = 0;
  const all = stages.flatMap((s) => s.actions);
  for (const stage of stages) {
    const orders = new Set(stage.actions.filter((a) => a.category !== 'Approval').map((a) => a.runOrder));
    sequentialSlots += orders.size;
  }
  return {
    sequentialSlots,
    codeBuildActions: all.filter((a) => a.provider === 'CodeBuild').length,
    commandsActions: all.filter((a) => a.provider === 'Commands').length,
    cloudFormationActions: all.filter((a) => a.provider === 'CloudFormation').length,
    approvals: all.filter((a) => a.category === 'Approval').length,
    actions: all.length,
  };
}

/** Find the pipeline template in a cloud assembly directory (the stack with a CodePipeline). */
export function readPipelineShape(assemblyDir: string): PipelineShape {
  const manifestPath = path.join(assemblyDir, 'manifest.json');
  if (!fs.existsSync(manifestPath)) {
    throw new Error(`no cloud assembly at ${assemblyDir}: run \`npx projen synth\` first`);
  }
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  for (const artifact of Object.values<any>(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const template = JSON.parse(fs.readFileSync(path.join(assemblyDir, artifact.properties.templateFile), 'utf8'));
    if (Object.values<any>(template.Resources ?? {}).some((r) => r.Type === 'AWS::CodePipeline::Pipeline')) {
      const homeRegion = /^aws:\/\/[^/]+\/([a-z0-9-]+)$/.exec(artifact.environment ?? '')?.[1];
      return pipelineShapeFromTemplate(template, homeRegion);
    }
  }
  throw new Error(`no stack in ${assemblyDir} contains an AWS::CodePipeline::Pipeline`);
}

/** What the lead-time model reads from the stage templates and asset manifests of an assembly. */
export interface AssemblyFacts {
  /**
   * Per stack name, the minutes its ECS service deployment deliberately waits: canary bake and
   * final bake (`CanaryConfiguration.CanaryBakeTimeInMinutes`, `BakeTimeInMinutes`) or the linear
   * steps' bakes.
   */
  readonly ecsWaitMinutes: Readonly<Record<string, number>>;
  /** Distinct file assets the stage stacks publish (one asset action each in a default CDK Pipeline). */
  readonly fileAssets: number;
}

/** The minutes an ECS service's DeploymentConfiguration waits on purpose (0 for a rolling update). */
export function ecsWaitMinutesOf(deployment: any): number {
  if (!deployment || typeof deployment !== 'object') return 0;
  const bake = Number(deployment.BakeTimeInMinutes ?? 0);
  if (deployment.Strategy === 'CANARY') return Number(deployment.CanaryConfiguration?.CanaryBakeTimeInMinutes ?? 0) + bake;
  if (deployment.Strategy === 'LINEAR') {
    const step = Number(deployment.LinearConfiguration?.StepPercent ?? 100);
    return Math.max(0, Math.ceil(100 / step) - 1) * Number(deployment.LinearConfiguration?.StepBakeTimeInMinutes ?? 0) + bake;
  }
  return deployment.Strategy === 'BLUE_GREEN' ? bake : 0;
}

/** The stage stacks' ECS waits and distinct file assets of a cloud assembly (nested stage assemblies included). */
export function readAssemblyFacts(assemblyDir: string): AssemblyFacts {
  const ecsWaitMinutes: Record<string, number> = {};
  const assets = new Set<string>();
  const walk = (dir: string): void => {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    for (const artifact of Object.values<any>(manifest.artifacts ?? {})) {
      if (artifact.type === 'cdk:cloud-assembly') walk(path.join(dir, artifact.properties.directoryName));
      if (artifact.type === 'cdk:asset-manifest' && /assembly-/.test(dir)) {
        const files = JSON.parse(fs.readFileSync(path.join(dir, artifact.properties.file), 'utf8')).files ?? {};
        // The stack templates are listed too; CDK Pipelines deploys them from the artifact instead.
        for (const [hash, file] of Object.entries<any>(files)) if (!String(file.source?.path ?? '').endsWith('.template.json')) assets.add(hash);
      }
      if (artifact.type !== 'aws:cloudformation:stack') continue;
      const template = JSON.parse(fs.readFileSync(path.join(dir, artifact.properties.templateFile), 'utf8'));
      const waits = Object.values<any>(template.Resources ?? {}).filter((r) => r.Type === 'AWS::ECS::Service')
        .map((r) => ecsWaitMinutesOf(r.Properties?.DeploymentConfiguration));
      if (waits.length > 0) ecsWaitMinutes[artifact.properties.stackName ?? ''] = Math.max(...waits);
    }
  };
  walk(assemblyDir);
  return { ecsWaitMinutes, fileAssets: assets.size };
}
