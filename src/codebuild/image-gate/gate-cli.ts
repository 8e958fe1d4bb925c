import * as fs from 'fs';
import { Allowlist, parseAllowlist } from './allowlist';
import { DEFAULT_THRESHOLDS, Thresholds, decide } from './decision';
import { EcrScanClient, RecordedCall, recordedEcrScanClient, sdkEcrScanClient } from './ecr-client';
import { waitForEcrScan } from './ecr-wait';
import { Finding, SEVERITIES, Severity, isSeverity } from './finding';
import { withTrivyFixStatus } from './fix-status';
import { renderDecision } from './gate-report';
import { GateInputError } from './input-error';
import { EcrReplicationClient, ReplicationRecording, recordedEcrReplicationClient, sdkEcrReplicationClient } from './replication-client';
import { waitForReplication } from './replication-wait';
import { parseTrivyReport, trivyFindings } from './trivy-report';

/** Exit codes: the build step fails on anything but PASS. */
export const EXIT = { PASS: 0, GATE_FAILED: 1, BAD_INPUT: 2 } as const;

export const USAGE = `Usage:
  gate-cli trivy --report trivy.json [common flags]
  gate-cli ecr --repository NAME --digest sha256:... --region REGION
               [--registry-id ACCOUNT] [--timeout-minutes 15] [--poll-seconds 15]
               [--trivy-report trivy.json] [--from-file recorded.json] [common flags]
  gate-cli replication --repository NAME --digest sha256:... --tag COMMIT --region SOURCE_REGION
               --destinations REGION[,REGION...] [--registry-id ACCOUNT]
               [--timeout-minutes 15] [--poll-seconds 15] [--from-file recorded.json]
  replication waits until the digest has replicated to every destination region and the tag
  names it there; it takes no common flags.
  --trivy-report takes fix status for basic-scan findings from Trivy's report of the same
  image (same vulnerability id); without it basic-scan findings count as fixable.
Common flags:
  --allowlist FILE          .trivyignore.yaml (default: .trivyignore.yaml; must exist)
  --fail-on SEV             fail whether or not a fix exists (repeatable or comma list; "none"; default CRITICAL)
  --fail-on-fixable SEV     fail when a fix exists (repeatable or comma list; "none"; default HIGH)
  --today YYYY-MM-DD        date allowlist expiry is checked against (default: today, UTC)
Severities: ${SEVERITIES.join(', ')}
Exit: 0 pass, 1 gate failed, 2 usage error or input the gate cannot evaluate (fail closed).`;

type Flags = Map<string, string[]>;

const KNOWN: Record<string, readonly string[]> = {
  trivy: ['report', 'allowlist', 'fail-on', 'fail-on-fixable', 'today'],
  ecr: ['repository', 'digest', 'region', 'registry-id', 'timeout-minutes', 'poll-seconds', 'trivy-report', 'from-file', 'allowlist', 'fail-on', 'fail-on-fixable', 'today'],
  replication: ['repository', 'digest', 'tag', 'region', 'destinations', 'registry-id', 'timeout-minutes', 'poll-seconds', 'from-file'],
};

function parseFlags(command: string, args: readonly string[]): Flags {
  const flags: Flags = new Map();
  for (let i = 0; i < args.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(args[i]);
    if (!m || !KNOWN[command].includes(m[1])) throw new GateInputError(`unknown argument "${args[i]}" for "${command}"`);
    const value = m[2] ?? args[++i];
    if (value === undefined) throw new GateInputError(`--${m[1]} needs a value`);
    flags.set(m[1], [...(flags.get(m[1]) ?? []), value]);
  }
  return flags;
}

function one(flags: Flags, name: string, fallback?: string): string {
  const values = flags.get(name);
  if (values && values.length > 1) throw new GateInputError(`--${name} given more than once`);
  const value = values?.[0] ?? fallback;
  if (value === undefined || value === '') throw new GateInputError(`--${name} is required`);
  return value;
}

function severities(flags: Flags, name: string, fallback: readonly Severity[]): Severity[] {
  const values = flags.get(name);
  if (!values) return [...fallback];
  const names = values.flatMap((v) => v.split(',')).map((s) => s.trim().toUpperCase()).filter(Boolean);
  if (names.length === 1 && names[0] === 'NONE') return [];
  const bad = names.filter((s) => !isSeverity(s));
  if (bad.length > 0 || names.length === 0) throw new GateInputError(`--${name}: "${bad.join(', ') || values.join(' ')}" is not a severity; use ${SEVERITIES.join(', ')} or none`);
  return [...new Set(names as Severity[])];
}

function positiveNumber(flags: Flags, name: string, fallback: string, allowZero = false): number {
  const raw = one(flags, name, fallback);
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || (!allowZero && n === 0)) throw new GateInputError(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${raw}"`);
  return n;
}

function readFile(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new GateInputError(`cannot read ${what} ${file}: ${(e as Error).message}`);
  }
}

function todayUtc(flags: Flags): string {
  const today = one(flags, 'today', new Date().toISOString().slice(0, 10));
  if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new GateInputError(`--today must be YYYY-MM-DD, got "${today}"`);
  return today;
}

function recordedClient(file: string): EcrScanClient {
  let raw: unknown;
  try {
    raw = JSON.parse(readFile(file, 'recorded ECR responses'));
  } catch (e) {
    if (e instanceof GateInputError) throw e;
    throw new GateInputError(`${file} is not JSON: ${(e as Error).message}`);
  }
  const calls = Array.isArray(raw) ? raw : (raw as { calls?: unknown }).calls ?? [{ response: raw }];
  if (!Array.isArray(calls) || calls.length === 0 || !calls.every((c) => typeof c === 'object' && c !== null && ('response' in c || 'error' in c))) {
    throw new GateInputError(`${file}: expected a DescribeImageScanFindings response, or { "calls": [ { "response": ... } | { "error": { "name": ... } } ] }`);
  }
  return recordedEcrScanClient(calls as RecordedCall[]);
}

function recordedReplicationClient(file: string): EcrReplicationClient {
  let raw: unknown;
  try {
    raw = JSON.parse(readFile(file, 'recorded ECR replication responses'));
  } catch (e) {
    if (e instanceof GateInputError) throw e;
    throw new GateInputError(`${file} is not JSON: ${(e as Error).message}`);
  }
  const isCalls = (c: unknown) => Array.isArray(c) && c.length > 0 && c.every((x) => typeof x === 'object' && x !== null && ('response' in x || 'error' in x));
  const rec = raw as { status?: unknown; tags?: unknown } | null;
  const tags = rec?.tags ?? {};
  if (!isCalls(rec?.status) || typeof tags !== 'object' || tags === null || !Object.values(tags).every(isCalls)) {
    throw new GateInputError(`${file}: expected { "status": [ { "response": ... } | { "error": { "name": ... } } ], "tags": { "<region>": [ ... ] } }`);
  }
  return recordedEcrReplicationClient(raw as ReplicationRecording);
}

interface Io { out: (text: string) => void; err: (text: string) => void }

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** `gate-cli replication`: exit 0 when every region holds the digest under the tag, 1 otherwise. */
async function replicationGate(flags: Flags, io: Io): Promise<number> {
  const repositoryName = one(flags, 'repository');
  const imageDigest = one(flags, 'digest');
  if (!DIGEST.test(imageDigest)) throw new GateInputError(`--digest must be sha256:<64 hex>, got "${imageDigest}"`);
  const imageTag = one(flags, 'tag');
  const region = one(flags, 'region');
  const regions = [...new Set(one(flags, 'destinations').split(',').map((r) => r.trim()).filter(Boolean))];
  const bad = [region, ...regions].filter((r) => !REGION.test(r));
  if (bad.length > 0) throw new GateInputError(`not a region: ${bad.map((r) => JSON.stringify(r)).join(', ')}; use e.g. us-east-2`);
  if (regions.includes(region)) throw new GateInputError(`--destinations must not include the source region ${region}`);
  if (regions.length === 0) throw new GateInputError('--destinations needs at least one region');
  const fromFile = flags.get('from-file') ? one(flags, 'from-file') : undefined;
  const timeoutMs = positiveNumber(flags, 'timeout-minutes', '15') * 60_000;
  const pollMs = positiveNumber(flags, 'poll-seconds', '15', true) * 1000;
  const result = await waitForReplication({
    client: fromFile ? recordedReplicationClient(fromFile) : sdkEcrReplicationClient(region),
    repositoryName,
    imageDigest,
    imageTag,
    regions,
    registryId: flags.get('registry-id') ? one(flags, 'registry-id') : undefined,
    timeoutMs,
    pollMs,
    log: io.out,
  });
  if (!result.ok) {
    io.out(`${result.reason}\nReplication gate FAILED.`);
    return EXIT.GATE_FAILED;
  }
  io.out(`Replication gate passed: ${repositoryName}:${imageTag} = ${imageDigest} in ${regions.join(', ')}.`);
  return EXIT.PASS;
}

async function findingsFor(command: string, flags: Flags, io: Io): Promise<{ gate: string; findings: Finding[] } | string> {
  if (command === 'trivy') {
    const file = one(flags, 'report');
    return { gate: `Trivy gate (${file})`, findings: trivyFindings(parseTrivyReport(readFile(file, 'Trivy report'), file)) };
  }
  const repositoryName = one(flags, 'repository');
  const imageDigest = one(flags, 'digest');
  if (!DIGEST.test(imageDigest)) throw new GateInputError(`--digest must be sha256:<64 hex>, got "${imageDigest}"`);
  const trivyFile = flags.get('trivy-report') ? one(flags, 'trivy-report') : undefined;
  // Read before the (long) wait, so a bad file fails at once.
  const fixSource = trivyFile ? trivyFindings(parseTrivyReport(readFile(trivyFile, 'Trivy report'), trivyFile)) : undefined;
  const fromFile = flags.get('from-file') ? one(flags, 'from-file') : undefined;
  const client = fromFile ? recordedClient(fromFile) : sdkEcrScanClient(one(flags, 'region'));
  const result = await waitForEcrScan({
    client,
    repositoryName,
    imageDigest,
    registryId: flags.get('registry-id') ? one(flags, 'registry-id') : undefined,
    timeoutMs: positiveNumber(flags, 'timeout-minutes', '15') * 60_000,
    pollMs: positiveNumber(flags, 'poll-seconds', '15', true) * 1000,
    log: io.out,
  });
  if (!result.ok) return result.reason;
  const findings = fixSource ? withTrivyFixStatus(result.findings, fixSource) : result.findings;
  return { gate: `ECR scan gate (${repositoryName}@${imageDigest.slice(0, 19)}…)`, findings };
}

/**
 * Run the gate CLI. Resolves with the exit code; writes the report to `io.out` and
 * problems to `io.err`.
 */
export async function runGateCli(argv: readonly string[], io: Io = { out: (t) => console.log(t), err: (t) => console.error(t) }): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'trivy' && command !== 'ecr' && command !== 'replication') {
    io.err(`${command === undefined ? 'missing command' : `unknown command "${command}"`}\n${USAGE}`);
    return EXIT.BAD_INPUT;
  }
  try {
    const flags = parseFlags(command, rest);
    if (command === 'replication') return await replicationGate(flags, io);
    const thresholds: Thresholds = {
      failOnSeverities: severities(flags, 'fail-on', DEFAULT_THRESHOLDS.failOnSeverities),
      failOnFixableSeverities: severities(flags, 'fail-on-fixable', DEFAULT_THRESHOLDS.failOnFixableSeverities),
    };
    const today = todayUtc(flags);
    const allowlistFile = one(flags, 'allowlist', '.trivyignore.yaml');
    const allowlist: Allowlist = parseAllowlist(readFile(allowlistFile, 'allowlist'), allowlistFile);
    const scanned = await findingsFor(command, flags, io);
    if (typeof scanned === 'string') {
      io.out(`${scanned}\nECR scan gate FAILED.`);
      return EXIT.GATE_FAILED;
    }
    const decision = decide({ findings: scanned.findings, thresholds, allowlist, today });
    io.out(renderDecision(scanned.gate, decision, thresholds));
    return decision.pass ? EXIT.PASS : EXIT.GATE_FAILED;
  } catch (e) {
    if (e instanceof GateInputError) {
      io.err(`gate-cli ${command}: ${e.message}\nFailing closed (exit 2).`);
    } else {
      const err = e as { name?: string; message?: string };
      io.err(`gate-cli ${command}: cannot evaluate the gate: ${err.name ?? 'Error'}: ${err.message ?? String(e)}\nFailing closed (exit 2).`);
    }
    return EXIT.BAD_INPUT;
  }
}

if (require.main === module) {
  void runGateCli(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
