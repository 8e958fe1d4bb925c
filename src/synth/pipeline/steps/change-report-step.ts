import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { DeliveryConfig, EnvironmentConfig } from '../../../config/schema';
import { lookupRoleArn } from '../../../shared/aws-names';

/** Key prefix of the reports in the report bucket. */
export const REPORT_KEY_PREFIX = 'change-reports/';

/** Props of the ChangeReportStep. */
export interface ChangeReportStepProps {
  /** The synth output (cdk.out, with the bundled report CLI in `.delivery-tools/`). */
  readonly cloudAssembly: pipelines.FileSet;
  /** The environment about to be approved. */
  readonly environment: EnvironmentConfig;
  /** Stage ids of that environment (`<env>-<region>`). */
  readonly stageIds: readonly string[];
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
}

/**
 * Before an approval: compare every stack of the environment's stages with what is deployed,
 * reading deployed templates through the CDK bootstrap LOOKUP role of the target account
 * (read-only), and write one report, danger first. The approval links to it and its
 * notification carries the one-line summary (variables CHANGE_SUMMARY and REPORT_URL).
 */
export class ChangeReportStep extends pipelines.CodeBuildStep {
  constructor(id: string, props: ChangeReportStepProps) {
    const { environment, policy } = props;
    const lookupRoles = environment.regions.map((region) => lookupRoleArn(environment.account, region));
    const flags = [
      '--assembly .',
      `--stages ${props.stageIds.join(',')}`,
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
      commands: [
        `node .delivery-tools/change-report/report-cli.js ${flags.join(' ')}`,
        'export CHANGE_SUMMARY="$(head -c 250 change-summary.txt)"',
        // The CLI writes the console URL of the report it uploaded; the approval links to it.
        'export REPORT_URL="$(cat change-report-url.txt)"',
      ],
      timeout: Duration.minutes(15),
      // Reads other accounts only through their lookup roles; writes only its own reports.
      rolePolicyStatements: [
        new iam.PolicyStatement({ sid: 'ReadDeployedTemplates', actions: ['sts:AssumeRole'], resources: lookupRoles }),
        new iam.PolicyStatement({
          sid: 'WriteReport',
          actions: ['s3:PutObject'],
          resources: [props.bucket.arnForObjects(`${REPORT_KEY_PREFIX}*`)],
        }),
        new iam.PolicyStatement({ sid: 'EncryptReport', actions: ['kms:GenerateDataKey'], resources: [props.key.keyArn] }),
      ],
    });
  }

  /** One line for the approver: how many stacks change and whether anything is dangerous. */
  public get summary(): string {
    return this.exportedVariable('CHANGE_SUMMARY');
  }

  /** Console link to the report. */
  public get reportUrl(): string {
    return this.exportedVariable('REPORT_URL');
  }
}
