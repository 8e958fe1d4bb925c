import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { lookupRoleArn, partitionOf } from '../../../shared/aws-names';
import { ServiceStage } from '../../workload/service-stage';

/** Name of the AWS CLI profile the step writes for the baked stage's account. */
export const BAKE_PROFILE = 'bake-target';
/** Seconds between two DescribeAlarms reads. */
export const BAKE_POLL_SECONDS = 30;
/**
 * Minutes the CodeBuild action may take beyond the bake itself: provisioning (~20 s), the
 * artifact download, the role assumption and up to 5 failed reads in a row at the end.
 */
export const BAKE_TIMEOUT_MARGIN_MINUTES = 15;

/** Props of the BakeStep. */
export interface BakeStepProps {
  /** The synth output: carries the bundled bake CLI in `.delivery-tools/bake/`. */
  readonly cloudAssembly: pipelines.FileSet;
  /** The stage whose alarms are watched (its `AlarmNames` output). */
  readonly stage: ServiceStage;
  /** How long to watch, in minutes (at least 1). */
  readonly minutes: number;
  /** Name of the CodePipeline the step runs in (to recognise a ROLLBACK execution of its stage). */
  readonly pipelineName: string;
  /** Account of the pipeline. */
  readonly pipelineAccount: string;
  /** Region of the pipeline. */
  readonly pipelineRegion: string;
  /**
   * Name of the CodePipeline stage the step runs in (the wave id). A ROLLBACK execution of that
   * stage passes without watching.
   */
  readonly pipelineStageName: string;
}

/**
 * The bake between two regions of a sequential rollout: after a region's deploy and
 * assertions, watch that stage's alarms for `minutes` and fail on any alarm in ALARM, before
 * the next region starts. The logic lives in src/codebuild/bake (tested on recorded DescribeAlarms
 * responses); this step runs its bundled CLI in one CodeBuild action.
 *
 * Through which role: the CDK bootstrap LOOKUP role of the stage's account and region
 * (`cdk-hnb659fds-lookup-role-<account>-<region>`), read-only. `cdk bootstrap --trust-for-lookup
 * <pipeline account>` (src/terminal/execution-policy/bootstrap-plan.ts passes it, and `--trust` alone also grants it)
 * lets the pipeline account assume it, and its managed policy ReadOnlyAccess allows
 * `cloudwatch:DescribeAlarms` (aws-cdk CLI 2.1148, lib/api/bootstrap/bootstrap-template.yaml,
 * bootstrap version 33: `LookupRole` has `ManagedPolicyArns: [ReadOnlyAccess]` and denies only
 * secret-reading actions). The change report already reads the prod account through the same
 * role, so the bake needs no new trust and no write permission in the prod account. The AWS
 * CLI assumes it through a profile whose credential source is the CodeBuild container's role,
 * and re-assumes it when the one-hour session of a chained role runs out during a long bake.
 *
 * Which alarms: the stage's `AlarmNames` output (every alarm of the stage), read from the
 * Service stack's deploy action as a pipeline variable; an unresolved or empty list fails.
 *
 * In a ROLLBACK execution of its stage (CodePipeline's stage rollback runs the stage's actions
 * again with the previous execution's artifacts) it does not watch: the alarms that failed the
 * release are still in ALARM for a few minutes and would fail the rollback itself (invariant
 * 10: no rollback re-runs a check that just failed). It asks CodePipeline (GetPipelineState,
 * the stage's `latestExecution.type`) with the CodeBuild role's own credentials.
 */
export class BakeStep extends pipelines.CodeBuildStep {
  /** The role the alarms are read through (the lookup role of the stage's account and region). */
  public readonly roleArn: string;
  /** Minutes of the bake. */
  public readonly minutes: number;
  /** Region of the watched stage. */
  public readonly region: string;

  constructor(id: string, props: BakeStepProps) {
    const { stage } = props;
    if (!Number.isInteger(props.minutes) || props.minutes < 1) throw new Error(`${id}: a bake lasts a whole number of minutes, at least 1; got ${props.minutes}`);
    const account = stage.account!;
    const region = stage.region!;
    const roleArn = lookupRoleArn(account, region);
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
      commands: [
        `aws configure set profile.${BAKE_PROFILE}.role_arn ${roleArn}`,
        `aws configure set profile.${BAKE_PROFILE}.credential_source EcsContainer`,
        `aws configure set profile.${BAKE_PROFILE}.role_session_name bake-${stage.stageName}`,
        `node .delivery-tools/bake/bake-cli.js ${flags.join(' ')}`,
      ],
      // The action outlives the bake by a margin; CodeBuild stops it (and fails it) otherwise.
      timeout: Duration.minutes(props.minutes + BAKE_TIMEOUT_MARGIN_MINUTES),
      rolePolicyStatements: [
        // Read-only in the stage's account: nothing else there.
        new iam.PolicyStatement({ sid: 'ReadStageAlarms', actions: ['sts:AssumeRole'], resources: [roleArn] }),
        new iam.PolicyStatement({ sid: 'RecogniseRollback', actions: ['codepipeline:GetPipelineState'], resources: [pipelineArn] }),
      ],
    });
    this.roleArn = roleArn;
    this.minutes = props.minutes;
    this.region = region;
  }
}
