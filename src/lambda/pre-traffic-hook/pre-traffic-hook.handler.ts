import { ECSClient, ListServiceDeploymentsCommand, ListServicesCommand } from '@aws-sdk/client-ecs';
import { EcsDeploymentClient, elapsedSinceStart } from './deployment-start';
import { HookEvent, HookResponse } from './hook-decision';
import {
  CheckRequest, configFromEnvironment, ECS_MAX_ATTEMPTS, ECS_REQUEST_TIMEOUT_MS, handleHookEvent, HttpOutcome, REQUEST_TIMEOUT_MS,
} from './pre-traffic-checks';
import { CachedToken, requestAccessToken } from '../../shared/client-credentials';
import { checksCredentialsConfigFrom, readChecksCredentials } from '../checks-token/checks-credentials';
import { secretsManagerReader } from '../checks-token/secrets-manager';

/**
 * The ECS API through the SDK, each call cut at ECS_REQUEST_TIMEOUT_MS and tried ECS_MAX_ATTEMPTS
 * times, so a slow API cannot run the function into its timeout. Created once per execution
 * environment (the region and credentials come from the Lambda environment).
 */
const ecs = new ECSClient({
  maxAttempts: ECS_MAX_ATTEMPTS,
  requestHandler: { connectionTimeout: ECS_REQUEST_TIMEOUT_MS, requestTimeout: ECS_REQUEST_TIMEOUT_MS },
});
const ecsDeployments: EcsDeploymentClient = {
  listServices: (cluster) => ecs.send(new ListServicesCommand({ cluster })),
  listServiceDeployments: (cluster, service) => ecs.send(new ListServiceDeploymentsCommand({ cluster, service, status: ['IN_PROGRESS'] })),
};

/**
 * The checks' access token, kept across invocations of this execution environment until a
 * minute before it expires (ECS calls again every 30 s while a check fails; Cognito bills every
 * token request). A new token reads the checks' credentials again, so a rotated secret is used
 * from the next token on without a redeploy.
 */
let tokens: CachedToken | undefined;
function tokenSource(): CachedToken {
  if (!tokens) {
    const config = checksCredentialsConfigFrom(process.env);
    const readSecret = secretsManagerReader(config.region);
    const timeoutMs = Number(process.env.REQUEST_TIMEOUT_MS ?? REQUEST_TIMEOUT_MS);
    tokens = new CachedToken(async () => requestAccessToken(await readChecksCredentials(readSecret, config), config.scopes, { timeoutMs }));
  }
  return tokens;
}

/**
 * The Lambda entry point ECS calls at POST_TEST_TRAFFIC_SHIFT (bundled by esbuild at synth,
 * see pre-traffic-hook.ts). Only I/O lives here; the logic is in pre-traffic-checks.ts,
 * hook-decision.ts and deployment-start.ts.
 */
export async function handler(event: HookEvent): Promise<Omit<HookResponse, 'reason'>> {
  const config = configFromEnvironment(process.env);
  const http = async (request: CheckRequest): Promise<HttpOutcome> => {
    try {
      const response = await fetch(`${config.testUrl}${request.path}`, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: AbortSignal.timeout(Number(process.env.REQUEST_TIMEOUT_MS ?? REQUEST_TIMEOUT_MS)),
      });
      const text = await response.text();
      let body: unknown = text;
      try { body = JSON.parse(text); } catch { /* not JSON: keep the text */ }
      return { status: response.status, body };
    } catch (e) {
      const err = e as Error;
      return { error: err.name === 'TimeoutError' || err.name === 'AbortError' ? 'timeout' : 'network', message: err.message };
    }
  };
  const { reason, ...response } = await handleHookEvent(event, config, http, elapsedSinceStart(ecsDeployments, config.clusterName), tokenSource());
  // The whole event is logged: what ECS passes (and where) is visible in the log group.
  console.log(JSON.stringify({ lifecycleStage: event.lifecycleStage, ...response, reason, event }));
  return response;
}
