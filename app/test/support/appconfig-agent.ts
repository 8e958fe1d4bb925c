import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in of the AWS AppConfig agent's HTTP API, for tests: it answers
 * `GET /applications/{app}/environments/{env}/configurations/{profile}` with the flag values it
 * holds, as the agent does for a feature-flag profile (`{ "<flag>": { "enabled": ..., ... } }`),
 * 404 for any other path.
 *
 * Like the real agent it serves what it last fetched: `deploy(values)` puts a new version into
 * "AppConfig", and the stand-in picks it up only at its next poll, every `pollMs` (the agent's
 * POLL_INTERVAL; the task definition sets 15 s). `pollMs: 0` serves a deployment at once. `down()`
 * stops answering (the connection is refused), `failWith(status)` answers errors, `serveRaw` any
 * body: what the service must survive with its last known values.
 */
export class AppConfigAgentStandIn {
  /** The configuration path the stand-in serves. */
  public static readonly PATH = '/applications/transactions-test/environments/transactions-test/configurations/transactions-test-feature-flags';

  /** Starts a stand-in on a free port of 127.0.0.1 serving `initial`. */
  public static async start(initial: unknown, pollMs = 0): Promise<AppConfigAgentStandIn> {
    const agent = new AppConfigAgentStandIn(initial, pollMs);
    await new Promise<void>((resolve) => agent.server.listen(0, '127.0.0.1', resolve));
    agent.lastPollAt = Date.now();
    if (pollMs > 0) {
      agent.timer = setInterval(() => agent.poll(), pollMs);
    }
    return agent;
  }

  /** Requests the stand-in answered (any status). */
  public requests = 0;
  private served: unknown;
  private deployed: unknown;
  private status = 200;
  private raw?: string;
  private readonly server: Server;
  /** When the stand-in last polled "AppConfig" (ms since epoch). */
  public lastPollAt = 0;
  private timer?: NodeJS.Timeout;

  private constructor(initial: unknown, private readonly pollMs: number) {
    this.served = initial;
    this.deployed = initial;
    this.server = createServer((req, res) => this.answer(req, res));
  }

  /** The URL the service is configured with (FEATURE_FLAGS_URL). */
  public get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${AppConfigAgentStandIn.PATH}`;
  }

  /** A new version deployed to AppConfig: served from the next poll on (at once when pollMs is 0). */
  public deploy(values: unknown): void {
    this.deployed = values;
    if (this.pollMs === 0) this.poll();
  }

  /** The agent's answers become HTTP `status` (500: AppConfig unreachable on a cold start). */
  public failWith(status: number): void {
    this.status = status;
  }

  /** The agent answers this body verbatim with 200. */
  public serveRaw(body: string): void {
    this.raw = body;
  }

  /** Back to normal answers. */
  public heal(): void {
    this.status = 200;
    this.raw = undefined;
  }

  /** Stops the stand-in: connections are refused from now on. */
  public async down(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private poll(): void {
    this.served = this.deployed;
    this.lastPollAt = Date.now();
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    this.requests++;
    if (req.method !== 'GET' || req.url !== AppConfigAgentStandIn.PATH) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (this.status !== 200) {
      res.writeHead(this.status, { 'content-type': 'text/plain' }).end('unavailable');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'configuration-version': '1' }).end(this.raw ?? JSON.stringify(this.served));
  }
}

/** The agent's answer for the kill switch in a given position. */
export function killSwitch(enabled: boolean, retryAfterSeconds = 60): Record<string, unknown> {
  return { transactions_kill_switch: { enabled, retry_after_seconds: retryAfterSeconds } };
}
