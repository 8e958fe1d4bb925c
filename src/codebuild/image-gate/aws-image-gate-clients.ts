import { DescribeImageReplicationStatusCommand, DescribeImageScanFindingsCommand, DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { EcrReplicationClient, EcrScanClient } from './image-gate-clients';

/**
 * The real clients of the image gates: AWS SDK v3 ECR, credentials from the default chain (the
 * CodeBuild role). The gate CLI loads this file only when it calls AWS, so parsing reports and
 * replaying recordings never load the SDK.
 */

/** DescribeImageScanFindings in `region`. */
export function awsEcrScanClient(region: string): EcrScanClient {
  const ecr = new ECRClient({ region });
  return {
    describeImageScanFindings: (input) => ecr.send(new DescribeImageScanFindingsCommand({
      repositoryName: input.repositoryName,
      imageId: { imageDigest: input.imageId.imageDigest },
      registryId: input.registryId,
      nextToken: input.nextToken,
      maxResults: input.maxResults,
    })),
  };
}

/** DescribeImageReplicationStatus in `sourceRegion`, DescribeImages in each destination region. */
export function awsEcrReplicationClient(sourceRegion: string): EcrReplicationClient {
  const clients = new Map<string, ECRClient>();
  const client = (region: string) => {
    if (!clients.has(region)) clients.set(region, new ECRClient({ region }));
    return clients.get(region)!;
  };
  return {
    describeImageReplicationStatus: (input) => client(sourceRegion).send(new DescribeImageReplicationStatusCommand({
      repositoryName: input.repositoryName,
      imageId: { imageDigest: input.imageId.imageDigest },
      registryId: input.registryId,
    })),
    describeReplicaTag: (input) => client(input.region).send(new DescribeImagesCommand({
      repositoryName: input.repositoryName,
      imageIds: [{ imageTag: input.imageTag }],
      registryId: input.registryId,
    })),
  };
}
