import { FailoverClients, GlobalClusterDescription, HttpResponse } from './failover-clients';
import {
  describeWriterCommand, FailoverTarget, LOAD_BALANCER_URL_OUTPUT_PREFIX, loadBalancerUrlCommand, moveCommand, PROBE_TRANSACTION,
  probeKeyOf, regionOfArn,
} from './failover-plan';
import { errorText } from '../../shared/aws-errors';

/**
 * `npx projen failover ... --run`: the plan of ./failover-plan.ts, executed with the AWS SDK
 * (clients injected: tests answer with recorded responses). Each step prints one line,
 * `OK   ...` or `FAIL ...` with what to do; the first failure stops the run.
 *
 * Only the target region is asked anything, except the switchover itself (a planned move is
 * sent to the writer region, which must be healthy for it): an unplanned failover never needs
 * the old writer's region, which may be down.
 */

/** Timing of the run. */
export interface FailoverRunOptions {
  /** How long to wait for the global cluster to report the target as writer. @default 30 minutes */
  readonly waitTimeoutMs?: number;
  /** Pause between two describe-global-clusters calls. @default 15 seconds */
  readonly pollMs?: number;
  /** How long the proof checks retry `/health/deep?require=writer` (connections recycle). @default 5 minutes */
  readonly proofTimeoutMs?: number;
}

/** What the run found and did. */
export interface FailoverRunResult {
  /** Whether the writer moved and the new writer served the proof transaction. */
  readonly ok: boolean;
  /** The writer region before the run, as the global cluster reported it. @default - none reported */
  readonly from?: string;
  /** The idempotency key of the proof transaction. @default - not reached */
  readonly probeKey?: string;
}

const MINUTE = 60_000;

/** Describe the global cluster in `region`; undefined when it does not exist. */
async function describe(clients: FailoverClients, target: FailoverTarget, region: string): Promise<GlobalClusterDescription | undefined> {
  const answer = await clients.rds(region).describeGlobalClusters({ GlobalClusterIdentifier: target.globalClusterIdentifier });
  return answer.GlobalClusters?.[0];
}

const writerOf = (cluster: GlobalClusterDescription | undefined) => cluster?.GlobalClusterMembers?.find((m) => m.IsWriter)?.DBClusterArn;

/** Execute the failover; every step prints a line through `out`. */
export async function runFailover(
  target: FailoverTarget, clients: FailoverClients, out: (line: string) => void, options: FailoverRunOptions = {},
): Promise<FailoverRunResult> {
  const ok = (text: string) => out(`OK   ${text}`);
  const fail = (text: string, from?: string): FailoverRunResult => {
    out(`FAIL ${text}`);
    return { ok: false, from };
  };
  const { environment, to, globalClusterIdentifier: global, targetClusterArn } = target;
  const verb = target.mode === 'planned' ? 'switchover' : 'failover';
  // Fixed when the run starts, so it is the key a rehearsal log shows from its first line.
  const probeKey = probeKeyOf(target, clients.now());

  // 0. The credentials must be the environment's account (the cluster ARN names it).
  const account = await clients.callerAccount();
  if (account !== environment.account) {
    return fail(`credentials are for account ${account}, ${environment.name} runs in ${environment.account}: `
      + `use credentials (AWS_PROFILE) of ${environment.account}`);
  }

  // 1. The writer now, asked in the target region.
  let before: GlobalClusterDescription | undefined;
  try {
    before = await describe(clients, target, to);
  } catch (e) {
    if (/GlobalClusterNotFound/.test(errorText(e))) before = undefined;
    else return fail(`describe-global-clusters in ${to}: ${errorText(e)}`);
  }
  if (!before) return fail(`global cluster ${global} not found in ${to}: is the ${environment.name} environment deployed as "global"?`);
  const members = before.GlobalClusterMembers ?? [];
  if (!members.some((m) => m.DBClusterArn === targetClusterArn)) {
    return fail(`${targetClusterArn} is not a member of ${global} (members: ${members.map((m) => m.DBClusterArn).join(', ') || 'none'}): `
      + `deploy the ${to} stage before moving the writer there`);
  }
  if (before.FailoverState?.Status) {
    const state = before.FailoverState;
    return fail(`a ${state.IsDataLossAllowed ? 'failover' : 'switchover'} is already ${state.Status} (${state.FromDbClusterArn} -> ${state.ToDbClusterArn}): `
      + `wait for it to finish, do not start another: ${describeWriterCommand(target, to)}`);
  }
  const writer = writerOf(before);
  if (writer === targetClusterArn) {
    return fail(`--to ${to}: ${to} is already the writer of ${global}, nothing to move`
      + (target.from ? ` (to move the writer back: --to ${target.from})` : ''));
  }
  const from = writer ? regionOfArn(writer) : undefined;
  if (target.mode === 'planned' && !from) {
    return fail(`${global} reports no writer (its region may be down): a switchover needs a healthy writer; `
      + 'for an outage run again with --unplanned (writes not yet replicated are lost)');
  }
  ok(`${global}: writer ${writer ?? 'none reported'}${from ? ` (${from})` : ''}; ${targetClusterArn} is a member`
    + ` (${members.find((m) => m.DBClusterArn === targetClusterArn)?.SynchronizationStatus ?? 'synchronization status not reported'})`);

  // 2. Move the writer.
  out(`...  ${moveCommand(target, from)}`);
  try {
    const move = { GlobalClusterIdentifier: global, TargetDbClusterIdentifier: targetClusterArn };
    if (target.mode === 'planned') await clients.rds(from!).switchoverGlobalCluster(move);
    else await clients.rds(to).failoverGlobalCluster({ ...move, AllowDataLoss: true });
  } catch (e) {
    return fail(`${verb} refused or unreachable: ${errorText(e)}`
      + (target.mode === 'planned' ? `. If ${from} is down, a switchover cannot run: use --unplanned (writes not yet replicated are lost)` : ''), from);
  }
  ok(`${verb} of ${global} to ${to} accepted`);

  // 3. Wait until the target is the writer and the operation is over.
  const poll = options.pollMs ?? 15_000;
  const stuck = await waitForWriter(target, clients, out, options.waitTimeoutMs ?? 30 * MINUTE, poll);
  if (stuck) return fail(stuck, from);
  ok(`${global} reports ${targetClusterArn} as the writer`);

  // 4. DNS, and the URL of the new writer's region.
  const url = await newWriterUrl(target, clients, ok);
  if (!url.ok) return fail(url.problem, from);

  // 5. Prove the new writer serves: deep health as writer, a fresh write, the write read back.
  const proof = await proveWriter(url.url, probeKey, clients, out, options.proofTimeoutMs ?? 5 * MINUTE, poll);
  if (proof) return { ...fail(proof, from), probeKey };
  ok(`the new writer serves: ${url.url} wrote and read back transaction ${probeKey}`);
  out(`Fail back later (when ${from ?? 'the old region'} is a healthy secondary again): npx projen failover -- --env ${environment.name} `
    + `--to ${from ?? '<old writer region>'} --planned`);
  return { ok: true, from, probeKey };
}

/**
 * Poll the global cluster in the target region until it reports the target as writer with no
 * operation in progress; the problem (timeout, a cancelled operation), or undefined.
 */
async function waitForWriter(
  target: FailoverTarget, clients: FailoverClients, out: (line: string) => void, waitTimeout: number, poll: number,
): Promise<string | undefined> {
  const { to, globalClusterIdentifier: global, targetClusterArn } = target;
  const verb = target.mode === 'planned' ? 'switchover' : 'failover';
  const deadline = clients.now().getTime() + waitTimeout;
  let last = 'no answer yet';
  let sawInProgress = false;
  for (;;) {
    if (clients.now().getTime() >= deadline) {
      return `timed out after ${Math.round(waitTimeout / MINUTE)} min waiting for ${to} to become the writer (last: ${last}). `
        + `The ${verb} may still be running: do not start another; watch it with: ${describeWriterCommand(target, to)}`;
    }
    await clients.sleep(poll);
    let now: GlobalClusterDescription | undefined;
    try {
      now = await describe(clients, target, to);
    } catch (e) {
      last = `describe failed: ${errorText(e)}`;
      out(`...  ${last} (retrying)`);
      continue;
    }
    const current = writerOf(now);
    const state = now?.FailoverState?.Status;
    last = `Status ${now?.Status ?? '?'}, FailoverState ${state ?? 'none'}, writer ${current ?? 'none'}`;
    if (state) sawInProgress = true;
    if (current === targetClusterArn && !state && now?.Status === 'available') return undefined;
    if (!state && sawInProgress && current !== targetClusterArn && now?.Status === 'available') {
      return `the ${verb} ended without moving the writer (${last}): Aurora cancelled it; see the RDS events of ${global}`;
    }
    out(`...  ${last}`);
  }
}

/**
 * The URL the proof checks call: the service URL with a domain (DNS follows the writer by
 * itself), else the LoadBalancerUrl output of the target region's platform stack.
 */
async function newWriterUrl(
  target: FailoverTarget, clients: FailoverClients, ok: (text: string) => void,
): Promise<{ readonly ok: true; readonly url: string } | { readonly ok: false; readonly problem: string }> {
  if (target.environment.domain) {
    ok(`DNS: nothing to change: the failover records follow the writer's deep health check (${target.serviceUrl}); `
      + 'check with aws route53 get-health-check-status (RUNBOOKS "Regional failure")');
    return { ok: true, url: target.targetRegionalUrl! };
  }
  let url: string | undefined;
  try {
    const stacks = await clients.cloudFormation(target.to).describeStacks({ StackName: target.targetPlatformStack });
    url = stacks.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey?.startsWith(LOAD_BALANCER_URL_OUTPUT_PREFIX))?.OutputValue;
  } catch (e) {
    return {
      ok: false,
      problem: `the writer moved, but the LoadBalancerUrl of ${target.targetPlatformStack} could not be read (${errorText(e)}): `
        + `find it with ${loadBalancerUrlCommand(target)} and run the proof checks by hand`,
    };
  }
  if (!url) return { ok: false, problem: `the writer moved, but ${target.targetPlatformStack} has no LoadBalancerUrl output: run the proof checks by hand` };
  ok(`no domain: clients must now call ${url} (the LoadBalancerUrl of ${target.targetPlatformStack})`);
  return { ok: true, url };
}

/** Repeat `attempt` until it reports no problem or `timeoutMs` passes; the last problem, or undefined. */
async function until(
  clients: FailoverClients, timeoutMs: number, poll: number, attempt: () => Promise<string | undefined>,
): Promise<string | undefined> {
  const deadline = clients.now().getTime() + timeoutMs;
  for (;;) {
    const problem = await attempt();
    if (problem === undefined || clients.now().getTime() + poll > deadline) return problem;
    await clients.sleep(poll);
  }
}

const bodyOf = (r: HttpResponse): Record<string, unknown> => (r.body && typeof r.body === 'object' ? r.body as Record<string, unknown> : {});
const shortBody = (r: HttpResponse) => JSON.stringify(r.body).slice(0, 200);

/** The three checks; the problem found, or undefined when the new writer serves. */
async function proveWriter(
  url: string, key: string, clients: FailoverClients, out: (line: string) => void, timeoutMs: number, poll: number,
): Promise<string | undefined> {
  const call = async (method: 'GET' | 'POST', path: string, body?: string): Promise<HttpResponse | string> => {
    try {
      return await clients.http({
        method,
        url: `${url}${path}`,
        headers: body ? { 'content-type': 'application/json', 'idempotency-key': key } : undefined,
        body,
      });
    } catch (e) {
      return `${method} ${url}${path}: ${errorText(e)}`;
    }
  };
  const deep = await until(clients, timeoutMs, poll, async () => {
    const r = await call('GET', '/health/deep?require=writer');
    const problem = typeof r === 'string' ? r
      : r.status === 200 && bodyOf(r).role === 'writer' ? undefined
        : `GET ${url}/health/deep?require=writer answered ${r.status} ${shortBody(r)}`;
    if (problem) out(`...  ${problem}`);
    return problem;
  });
  if (deep) return `the new writer does not report itself writer in time: ${deep}`;
  out(`OK   GET ${url}/health/deep?require=writer: 200, role writer`);

  const created = await call('POST', '/transactions', JSON.stringify(PROBE_TRANSACTION));
  if (typeof created === 'string') return created;
  if (created.status !== 201 && created.status !== 200) return `POST ${url}/transactions answered ${created.status} ${shortBody(created)}`;
  const id = bodyOf(created).id;
  out(`OK   POST ${url}/transactions (idempotency-key ${key}): ${created.status}, id ${String(id)}`);

  const read = await call('GET', `/transactions/by-idempotency-key/${encodeURIComponent(key)}`);
  if (typeof read === 'string') return read;
  const body = bodyOf(read);
  if (read.status !== 200 || body.id !== id || body.amount !== PROBE_TRANSACTION.amount || body.currency !== PROBE_TRANSACTION.currency) {
    return `GET ${url}/transactions/by-idempotency-key/${key} answered ${read.status} ${shortBody(read)}, expected 200 with transaction ${String(id)}`;
  }
  out(`OK   GET ${url}/transactions/by-idempotency-key/${key}: 200, the same transaction`);
  return undefined;
}
