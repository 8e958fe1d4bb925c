import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { DeletionProtectionTargets } from './deletion-protection';
import { DRIFT_CHECK_TARGET, partitionOf, PipelineStepPurpose, pipelineStepRoleName, roleArnOf, stageStepRoleName } from '../../shared/aws-names';

/** Which pipeline steps reach a stage, and from where (plain data, from the PipelineStack). */
export interface PipelineAccess {
  /** The pipeline account, where the steps' own roles live. */
  readonly account: string;
  /** The pipeline stack's name: it prefixes the steps' role names (pipelineStepRoleName). */
  readonly pipelineStackName: string;
  /** The environment's name (the change report's role is named per environment). */
  readonly environmentName: string;
  /** The steps that reach this stage; one role each. */
  readonly steps: readonly PipelineStepPurpose[];
}

/** Props of PipelineAccessRoles. */
export interface PipelineAccessRolesProps extends PipelineAccess {
  /** The stage id (`<env>-<region>`): prefixes the role names and the stacks the roles may touch. */
  readonly stageId: string;
  /** The stage's deletion-protection targets (production): what the protect role may change. @default - none */
  readonly deletionProtection?: DeletionProtectionTargets;
}

/**
 * The stage's side of every pipeline step that reaches it (issue 33, point 1): one role per
 * step, `<stage id>-pipeline-<purpose>`, that trusts exactly that step's role in the pipeline
 * account and allows exactly the calls the step makes. Nothing else of the pipeline account
 * reaches these roles, and the steps reach no other role of this account (the CDK bootstrap
 * deploy and lookup roles they used before allowed far more: deploy through the execution
 * role, read anything).
 *
 * Trust: the pipeline account as principal, narrowed to the one step role by the global
 * condition key `aws:PrincipalArn` ("Use this key to compare the ARN of the principal that made
 * the request with the ARN that you specify in the policy. For IAM roles, the request context
 * returns the ARN of the role, not the ARN of the user that assumed the role", IAM User Guide,
 * "AWS global condition context keys", docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
 * CDK uses the same form for the cross-account action roles of a pipeline
 * (`@aws-cdk/pipelines:reduceCrossAccountActionRoleTrustScope`, aws-codepipeline/lib/pipeline.ts).
 * A condition rather than the role's ARN as principal: IAM refuses a trust policy that names a
 * role that does not exist yet, and binds a named principal to the role's unique id, so a
 * recreated pipeline stack would silently lose access (IAM User Guide, "IAM JSON policy
 * elements: Principal": "If the role is deleted and recreated, the trust relationship is broken").
 *
 * Where and when: in the stage's Platform stack, the first stack a stage deploys. The protect and
 * bake steps run after the stage's deploy, so their roles exist before their first use. The
 * change report runs before the approval of the environment, i.e. before the first deploy of a
 * new stage: then the role does not exist yet, and neither does anything it could read; the
 * report CLI tells that case apart from a missing role of a deployed stage through the
 * pipeline's own history (src/shared/pipeline-history/first-deploy.ts). The scheduled drift
 * check (every stage, not a pipeline action) may run before a stage's first deploy too, and
 * tells the two cases apart the same way (src/shared/drift/drift-check.ts).
 */
export class PipelineAccessRoles extends Construct {
  /** The role of each step that reaches the stage. */
  public readonly roles: Readonly<Partial<Record<PipelineStepPurpose, iam.Role>>>;
  /** Per role, the resources of its policy that hold a wildcard (for the compliance report). */
  public readonly wildcardResources: Readonly<Partial<Record<PipelineStepPurpose, readonly string[]>>>;

  constructor(scope: Construct, id: string, props: PipelineAccessRolesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const region = stack.region;
    const roles: Partial<Record<PipelineStepPurpose, iam.Role>> = {};
    const wildcards: Partial<Record<PipelineStepPurpose, string[]>> = {};
    for (const purpose of props.steps) {
      const statements = this.statementsFor(purpose, props, stack);
      wildcards[purpose] = statements.filter((st) => st.effect === iam.Effect.ALLOW).flatMap((st) => st.resources).filter((r) => r.includes('*'));
      const target = purpose === 'report' ? props.environmentName : purpose === 'drift' ? DRIFT_CHECK_TARGET : props.stageId;
      const stepRole = roleArnOf(props.account, region, pipelineStepRoleName(props.pipelineStackName, purpose, target));
      roles[purpose] = new iam.Role(this, PURPOSE_IDS[purpose], {
        roleName: stageStepRoleName(props.stageId, purpose),
        assumedBy: new iam.AccountPrincipal(props.account).withConditions({ ArnEquals: { 'aws:PrincipalArn': stepRole } }),
        description: DESCRIPTIONS[purpose],
        // On the role at creation: nothing can use it before its permissions exist.
        inlinePolicies: { [PURPOSE_IDS[purpose]]: new iam.PolicyDocument({ statements }) },
        managedPolicies: purpose === 'drift' ? [iam.ManagedPolicy.fromAwsManagedPolicyName(DRIFT_READ_POLICY)] : undefined,
      });
    }
    this.roles = roles;
    this.wildcardResources = wildcards;
  }

  private statementsFor(purpose: PipelineStepPurpose, props: PipelineAccessRolesProps, stack: Stack): iam.PolicyStatement[] {
    const partition = partitionOf(stack.region);
    const stackArn = (name: string) => `arn:${partition}:cloudformation:${stack.region}:${stack.account}:stack/${name}/*`;
    switch (purpose) {
      case 'report':
        // The change report's only call in this account: GetTemplate of the stage's stacks
        // (src/codebuild/change-report/aws-change-report-clients.ts).
        return [new iam.PolicyStatement({ sid: 'ReadDeployedTemplates', actions: ['cloudformation:GetTemplate'], resources: [stackArn(`${props.stageId}-*`)] })];
      case 'bake':
        // DescribeAlarms of the stage's alarms: CloudFormation names each `<stack>-<logical id>-<suffix>`,
        // and every stack of the stage is named `<stage id>-<Stack>`.
        return [new iam.PolicyStatement({
          sid: 'ReadStageAlarms',
          actions: ['cloudwatch:DescribeAlarms'],
          resources: [`arn:${partition}:cloudwatch:${stack.region}:${stack.account}:alarm:${props.stageId}-*`],
        })];
      case 'drift':
        // Drift detection reads every live resource of a stack with the caller's credentials
        // (src/shared/drift/drift-check.ts cites the CloudFormation User Guide), so the role
        // needs read access to every type the stage's stacks hold, which is the managed
        // ReadOnlyAccess the CDK lookup role it replaces carries (DRIFT_READ_POLICY). What drift
        // never reads is denied: the data behind the resources (objects, log events, table
        // items, image layers, secret values) and decryption, as the lookup role denies
        // kms:Decrypt. A configuration that only a denied call reveals comes back as a failed
        // detection, which the check reports as "could not check", never as in sync.
        // ReadOnlyAccess includes cloudformation:Detect* and Describe*, the check's own calls.
        return [new iam.PolicyStatement({ sid: 'NoDataReads', effect: iam.Effect.DENY, actions: [...DRIFT_DENIED_READS], resources: ['*'] })];
      case 'protect': {
        const stacks = ['Platform', 'Service'].map((s) => stackArn(`${props.stageId}-${s}`));
        return [
          // Turn termination protection on and read it back, and read the Platform stack's
          // outputs that name the deletion-protection targets.
          new iam.PolicyStatement({ sid: 'ProtectStacks', actions: ['cloudformation:UpdateTerminationProtection', 'cloudformation:DescribeStacks'], resources: stacks }),
          ...(props.deletionProtection?.statements ?? []),
        ];
      }
    }
  }
}

/** The drift role's read access: the AWS managed policy the CDK lookup role carries too. */
export const DRIFT_READ_POLICY = 'ReadOnlyAccess';

/** Reads of data, not configuration, that ReadOnlyAccess allows and drift detection never makes. */
export const DRIFT_DENIED_READS: readonly string[] = [
  'kms:Decrypt',
  's3:GetObject', 's3:GetObjectVersion',
  'logs:GetLogEvents', 'logs:FilterLogEvents', 'logs:StartQuery', 'logs:StartLiveTail',
  'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:GetRecords',
  'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer',
  'secretsmanager:GetSecretValue',
];

/** Construct ids (and inline policy names) per purpose. */
const PURPOSE_IDS: Readonly<Record<PipelineStepPurpose, string>> = {
  report: 'ChangeReportRole',
  protect: 'ProtectRole',
  bake: 'BakeRole',
  drift: 'DriftRole',
};

const DESCRIPTIONS: Readonly<Record<PipelineStepPurpose, string>> = {
  report: 'The pipeline change report reads the deployed templates of this stage with this role, before the approval',
  protect: 'The pipeline post-deploy step turns termination and deletion protection on with this role, after the stage deployed',
  bake: 'The pipeline bake reads the alarms of this stage with this role, before the next region starts',
  drift: 'The pipeline scheduled drift check detects drift of this stage stacks with this role (configuration reads only)',
};
