import { testAppConfig } from './database';
import type { DatabaseConfig } from '../../src/config';
import { RunningService, startService } from '../../src/service';

/** Starts the real service (migrations included) on an ephemeral port against `database`. */
export function startTestService(database: DatabaseConfig): Promise<RunningService> {
  return startService(testAppConfig(database));
}

/** A JSON POST /transactions request; `key: null` omits the Idempotency-Key header. */
export function postTransaction(
  baseUrl: string,
  body: unknown,
  key: string | null,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${baseUrl}/transactions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === null ? {} : { 'idempotency-key': key }),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The JSON body of a response, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function readJson(res: Response): Promise<Record<string, any>> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return (await res.json()) as Record<string, any>;
}
