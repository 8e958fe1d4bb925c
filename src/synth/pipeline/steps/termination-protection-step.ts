import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { CommandsStep } from './commands-step';
import { pipelineStepRoleName, roleArnOf, stageStepRoleName } from '../../../shared/aws-names';
import { DELETION_PROTECTION_OUTPUTS, DeletionProtectionTargetsInfo } from '../../workload/deletion-protection';

/** Name of the AWS CLI profile the step writes for the stage's protect role. */
const PROFILE = 'protect-target';

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
  /** The synth output: the Commands action's input (it reads none of it; an input is required). */
  readonly cloudAssembly: pipelines.FileSet;
  /** Name of the pipeline stack (prefix of the step's role name). */
  readonly pipelineStackName: string;
  /** The stage id (`<env>-<region>`): names the stage's protect role the step assumes. */
  readonly stageId: string;
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
 * reads the flag back; any failed command fails the action, and so the stage (which rolls back).
 *
 * Through which role: its own role in the pipeline account (`<pipeline stack>-protect-<stage id>`),
 * which may assume only the stage's protect role (`<stage id>-pipeline-protect`,
 * src/synth/workload/pipeline-access.ts), which trusts only it and may only turn termination
 * protection on for the stage's Platform and Service stacks, read them, and turn deletion
 * protection on for the stage's cluster, global cluster and load balancer. Before issue 33 the
 * step assumed the CDK bootstrap deploy role of the prod account, which deploys anything through
 * the execution role: a CodeBuild project with that right could be started with a buildspec
 * override by anyone in the pipeline account. The AWS CLI assumes the role through a profile
 * whose credential source is the container's role, so no credentials pass through the shell.
 *
 * As what: a Commands action (no CodeBuild project to start with an override; CommandsStep).
 * Why not a custom resource in each prod stack that protects its own stack: CloudFormation
 * documents no UpdateTerminationProtection of a stack while that stack's own update is in
 * progress, and the custom resource would run inside the very deploy a failed first create must
 * be able to roll back (the protection belongs after the whole stage was created,
 * src/synth/workload/deletion-protection.ts); a separate protection stack per stage would add a
 * Lambda function, its role and a deploy action per prod region for what a few CLI calls do.
 *
 * Where it runs: CDK Pipelines places it after the stack it is attached to (stackSteps `post`
 * on the Service stack). It consumes no run order, so CodePipeline runs it beside the next
 * action (the Assertions deploy) instead of adding a sequential slot to every prod stage.
 */
export class TerminationProtectionStep extends CommandsStep {
  /** The protected stack names, as deployed. */
  public readonly stackNames: readonly string[];
  /** The role the calls are made through (the stage's protect role). */
  public readonly roleArn: string;
  /** Account of the stacks. */
  public readonly account: string;
  /** Region of the stacks. */
  public readonly region: string;
  /** The deletion-protection targets, if the step turns that on too. */
  public readonly deletionProtection?: DeletionProtectionTargetsInfo;

  constructor(id: string, props: TerminationProtectionStepProps) {
    const [first] = props.stacks;
    if (!first) throw new Error(`${id}: no stacks to protect`);
    const { account, region } = first;
    for (const stack of props.stacks) {
      if (stack.account !== account || stack.region !== region) {
        throw new Error(`${id}: ${stack.stackName} is in ${stack.account}/${stack.region}, not ${account}/${region}; use one step per account and region`);
      }
    }
    const roleArn = roleArnOf(account, region, stageStepRoleName(props.stageId, 'protect'));
    const stackNames = props.stacks.map((s) => s.stackName);
    const cfn = `aws --profile ${PROFILE} --region ${region} cloudformation`;
    super(id, {
      input: props.cloudAssembly,
      commands: [
        `aws configure set profile.${PROFILE}.role_arn ${roleArn}`,
        `aws configure set profile.${PROFILE}.credential_source EcsContainer`,
        `aws configure set profile.${PROFILE}.role_session_name termination-protection`,
        ...stackNames.flatMap((name) => [
          `${cfn} update-termination-protection --enable-termination-protection --stack-name ${name}`,
          // Read back: the action passes only when CloudFormation reports the flag on.
          `test "$(${cfn} describe-stacks --stack-name ${name} --query 'Stacks[0].EnableTerminationProtection' --output text)" = True`,
        ]),
        ...(props.deletionProtection ? deletionProtectionCommands(props.deletionProtection, cfn, region) : []),
      ],
      roleName: pipelineStepRoleName(props.pipelineStackName, 'protect', props.stageId),
      rolePolicyStatements: [new iam.PolicyStatement({ sid: 'AssumeProtectRole', actions: ['sts:AssumeRole'], resources: [roleArn] })],
      // Beside the Assertions deploy, which follows the Service deploy too: no slot of its own.
      consumesRunOrder: false,
    });
    this.account = account;
    this.region = region;
    this.roleArn = roleArn;
    this.stackNames = stackNames;
    this.deletionProtection = props.deletionProtection;
  }
}

/**
 * Turn deletion protection on through the stage's protect role (the same profile: that role
 * holds both) and read it back. The targets come from the Platform stack's outputs (the role may
 * DescribeStacks the Platform stack); every call is idempotent, so the step runs after every
 * prod deploy and puts back whatever an update did.
 */
function deletionProtectionCommands(targets: DeletionProtectionTargetsInfo, cfn: string, region: string): string[] {
  const data = `aws --profile ${PROFILE} --region ${region}`;
  // One output into a shell variable; an output the stack does not have ("None") fails the action.
  const read = (variable: string, key: string) =>
    `${variable}=$(${cfn} describe-stacks --stack-name ${targets.stackName} --query "Stacks[0].Outputs[?OutputKey=='${key}'].OutputValue | [0]" --output text)`
    + ` && test -n "$${variable}" && test "$${variable}" != None`;
  return [
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
