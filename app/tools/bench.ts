import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalIssuer } from './local-issuer';
import { freePort, LocalPostgres } from './local-postgres';
import { AccessTokenVerifier } from '../src/auth/access-token';
import { IssuerKeys } from '../src/auth/issuer-keys';

/** Requests in flight at any time. */
const CONCURRENCY = 20;
/** Each phase stops issuing requests after this long (override: --seconds N). */
const DEFAULT_SECONDS = 10;

interface PhaseResult {
  readonly name: string;
  readonly requests: number;
  readonly failures: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

const APP_DIR = join(__dirname, '..');

/**
 * `npx projen app:bench`: compiles the service with tsc (the production build, as in the image),
 * runs `node lib/main.js` against a throwaway local PostgreSQL on loopback, then drives it at
 * concurrency 20: POST /transactions with distinct Idempotency-Keys, then GET /transactions/:id
 * of the created rows, every request with a token of a local issuer (the per-client rate limit is
 * raised out of the way: this measures the service, not the limit). Prints requests/s, p50/p99
 * latency, the service's peak RSS and the time one token verification takes (keys cached), and
 * stops by itself (two phases of --seconds each, 10 by default).
 */
async function bench(seconds: number): Promise<void> {
  const outDir = mkdtempSync(join(tmpdir(), 'transactions-bench-'));
  const postgres = await LocalPostgres.start();
  const issuer = await LocalIssuer.start();
  try {
    const token = await issuer.token({ client: 'bench' });
    const authorization = `Bearer ${token}`;
    execFileSync('npx', ['tsc', '-p', 'tsconfig.json', '--outDir', outDir, '--types', 'node,pg'], { cwd: APP_DIR, stdio: 'inherit' });
    const database = await postgres.createDatabase('bench');
    const port = await freePort();
    const { host, user, password } = postgres.connection;
    const child = spawn(process.execPath, [join(outDir, 'main.js')], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        DB_HOST: host,
        DB_PORT: String(postgres.connection.port),
        DB_NAME: database,
        DB_USER: user,
        DB_PASSWORD: password,
        DB_SSL: 'false',
        AUTH_ISSUER: issuer.url,
        CLIENT_RATE_LIMIT_PER_SECOND: '100000',
        CLIENT_RATE_LIMIT_BURST: '100000',
        // The bench runs from the repository: resolve dependencies from app/node_modules and the root.
        NODE_PATH: [join(APP_DIR, 'node_modules'), join(APP_DIR, '..', 'node_modules')].join(':'),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitForReady(url);
      let peakRssKb = 0;
      const sampler = setInterval(() => { peakRssKb = Math.max(peakRssKb, rssKb(child.pid!)); }, 200);
      const ids: string[] = [];
      const post = await phase('POST /transactions', seconds, async () => {
        const res = await fetch(`${url}/transactions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': `bench-${randomUUID()}`, authorization },
          body: JSON.stringify({ amount: '12.34', currency: 'EUR', description: 'bench' }),
        });
        const body = (await res.json()) as { id?: string };
        if (body.id && ids.length < 10_000) ids.push(body.id);
        return res.status === 201;
      });
      let next = 0;
      const get = await phase('GET /transactions/:id', seconds, async () => {
        const res = await fetch(`${url}/transactions/${ids[next++ % ids.length]}`, { headers: { authorization } });
        await res.arrayBuffer();
        return res.status === 200;
      });
      clearInterval(sampler);
      report([post, get], peakRssKb, seconds);
      await reportVerification(issuer);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  } finally {
    await postgres.stop();
    await issuer.stop();
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** Times the service's token verification in this process (keys cached after the first): 2000 distinct tokens. */
async function reportVerification(issuer: LocalIssuer): Promise<void> {
  const verifier = new AccessTokenVerifier({ issuer: issuer.url, jwksUrl: issuer.jwksUrl, resourceServer: 'transactions' }, new IssuerKeys(issuer.jwksUrl));
  const tokens = await Promise.all(Array.from({ length: 2000 }, (_, i) => issuer.token({ client: `client-${i % 50}` })));
  await verifier.verify(tokens[0]);
  const times: number[] = [];
  for (const token of tokens) {
    const t0 = performance.now();
    await verifier.verify(token);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const at = (q: number): string => (times[Math.floor(q * times.length)] * 1000).toFixed(0);
  console.log(`token verification (RS256, keys cached, ${times.length} tokens): p50 ${at(0.5)} µs, p99 ${at(0.99)} µs`);
}

/** Runs `request` from CONCURRENCY loops until `seconds` have passed; latencies in ms. */
async function phase(name: string, seconds: number, request: () => Promise<boolean>): Promise<PhaseResult> {
  const latencies: number[] = [];
  let failures = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      const ok = await request().catch(() => false);
      latencies.push(performance.now() - t0);
      if (!ok) failures += 1;
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { name, requests: latencies.length, failures, perSecond: latencies.length / elapsed, p50Ms: at(0.5), p99Ms: at(0.99) };
}

function rssKb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

async function waitForReady(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`${url}/ready`).then((res) => res.ok, () => false);
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the service did not become ready within 30 s');
}

function report(results: PhaseResult[], peakRssKb: number, seconds: number): void {
  console.log(`\nnode ${process.version}, concurrency ${CONCURRENCY}, ${seconds} s per phase, loopback, local PostgreSQL (fsync off)`);
  console.log('| phase | requests | failed | req/s | p50 ms | p99 ms |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(`| ${r.name} | ${r.requests} | ${r.failures} | ${r.perSecond.toFixed(0)} | ${r.p50Ms.toFixed(1)} | ${r.p99Ms.toFixed(1)} |`);
  }
  console.log(`service peak RSS: ${(peakRssKb / 1024).toFixed(0)} MiB`);
  if (results.some((r) => r.failures > 0)) process.exitCode = 1;
}

const secondsFlag = process.argv.indexOf('--seconds');
const seconds = secondsFlag > 0 ? Number(process.argv[secondsFlag + 1]) : DEFAULT_SECONDS;
if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 120) {
  console.error('--seconds must be a number between 1 and 120');
  process.exit(1);
}
bench(seconds).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
