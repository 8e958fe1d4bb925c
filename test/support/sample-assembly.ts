import * as path from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { CloudAssembly, CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';

/** One stage of the synthesized sample app. */
export interface SampleStage {
  /** `<env>-<region>`, e.g. `prod-us-east-2`. */
  readonly name: string;
  /** Its stacks by construct id: `Platform`, `Service`, `Assertions`. */
  readonly stacks: Readonly<Record<string, CloudFormationStackArtifact>>;
}

/** The sample app exactly as `npx projen synth` wrote it (cdk-nag packs included). */
export interface SampleAssembly {
  /** The cloud assembly directory. */
  readonly directory: string;
  /**
   * The commit the app was synthesized for: src/main.ts resolved it ($COMMIT_ID, else HEAD) at
   * synth time, and every assertion stack names it in its description. Read from there, not
   * resolved again: HEAD may have moved since the synth.
   */
  readonly commit: string;
  /** The pipeline stack. */
  readonly pipeline: CloudFormationStackArtifact;
  /** Its template. */
  readonly pipelineTemplate: Template;
  /** The CodePipeline's stages (`Properties.Stages` of the pipeline resource). */
  readonly pipelineStages: any[];
  /** The pipeline's cross-region support stacks (`DeliveryPipeline-support-<region>`). */
  readonly supportStacks: readonly CloudFormationStackArtifact[];
  /** The replicas' creation-template stacks (`DeliveryPipeline-Images-<region>`). */
  readonly imageRegionStacks: readonly CloudFormationStackArtifact[];
  /** The stages, by name (the order of the manifest, not of the pipeline). */
  readonly stages: readonly SampleStage[];
}

/**
 * The synthesized sample app, shared by every test file that checks it instead of each
 * synthesizing it again: in the test command, the cdk.out its synth step just wrote; in a
 * plain `npx jest` run, the one test/support/global-setup.ts synthesizes. Either way the
 * directory is in $SAMPLE_ASSEMBLY.
 */
export function sampleAssembly(): SampleAssembly {
  const directory = process.env.SAMPLE_ASSEMBLY;
  if (!directory) throw new Error('SAMPLE_ASSEMBLY is not set: run the tests through jest (its globalSetup synthesizes the sample app)');
  const assembly = new CloudAssembly(path.resolve(directory));
  const pipeline = assembly.getStackByName('DeliveryPipeline');
  const pipelineTemplate = Template.fromJSON(pipeline.template);
  const [codePipeline] = Object.values(pipelineTemplate.findResources('AWS::CodePipeline::Pipeline'));
  const stages = assembly.nestedAssemblies.map((nested) => ({
    name: nested.displayName.split('/').pop()!,
    stacks: Object.fromEntries(nested.nestedAssembly.stacks.map((s) => [s.hierarchicalId.split('/').pop()!, s])),
  }));
  const commits = new Set(stages.map((stage) => /\(commit ([^)]+)\)$/.exec(stage.stacks.Assertions?.template.Description ?? '')?.[1]));
  if (commits.size !== 1 || commits.has(undefined)) throw new Error(`${directory}: the assertion stacks do not name one commit`);
  return {
    directory,
    commit: [...commits][0]!,
    pipeline,
    pipelineTemplate,
    pipelineStages: codePipeline.Properties.Stages,
    supportStacks: assembly.stacks.filter((s) => s !== pipeline && !s.stackName.startsWith('DeliveryPipeline-Images-')),
    imageRegionStacks: assembly.stacks.filter((s) => s.stackName.startsWith('DeliveryPipeline-Images-')),
    stages,
  };
}
