import { Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as cp from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import { hardenArtifactBucket } from './artifact-bucket-hardening';
import { DeliveryMetrics } from './delivery-metrics';
import { DriftDetection } from './drift-detection';
import { ImageRegionStack } from './image-region-stack';
import { imageRepositoryArnIn, imageRepositoryName, imageRepositoryNamespace, ImageReplication, replicationRegionsOf } from './image-replication';
import { ImageRepository } from './image-repository';
import { NotificationTopic } from './notification-topic';
import { denyAssetRoleBuilds, scopePipelineRoleKeys } from './pipeline-grants';
import { gateCheckCommands, gateCheckStatements, sourceRevisionCheckCommands } from './pipeline-guards';
import { addPipelineOutputs, PipelineOutputs } from './pipeline-outputs';
import { ReportBucket } from './report-bucket';
import { configureStageFailures, StageFailurePolicy } from './stage-failures';
import { BakeStep } from './steps/bake-step';
import { ChangeReportStep } from './steps/change-report-step';
import { renderCommandsEnvironments } from './steps/commands-step';
import { ImageGateStep } from './steps/image-gate-step';
import { NotifyingApprovalStep } from './steps/notifying-approval-step';
import { TerminationProtectionStep } from './steps/termination-protection-step';
import { integrityCheckCommand, lockedToolVersions, PipelineToolVersions } from './tool-versions';
import { FeatureFlagsDocument } from '../../config/feature-flags';
import { pipelineLayoutOf, stageStacksOf } from '../../config/pipeline-layout';
import { DeliveryConfig, EnvironmentConfig } from '../../config/schema';
import { PlannedWave, plannedWaves, stageIdOf } from '../../config/waves';
import { PipelineStepPurpose } from '../../shared/aws-names';
import { PROVENANCE_PREFIX } from '../../shared/image-provenance';
import { CODEBUILD_IMAGE_ID, NODE_MAJOR } from '../../shared/versions/toolchain';
import { addWorkloadAssertions } from '../assertions/workload-assertions';
import { ComplianceChecks } from '../compliance/compliance-checks';
import { applyGovernanceTags, governanceTags, PIPELINE_ENVIRONMENT_TAG } from '../constructs/governance-tags';
import { restrictGrantsToAwsResources } from '../constructs/key-policy';
import { ServiceStage } from '../workload/service-stage';

/** Props of the PipelineStack. */
export interface PipelineStackProps extends StackProps {
  /** The validated delivery config. */
  readonly config: DeliveryConfig;
  /**
   * The config file, relative to the repository root. The pipeline's synth step reads the
   * same file, so what the pipeline deploys is what the user configured.
   * @default 'config/delivery.sample.json'
   */
  readonly configFile?: string;
  /**
   * The commit being delivered: stages run the image tagged with it and the assertions check
   * that `/version` reports it.
   */
  readonly commit: string;
  /** The feature-flag document (config/feature-flags.json) every stage deploys into its AppConfig environment. */
  readonly featureFlags: FeatureFlagsDocument;
  /**
   * Compliance packs to run over every stage (stages synthesize on their own, so App-level
   * aspects do not reach them).
   * @default - no compliance checks (tests of other concerns)
   */
  readonly compliance?: ComplianceChecks;
  /**
   * Exact versions of the CLIs CDK Pipelines installs in the self-mutation and asset actions.
   * @default - the versions package-lock.json resolves (lockedToolVersions)
   */
  readonly toolVersions?: PipelineToolVersions;
}

/** One wave of the pipeline and the stages it deploys. */
export interface DeliveryWave {
  /** The pipelines wave. */
  readonly wave: pipelines.Wave;
  /** The environment it belongs to. */
  readonly environment: EnvironmentConfig;
  /** Its stages (`<env>-<region>`). */
  readonly stages: ServiceStage[];
}

export { imageRepositoryName } from './image-replication';

/**
 * The CodePipeline stage that publishes the file assets (CDK Pipelines names it `Assets`), and
 * the wave the image gate joins: a wave of that name becomes the stage CDK Pipelines then adds
 * its asset-publishing action to (its PipelineGraph finds the top-level graph by name:
 * `topLevelGraph("Assets")`, aws-cdk-lib 2.257 pipelines/lib/helpers-internal/pipeline-graph.js),
 * so the gate and the asset publishing run side by side in one slot, and every wave after it
 * waits for both. test/synth/pipeline/gates-and-order.test.ts checks the synthesized result.
 */
export const ASSETS_STAGE = 'Assets';

/**
 * The delivery pipeline, in the pipeline account: source -> synth (the project's own build)
 * -> self-mutation -> waves from the config (dev -> test -> prod), a notifying manual approval
 * before every environment that requires one.
 */
export class PipelineStack extends Stack {
  /** The CDK pipeline (built: `pipeline.pipeline` is the CodePipeline). */
  public readonly pipeline: pipelines.CodePipeline;
  /** The GitHub source (CodeConnections). */
  public readonly source: pipelines.CodePipelineSource;
  /** Topic for failures, successes and approval requests. */
  public readonly notifications: NotificationTopic;
  /** Repository of gated images. */
  public readonly images: ImageRepository;
  /**
   * Its replication to every other stage region (none when every stage runs in the pipeline
   * region: the registry's replication configuration is then left alone).
   */
  public readonly imageReplication?: ImageReplication;
  /** Per destination region, the stack with the replica's creation template (`DeliveryPipeline-Images-<region>`). */
  public readonly imageRegions: Readonly<Record<string, ImageRegionStack>>;
  /** The image build + Trivy + ECR scan gate. */
  public readonly imageGate: ImageGateStep;
  /** Where the change reports shown before approvals are kept. */
  public readonly reports: ReportBucket;
  /** Waves in order. */
  public readonly waves: DeliveryWave[] = [];
  /** Every stage, in deployment order. */
  public readonly stages: ServiceStage[] = [];
  /** The bakes between regions of sequential rollouts, in order. */
  public readonly bakes: BakeStep[] = [];
  /** The exact aws-cdk and cdk-assets versions the self-mutation and asset actions install. */
  public readonly toolVersions: PipelineToolVersions;
  /** Names of the CodePipeline stages that roll back on failure (every stage that deploys stacks). */
  public readonly rollbackStages: readonly string[];
  /** What each CodePipeline stage does on failure (roll back, retry once, stop), and why. */
  public readonly stageFailures: ReadonlyMap<string, StageFailurePolicy>;
  /** The log group of the Commands actions (CodePipeline writes them to `/aws/codepipeline/<pipeline>`). */
  public readonly commandsLogs: logs.LogGroup;
  /** Outputs for runbooks and scripts: pipeline name, image repository URI, notification topic, artifact bucket. */
  public readonly outputs: PipelineOutputs;
  /** The delivery metrics: rules on the pipeline's events, the function, the dashboard. */
  public readonly deliveryMetrics: DeliveryMetrics;
  /** The scheduled drift check of every stage stack. */
  public readonly driftDetection: DriftDetection;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, {
      ...props,
      env: { account: props.config.pipeline.account, region: props.config.pipeline.region },
      terminationProtection: true,
    });
    const { config } = props;
    const configFile = props.configFile ?? 'config/delivery.sample.json';

    this.notifications = new NotificationTopic(this, 'Notifications', { emails: config.notifications.emails });
    this.images = new ImageRepository(this, 'Images', {
      repositoryName: imageRepositoryName(config),
      pullAccounts: config.environments.map((e) => e.account),
    });
    const replicationRegions = replicationRegionsOf(config);
    ({ imageRegions: this.imageRegions, imageReplication: this.imageReplication } = this.addImageRegions(scope, config, replicationRegions));

    this.reports = new ReportBucket(this, 'ChangeReports');

    this.source = pipelines.CodePipelineSource.connection(`${config.source.owner}/${config.source.repo}`, config.source.branch, {
      connectionArn: config.source.connectionArn,
      triggerOnPush: true,
      // Full clone (CodeBuild clones the repository: its history, not a ZIP of the tree): the
      // synth step first proves the commit is on the branch (pipeline-guards.ts).
      codeBuildCloneOutput: true,
    });
    const commitId = this.source.sourceAttribute('CommitId');

    const { buildLogs, commandsLogs } = this.addBuildLogs(config.pipeline.name);
    this.commandsLogs = commandsLogs;
    const synth = new pipelines.ShellStep('Synth', {
      input: this.source,
      env: {
        DELIVERY_CONFIG: configFile,
        COMMIT_ID: commitId,
      },
      // First, before anything of the commit runs: it must be on the configured branch (a run
      // started with a source revision override deploys only a commit reachable from it).
      installCommands: [...sourceRevisionCheckCommands(config.source.branch), 'npm ci'],
      // The project's own build: compile, tests, synth with compliance, integ snapshots.
      // Its synth also bundles the gate and report CLIs into cdk.out/.delivery-tools.
      commands: ['npx projen build'],
      primaryOutputDirectory: 'cdk.out',
    });
    this.toolVersions = props.toolVersions ?? lockedToolVersions();
    this.pipeline = this.addPipeline(config, synth, buildLogs);

    // Supply-chain gates, in the Assets stage beside the file-asset publishing, before the
    // first wave: no deploy action of any wave can start before the image passed Trivy and
    // the ECR scan, and the gate costs no sequential slot of its own (ASSETS_STAGE).
    this.imageGate = new ImageGateStep('ImageGate', {
      source: this.source,
      cloudAssembly: synth.primaryOutput!,
      images: this.images,
      commitId,
      gates: config.gates,
      replicationRegions,
      provenance: { bucket: this.reports.bucket, key: this.reports.key },
    });
    this.pipeline.addWave(ASSETS_STAGE, { post: [this.imageGate] });

    const waves = plannedWaves(config);
    const reported = new Set(waves.filter((w) => w.approval).map((w) => w.environment.name));
    for (const planned of waves) {
      this.addWave(config, planned, {
        commit: props.commit,
        commitId,
        synthOutput: synth.primaryOutput!,
        compliance: props.compliance,
        reported: reported.has(planned.environment.name),
        featureFlags: props.featureFlags,
      });
    }

    this.stageFailures = this.buildAndHardenPipeline(commitId);
    this.rollbackStages = [...this.stageFailures].filter(([, p]) => p.onFailure === 'ROLLBACK').map(([name]) => name);
    // The gate's project exists once the pipeline is built: from now on only its role may put
    // or delete images in the gated repository (and only CloudFormation may change its policy).
    // The same for its provenance records (the change-report bucket, under image-provenance/).
    const gateRole = this.imageGateRole();
    this.images.reserveImageWritesTo(gateRole);
    this.reports.reserveWritesUnder(PROVENANCE_PREFIX, gateRole);
    this.outputs = addPipelineOutputs(this, {
      pipeline: this.pipeline.pipeline, repository: this.images.repository, topic: this.notifications.topic,
    });
    ({ deliveryMetrics: this.deliveryMetrics, driftDetection: this.driftDetection } = this.addSelfObservation(config));
    this.tagPipelineAccount(config);
  }

  /**
   * The pipeline measures and watches itself: DORA metrics from its own events, a dashboard,
   * and the scheduled drift check of every stage stack (README "Delivery metrics", "Drift
   * detection"). Their log groups use the build logs' key. Needs the built pipeline.
   */
  private addSelfObservation(config: DeliveryConfig): { deliveryMetrics: DeliveryMetrics; driftDetection: DriftDetection } {
    const observed = { logsKey: this.node.findChild('BuildLogsKey') as kms.IKey, notifications: this.notifications };
    const deliveryMetrics = new DeliveryMetrics(this, 'DeliveryMetrics', {
      ...observed,
      layout: pipelineLayoutOf(config),
      pipelineArn: this.pipeline.pipeline.pipelineArn,
      stageNames: this.pipeline.pipeline.stages.map((s) => s.stageName),
    });
    const driftDetection = new DriftDetection(this, 'DriftDetection', {
      ...observed,
      pipelineName: config.pipeline.name,
      pipelineArn: this.pipeline.pipeline.pipelineArn,
      pipelineStackName: this.stackName,
      targets: stageStacksOf(config),
      intervalHours: config.driftDetection.intervalHours,
    });
    return { deliveryMetrics, driftDetection };
  }

  /**
   * Images in every region: the creation templates first (their stacks, children of the App,
   * deploy before this one, as the cross-region support stacks do), then the rule that creates
   * the replicas.
   */
  private addImageRegions(app: Construct, config: DeliveryConfig, replicationRegions: string[]): {
    imageRegions: Record<string, ImageRegionStack>; imageReplication?: ImageReplication;
  } {
    const imageRegions: Record<string, ImageRegionStack> = {};
    for (const region of replicationRegions) {
      const stack = new ImageRegionStack(app, `${this.stackName}-Images-${region}`, {
        env: { account: config.pipeline.account, region },
        description: `Creation template, key and role for the ${imageRepositoryName(config)} replica in ${region} (delivery pipeline)`,
        namespace: imageRepositoryNamespace(config),
        repositoryName: imageRepositoryName(config),
        pullAccounts: config.environments.map((e) => e.account),
        repositoryTags: governanceTags({ environment: PIPELINE_ENVIRONMENT_TAG, region, tags: config.tags }),
      });
      applyGovernanceTags(stack, { environment: PIPELINE_ENVIRONMENT_TAG, region, tags: config.tags });
      this.addDependency(stack, 'the replica\'s creation template must exist before the replication rule creates the replica');
      imageRegions[region] = stack;
    }
    if (replicationRegions.length === 0) return { imageRegions };
    const imageReplication = new ImageReplication(this, 'ImageReplication', {
      repositoryName: imageRepositoryName(config),
      regions: replicationRegions,
      account: config.pipeline.account,
    });
    return { imageRegions, imageReplication };
  }

  /**
   * The KMS-encrypted log groups of the pipeline's compute: every CodeBuild project's, and the
   * Commands actions'. CodePipeline "creates a log group using the name of the pipeline"
   * (`/aws/codepipeline/<pipeline name>`, CodePipeline User Guide, "Commands action reference",
   * service role policy permissions); created here first, it is encrypted with the build logs'
   * key and keeps the same retention.
   */
  private addBuildLogs(pipelineName: string): { buildLogs: logs.LogGroup; commandsLogs: logs.LogGroup } {
    const buildLogsKey = new kms.Key(this, 'BuildLogsKey', {
      description: 'Encrypts the delivery pipeline CodeBuild logs',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    restrictGrantsToAwsResources(buildLogsKey);
    // CloudWatch Logs encrypts with the key on behalf of CodeBuild.
    buildLogsKey.grantEncryptDecrypt(new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`));
    const buildLogs = new logs.LogGroup(this, 'BuildLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      encryptionKey: buildLogsKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const commandsLogs = new logs.LogGroup(this, 'CommandsLogs', {
      logGroupName: `/aws/codepipeline/${pipelineName}`,
      retention: logs.RetentionDays.ONE_MONTH,
      encryptionKey: buildLogsKey,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    return { buildLogs, commandsLogs };
  }

  /** The self-mutating CodePipeline (V2) around the synth step, with the project's CodeBuild defaults. */
  private addPipeline(config: DeliveryConfig, synth: pipelines.ShellStep, buildLogs: logs.ILogGroup): pipelines.CodePipeline {
    const guard = { pipelineStackName: this.stackName, account: config.pipeline.account, region: config.pipeline.region };
    return new pipelines.CodePipeline(this, 'Pipeline', {
      pipelineName: config.pipeline.name,
      pipelineType: cp.PipelineType.V2,
      selfMutation: true,
      // Both CLIs pinned to the lock file's versions, not "2" and "latest", and checked against
      // the lock's integrity before they install (tool-versions.ts).
      cliVersion: this.toolVersions.awsCdk.version,
      cdkAssetsCliVersion: this.toolVersions.cdkAssets.version,
      // Self-mutation refuses a pipeline that weakens a gate, unless a named approval allows it
      // (pipeline-guards.ts); its commands run first, in the install phase.
      selfMutationCodeBuildDefaults: {
        partialBuildSpec: codebuild.BuildSpec.fromObject({
          phases: { install: { commands: [...gateCheckCommands(guard), integrityCheckCommand(this.toolVersions.awsCdk)] } },
        }),
        rolePolicy: gateCheckStatements(guard),
      },
      assetPublishingCodeBuildDefaults: {
        partialBuildSpec: codebuild.BuildSpec.fromObject({ phases: { install: { commands: [integrityCheckCommand(this.toolVersions.cdkAssets)] } } }),
      },
      // Cross-account deploys need KMS-encrypted artifact buckets the stage accounts can read.
      crossAccountKeys: true,
      enableKeyRotation: true,
      // One CloudFormation action per stack instead of two (create change set + execute):
      // halves the deploy actions and their ~10-20 s of overhead each. The prod change report
      // (shown before the prod approval) gives reviewers what change sets would have.
      useChangeSets: false,
      // One CodeBuild action publishes every file asset: a CodeBuild action costs ~20 s of
      // provisioning, and one per asset is the most common complaint about CDK Pipelines.
      publishAssetsInParallel: false,
      synth,
      codeBuildDefaults: {
        buildEnvironment: {
          buildImage: codebuild.LinuxBuildImage.fromCodeBuildImageId(CODEBUILD_IMAGE_ID),
          computeType: codebuild.ComputeType.SMALL,
        },
        timeout: Duration.minutes(30),
        logging: { cloudWatch: { logGroup: buildLogs } },
        // Reused npm cache between runs of the same host; a miss costs nothing but time.
        cache: codebuild.Cache.local(codebuild.LocalCacheMode.CUSTOM, codebuild.LocalCacheMode.DOCKER_LAYER),
        partialBuildSpec: codebuild.BuildSpec.fromObject({
          // The project's Node.js (package.json engines), pinned, not the image default.
          phases: { install: { 'runtime-versions': { nodejs: String(NODE_MAJOR) } } },
          cache: { paths: ['/root/.npm/**/*'] },
        }),
      },
      synthCodeBuildDefaults: {
        // compile + tests + synth + integ snapshots on 2 vCPU take ~2 min; MEDIUM halves it.
        buildEnvironment: { computeType: codebuild.ComputeType.MEDIUM },
        timeout: Duration.minutes(30),
      },
    });
  }

  /**
   * Builds the pipeline now so the CodePipeline exists: gives the Commands actions their
   * environment, hardens its artifact buckets, narrows two CDK grants (pipeline-grants.ts),
   * decides what each stage does on failure (returns the decisions) and notifies the team.
   */
  private buildAndHardenPipeline(commitId: string): ReadonlyMap<string, StageFailurePolicy> {
    this.pipeline.buildPipeline();
    renderCommandsEnvironments(this.pipeline.pipeline);
    passCommitToSelfMutation(this.pipeline.pipeline, commitId);
    hardenArtifactBucket(this.pipeline.pipeline.artifactBucket);
    denyAssetRoleBuilds(this.pipeline);
    scopePipelineRoleKeys(this.pipeline);
    const stageFailures = configureStageFailures(this.pipeline.pipeline);
    for (const support of Object.values(this.pipeline.pipeline.crossRegionSupport)) {
      hardenArtifactBucket(support.replicationBucket);
      // CDK gives the replication bucket a fixed physical name: a failed first create of the
      // support stack (an empty bucket) deletes it, or the retried create would collide.
      support.replicationBucket.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
    }
    this.pipeline.pipeline.notifyOn('NotifyTeam', this.notifications.topic, {
      events: [
        cp.PipelineNotificationEvents.PIPELINE_EXECUTION_FAILED,
        cp.PipelineNotificationEvents.PIPELINE_EXECUTION_SUCCEEDED,
        cp.PipelineNotificationEvents.MANUAL_APPROVAL_NEEDED,
        cp.PipelineNotificationEvents.MANUAL_APPROVAL_FAILED,
      ],
    });
    return stageFailures;
  }

  /** The role the ImageGate project runs as: the only writer of the gated images. */
  private imageGateRole(): iam.IRole {
    const role = this.imageGate.project.role;
    if (!role) throw new Error('the ImageGate CodeBuild project has no role (aws-cdk-lib changed?): the gated repository cannot name its only writer');
    return role;
  }

  /**
   * The pipeline account carries the organisation's tags too: this stack and the cross-region
   * support stacks (children of the App, created by buildPipeline). Stages tag themselves.
   */
  private tagPipelineAccount(config: DeliveryConfig): void {
    applyGovernanceTags(this, { environment: PIPELINE_ENVIRONMENT_TAG, region: this.region, tags: config.tags });
    for (const [region, support] of Object.entries(this.pipeline.pipeline.crossRegionSupport)) {
      if (support.stack !== this) applyGovernanceTags(support.stack, { environment: PIPELINE_ENVIRONMENT_TAG, region, tags: config.tags });
    }
  }

  /**
   * One planned wave (src/config/waves.ts): its stages side by side, each ending with its
   * assertions; before it, when planned, the change report and the approval (in a stage of
   * their own); after it, when the next wave is another region of the same environment, the bake.
   */
  private addWave(config: DeliveryConfig, planned: PlannedWave, run: {
    commit: string;
    commitId: string;
    synthOutput: pipelines.FileSet;
    compliance?: ComplianceChecks;
    /** Whether a change report reads this environment (before its approval). */
    reported: boolean;
    featureFlags: FeatureFlagsDocument;
  }): void {
    const { commit, commitId, compliance } = run;
    const { environment } = planned;
    if (planned.approval) {
      // What the approver reviews: every stack of every region of this environment,
      // compared with what is deployed, dangerous changes first.
      const report = new ChangeReportStep(`ChangeReport-${environment.name}`, {
        cloudAssembly: run.synthOutput,
        environment,
        stages: environment.regions.map((region) => ({ id: stageIdOf(environment, region), region })),
        bucket: this.reports.bucket,
        key: this.reports.key,
        commitId,
        commitMessage: this.source.sourceAttribute('CommitMessage'),
        policy: config.changeReport,
        pipelineStackName: this.stackName,
        pipeline: config.pipeline,
      });
      const approval = new NotifyingApprovalStep(planned.approval, {
        topic: this.notifications.topic,
        // CodePipeline caps the comment at 500 characters once variables are filled in:
        // summary (<= 250) + the commit link that names the commit.
        // Who may approve: CodePipeline cannot refuse the commit's author (RUNBOOKS.md), so it is said here.
        comment: `${report.summary} | Promote to ${environment.name} (${environment.account}: ${environment.regions.join(', ')}), `
          + `approver not its author (RUNBOOKS "Who may approve"): commit https://github.com/${config.source.owner}/${config.source.repo}/commit/${commitId}`,
        reviewUrl: report.reportUrl,
      });
      approval.addStepDependency(report);
      // Their own CodePipeline stage, before the deploy stage, which rolls back on failure: a
      // rollback runs the stage's actions again with the previous execution's artifacts, and
      // must not wait for a human nor re-run a report that may block it; a rejected approval
      // or a blocked report fails the run without rolling anything back.
      this.pipeline.addWave(planned.approval, { post: [report, approval] });
    }
    const wave = this.pipeline.addWave(planned.id);
    const stages = planned.stages.map(({ id, region }, index) => {
      const baked = planned.bakeMinutes > 0 && index === 0;
      // The role of each pipeline step that reaches the stage, in its Platform stack (issue 33);
      // the scheduled drift check (DriftDetection) reaches every stage.
      const steps: PipelineStepPurpose[] = [
        ...(run.reported ? ['report' as const] : []),
        ...(environment.production ? ['protect' as const] : []),
        ...(baked ? ['bake' as const] : []),
        'drift',
      ];
      const stage = new ServiceStage(this, id, {
        pipelineAccess: { account: config.pipeline.account, pipelineStackName: this.stackName, environmentName: environment.name, steps },
        environment,
        region,
        tags: config.tags,
        commit,
        alarmEmails: config.notifications.emails,
        audit: config.audit,
        featureFlags: run.featureFlags,
        image: {
          // The repository in the stage's own region (the replica outside the pipeline region),
          // so a stage keeps starting tasks when the pipeline region is down. Literal ARN, not
          // a token: stages live in other accounts, where a cross-stack reference cannot reach.
          repositoryArn: imageRepositoryArnIn(config, region),
          repositoryName: imageRepositoryName(config),
          tag: commit,
        },
      });
      // Every wave ends with assertions over each of its stages (a failed one fails the
      // stage's deployment and stops promotion). A secondary region of a global environment
      // reads back what its primary's checks wrote (the primary's wave deploys first).
      addWorkloadAssertions(stage, { stacks: stage.stacks, commit, label: stage.stageName, stage: { environment, region } });
      compliance?.applyTo(stage);
      const post: pipelines.Step[] = [];
      if (environment.production) {
        // CDK Pipelines does not apply terminationProtection (aws-cdk issue 17871): a step
        // after the Service deploy (beside the Assertions deploy) turns it on for real, and
        // deletion protection too, which the templates leave unset so a failed first create
        // can roll back (src/synth/workload/deletion-protection.ts).
        post.push(new TerminationProtectionStep('TerminationProtection', {
          stacks: stage.stacks.stacks,
          deletionProtection: stage.platform.deletionProtection,
          cloudAssembly: run.synthOutput,
          pipelineStackName: this.stackName,
          stageId: id,
        }));
      }
      if (baked) {
        // Once the region's Service stack is deployed, beside its assertions, in the same
        // CodePipeline stage: a bake that fails rolls back the region it watched, and the next
        // region never starts. No slot of its own (BakeStep says why and how).
        const bake = new BakeStep(`Bake-${planned.id}`, {
          cloudAssembly: run.synthOutput,
          stage,
          minutes: planned.bakeMinutes,
          pipelineName: config.pipeline.name,
          pipelineAccount: config.pipeline.account,
          pipelineRegion: config.pipeline.region,
          pipelineStackName: this.stackName,
          pipelineStageName: planned.id,
        });
        post.push(bake);
        this.bakes.push(bake);
      }
      wave.addStage(stage, post.length > 0 ? { stackSteps: [{ stack: stage.service, post }] } : undefined);
      return stage;
    });
    this.stages.push(...stages);
    this.waves.push({ wave, environment, stages });
  }
}

/**
 * The self-mutation action's COMMIT_ID: the source action's commit variable, which the gate check
 * needs to find the approval record of exactly this commit. CDK Pipelines gives that action no
 * environment, so the rendered CodeBuild action configuration gets it (`EnvironmentVariables`,
 * a JSON string, CodePipeline User Guide, "CodeBuild build and test action reference").
 */
function passCommitToSelfMutation(pipeline: cp.Pipeline, commitId: string): void {
  const stageIndex = pipeline.stages.findIndex((s) => s.stageName === 'UpdatePipeline');
  const actionIndex = stageIndex < 0 ? -1 : pipeline.stages[stageIndex].actions.findIndex((a) => a.actionProperties.actionName === 'SelfMutate');
  if (actionIndex < 0) throw new Error('the pipeline has no UpdatePipeline/SelfMutate action to pass the commit to');
  (pipeline.node.defaultChild as cp.CfnPipeline).addPropertyOverride(`Stages.${stageIndex}.Actions.${actionIndex}.Configuration.EnvironmentVariables`,
    Stack.of(pipeline).toJsonString([{ name: 'COMMIT_ID', type: 'PLAINTEXT', value: commitId }]));
}
