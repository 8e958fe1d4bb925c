import { Duration, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as cp from 'aws-cdk-lib/aws-codepipeline';
import * as cpa from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { deployRoleArn } from '../../../shared/aws-names';
import { DELETION_PROTECTION_OUTPUTS, DeletionProtectionTargetsInfo } from '../../workload/deletion-protection';

/** Name of the AWS CLI profile the step writes for the target account. */
const PROFILE = 'protect-target';
/** Name of the profile for the stage's deletion-protection role (assumed from PROFILE). */
const DATA_PROFILE = 'protect-data';
/** Construct id of the action role CDK Pipelines shares between its CodeBuild actions. */
const ACTION_ROLE_ID = 'CodeBuildActionRole';

/** Props of the TerminationProtectionStep. */
export interface TerminationProtectionStepProps {
  /**
   * The stacks to protect, all in one account and region (a production stage's Platform and
   * Service stacks; never its assertion stack, which is replaced on every run).
   */
  readonly stacks: readonly Stack[];
  /**
   * The stage's deletion-protection targets (its Platform stack's outputs): the step turns
   * deletion protection on for them, after the stage exists, and reads it back.
   * @default - no deletion protection is turned on
   */
  readonly deletionProtection?: DeletionProtectionTargetsInfo;
  /** How long the calls may take before the action fails. @default Duration.minutes(10) */
  readonly timeout?: Duration;
}

/**
 * Turns CloudFormation termination protection on for a production stage's stacks, after they
 * are deployed, and deletion protection on for the stage's Aurora cluster, global cluster and
 * load balancer, which the templates leave unset so a failed first create can roll back
 * (src/synth/workload/deletion-protection.ts says why and how).
 *
 * Why a step: CDK Pipelines' CloudFormation deploy actions ignore a stack's
 * `terminationProtection` (aws-cdk issue 17871, open): the manifest says true, the deployed
 * stack is unprotected. This step calls `update-termination-protection` for each stack and
 * reads the flag back; any failed command fails the CodeBuild action, and so the pipeline run.
 *
 * Through which role: the CDK bootstrap deploy role of the stage's account and region
 * (`cdk-hnb659fds-deploy-role-<account>-<region>`), which trusts the pipeline account
 * (`cdk bootstrap --trust`) and is the role the pipeline's CloudFormation actions already use.
 * Its policy allows the call: statement `CliPermissions` of `DeploymentActionRole` in the CDK
 * bootstrap template (aws/aws-cdk-cli, packages/aws-cdk/lib/api/bootstrap/bootstrap-template.yaml,
 * bootstrap version 33) allows `cloudformation:UpdateTerminationProtection` on `*`, and the
 * role's managed policy AWSCloudFormationReadOnlyAccess allows the read-back (`DescribeStacks`).
 * The AWS CLI assumes the role through a profile whose credential source is the CodeBuild
 * container's role, so no credentials pass through the shell.
 *
 * Where it runs: CDK Pipelines places it after the stack it is attached to (stackSteps `post`
 * on the Service stack). It consumes no run order, so CodePipeline runs it beside the next
 * action (the Assertions deploy) instead of adding a sequential slot to every prod stage.
 */
export class TerminationProtectionStep extends pipelines.Step implements pipelines.ICodePipelineActionFactory {
  /** The protected stack names, as deployed. */
  public readonly stackNames: readonly string[];
  /** The role the calls are made through (the deploy role of the stacks' account and region). */
  public readonly roleArn: string;
  /** Account of the stacks. */
  public readonly account: string;
  /** Region of the stacks. */
  public readonly region: string;
  /** The shell commands the CodeBuild action runs, in order (each must exit 0). */
  public readonly commands: readonly string[];
  /** The deletion-protection targets, if the step turns that on too. */
  public readonly deletionProtection?: DeletionProtectionTargetsInfo;
  private readonly timeout: Duration;

  constructor(id: string, props: TerminationProtectionStepProps) {
    super(id);
    const [first] = props.stacks;
    if (!first) throw new Error(`${id}: no stacks to protect`);
    this.account = first.account;
    this.region = first.region;
    for (const stack of props.stacks) {
      if (stack.account !== this.account || stack.region !== this.region) {
        throw new Error(`${id}: ${stack.stackName} is in ${stack.account}/${stack.region}, not ${this.account}/${this.region}; use one step per account and region`);
      }
    }
    this.roleArn = deployRoleArn(this.account, this.region);
    this.stackNames = props.stacks.map((s) => s.stackName);
    this.timeout = props.timeout ?? Duration.minutes(10);
    this.deletionProtection = props.deletionProtection;
    const cfn = `aws --profile ${PROFILE} --region ${this.region} cloudformation`;
    this.commands = [
      `aws configure set profile.${PROFILE}.role_arn ${this.roleArn}`,
      `aws configure set profile.${PROFILE}.credential_source EcsContainer`,
      `aws configure set profile.${PROFILE}.role_session_name termination-protection`,
      ...this.stackNames.flatMap((name) => [
        `${cfn} update-termination-protection --enable-termination-protection --stack-name ${name}`,
        // Read back: the action passes only when CloudFormation reports the flag on.
        `test "$(${cfn} describe-stacks --stack-name ${name} --query 'Stacks[0].EnableTerminationProtection' --output text)" = True`,
      ]),
      ...(props.deletionProtection ? deletionProtectionCommands(props.deletionProtection, cfn, this.region) : []),
    ];
  }

  public produceAction(stage: cp.IStage, options: pipelines.ProduceActionOptions): pipelines.CodePipelineActionFactoryResult {
    const defaults = options.codeBuildDefaults ?? {};
    const commandsSpec = codebuild.BuildSpec.fromObject({ version: '0.2', phases: { build: { commands: this.commands } } });
    const project = new codebuild.PipelineProject(options.scope, options.actionName, {
      description: `Turns on termination protection of ${this.stackNames.join(', ')}${this.deletionProtection ? ' and deletion protection of the stage\'s database and load balancer' : ''} (${this.account} ${this.region})`,
      environment: defaults.buildEnvironment,
      logging: defaults.logging,
      timeout: this.timeout,
      // The pipeline's partial buildspec (its pinned Node.js runtime) applies here too.
      buildSpec: defaults.partialBuildSpec
        ? codebuild.mergeBuildSpecs(defaults.partialBuildSpec, commandsSpec)
        : commandsSpec,
    });
    project.addToRolePolicy(new iam.PolicyStatement({ sid: 'AssumeDeployRole', actions: ['sts:AssumeRole'], resources: [this.roleArn] }));
    const input = options.fallbackArtifact;
    if (!input) throw new Error(`${this.id}: the pipeline has no source artifact to give the CodeBuild action as its (unused) input`);
    // The role CodePipeline assumes to start CodeBuild actions: the one CDK Pipelines shares
    // between its own CodeBuild steps (created here the same way if none exists yet).
    const actionRole = (options.pipeline.node.tryFindChild(ACTION_ROLE_ID) as iam.IRole | undefined)
      ?? new iam.Role(options.pipeline, ACTION_ROLE_ID, { assumedBy: options.pipeline.pipeline.role });
    stage.addAction(new cpa.CodeBuildAction({ actionName: options.actionName, runOrder: options.runOrder, project, input, role: actionRole }));
    // Consumes no run order: the next action of the stage (the Assertions deploy) runs beside it.
    return { runOrdersConsumed: 0, project };
  }
}

/**
 * Turn deletion protection on through the stage's DeletionProtectionTargets role and read it
 * back. The role and the targets come from the Platform stack's outputs (read with the deploy
 * role, whose managed policy AWSCloudFormationReadOnlyAccess allows DescribeStacks); the role
 * is assumed from the deploy-role profile (the CLI chains `source_profile`), and every call is
 * idempotent, so the step runs after every prod deploy and puts back whatever an update did.
 */
function deletionProtectionCommands(targets: DeletionProtectionTargetsInfo, cfn: string, region: string): string[] {
  const data = `aws --profile ${DATA_PROFILE} --region ${region}`;
  // One output into a shell variable; an output the stack does not have ("None") fails the action.
  const read = (variable: string, key: string) =>
    `${variable}=$(${cfn} describe-stacks --stack-name ${targets.stackName} --query "Stacks[0].Outputs[?OutputKey=='${key}'].OutputValue | [0]" --output text)`
    + ` && test -n "$${variable}" && test "$${variable}" != None`;
  return [
    read('PROTECT_ROLE', DELETION_PROTECTION_OUTPUTS.role),
    `aws configure set profile.${DATA_PROFILE}.role_arn "$PROTECT_ROLE"`,
    `aws configure set profile.${DATA_PROFILE}.source_profile ${PROFILE}`,
    `aws configure set profile.${DATA_PROFILE}.role_session_name deletion-protection`,
    read('PROTECT_CLUSTER', DELETION_PROTECTION_OUTPUTS.cluster),
    `${data} rds modify-db-cluster --db-cluster-identifier "$PROTECT_CLUSTER" --deletion-protection --apply-immediately`,
    `test "$(${data} rds describe-db-clusters --db-cluster-identifier "$PROTECT_CLUSTER" --query 'DBClusters[0].DeletionProtection' --output text)" = True`,
    ...(targets.hasGlobalCluster ? [
      read('PROTECT_GLOBAL_CLUSTER', DELETION_PROTECTION_OUTPUTS.globalCluster),
      `${data} rds modify-global-cluster --global-cluster-identifier "$PROTECT_GLOBAL_CLUSTER" --deletion-protection`,
      `test "$(${data} rds describe-global-clusters --global-cluster-identifier "$PROTECT_GLOBAL_CLUSTER" --query 'GlobalClusters[0].DeletionProtection' --output text)" = True`,
    ] : []),
    read('PROTECT_LOAD_BALANCER', DELETION_PROTECTION_OUTPUTS.loadBalancer),
    `${data} elbv2 modify-load-balancer-attributes --load-balancer-arn "$PROTECT_LOAD_BALANCER" --attributes Key=deletion_protection.enabled,Value=true`,
    `test "$(${data} elbv2 describe-load-balancer-attributes --load-balancer-arn "$PROTECT_LOAD_BALANCER" --query "Attributes[?Key=='deletion_protection.enabled'].Value | [0]" --output text)" = true`,
  ];
}
