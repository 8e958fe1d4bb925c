import {
  CheckRequest, configFromEnvironment, handleHookEvent, HookEvent, HookResponse, HttpOutcome, REQUEST_TIMEOUT_MS,
} from './pre-traffic-checks';

/**
 * The Lambda entry point ECS calls at POST_TEST_TRAFFIC_SHIFT (bundled by esbuild at synth,
 * see pre-traffic-hook.ts). Only I/O lives here; the logic is in pre-traffic-checks.ts.
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
  const { reason, ...response } = await handleHookEvent(event, config, http);
  console.log(JSON.stringify({ lifecycleStage: event.lifecycleStage, ...response, reason }));
  return response;
}
