import * as iam from 'aws-cdk-lib/aws-iam';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { COMMANDS_ACTION_LIMITS, CommandsStep } from './commands-step';
import { partitionOf, pipelineStepRoleName, roleArnOf, stageStepRoleName } from '../../../shared/aws-names';
import { ServiceStage } from '../../workload/service-stage';

/** Name of the AWS CLI profile the step writes for the baked stage's bake role. */
export const BAKE_PROFILE = 'bake-target';
/** Seconds between two DescribeAlarms reads. */
export const BAKE_POLL_SECONDS = 30;
/**
 * Minutes the action may take beyond the bake itself: provisioning (~20 s), the artifact
 * download, the Node.js switch, the role assumption and up to 5 failed reads in a row at the end.
 */
export const BAKE_TIMEOUT_MARGIN_MINUTES = 15;
/**
 * The longest bake one Commands action holds: its builds stop after 55 minutes (COMMANDS_ACTION_LIMITS),
 * less the margin. The config allows longer bakes (MAX_BAKE_MINUTES); BakeStep refuses them with
 * the fix rather than run a bake the action would cut short.
 */
export const MAX_COMMANDS_BAKE_MINUTES = COMMANDS_ACTION_LIMITS.timeoutMinutes - BAKE_TIMEOUT_MARGIN_MINUTES;

/** Props of the BakeStep. */
export interface BakeStepProps {
  /** The synth output: carries the bundled bake CLI in `.delivery-tools/bake/`. */
  readonly cloudAssembly: pipelines.FileSet;
  /** The stage whose alarms are watched (its `AlarmNames` output). */
  readonly stage: ServiceStage;
  /** How long to watch, in minutes (1 to MAX_COMMANDS_BAKE_MINUTES). */
  readonly minutes: number;
  /** Name of the CodePipeline the step runs in (to recognise a ROLLBACK execution of its stage). */
  readonly pipelineName: string;
  /** Account of the pipeline. */
  readonly pipelineAccount: string;
  /** Region of the pipeline. */
  readonly pipelineRegion: string;
  /** Name of the pipeline stack (prefix of the step's role name). */
  readonly pipelineStackName: string;
  /**
   * Name of the CodePipeline stage the step runs in (the wave id). A ROLLBACK execution of that
   * stage passes without watching; a failure of another action of the stage ends the bake early.
   */
  readonly pipelineStageName: string;
}

/**
 * The bake between two regions of a sequential rollout: once a region's Service stack is
 * deployed, watch that stage's alarms for `minutes` and fail on any alarm in ALARM, before the
 * next region starts. The logic lives in src/codebuild/bake (tested on recorded DescribeAlarms
 * responses); this step runs its bundled CLI in a Commands action.
 *
 * Why not CodePipeline's own bake, an `onSuccess` condition with CloudWatchAlarm rules (stage
 * conditions, CodePipeline User Guide "Configure conditions for a stage"): the rule's
 * configuration is `AlarmName`, `AlarmStates` and `WaitTime` and nothing names an account
 * ("CloudWatchAlarm" rule reference, docs.aws.amazon.com/codepipeline/latest/userguide/rule-reference-CloudWatchAlarm.html);
 * a rule may carry a `roleArn` (RuleDeclaration, "The pipeline role ARN associated with the
 * rule"), but no AWS document says the CloudWatchAlarm rule reads another account's alarm
 * through it, and the stage's alarms live in the prod account, not the pipeline's. A condition
 * also holds at most 5 rules, one alarm each (Condition `rules`: "Maximum number of 5 items",
 * CodePipeline API Reference), and a stage has 9 alarms. The next best, a LambdaInvoke rule whose
 * function assumes the read role, would be a function in the pipeline account whose invocation
 * limits (15 minutes) and retry behaviour as a rule AWS does not document for a wait of this
 * length. So the bake stays a step, as a Commands action (no CodeBuild project anyone could start
 * with an override).
 *
 * Where it runs: after the Service deploy, beside the Assertions deploy and the termination
 * protection step (stackSteps `post` of the Service stack), so it costs no sequential slot: the
 * release is live once the Service stack is deployed, which is when watching starts to mean
 * something. The stage completes only when the bake, the assertions and the protection all
 * passed; the next region's stage starts after that. A failure of a sibling action (an
 * assertion) ends the bake early, so the stage's rollback does not wait out the bake.
 *
 * Through which role: its own role in the pipeline account, which may assume only the stage's
 * bake role (`<stage id>-pipeline-bake`, src/synth/workload/pipeline-access.ts), which may only
 * call `cloudwatch:DescribeAlarms` on the stage's alarms. The AWS CLI assumes it through a
 * profile whose credential source is the container's role, and re-assumes it when the session
 * of the chained role runs out.
 *
 * Which alarms: the stage's `AlarmNames` output (every alarm of the stage), read from the
 * Service stack's deploy action as a pipeline variable; an unresolved or empty list fails.
 *
 * In a ROLLBACK execution of its stage (CodePipeline's stage rollback runs the stage's actions
 * again with the previous execution's artifacts) it does not watch: the alarms that failed the
 * release are still in ALARM for a few minutes and would fail the rollback itself (invariant
 * 10: no rollback re-runs a check that just failed). It asks CodePipeline (GetPipelineState,
 * the stage's `latestExecution.type`) with its own role's credentials.
 */
export class BakeStep extends CommandsStep {
  /** The role the alarms are read through (the stage's bake role). */
  public readonly roleArn: string;
  /** Minutes of the bake. */
  public readonly minutes: number;
  /** Region of the watched stage. */
  public readonly region: string;

  constructor(id: string, props: BakeStepProps) {
    const { stage } = props;
    if (!Number.isInteger(props.minutes) || props.minutes < 1) throw new Error(`${id}: a bake lasts a whole number of minutes, at least 1; got ${props.minutes}`);
    if (props.minutes > MAX_COMMANDS_BAKE_MINUTES) {
      throw new Error(`${id}: a bake of ${props.minutes} minutes does not fit a Commands action (its builds stop after ${COMMANDS_ACTION_LIMITS.timeoutMinutes} minutes, `
        + `${BAKE_TIMEOUT_MARGIN_MINUTES} of them kept for the action itself): set environments[].bakeMinutes to at most ${MAX_COMMANDS_BAKE_MINUTES}`);
    }
    const account = stage.account!;
    const region = stage.region!;
    const roleArn = roleArnOf(account, region, stageStepRoleName(stage.stageName, 'bake'));
    const pipelineArn = `arn:${partitionOf(props.pipelineRegion)}:codepipeline:${props.pipelineRegion}:${props.pipelineAccount}:${props.pipelineName}`;
    const flags = [
      '--alarm-names "$ALARM_NAMES"',
      `--region ${region}`,
      `--minutes ${props.minutes}`,
      `--poll-seconds ${BAKE_POLL_SECONDS}`,
      `--profile ${BAKE_PROFILE}`,
      `--pipeline ${props.pipelineName}`,
      `--stage ${props.pipelineStageName}`,
      `--pipeline-region ${props.pipelineRegion}`,
    ];
    super(id, {
      input: props.cloudAssembly,
      envFromCfnOutputs: { ALARM_NAMES: stage.alarmNames },
      nodejs: true,
      commands: [
        `aws configure set profile.${BAKE_PROFILE}.role_arn ${roleArn}`,
        `aws configure set profile.${BAKE_PROFILE}.credential_source EcsContainer`,
        `aws configure set profile.${BAKE_PROFILE}.role_session_name bake-${stage.stageName}`,
        `node .delivery-tools/bake/bake-cli.js ${flags.join(' ')}`,
      ],
      roleName: pipelineStepRoleName(props.pipelineStackName, 'bake', stage.stageName),
      rolePolicyStatements: [
        // Read-only in the stage's account: its alarms, nothing else.
        new iam.PolicyStatement({ sid: 'ReadStageAlarms', actions: ['sts:AssumeRole'], resources: [roleArn] }),
        new iam.PolicyStatement({ sid: 'RecogniseRollback', actions: ['codepipeline:GetPipelineState'], resources: [pipelineArn] }),
      ],
      // Beside the Assertions deploy (see above).
      consumesRunOrder: false,
    });
    this.roleArn = roleArn;
    this.minutes = props.minutes;
    this.region = region;
  }
}
