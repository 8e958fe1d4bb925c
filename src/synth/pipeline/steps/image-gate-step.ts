import { Arn, Duration, Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { DeliveryConfig } from '../../../config/schema';
import { provenancePrefixOf } from '../../../shared/image-provenance';
import { ImageRepository } from '../image-repository';

/** Trivy release the gate installs. Bump both values together (from the release's checksums.txt). */
export const TRIVY_VERSION = '0.69.3';
/** SHA-256 of `trivy_${TRIVY_VERSION}_Linux-64bit.tar.gz`; the download is refused on mismatch. */
export const TRIVY_SHA256 = '1816b632dfe529869c740c0913e36bd1629cb7688bd5634f4a858c1d57c88b75';

/** Props of the ImageGateStep. */
export interface ImageGateStepProps {
  /** The repository checkout (app/, .trivyignore.yaml, scripts/). */
  readonly source: pipelines.IFileSetProducer;
  /** The synth output: carries the bundled gate CLI in `.delivery-tools/`. */
  readonly cloudAssembly: pipelines.FileSet;
  /** The gated image repository. */
  readonly images: ImageRepository;
  /** The commit being delivered (a pipeline variable). */
  readonly commitId: string;
  /** Gate thresholds from the config. */
  readonly gates: DeliveryConfig['gates'];
  /**
   * Regions the promoted image must reach before any wave starts (every stage region other than
   * the pipeline's, where ECR replicates the repository). @default [] (nothing to wait for)
   */
  readonly replicationRegions?: readonly string[];
  /**
   * Where the gate records which digest it promoted to each commit tag (under
   * `image-provenance/<repository>/`, a prefix only the gate's role may write), and reads it back
   * before it reuses an existing commit tag (src/codebuild/image-gate/provenance.ts).
   */
  readonly provenance: { readonly bucket: s3.IBucket; readonly key: kms.IKey };
}

/**
 * Builds the service image once and runs both supply-chain gates in ONE CodeBuild action
 * (each action costs ~20 s of provisioning): Trivy on the local image, push under a candidate
 * tag, the ECR scan of the pushed digest, then the commit tag on that same digest, then the wait
 * until ECR has replicated that digest, under the commit tag, to every other stage region. The logic
 * lives in scripts/image-gate.sh and src/codebuild/image-gate (unit-tested on recorded reports).
 *
 * Why this mechanism and not CDK's Docker asset publishing: assets are pushed to the bootstrap
 * repositories of every stage account, with no scan-on-push and no hook to scan before deploy
 * (aws-cdk issues 15347, 16032, 17581). One immutable repository that stages pull from by the
 * commit tag gives one image per commit, scanned before any stage can run it.
 *
 * Why not CodePipeline's own actions for it (issue 30): `ECRBuildAndPublish` builds from a
 * Dockerfile path and pushes under `ImageTags` (configuration `ECRRepositoryName`,
 * `DockerFilePath`, `ImageTags`, `RegistryType`: CodePipeline User Guide, "ECRBuildAndPublish
 * build action reference"), with no build arguments (the image is built with its commit and build
 * time) and no step between the build and the push: it would push the commit tag to the
 * immutable repository before any scan, where this gate scans the local image with Trivy first
 * and tags the commit only on the digest that passed. `InspectorScan` fails on a count of
 * findings per severity from Amazon Inspector ("the number of ... vulnerabilities found ...
 * beyond which CodePipeline should fail the action", InspectorScan action reference), with no
 * fixable-only threshold, no allowlist with an expiry (`.trivyignore.yaml`), no scan of the
 * Dockerfile's configuration and no wait for the replicas. And the two would be two managed
 * builds one after the other where this is one CodeBuild action beside the asset publishing.
 */
export class ImageGateStep extends pipelines.CodeBuildStep {
  constructor(id: string, props: ImageGateStepProps) {
    const repo = props.images.repository;
    const replicationRegions = [...(props.replicationRegions ?? [])];
    const replicationTimeout = replicationRegions.length > 0 ? props.gates.replicationTimeoutMinutes : 0;
    // The replicas: same account and name as the source, in each destination region.
    const replicaArns = replicationRegions.map((region) => Arn.format({ service: 'ecr', region, resource: 'repository', resourceName: props.images.repositoryName }, Stack.of(repo)));
    // This repository's records only (the key layout of provenanceKey).
    const provenanceObjects = props.provenance.bucket.arnForObjects(`${provenancePrefixOf(props.images.repositoryName)}*`);
    super(id, {
      input: props.source,
      additionalInputs: { 'cdk.out': props.cloudAssembly },
      env: {
        REPOSITORY_URI: repo.repositoryUri,
        REPOSITORY_NAME: repo.repositoryName,
        COMMIT_ID: props.commitId,
        FAIL_ON: props.gates.failOnSeverities.join(','),
        FAIL_ON_FIXABLE: props.gates.failOnFixableSeverities.join(','),
        ECR_SCAN_TIMEOUT_MINUTES: String(props.gates.ecrScanTimeoutMinutes),
        // After the promotion the gate waits for the digest in these regions (scripts/image-gate.sh).
        REPLICATION_REGIONS: replicationRegions.join(','),
        REPLICATION_TIMEOUT_MINUTES: String(replicationTimeout),
        // The provenance records: written before a promotion, read before a tag is reused.
        PROVENANCE_BUCKET: props.provenance.bucket.bucketName,
        PROVENANCE_PREFIX: provenancePrefixOf(props.images.repositoryName),
        GATE_CLI: 'cdk.out/.delivery-tools/supply-chain/gate-cli.js',
        REPORTS_DIR: 'gate-reports',
      },
      installCommands: [
        // Pinned release, verified by checksum before it is unpacked; never `curl | sh`.
        `curl -sSfL -o /tmp/trivy.tgz https://github.com/aquasecurity/trivy/releases/download/v${TRIVY_VERSION}/trivy_${TRIVY_VERSION}_Linux-64bit.tar.gz`,
        `echo "${TRIVY_SHA256}  /tmp/trivy.tgz" | sha256sum --check --strict`,
        'tar -xzf /tmp/trivy.tgz -C /usr/local/bin trivy',
        'mkdir -p /usr/local/share/trivy && tar -xzf /tmp/trivy.tgz -C /usr/local/share/trivy --strip-components=1 contrib/junit.tpl',
        'trivy --version',
      ],
      commands: [
        'bash scripts/image-gate.sh',
        // The script is a child process: what it exports dies with it. CodeBuild reads
        // exported-variables from its own shell, so the digest is read in that shell, and an
        // empty or missing one fails the build.
        'IMAGE_DIGEST="$(cat "$REPORTS_DIR/image-digest.txt")" && test -n "$IMAGE_DIGEST" && export IMAGE_DIGEST',
      ],
      primaryOutputDirectory: 'gate-reports',
      buildEnvironment: {
        // Docker builds need a privileged build container.
        privileged: true,
        computeType: codebuild.ComputeType.MEDIUM,
      },
      timeout: Duration.minutes(30 + props.gates.ecrScanTimeoutMinutes + replicationTimeout),
      partialBuildSpec: codebuild.BuildSpec.fromObject({
        env: { 'exported-variables': ['IMAGE_DIGEST'] },
        cache: { paths: ['.trivycache/**/*'] },
        reports: {
          'trivy-image': { 'files': ['trivy-junit.xml'], 'base-directory': 'gate-reports', 'file-format': 'JUNITXML' },
        },
      }),
      rolePolicyStatements: [
        new iam.PolicyStatement({
          sid: 'EcrLogin',
          actions: ['ecr:GetAuthorizationToken'],
          // GetAuthorizationToken has no resource-level permissions.
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'PushScanPromote',
          actions: [
            'ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:CompleteLayerUpload',
            'ecr:DescribeImages', 'ecr:DescribeImageScanFindings', 'ecr:GetDownloadUrlForLayer',
            'ecr:InitiateLayerUpload', 'ecr:PutImage', 'ecr:UploadLayerPart',
            // Only to remove the candidate tag from the promoted image (scripts/image-gate.sh).
            'ecr:BatchDeleteImage',
          ],
          resources: [repo.repositoryArn],
        }),
        ...(replicationRegions.length > 0 ? [
          new iam.PolicyStatement({
            sid: 'ReplicationStatus',
            actions: ['ecr:DescribeImageReplicationStatus'],
            resources: [repo.repositoryArn],
          }),
          new iam.PolicyStatement({
            sid: 'ReplicaTags',
            // Which digest the commit tag names in each stage region (metadata only: no pull).
            actions: ['ecr:DescribeImages'],
            resources: replicaArns,
          }),
        ] : []),
        new iam.PolicyStatement({
          sid: 'ImageProvenance',
          actions: ['s3:GetObject', 's3:PutObject'],
          resources: [provenanceObjects],
        }),
        new iam.PolicyStatement({
          sid: 'ImageProvenanceKey',
          // Read a record (Decrypt) and write one (GenerateDataKey): the bucket's default SSE-KMS key.
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [props.provenance.key.keyArn],
        }),
        new iam.PolicyStatement({
          sid: 'RepositoryKey',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: [props.images.key.keyArn],
        }),
      ],
    });
  }
}
