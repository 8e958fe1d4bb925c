import { FailoverClients, GlobalClusterDescription, HttpResponse } from './failover-clients';
import {
  describeWriterCommand, FailoverTarget, LOAD_BALANCER_URL_OUTPUT_PREFIX, loadBalancerUrlCommand, moveCommand, PROBE_TRANSACTION,
  probeKeyOf, PROOF_SCOPES, regionOfArn,
} from './failover-plan';
import { preflightFailover } from './failover-preflight';
import { moveSecret, pauseRotation, resumeRotation, secretPreflight } from './failover-secret';
import { errorText } from '../../shared/aws-errors';
import { FetchLike, parseClientCredentials, requestAccessToken } from '../../shared/client-credentials';

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
  /** How long to wait for a region's copy of the secret to be an in-sync replica. @default 5 minutes */
  readonly secretTimeoutMs?: number;
}

/** What the run found and did. */
export interface FailoverRunResult {
  /** Whether the writer moved and the new writer served the proof transaction. */
  readonly ok: boolean;
  /** The writer region before the run, as the global cluster reported it. @default - none reported */
  readonly from?: string;
  /** The idempotency key of the proof transaction. @default - not reached */
  readonly probeKey?: string;
  /**
   * Regions whose copy of the secret could not be made a replica of the new primary yet (they
   * did not answer): the same command, run again once they answer, completes them.
   * @default - none
   */
  readonly secretPending?: readonly string[];
}

const MINUTE = 60_000;

/** Describe the global cluster in `region`; undefined when it does not exist. */
async function describe(clients: FailoverClients, target: FailoverTarget, region: string): Promise<GlobalClusterDescription | undefined> {
  const answer = await clients.rds(region).describeGlobalClusters({ GlobalClusterIdentifier: target.globalClusterIdentifier });
  return answer.GlobalClusters?.[0];
}

const writerOf = (cluster: GlobalClusterDescription | undefined) => cluster?.GlobalClusterMembers?.find((m) => m.IsWriter)?.DBClusterArn;

/** The writer before the run, or why the run cannot start. */
type Found = { readonly before: GlobalClusterDescription; readonly writer?: string; readonly from?: string } | { readonly problem: string };

/** Steps 0 and 1: the credentials are the environment's, and the global cluster's writer and members as the target region sees them. */
async function findWriter(target: FailoverTarget, clients: FailoverClients): Promise<Found> {
  const { environment, to, globalClusterIdentifier: global, targetClusterArn } = target;
  const account = await clients.callerAccount();
  if (account !== environment.account) {
    return { problem: `credentials are for account ${account}, ${environment.name} runs in ${environment.account}: use credentials (AWS_PROFILE) of ${environment.account}` };
  }
  let before: GlobalClusterDescription | undefined;
  try {
    before = await describe(clients, target, to);
  } catch (e) {
    if (!/GlobalClusterNotFound/.test(errorText(e))) return { problem: `describe-global-clusters in ${to}: ${errorText(e)}` };
  }
  if (!before) return { problem: `global cluster ${global} not found in ${to}: is the ${environment.name} environment deployed as "global"?` };
  const members = before.GlobalClusterMembers ?? [];
  if (!members.some((m) => m.DBClusterArn === targetClusterArn)) {
    return {
      problem: `${targetClusterArn} is not a member of ${global} (members: ${members.map((m) => m.DBClusterArn).join(', ') || 'none'}): `
        + `deploy the ${to} stage before moving the writer there`,
    };
  }
  if (before.FailoverState?.Status) {
    const state = before.FailoverState;
    return {
      problem: `a ${state.IsDataLossAllowed ? 'failover' : 'switchover'} is already ${state.Status} (${state.FromDbClusterArn} -> ${state.ToDbClusterArn}): `
        + `wait for it to finish, do not start another: ${describeWriterCommand(target, to)}`,
    };
  }
  const writer = writerOf(before);
  const from = writer && writer !== targetClusterArn ? regionOfArn(writer) : undefined;
  if (writer !== targetClusterArn && target.mode === 'planned' && !from) {
    return { problem: `${global} reports no writer (its region may be down): a switchover needs a healthy writer; for an outage run again with --unplanned (writes not yet replicated are lost)` };
  }
  return { before, writer, from };
}

/** Step 1b: what AWS requires of both clusters and what the secret needs, before anything changes; the problems. */
async function checkBeforeMove(
  target: FailoverTarget, clients: FailoverClients, out: (line: string) => void,
  found: { before: GlobalClusterDescription; writer?: string; from?: string },
): Promise<string[]> {
  const database = await preflightFailover(target, clients, found.before, found.writer);
  for (const line of database.lines) out(line);
  const secret = await secretPreflight(target, clients, found.from);
  for (const line of secret.lines) out(line);
  return [...database.problems, ...secret.problems];
}

/**
 * Step 2 and 3: move the writer and wait until the target reports it. A switchover turns the
 * writer region's rotation off first, and back on when the writer did not move.
 */
async function moveWriter(
  target: FailoverTarget, clients: FailoverClients, out: (line: string) => void, from: string | undefined, options: FailoverRunOptions,
): Promise<string | undefined> {
  const { to, globalClusterIdentifier: global, targetClusterArn } = target;
  const verb = target.mode === 'planned' ? 'switchover' : 'failover';
  if (target.mode === 'planned') {
    const paused = await pauseRotation(target, clients, from!, out);
    if (paused) return paused;
  }
  out(`...  ${moveCommand(target, from)}`);
  try {
    const move = { GlobalClusterIdentifier: global, TargetDbClusterIdentifier: targetClusterArn };
    if (target.mode === 'planned') await clients.rds(from!).switchoverGlobalCluster(move);
    else await clients.rds(to).failoverGlobalCluster({ ...move, AllowDataLoss: true });
  } catch (e) {
    if (target.mode === 'planned') await resumeRotation(target, clients, from!, out);
    return `${verb} refused or unreachable: ${errorText(e)}`
      + (target.mode === 'planned' ? `. If ${from} is down, a switchover cannot run: use --unplanned (writes not yet replicated are lost)` : '');
  }
  out(`OK   ${verb} of ${global} to ${to} accepted`);
  const stuck = await waitForWriter(target, clients, out, options.waitTimeoutMs ?? 30 * MINUTE, options.pollMs ?? 15_000);
  // Cancelled by Aurora: the writer stayed, so its rotation comes back. Timed out: it may still move; leave it off.
  if (stuck && target.mode === 'planned' && /cancelled/.test(stuck)) await resumeRotation(target, clients, from!, out);
  if (stuck) return stuck;
  out(`OK   ${global} reports ${targetClusterArn} as the writer`);
  return undefined;
}

/** Execute the failover; every step prints a line through `out`. */
export async function runFailover(
  target: FailoverTarget, clients: FailoverClients, out: (line: string) => void, options: FailoverRunOptions = {},
): Promise<FailoverRunResult> {
  const fail = (text: string, from?: string): FailoverRunResult => {
    out(`FAIL ${text}`);
    return { ok: false, from };
  };
  const { environment, to, globalClusterIdentifier: global, targetClusterArn } = target;
  const secretOptions = { timeoutMs: options.secretTimeoutMs, pollMs: options.pollMs };
  // Fixed when the run starts, so it is the key a rehearsal log shows from its first line.
  const probeKey = probeKeyOf(target, clients.now());

  const found = await findWriter(target, clients);
  if ('problem' in found) return fail(found.problem);
  const { before, writer, from } = found;
  if (writer === targetClusterArn) {
    // The writer is there already (a run that a lost region kept from finishing, or a second
    // run): nothing to move; the secret is completed, step by step, where it is not done.
    out(`OK   --to ${to}: ${to} is already the writer of ${global}, nothing to move`
      + `${target.from ? ` (to move the writer back: --to ${target.from})` : ''}; completing the database secret`);
    const secret = await moveSecret(target, clients, out, secretOptions);
    return { ok: secret.ok, secretPending: secret.pending };
  }
  const member = (before.GlobalClusterMembers ?? []).find((m) => m.DBClusterArn === targetClusterArn);
  out(`OK   ${global}: writer ${writer ?? 'none reported'}${from ? ` (${from})` : ''}; ${targetClusterArn} is a member`
    + ` (${member?.SynchronizationStatus ?? 'synchronization status not reported'})`);

  // 1b. Refused here, before anything changes, with the remedy.
  const problems = await checkBeforeMove(target, clients, out, found);
  if (problems.length) {
    for (const problem of problems.slice(0, -1)) out(`FAIL ${problem}`);
    return fail(problems[problems.length - 1], from);
  }

  // 2-3. Move the writer and wait for it.
  const moved = await moveWriter(target, clients, out, from, options);
  if (moved) return fail(moved, from);

  // 4. DNS, and the URL of the new writer's region.
  const url = await newWriterUrl(target, clients, (text) => out(`OK   ${text}`));
  if (!url.ok) return fail(url.problem, from);

  // 5. Prove the new writer serves: deep health as writer, a fresh write, the write read back
  // (with the checks' token). Without a token (the issuer's region does not answer) the database
  // has still shown it is the writer: the secret follows it, and the run ends in FAIL for the write.
  const proof = await proveWriter(url.url, probeKey, clients, out, options.proofTimeoutMs ?? 5 * MINUTE, options.pollMs ?? 15_000, target);
  if (proof && 'problem' in proof) return { ...fail(proof.problem, from), probeKey };
  if (proof) out(`FAIL ${proof.noToken}; the database secret follows the writer all the same`);
  else out(`OK   the new writer serves: ${url.url} wrote and read back transaction ${probeKey}`);

  // 6. The secret follows the writer: promoted here, replicated back, rotating here.
  const secret = await moveSecret(target, clients, out, secretOptions);
  if (!secret.ok || proof) return { ok: false, from, probeKey, secretPending: secret.pending };
  out(`Fail back later (when ${from ?? 'the old region'} is a healthy secondary again): npx projen failover -- --env ${environment.name} `
    + `--to ${from ?? '<old writer region>'} --planned`);
  return { ok: true, from, probeKey, secretPending: secret.pending };
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
 * itself), else the EdgeLoadBalancerUrl… output of the target region's platform stack.
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
      problem: `the writer moved, but the EdgeLoadBalancerUrl… output of ${target.targetPlatformStack} could not be read (${errorText(e)}): `
        + `find it with ${loadBalancerUrlCommand(target)} and run the proof checks by hand`,
    };
  }
  if (!url) return { ok: false, problem: `the writer moved, but ${target.targetPlatformStack} has no EdgeLoadBalancerUrl… output: run the proof checks by hand` };
  ok(`no domain: clients must now call ${url} (the EdgeLoadBalancerUrl… output of ${target.targetPlatformStack})`);
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

/**
 * The checks' access token for the proof's transaction calls: their credentials from the
 * issuer region's secret (the caller's credentials), then the token endpoint, through the same
 * HTTP client as the checks. The token, or the problem (naming no secret).
 */
async function checksToken(target: FailoverTarget, clients: FailoverClients): Promise<{ token: string } | { problem: string }> {
  const { issuer } = target;
  const why = `the proof's writes need the checks' access token, from the token issuer in ${issuer.region}`;
  let secretString: string | undefined;
  try {
    secretString = (await clients.secretsManager(issuer.region).getSecretValue({ SecretId: issuer.checksSecretName })).SecretString;
  } catch (e) {
    return {
      problem: `${why}, but its credentials ${issuer.checksSecretName} could not be read there (${errorText(e)}), so no write was tried. If ${issuer.region} is down, `
      + 'see RUNBOOKS.md "The token issuer\'s region is down"; the writer itself has moved',
    };
  }
  const fetchThrough: FetchLike = async (url, init) => {
    const r = await clients.http({ method: 'POST', url, headers: init.headers, body: init.body });
    return { status: r.status, text: async () => (typeof r.body === 'string' ? r.body : JSON.stringify(r.body)) };
  };
  try {
    const credentials = parseClientCredentials(secretString);
    return { token: (await requestAccessToken(credentials, PROOF_SCOPES, { fetch: fetchThrough })).token };
  } catch (e) {
    return { problem: `${why}, which gave none (${(e as Error).message}), so no write was tried. If ${issuer.region} is down, see RUNBOOKS.md "The token issuer's region is down"; the writer itself has moved` };
  }
}

/**
 * What the proof found: the new writer serves (undefined), it does not (`problem`), or it reports
 * itself writer but the write could not be tried for want of the checks' token (`noToken`: the
 * token issuer's region, the configured primary, does not answer), which must not keep the
 * database secret from following the writer.
 */
type Proof = undefined | { readonly problem: string } | { readonly noToken: string };

/** The three checks (deep health as writer, a fresh write, the write read back). */
async function proveWriter(
  url: string, key: string, clients: FailoverClients, out: (line: string) => void, timeoutMs: number, poll: number, target: FailoverTarget,
): Promise<Proof> {
  const failed = (text: string) => ({ problem: text });
  let bearer: Record<string, string> = {};
  const call = async (method: 'GET' | 'POST', path: string, body?: string): Promise<HttpResponse | string> => {
    try {
      return await clients.http({
        method,
        url: `${url}${path}`,
        headers: body ? { ...bearer, 'content-type': 'application/json', 'idempotency-key': key } : path.startsWith('/transactions') ? bearer : undefined,
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
  if (deep) return failed(`the new writer does not report itself writer in time: ${deep}`);
  out(`OK   GET ${url}/health/deep?require=writer: 200, role writer`);

  const token = await checksToken(target, clients);
  if ('problem' in token) return { noToken: token.problem };
  bearer = { authorization: `Bearer ${token.token}` };
  out(`OK   the checks' access token from ${target.issuer.tokenUrl}`);

  const created = await call('POST', '/transactions', JSON.stringify(PROBE_TRANSACTION));
  if (typeof created === 'string') return failed(created);
  if (created.status !== 201 && created.status !== 200) return failed(`POST ${url}/transactions answered ${created.status} ${shortBody(created)}`);
  const id = bodyOf(created).id;
  out(`OK   POST ${url}/transactions (idempotency-key ${key}): ${created.status}, id ${String(id)}`);

  const read = await call('GET', `/transactions/by-idempotency-key/${encodeURIComponent(key)}`);
  if (typeof read === 'string') return failed(read);
  const body = bodyOf(read);
  if (read.status !== 200 || body.id !== id || body.amount !== PROBE_TRANSACTION.amount || body.currency !== PROBE_TRANSACTION.currency) {
    return failed(`GET ${url}/transactions/by-idempotency-key/${key} answered ${read.status} ${shortBody(read)}, expected 200 with transaction ${String(id)}`);
  }
  out(`OK   GET ${url}/transactions/by-idempotency-key/${key}: 200, the same transaction`);
  return undefined;
}
