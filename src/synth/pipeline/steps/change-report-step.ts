import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { CommandsStep } from './commands-step';
import { DeliveryConfig, EnvironmentConfig } from '../../../config/schema';
import { partitionOf, pipelineStepRoleName, roleArnOf, stageStepRoleName } from '../../../shared/aws-names';

/** Key prefix of the reports in the report bucket. */
export const REPORT_KEY_PREFIX = 'change-reports/';

/** Props of the ChangeReportStep. */
export interface ChangeReportStepProps {
  /** The synth output (cdk.out, with the bundled report CLI in `.delivery-tools/`). */
  readonly cloudAssembly: pipelines.FileSet;
  /** The environment about to be approved. */
  readonly environment: EnvironmentConfig;
  /** The stages of that environment: id (`<env>-<region>`) and region. */
  readonly stages: readonly { readonly id: string; readonly region: string }[];
  /** Encrypted bucket in the pipeline account that keeps the reports. */
  readonly bucket: s3.IBucket;
  /** The bucket's key. */
  readonly key: kms.IKey;
  /** The commit being delivered (a pipeline variable). */
  readonly commitId: string;
  /** The commit message (a pipeline variable), for the override marker. */
  readonly commitMessage: string;
  /** Policy from the config. */
  readonly policy: DeliveryConfig['changeReport'];
  /** Name of the pipeline stack (prefix of the step's role name). */
  readonly pipelineStackName: string;
  /** The pipeline (its action history tells a stage's first deploy). */
  readonly pipeline: { readonly name: string; readonly account: string; readonly region: string };
}

/**
 * Before an approval: compare every stack of the environment's stages with what is deployed and
 * write one report, danger first. The approval links to it and its notification carries the
 * one-line summary (variables CHANGE_SUMMARY and REPORT_URL of namespace `ChangeReport-<env>`).
 *
 * As what: a Commands action (CommandsStep), not a CodeBuild project: nobody can start it with a
 * buildspec override to read the prod account or overwrite the report a pending approval links
 * to (issue 33, point 1); it writes only under its key prefix, with its own role.
 *
 * Through which roles: its own role in the pipeline account (`<pipeline stack>-report-<env>`)
 * may assume exactly the environment's report roles (`<stage id>-pipeline-report`, one per
 * region, src/synth/workload/pipeline-access.ts), each of which may only GetTemplate the stacks
 * of its stage. The stage's Platform stack creates that role, so before the first deploy of a
 * stage there is none: the CLI then reads the pipeline's action history (ListActionExecutions,
 * its own role) and reports the stage's stacks as NEW only if the pipeline never deployed any of
 * them (src/shared/pipeline-history/first-deploy.ts).
 */
export class ChangeReportStep extends CommandsStep {
  /** The stage roles the report reads through. */
  public readonly readRoleArns: readonly string[];

  constructor(id: string, props: ChangeReportStepProps) {
    const { environment, policy } = props;
    const readRoleArns = props.stages.map((stage) => roleArnOf(environment.account, stage.region, stageStepRoleName(stage.id, 'report')));
    const pipelineArn = `arn:${partitionOf(props.pipeline.region)}:codepipeline:${props.pipeline.region}:${props.pipeline.account}:${props.pipeline.name}`;
    const flags = [
      '--assembly .',
      `--stages ${props.stages.map((s) => s.id).join(',')}`,
      '--stage-read-roles',
      `--pipeline ${props.pipeline.name}`,
      '--commit "$COMMIT_ID"',
      '--bucket "$REPORT_BUCKET"',
      `--key-prefix ${REPORT_KEY_PREFIX}`,
      '--kms-key-id "$REPORT_KEY_ARN"',
      '--bucket-region "$AWS_REGION"',
      `--label ${environment.name}`,
      ...(policy.blockStatefulReplacement ? ['--block-stateful-replacement'] : []),
      '--override-marker "$OVERRIDE_MARKER"',
      '--out change-report.md',
    ];
    super(id, {
      input: props.cloudAssembly,
      env: {
        COMMIT_ID: props.commitId,
        COMMIT_MESSAGE: props.commitMessage,
        REPORT_BUCKET: props.bucket.bucketName,
        REPORT_KEY_ARN: props.key.keyArn,
        OVERRIDE_MARKER: policy.overrideMarker,
      },
      nodejs: true,
      commands: [
        `node .delivery-tools/change-report/report-cli.js ${flags.join(' ')}`,
        'export CHANGE_SUMMARY="$(head -c 250 change-summary.txt)"',
        // The CLI writes the console URL of the report it uploaded; the approval links to it.
        'export REPORT_URL="$(cat change-report-url.txt)"',
      ],
      outputVariables: ['CHANGE_SUMMARY', 'REPORT_URL'],
      variablesNamespace: id,
      roleName: pipelineStepRoleName(props.pipelineStackName, 'report', environment.name),
      // Reads other accounts only through their report roles; writes only its own reports.
      rolePolicyStatements: [
        new iam.PolicyStatement({ sid: 'ReadDeployedTemplates', actions: ['sts:AssumeRole'], resources: readRoleArns }),
        new iam.PolicyStatement({ sid: 'TellFirstDeploy', actions: ['codepipeline:ListActionExecutions'], resources: [pipelineArn] }),
        new iam.PolicyStatement({
          sid: 'WriteReport',
          actions: ['s3:PutObject'],
          resources: [props.bucket.arnForObjects(`${REPORT_KEY_PREFIX}*`)],
        }),
        new iam.PolicyStatement({ sid: 'EncryptReport', actions: ['kms:GenerateDataKey'], resources: [props.key.keyArn] }),
      ],
    });
    this.readRoleArns = readRoleArns;
  }

  /** One line for the approver: how many stacks change and whether anything is dangerous. */
  public get summary(): string {
    return this.variable('CHANGE_SUMMARY');
  }

  /** Console link to the report. */
  public get reportUrl(): string {
    return this.variable('REPORT_URL');
  }
}
