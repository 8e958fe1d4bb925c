/**
 * The AWS calls the image gates make, as the smallest interfaces that fit them: the ECR scan
 * wait (DescribeImageScanFindings) and the replication wait (DescribeImageReplicationStatus,
 * DescribeImages). ./aws-image-gate-clients.ts answers them with the AWS SDK,
 * ./recorded-image-gate-clients.ts with a recording (`--from-file`), tests with recorded
 * responses (test/fixtures/supply-chain/).
 *
 * Each call resolves with the raw response (validated by the caller) and rejects with an error
 * whose `name` is the AWS error code (`ScanNotFoundException`, `ThrottlingException`,
 * `ImageNotFoundException`...), as the AWS SDK v3 does.
 */

/** Input of DescribeImageScanFindings, as the gate sends it. */
export interface DescribeImageScanFindingsInput {
  readonly repositoryName: string;
  readonly imageId: { readonly imageDigest: string };
  readonly registryId?: string;
  readonly nextToken?: string;
  readonly maxResults?: number;
}

/** Something that answers DescribeImageScanFindings. */
export interface EcrScanClient {
  describeImageScanFindings(input: DescribeImageScanFindingsInput): Promise<unknown>;
}

/** Input of DescribeImageReplicationStatus, as the gate sends it (to the source region). */
export interface DescribeImageReplicationStatusInput {
  readonly repositoryName: string;
  readonly imageId: { readonly imageDigest: string };
  readonly registryId?: string;
}

/** Input of DescribeImages in one destination region: which digest the commit tag names there. */
export interface DescribeReplicaTagInput {
  /** The destination region the call goes to. */
  readonly region: string;
  readonly repositoryName: string;
  readonly imageTag: string;
  readonly registryId?: string;
}

/** Something that answers both calls of the replication wait. */
export interface EcrReplicationClient {
  describeImageReplicationStatus(input: DescribeImageReplicationStatusInput): Promise<unknown>;
  describeReplicaTag(input: DescribeReplicaTagInput): Promise<unknown>;
}
