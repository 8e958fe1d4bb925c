import { fromNodeProviderChain } from '@aws-sdk/credential-providers';

/**
 * Whether the default credential chain yields credentials (env, profile, SSO, IMDS...): the
 * ops commands that call AWS (`doctor --aws`, `failover --run`, the integ:deploy preflight) ask
 * before they build a client, and say so when there are none. Loaded lazily by the CLIs.
 */
export async function hasAwsCredentials(): Promise<boolean> {
  try {
    await fromNodeProviderChain({ timeout: 1000, maxRetries: 0 } as Parameters<typeof fromNodeProviderChain>[0])();
    return true;
  } catch {
    return false;
  }
}
