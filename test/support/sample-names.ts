import * as fs from 'fs';
import * as path from 'path';
import { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { REPO_ROOT } from './repo-root';
import { SampleAssembly } from './sample-assembly';

/**
 * The names the synthesized sample gives the things a runbook command names: stacks and their
 * outputs and resource types, secrets, log groups, clusters, the image repository, the
 * pipeline, its stages and actions, and the projen tasks. Only literal names count: a name a
 * template builds from a generated one (`Fn::Join` over a `Ref`) is known only after deploy.
 */

/** One stack of the sample, where it deploys and what it holds. */
export interface SampleStack {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  /** The construct path the CDK CLI selects it by (`DeliveryPipeline/prod-us-east-1/Service`). */
  readonly hierarchicalId: string;
  /** The cloud assembly directory it is in, relative to the sample's root (`assembly-DeliveryPipeline-prod-us-east-1`, or ''). */
  readonly assemblyDir: string;
  readonly outputKeys: readonly string[];
  /** The number of resources of each type. */
  readonly resourceTypes: ReadonlyMap<string, number>;
  readonly template: any;
}

/** A named thing in an account and region (a secret, a log group, a cluster...). */
export interface Placed {
  readonly name: string;
  readonly account: string;
  readonly region: string;
}

/** Everything a command may name, from the sample assembly and .projen/tasks.json. */
export class SampleNames {
  public readonly stacks: ReadonlyMap<string, SampleStack>;
  public readonly secrets: Placed[] = [];
  public readonly logGroups: Placed[] = [];
  public readonly clusters: Placed[] = [];
  public readonly globalClusters: Placed[] = [];
  public readonly repositories: Placed[] = [];
  public readonly engineVersions = new Set<string>();
  public readonly pipelineName: string;
  /** The pipeline's stages and the actions of each. */
  public readonly pipelineStages: ReadonlyMap<string, readonly string[]>;
  /** The projen tasks: the root's, and the app subproject's as `app:<name>` where the root forwards to it. */
  public readonly tasks: Readonly<Record<string, any>>;

  constructor(public readonly sample: SampleAssembly) {
    const artifacts: Array<[CloudFormationStackArtifact, string]> = [
      [sample.pipeline, ''],
      ...sample.supportStacks.map((s) => [s, ''] as [CloudFormationStackArtifact, string]),
      ...sample.imageRegionStacks.map((s) => [s, ''] as [CloudFormationStackArtifact, string]),
      ...sample.stages.flatMap((stage) => Object.values(stage.stacks)
        .map((s) => [s, path.relative(sample.directory, s.assembly.directory)] as [CloudFormationStackArtifact, string])),
    ];
    const stacks = new Map<string, SampleStack>();
    for (const [artifact, assemblyDir] of artifacts) {
      const template = artifact.template;
      const resourceTypes = new Map<string, number>();
      for (const r of Object.values<any>(template.Resources ?? {})) resourceTypes.set(r.Type, (resourceTypes.get(r.Type) ?? 0) + 1);
      const stack: SampleStack = {
        name: artifact.stackName,
        account: artifact.environment.account,
        region: artifact.environment.region,
        hierarchicalId: artifact.hierarchicalId,
        assemblyDir,
        outputKeys: Object.keys(template.Outputs ?? {}),
        resourceTypes,
        template,
      };
      stacks.set(stack.name, stack);
      this.index(stack);
    }
    this.stacks = stacks;
    const [pipeline] = Object.values<any>(sample.pipeline.template.Resources).filter((r) => r.Type === 'AWS::CodePipeline::Pipeline');
    this.pipelineName = pipeline.Properties.Name;
    this.pipelineStages = new Map(sample.pipelineStages.map((s: any) => [s.Name, s.Actions.map((a: any) => a.Name)]));
    this.tasks = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, '.projen/tasks.json'), 'utf8')).tasks;
  }

  private index(stack: SampleStack): void {
    const place = (name: unknown, into: Placed[]) => {
      if (typeof name === 'string') into.push({ name, account: stack.account, region: stack.region });
    };
    for (const r of Object.values<any>(stack.template.Resources ?? {})) {
      const p = r.Properties ?? {};
      if (r.Type === 'AWS::SecretsManager::Secret') place(p.Name, this.secrets);
      if (r.Type === 'AWS::Logs::LogGroup') place(p.LogGroupName, this.logGroups);
      if (r.Type === 'AWS::RDS::DBCluster') place(p.DBClusterIdentifier, this.clusters);
      if (r.Type === 'AWS::RDS::GlobalCluster') place(p.GlobalClusterIdentifier, this.globalClusters);
      if (r.Type === 'AWS::ECR::Repository') place(p.RepositoryName, this.repositories);
      if (typeof p.EngineVersion === 'string') this.engineVersions.add(p.EngineVersion);
      if (r.Type === 'Custom::SecretReplica') {
        // The replica a secondary stage asks Secrets Manager for: the primary's secret, by name, in this region.
        const secretId = /\\"SecretId\\":\\"([^"\\]+)\\"/.exec(JSON.stringify(p.Create))?.[1];
        place(secretId, this.secrets);
      }
    }
  }

  /** The stacks of the stage `<env>-<region>`. */
  public stageStacks(stage: string): SampleStack[] {
    return [...this.stacks.values()].filter((s) => s.name.startsWith(`${stage}-`) && /-(Platform|Service|Assertions)$/.test(s.name));
  }

  /** The pipeline stage that deploys a stage (`test` for test-us-east-1 when test deploys in parallel). */
  public waveOf(stage: string): string | undefined {
    for (const [name, actions] of this.pipelineStages) {
      if (name === stage || actions.some((a) => a.startsWith(`${stage}.`))) return name;
    }
    return undefined;
  }
}
