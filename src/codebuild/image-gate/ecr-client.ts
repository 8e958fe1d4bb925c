/**
 * The one ECR call the scan gate needs, as a narrow interface so tests replay recorded
 * responses and the real wiring stays a few lines.
 */

/** Input of DescribeImageScanFindings, as the gate sends it. */
export interface DescribeImageScanFindingsInput {
  readonly repositoryName: string;
  readonly imageId: { readonly imageDigest: string };
  readonly registryId?: string;
  readonly nextToken?: string;
  readonly maxResults?: number;
}

/**
 * Something that answers DescribeImageScanFindings. It resolves with the response (validated
 * by the caller) and rejects with an error whose `name` is the AWS error code, e.g.
 * `ScanNotFoundException`, as the AWS SDK v3 does.
 */
export interface EcrScanClient {
  describeImageScanFindings(input: DescribeImageScanFindingsInput): Promise<unknown>;
}

/** The real client: AWS SDK v3 ECR in `region`, credentials from the default chain (the CodeBuild role). */
export function sdkEcrScanClient(region: string): EcrScanClient {
  // Loaded lazily so that parsing reports and replaying recordings never needs the SDK.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ECRClient, DescribeImageScanFindingsCommand } = require('@aws-sdk/client-ecr') as typeof import('@aws-sdk/client-ecr');
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

/** One recorded call: the response, or the AWS error it raised. */
export type RecordedCall = { readonly response: unknown } | { readonly error: { readonly name: string; readonly message?: string } };

/**
 * Replays recorded calls in order; after the last one, the last one repeats (so "IN_PROGRESS
 * forever" is one entry). Errors are raised with their recorded `name`, as the SDK raises them.
 */
export function recordedEcrScanClient(calls: readonly RecordedCall[]): EcrScanClient & { readonly inputs: DescribeImageScanFindingsInput[] } {
  if (calls.length === 0) throw new Error('recordedEcrScanClient needs at least one recorded call');
  const inputs: DescribeImageScanFindingsInput[] = [];
  return {
    inputs,
    describeImageScanFindings: async (input) => {
      const call = calls[Math.min(inputs.length, calls.length - 1)];
      inputs.push(input);
      if ('error' in call) {
        const err = new Error(call.error.message ?? call.error.name);
        err.name = call.error.name;
        throw err;
      }
      return call.response;
    },
  };
}
